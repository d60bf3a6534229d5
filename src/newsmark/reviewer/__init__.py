"""The reviewer's tools: looking at the corpus and judging it.

A static HTML site of highlighted mentions and claims, and the agreement of independent annotation
layers with their disagreements located (the statistics ``newsmark stats`` prints are the pipeline's,
pipeline/stats.py). docs/design.md has the map of modules.

Tools use the pipeline (pipeline/) and the shared vocabulary; the pipeline never uses them.
"""
