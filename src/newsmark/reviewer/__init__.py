"""The reviewer's tools: looking at the corpus and judging it.

    report.py  ``newsmark report``: a static HTML site of highlighted mentions and claims
    (``newsmark stats`` prints pipeline/stats.py's counts; its command lives in cli/reviewer.py)

Tools use the pipeline (pipeline/) and the shared vocabulary; the pipeline never uses them.
"""
