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
    index pairs ``(i, j)``: every overlapping pair sorted by greatest overlap, then earliest ``i``, then
    earliest ``j``, a pair taken when neither span is taken yet; with ``at_least_half`` a pair counts only
    when it overlaps by at least half of the shorter span."""
    candidates = []
    for i, (start, end) in enumerate(a):
        for j, (other_start, other_end) in enumerate(b):
            overlap = min(end, other_end) - max(start, other_start)
            if overlap > 0 and (not at_least_half or 2 * overlap >= min(end - start, other_end - other_start)):
                candidates.append((-overlap, i, j))
    used_a, used_b, matched = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matched.append((i, j))
    return sorted(matched)
