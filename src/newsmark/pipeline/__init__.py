"""The pipeline: files on disk become a dataset, in one direction and one stage at a time.

Read (corpus/ and annotations/ from disk, safely, with source positions), then check (schemas, then the
rules, giving findings), then assemble (valid articles into rows of every config, with their splits),
then write (Parquet shards, the card, Croissant, the manifest); the build runs the four as one streaming
pass. Each stage is a module or package named after it, beside the helpers it needs (caches, settings,
statistics); docs/design.md has the map.

Modules here use the shared vocabulary one level up (labels, findings, errors, chars, files, text) and
never import a tool (contributor/, reviewer/, release/) or the command line (cli/).
"""
