"""``newsmark import``: many articles at once, from JSONL, CSV, a folder of texts or saved web pages.

Every item gets the checks ``newsmark new`` makes and an annotation skeleton. All or nothing: the sources
are read twice, first to check every item (keeping only ids and signatures in memory, so memory is
bounded by the signatures, not by the texts) and stage its files in the corpus's staging folder, then,
only when no item has a problem, to make sure each item is the one checked; the staged files are then
renamed into place. Exact duplicates (same normalised text)
of an article in the corpus or earlier in the import are not imported and are named; near-duplicates
join the story of what they duplicate (a story is the first duplicate's own ``story``, or its id).
Importing the same source twice changes nothing.

The parts, in the order an import goes through them: sources.py reads the records of each source,
items.py makes one item into an article, workers.py does that for a chunk of records in a worker process,
check.py is the first pass, stories.py groups near-duplicates (and is ``newsmark dedup``), write.py stages
the files and is the second pass, orchestrate.py runs them under the writer lock.
"""

from newsmark.contributor.bulk.items import Options
from newsmark.contributor.bulk.orchestrate import import_sources
from newsmark.contributor.bulk.sources import MAX_SOURCE_LINE
from newsmark.contributor.bulk.stories import dedup, find_near_duplicates

__all__ = [
    "MAX_SOURCE_LINE",
    "Options",
    "dedup",
    "find_near_duplicates",
    "import_sources",
]
