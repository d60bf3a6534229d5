"""Stage 2: check what was read. Schema first, then the semantic rules; every problem is a Finding.

Levels gate each other as in the UD validator: a file that fails to parse is not schema-checked, and an
annotation that fails its schema is not span-checked, so every finding is about data of the right shape.
Each ``check_*`` function names in its docstring the codes it can raise; ``rules.RULES`` registers them.

    orchestrate.py  validate(): the articles, then the corpus-wide rules, one Report
    incremental.py  a cached whole run started from the last one (lastrun.py)
    runner.py       articles in chunks, in worker processes, the validate cache first
    article.py      one article's files through the levels
    files.py        which files an article has; characters in YAML strings (bytes and syntax: read/)
    schema.py       a YAML document against its JSON Schema
    metadata.py     an article's id, date and licence
    references.py   ids, claimers, finished annotations
    spans.py        mentions and claims against the text; missed mentions
    corpus.py       settings, released labels, the DATASHEET, entity types across articles
    duplicates.py   near-duplicates in different splits
    layers.py       independent annotation layers
"""

from newsmark.pipeline.check.orchestrate import checked_articles, corpus_surfaces, validate

__all__ = ["checked_articles", "corpus_surfaces", "validate"]
