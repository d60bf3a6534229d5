"""The researcher's and releaser's tools: what is done with a built dataset.

    dataset.py   reading a built dataset folder (rows, label names from the files' own Features)
    evaluate.py  ``newsmark evaluate``: score a model's predictions on a split
    export.py    ``newsmark export``: spaCy DocBin, CoNLL, brat standoff, JSONL
    diff.py      ``newsmark diff``: what changed between two releases
    publish.py   ``newsmark publish``: upload a version to the Hub and tag it

Each command gets a module here and its arguments in cli/release.py.
The dataset card and Croissant metadata are not here: the build writes them (pipeline/card.py), and the
pipeline never imports a tool.
"""

from newsmark.extras import require

# Every tool here reads or writes a built dataset (Parquet, Features, spaCy, the Hub): when the dataset stack
# is not installed, one line says which extra to install, before any of them fails to import it.
require("build", "each of newsmark evaluate, export, diff and publish")
