"""The figures shared by agreement (two annotators) and evaluation (a model against gold): F1 and the
one-to-one matching of overlapping spans. One definition each, so that ``agree``, ``evaluate``, the card
and the datasheet can never disagree on what a figure means.

- ``dice``: ``2|A∩B| / (|A|+|B|)``, the F1 of two sets that play the same role (two annotators); 1.0 when
  both are empty (nothing to disagree on).
- ``harmonic_f1``: the harmonic mean of a precision and a recall; 0.0 when both are 0.
- ``prf``: precision, recall and F1 of a prediction against gold (0.0 for an empty side), with the counts.
- ``match_overlapping``: a one-to-one matching of two lists of spans, pairs taken greatest overlap first.
"""

from __future__ import annotations

import heapq
from collections import deque


def dice(both: int, a: int, b: int) -> float:
    return 1.0 if a + b == 0 else 2 * both / (a + b)


def harmonic_f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def prf(true_positives: int, predicted: int, gold: int) -> dict:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": harmonic_f1(precision, recall),
        "true_positives": true_positives,
        "predicted": predicted,
        "gold": gold,
    }


def match_overlapping(
    a: list[tuple[int, int]], b: list[tuple[int, int]], at_least_half: bool = False
) -> list[tuple[int, int]]:
    """A one-to-one matching of the spans ``a`` and ``b`` (``(start, end)``, end exclusive), as sorted
    index pairs ``(i, j)``. It is the greedy matching over every overlapping pair sorted by greatest
    overlap, then earliest ``i``, then earliest ``j``, a pair taken when neither span is taken yet; with
    ``at_least_half`` a pair counts only when it overlaps by at least half of the shorter span.

    Listing every pair would cost memory and time in ``len(a) * len(b)``: 3,000 claims on one span in two
    layers are 9 million pairs (1.3 GB). Instead the spans of ``b`` are grouped by position (equal spans
    are interchangeable but for their index, so they are taken earliest first), each span of ``a`` keeps
    only its best pair in a heap, and a span whose best partner was taken meanwhile looks for its next
    best when it reaches the top. The top of the heap is then always the first pair of the sorted list
    whose spans are both free, so the result is the same, in memory linear in the spans. A search for a
    best partner looks at every distinct span of ``b`` at once, with numpy."""
    import numpy

    where: dict[tuple[int, int], int] = {}
    untaken: list[deque] = []  # per distinct span of b: its indices not yet matched, earliest first
    for j, span in enumerate(b):
        if span not in where:
            where[span] = len(untaken)
            untaken.append(deque())
        untaken[where[span]].append(j)
    if not a or not untaken:
        return []
    starts = numpy.array([start for start, _ in where], dtype=numpy.int64)
    ends = numpy.array([end for _, end in where], dtype=numpy.int64)
    lengths = ends - starts
    scale = len(b) + 1  # key = overlap * scale - index: the greatest overlap first, then the earliest index
    first = numpy.array([group[0] for group in untaken], dtype=numpy.int64)  # scale once a group is used up

    def best(span: tuple[int, int]) -> tuple[int, int, int] | None:
        """(-overlap, j, group) of the best free partner of ``span``, or None."""
        start, end = span
        overlap = numpy.minimum(ends, end) - numpy.maximum(starts, start)
        fits = (overlap > 0) & (first < scale)
        if at_least_half:
            fits &= 2 * overlap >= numpy.minimum(lengths, end - start)
        keys = numpy.where(fits, overlap * scale - first, -1)
        group = int(keys.argmax())
        return None if keys[group] < 0 else (-int(overlap[group]), int(first[group]), group)

    heap = []
    for i, span in enumerate(a):
        key = best(span)
        if key is not None:
            heap.append((key[0], i, key[1], key[2]))
    heapq.heapify(heap)
    matched = []
    while heap:
        _, i, j, group = heapq.heappop(heap)
        if first[group] == j:
            untaken[group].popleft()
            first[group] = untaken[group][0] if untaken[group] else scale
            matched.append((i, j))
            continue
        key = best(a[i])  # its partner went to an earlier pair: its next best, which is no better
        if key is not None:
            heapq.heappush(heap, (key[0], i, key[1], key[2]))
    return sorted(matched)
