"""The contributor's tools: getting articles and annotations into the corpus.

    intake.py  ``newsmark new`` and ``newsmark ingest``: text normalisation, metadata, annotation skeleton
    anchor.py  ``newsmark anchor``: span offsets from quotes, editing YAML round-trip
    synth.py   ``newsmark synth``: synthetic corpora for tests and benchmarks (never the real corpus)

Tools use the pipeline (pipeline/) and the shared vocabulary; the pipeline never uses them.
"""
