"""Stage 1: read the corpus from disk, safely, keeping source positions.

Nothing here follows a symlink, reads a file over the size limit, constructs a YAML tag, or expands an
alias. Problems met while reading are returned as findings, never raised, so one broken file cannot hide
the findings in the others.

    inventory.py   the article files under corpus/ and annotations/; an Article as read, its status
    files.py       bytes from disk, UTF-8 decoding, the hygiene of an article's text (NM1xx)
    yamldoc.py     the YAML reader: Document, source positions, scalar rules (NM2xx)
    project.py     CITATION.cff and benchmarks/baselines.json, for the build
"""
