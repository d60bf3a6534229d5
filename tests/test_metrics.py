"""The shared figures of pipeline/metrics.py: the span matching equals the plain greedy matching it replaced
(kept here as the reference) on real and constructed layers, and needs memory linear in the spans, so that
3,000 claims on one span no longer cost 9 million pairs (issue 24)."""

from __future__ import annotations

import random
import tracemalloc

import pytest
import yaml
from conftest import REPO

from newsmark.pipeline.metrics import dice, harmonic_f1, match_overlapping, prf


def reference_matching(a, b, at_least_half):
    """The matching as agreement.py and evaluate.py wrote it: every overlapping pair listed, sorted by
    greatest overlap then position, taken while both spans are free."""
    candidates = []
    for i, (start, end) in enumerate(a):
        for j, (other_start, other_end) in enumerate(b):
            overlap = min(end, other_end) - max(start, other_start)
            shorter = min(end - start, other_end - other_start)
            if overlap > 0 and (not at_least_half or 2 * overlap >= shorter):
                candidates.append((-overlap, i, j))
    used_a, used_b, matched = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matched.append((i, j))
    return sorted(matched)


def _random_spans(rng: random.Random, count: int, length: int, repeat: float) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for _ in range(count):
        if spans and rng.random() < repeat:  # the same span again: ties the matching must break by index
            spans.append(rng.choice(spans))
            continue
        start = rng.randrange(length)
        spans.append((start, min(length, start + rng.randint(1, 40))))
    return spans


@pytest.mark.parametrize("at_least_half", [True, False])
def test_the_matching_equals_the_plain_greedy_on_constructed_layers(at_least_half):
    rng = random.Random(24)
    cases = [
        ([], []),
        ([(0, 10)], []),
        ([(0, 10), (10, 20)], [(5, 15), (8, 20)]),
        ([(0, 10)], [(0, 5), (5, 10)]),
        ([(0, 10)], [(10, 20)]),
        ([(0, 10)] * 5, [(0, 10)] * 3),  # many claims on one span, in both layers
        ([(0, 10)] * 3 + [(2, 10)] * 3, [(0, 9)] * 4 + [(1, 10)] * 4),  # groups with equal overlaps interleaved
        ([(0, 100 - k) for k in range(30)], [(k, 100) for k in range(30)]),  # nested, every pair overlapping
        ([(0, 4), (0, 20)], [(0, 3), (3, 20)]),  # overlap below half of the shorter span
    ]
    for _ in range(300):
        length = rng.choice([30, 200])
        cases.append(
            (
                _random_spans(rng, rng.randint(0, 25), length, rng.choice([0.0, 0.3, 0.8])),
                _random_spans(rng, rng.randint(0, 25), length, rng.choice([0.0, 0.3, 0.8])),
            )
        )
    for a, b in cases:
        assert match_overlapping(a, b, at_least_half) == reference_matching(a, b, at_least_half), (a, b)


def test_the_matching_equals_the_plain_greedy_on_the_corpus_claims():
    """Every annotated article's claims against a second layer made from them as a second annotator
    would: some dropped, some boundaries moved, some claims split in two."""
    rng = random.Random(26)
    compared = 0
    for path in sorted((REPO / "annotations").glob("*.yaml")):
        claims = yaml.safe_load(path.read_text(encoding="utf-8")).get("claims") or []
        spans = [(claim["start"], claim["end"]) for claim in claims]
        if not spans:
            continue
        other = []
        for start, end in spans:
            choice = rng.random()
            if choice < 0.15:
                continue
            if choice < 0.5:
                other.append((max(0, start + rng.randint(-15, 15)), end + rng.randint(-15, 15)))
            elif choice < 0.6 and end - start > 2:
                middle = (start + end) // 2
                other += [(start, middle), (middle, end)]
            else:
                other.append((start, end))
        other = [(start, end) for start, end in other if start < end]
        rng.shuffle(other)
        for at_least_half in (True, False):
            assert match_overlapping(spans, other, at_least_half) == reference_matching(spans, other, at_least_half)
        compared += 1
    assert compared > 10


def test_thousands_of_claims_on_one_span_match_in_linear_memory():
    """1,000 claims on one span in each layer: one million overlapping pairs, which the plain matching
    listed (about 100 MB); the matching now keeps a few entries per claim."""
    spans = [(100, 200)] * 1000
    tracemalloc.start()
    try:
        matched = match_overlapping(spans, spans, at_least_half=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert matched == [(i, i) for i in range(1000)]
    assert peak < 2_000_000, peak


def test_f1_definitions():
    assert dice(0, 0, 0) == 1.0  # two annotators who marked nothing agree
    assert dice(1, 2, 2) == 0.5
    assert harmonic_f1(0.0, 0.0) == 0.0
    assert harmonic_f1(0.5, 1.0) == 2 * 0.5 * 1.0 / 1.5
    assert prf(0, 0, 0) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "true_positives": 0,
        "predicted": 0,
        "gold": 0,
    }
    assert prf(1, 2, 4)["f1"] == harmonic_f1(0.5, 0.25)


def _plain_b3_grouping_and_claimers(a: dict, b: dict) -> tuple[list, list, list]:
    """B3 sums, grouping disagreements and claimer verdicts as agreement.py computed them before: the span
    sets intersected per mention and the entities scanned per claim."""

    def mentions(layer):
        found = {}
        for entity in layer["entities"]:
            for m in entity["mentions"]:
                found.setdefault((m["start"], m["end"]), entity["id"])
        return found

    ma, mb = mentions(a), mentions(b)
    both = set(ma) & set(mb)
    cluster_a, cluster_b = {}, {}
    for span in both:
        cluster_a.setdefault(ma[span], set()).add(span)
        cluster_b.setdefault(mb[span], set()).add(span)
    b3 = [0.0, 0.0, 0]
    for span in both:
        ours, theirs = cluster_a[ma[span]], cluster_b[mb[span]]
        b3 = [b3[0] + len(ours & theirs) / len(theirs), b3[1] + len(ours & theirs) / len(ours), b3[2] + 1]
    grouping, reported = [], set()
    for span in sorted(both):
        ours, theirs = cluster_a[ma[span]], cluster_b[mb[span]]
        if ours != theirs and ma[span] not in reported:
            reported.add(ma[span])
            grouping.append((ma[span], span, len(ours), len(theirs), mb[span]))

    def spans(layer, entity_id):
        return {(m["start"], m["end"]) for e in layer["entities"] if e["id"] == entity_id for m in e["mentions"]}

    claimers = [
        x == y if "author" in (x, y) else bool(spans(a, x) & spans(b, y))
        for x, y in ((c["claimer"], d["claimer"]) for c, d in zip(a["claims"], b["claims"]))
    ]
    return b3, grouping, claimers


def test_agreement_counts_equal_the_plain_per_mention_computation():
    """B3 and the grouping disagreements come from counts of shared spans, and a claimer pair is looked up
    once: the same figures and disagreements as intersecting span sets per mention and per claim."""
    import types

    from newsmark.pipeline import agreement

    rng = random.Random(3)
    for _ in range(60):
        layers = []
        for _side in range(2):
            entities: dict[str, list] = {}
            for start in rng.sample(range(0, 200, 2), rng.randint(0, 40)):
                entities.setdefault(f"e{rng.randint(0, 5)}", []).append({"start": start, "end": start + 1})
            ids = sorted(entities)
            claims = [
                {
                    "id": f"c{n}",
                    "start": 0,
                    "end": 10,
                    "claimer": rng.choice(["author", *ids]),
                    "type": "event",
                    "attribution": "authorial",
                    "checkworthy": True,
                    "text": "",
                }
                for n in range(rng.randint(0, 6))
            ]
            data = {
                "topics": [],
                "entities": [{"id": i, "type": "PERSON", "mentions": entities[i]} for i in ids],
                "claims": claims,
            }
            layers.append(data)
        a, b = layers
        count = min(len(a["claims"]), len(b["claims"]))
        a["claims"], b["claims"] = a["claims"][:count], b["claims"][:count]  # equal spans: matched in order
        tally = agreement.AgreementCounts()
        compared = [
            agreement.ComparedLayer(n, types.SimpleNamespace(data=d, at=lambda path: (1, 1)))
            for n, d in (("a", a), ("b", b))
        ]
        agreement.compare(*compared, tally)
        b3, grouping, claimers = _plain_b3_grouping_and_claimers(a, b)
        assert tally.b3 == b3
        expected = [
            f"entity {e} groups {ours} shared mention(s); b groups the mention {s[0]}:{s[1]} with {theirs} (its entity {t})"
            for e, s, ours, theirs, t in grouping
        ]
        assert [d["message"] for d in tally.disagreements if d["message"].startswith("entity ")] == expected
        flagged = {d["message"].split()[1] for d in tally.disagreements if "has claimer" in d["message"]}
        assert flagged == {c["id"] for c, same in zip(a["claims"], claimers) if not same}
