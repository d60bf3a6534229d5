"""The pipeline: files on disk become a dataset, in one direction, one module per stage.

    read.py      stage 1: corpus/ and annotations/ from disk, safely, with source positions
    check/       stage 2: schema (schemas.py), then semantic rules -> findings; cache.py, parallel.py
    assemble.py  stage 3: valid articles -> rows of every config (splits.py, features.py)
    write.py     stage 4: Parquet shards, card (card.py), Croissant, manifest
    build.py     runs the four stages as one streaming pass (``newsmark.build``)
    stats.py     corpus statistics for the card, the datasheet and ``newsmark stats``

Modules here use the shared vocabulary one level up (labels, findings, errors, chars, files, text) and
never import a tool (contributor/, reviewer/, release/) or the command line (cli/).
"""
