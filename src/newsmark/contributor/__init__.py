"""The contributor's tools: getting articles and annotations into the corpus and keeping them right.

Adding articles one at a time or in bulk (with their metadata and an annotation skeleton), grouping
near-duplicates into stories, filling in span offsets from quotes, suggesting forgotten mentions, the
Label Studio round trip, and synthetic corpora for tests and benchmarks. docs/design.md has the map of
modules.

Tools use the pipeline (pipeline/) and the shared vocabulary; the pipeline never uses them.
"""
