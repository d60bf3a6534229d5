"""The shapes of names: article ids, the local ids of entities and claims, and annotator handles. One
definition each, for the JSON Schemas (as ``^...$`` patterns), the reader (which names files after them),
the Label Studio import and ``new``/``import`` (which make them).

Python code matches these with ``fullmatch``: a ``$`` would let ``"x\\n"`` through.
"""

from __future__ import annotations

import re

# An article id names two files (corpus/<id>.txt and .yaml): lowercase letters and digits in groups joined
# by single hyphens, so it is the same on every filesystem and never starts or ends with a separator.
ARTICLE_ID = r"[a-z0-9]+(?:-[a-z0-9]+)*"
MAX_ID_LENGTH = 80
# Device names Windows reserves in any folder: a file called con.txt cannot be checked out there.
RESERVED_NAMES = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{n}" for n in range(1, 10)), *(f"lpt{n}" for n in range(1, 10))]
)
# The id of an entity or a claim inside one annotation file (netanyahu, c1).
LOCAL_ID = r"[a-z][a-z0-9_-]{0,63}"
# An annotator's handle or team name: recorded in ``annotators`` and the name of the folder of their
# independent layer, so it starts with a letter or digit (never "." or "..").
HANDLE = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"

ARTICLE_ID_RE = re.compile(ARTICLE_ID)
LOCAL_ID_RE = re.compile(LOCAL_ID)
HANDLE_RE = re.compile(HANDLE)


def is_article_id(value: str) -> bool:
    """Whether ``value`` has the article id shape (reserved device names are reported separately)."""
    return len(value) <= MAX_ID_LENGTH and ARTICLE_ID_RE.fullmatch(value) is not None
