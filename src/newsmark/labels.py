"""The label sets, read once from ``schema/labels.json``.

Everything else (JSON Schemas, ClassLabels, docs) derives from these lists, and their order is the
ClassLabel index order of the released dataset.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LABEL_SETS = ("topics", "entity_types", "claim_types", "attributions", "verdicts", "annotator_kinds")
# An annotation file's status. A file says ``status: in-progress`` while work goes on; the skeleton that
# ``new`` and ``import`` write (every list empty) is not started; anything else is complete. Only complete
# annotations are built, counted in the statistics and held to completeness (rule NM507).
COMPLETE, IN_PROGRESS, NOT_STARTED = "complete", "in-progress", "not-started"
STATUS_VALUES = (COMPLETE, IN_PROGRESS)  # what the ``status`` key may say
# OntoNotes' numeric and temporal types: values, not names. The same string ("25", "May") is a different
# value in every article that uses it, so only names are compared across articles (rule NM604).
VALUE_TYPES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


def schema_dir() -> Path:
    """The folder holding labels and schemas: the repository's ``schema/`` in a source checkout
    (editable install), or the copy packaged into the wheel."""
    checkout = Path(__file__).resolve().parents[2] / "schema"
    if (checkout / "labels.json").is_file():
        return checkout
    return Path(__file__).resolve().parent / "schema"


@cache
def label_table() -> dict[str, list[dict[str, str]]]:
    """Each label set as a list of ``{"name", "label"}`` in index order."""
    data = json.loads((schema_dir() / "labels.json").read_text(encoding="utf-8"))
    return {key: data[key] for key in LABEL_SETS}


def labels_by_name(label_set: str) -> dict[str, str]:
    """Each name of a label set with its readable label (medtop:11000000 -> politics)."""
    return {entry["name"]: entry["label"] for entry in label_table()[label_set]}


def names(label_set: str) -> list[str]:
    """The names of one label set, in ClassLabel index order."""
    return [entry["name"] for entry in label_table()[label_set]]
