"""Agreement: how far two annotation layers of the same articles agree, and where they differ
(``newsmark agree``; the build puts the figures into the card and the datasheet).

Figures (docs/design.md, "Agreement"):

- mentions: strict span F1 and strict span+type F1, ``2|A∩B| / (|A|+|B|)``;
- entities: B³ F1 of the coreference clusters over the mentions both annotated;
- claims: strict span F1, and overlap F1 over a one-to-one matching (greatest overlap first, at least
  half of the shorter span);
- Cohen's κ on claim type, attribution and check-worthiness over the matched claims, and on each
  topic's presence (every topic of the label set, in every article).

A figure whose items are all absent (no mention in either layer) is 1.0 for the F1s; κ is None (null)
with no item to compare, and 1.0 when both annotators used one and the same label throughout.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from newsmark.errors import NewsmarkError
from newsmark.labels import names
from newsmark.pipeline.metrics import dice, harmonic_f1, match_overlapping
from newsmark.pipeline.read.yamldoc import Document


@dataclass
class ComparedLayer:
    """One annotation file as compared: where it is, its data and where each node is written."""

    path: str
    doc: Document

    @property
    def data(self) -> dict:
        return self.doc.data

    def line(self, path: tuple) -> int:
        return self.doc.at(path)[0]


@dataclass
class AgreementCounts:
    """Counts pooled over articles (micro-averaged figures)."""

    mentions: Counter = field(default_factory=Counter)  # a, b, both, both_typed
    claims: Counter = field(default_factory=Counter)  # a, b, strict, matched
    b3: list = field(default_factory=lambda: [0.0, 0.0, 0])  # precision sum, recall sum, mentions
    pairs: dict = field(default_factory=lambda: {"type": [], "attribution": [], "checkworthy": [], "topics": []})
    disagreements: list = field(default_factory=list)


def cohen_kappa(pairs: list[tuple]) -> float | None:
    """Cohen's κ of paired labels; None when there is no pair. When chance agreement is certain (both
    annotators used one and the same label throughout) agreement is perfect, and κ is 1.0."""
    if not pairs:
        return None
    count = len(pairs)
    observed = sum(a == b for a, b in pairs) / count
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / count**2
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def _mentions(layer: ComparedLayer) -> dict[tuple[int, int], tuple[str, str, tuple]]:
    """(start, end) -> (type, entity id, node path) of every mention."""
    by_span = {}
    for i, entity in enumerate(layer.data["entities"]):
        for j, mention in enumerate(entity["mentions"]):
            by_span.setdefault(
                (mention["start"], mention["end"]), (entity["type"], entity["id"], ("entities", i, "mentions", j))
            )
    return by_span


def match_claims(a: list[dict], b: list[dict]) -> list[tuple[int, int]]:
    """A one-to-one matching of claims: pairs overlapping by at least half of the shorter span, taken
    greatest overlap first (ties by position)."""
    return match_overlapping([(x["start"], x["end"]) for x in a], [(y["start"], y["end"]) for y in b], True)


def compare(a: ComparedLayer, b: ComparedLayer, tally: AgreementCounts) -> None:
    """Add one article's two layers to ``tally``."""
    mentions_a, mentions_b = _mentions(a), _mentions(b)
    both = set(mentions_a) & set(mentions_b)
    typed = {span for span in both if mentions_a[span][0] == mentions_b[span][0]}
    tally.mentions.update(a=len(mentions_a), b=len(mentions_b), both=len(both), both_typed=len(typed))
    for span in sorted(set(mentions_a) ^ set(mentions_b)):
        layer, other, (entity_type, entity_id, path) = (
            (a, b, mentions_a[span]) if span in mentions_a else (b, a, mentions_b[span])
        )
        tally.disagreements.append(
            _where(layer, path, f"mention {span[0]}:{span[1]} ({entity_type}, {entity_id}) is not in {other.path}")
        )
    for span in sorted(both - typed):
        tally.disagreements.append(
            _where(
                a,
                mentions_a[span][2],
                f"mention {span[0]}:{span[1]} is {mentions_a[span][0]} here, {mentions_b[span][0]} in {b.path}",
            )
        )
    clusters = _clusters(mentions_a, mentions_b, both)
    _b3(mentions_a, mentions_b, both, clusters, tally)
    _grouping(a, b, mentions_a, mentions_b, both, clusters, tally)
    _claims(a, b, tally)
    topics_a, topics_b = set(a.data["topics"]), set(b.data["topics"])
    tally.pairs["topics"] += [(name in topics_a, name in topics_b) for name in names("topics")]
    for name in sorted(topics_a ^ topics_b):
        layer, other = (a, b) if name in topics_a else (b, a)
        tally.disagreements.append(_where(layer, ("topics",), f"topic {name} is not in {other.path}"))


def _clusters(mentions_a, mentions_b, both) -> tuple[Counter, Counter, Counter]:
    """Each layer's entities over the mention spans both layers have, as counts: the spans of each entity of
    ``a``, of each entity of ``b``, and the spans each pair of them shares. B3 needs only these sizes, and
    counting them is linear (intersecting the span sets per mention cost mentions squared on one entity
    with many mentions)."""
    size_a, size_b, shared = Counter(), Counter(), Counter()
    for span in both:
        entity_a, entity_b = mentions_a[span][1], mentions_b[span][1]
        size_a[entity_a] += 1
        size_b[entity_b] += 1
        shared[entity_a, entity_b] += 1
    return size_a, size_b, shared


def _b3(mentions_a, mentions_b, both, clusters, tally: AgreementCounts) -> None:
    size_a, size_b, shared = clusters
    for span in both:
        entity_a, entity_b = mentions_a[span][1], mentions_b[span][1]
        common = shared[entity_a, entity_b]
        tally.b3[0] += common / size_b[entity_b]
        tally.b3[1] += common / size_a[entity_a]
        tally.b3[2] += 1


def _grouping(
    a: ComparedLayer, b: ComparedLayer, mentions_a, mentions_b, both, clusters, tally: AgreementCounts
) -> None:
    """A disagreement for each entity of ``a`` whose shared mentions ``b`` groups otherwise (what B3 measures,
    located for the adjudicator): once per entity, at its first mention."""
    size_a, size_b, shared = clusters
    reported = set()
    for span in sorted(both):
        entity, theirs = mentions_a[span][1], mentions_b[span][1]
        same = shared[entity, theirs] == size_a[entity] == size_b[theirs]  # the two groups are one set of spans
        if not same and entity not in reported:
            reported.add(entity)
            tally.disagreements.append(
                _where(
                    a,
                    mentions_a[span][2],
                    f"entity {entity} groups {size_a[entity]} shared "
                    f"mention(s); {b.path} groups the mention {span[0]}:{span[1]} with "
                    f"{size_b[theirs]} (its entity {theirs})",
                )
            )


def _entity_spans(layer: ComparedLayer) -> dict[str, set]:
    """Each entity id of ``layer`` with the spans of its mentions: built once per article, as every matched
    claim looks its claimer up (scanning the entities per claim cost claims times mentions)."""
    spans: dict[str, set] = {}
    for entity in layer.data["entities"]:
        spans.setdefault(entity["id"], set()).update((m["start"], m["end"]) for m in entity["mentions"])
    return spans


def _same_claimer(spans_a: dict[str, set], spans_b: dict[str, set], x: str, y: str) -> bool:
    """Whether two claimers are the same: both the author, or entities that share a mention span (the two
    layers may give one entity different ids)."""
    if "author" in (x, y):
        return x == y
    return not spans_a.get(x, set()).isdisjoint(spans_b.get(y, set()))


def _claims(a: ComparedLayer, b: ComparedLayer, tally: AgreementCounts) -> None:
    claims_a, claims_b = a.data["claims"], b.data["claims"]
    spans_b = {(c["start"], c["end"]) for c in claims_b}
    matched = match_claims(claims_a, claims_b)
    entity_spans = (_entity_spans(a), _entity_spans(b)) if matched else ({}, {})
    same_claimer: dict[tuple[str, str], bool] = {}
    tally.claims.update(
        a=len(claims_a),
        b=len(claims_b),
        matched=len(matched),
        strict=sum((c["start"], c["end"]) in spans_b for c in claims_a),
    )
    for i, j in matched:
        x, y = claims_a[i], claims_b[j]
        for key in ("type", "attribution", "checkworthy"):
            tally.pairs[key].append((x[key], y[key]))
            if x[key] != y[key]:
                tally.disagreements.append(
                    _where(
                        a,
                        ("claims", i, key),
                        f"claim {x['id']} has {key} {x[key]!r}; {b.path} has {y[key]!r} (its claim {y['id']})",
                    )
                )
        # matched by overlap, so the figures count them as one claim; the adjudicator still has to choose
        if (x["start"], x["end"]) != (y["start"], y["end"]):
            tally.disagreements.append(
                _where(
                    a,
                    ("claims", i),
                    f"claim {x['id']} spans {x['start']}:{x['end']}; "
                    f"{b.path} spans {y['start']}:{y['end']} (its claim {y['id']})",
                )
            )
        claimers = (x["claimer"], y["claimer"])
        if claimers not in same_claimer:  # asked once per pair of claimers: an entity may have many mentions
            same_claimer[claimers] = _same_claimer(*entity_spans, *claimers)
        if not same_claimer[claimers]:
            tally.disagreements.append(
                _where(
                    a,
                    ("claims", i, "claimer"),
                    f"claim {x['id']} has claimer "
                    f"{x['claimer']!r}; {b.path} has {y['claimer']!r} (its claim {y['id']})",
                )
            )
        if x.get("date") != y.get("date"):
            tally.disagreements.append(
                _where(
                    a,
                    ("claims", i),
                    f"claim {x['id']} has date {x.get('date')!r}; {b.path} has {y.get('date')!r} (its claim {y['id']})",
                )
            )
    for layer, other, claims, side in ((a, b, claims_a, 0), (b, a, claims_b, 1)):
        taken = {pair[side] for pair in matched}
        for index, claim in enumerate(claims):
            if index not in taken:
                tally.disagreements.append(
                    _where(
                        layer,
                        ("claims", index),
                        f"claim {claim['id']} {claim['start']}:{claim['end']} has no counterpart in {other.path}",
                    )
                )


def _where(layer: ComparedLayer, path: tuple, message: str) -> dict:
    return {"path": layer.path, "line": layer.line(path), "message": message}


def figures(tally: AgreementCounts) -> dict:
    m, c = tally.mentions, tally.claims
    precision, recall, count = tally.b3
    b3_p, b3_r = (precision / count, recall / count) if count else (1.0, 1.0)
    return {
        "mentions": {
            "strict_f1": dice(m["both"], m["a"], m["b"]),
            "strict_typed_f1": dice(m["both_typed"], m["a"], m["b"]),
            "a": m["a"],
            "b": m["b"],
        },
        "entities": {"b3_f1": harmonic_f1(b3_p, b3_r), "mentions_compared": count},
        "claims": {
            "strict_f1": dice(c["strict"], c["a"], c["b"]),
            "overlap_f1": dice(c["matched"], c["a"], c["b"]),
            "matched": c["matched"],
            "a": c["a"],
            "b": c["b"],
            "kappa": {key: cohen_kappa(tally.pairs[key]) for key in ("type", "attribution", "checkworthy")},
        },
        "topics": {"kappa": cohen_kappa(tally.pairs["topics"])},
        "disagreements": sorted(tally.disagreements, key=lambda d: (d["path"], d["line"], d["message"])),
    }


ADJUDICATED = "adjudicated"  # the name of annotations/<id>.yaml, the layer that is built


def layer_path(inventory, name: str, article_id: str):
    """Where layer ``name`` of an article is: annotations/<id>.yaml for ``adjudicated``, else the
    annotator's independent layer; None when that article has no such layer."""
    return inventory.annotations.get(article_id) if name == ADJUDICATED else inventory.layers.get((name, article_id))


def check_layer_names(inventory, names_: list[str], option: str) -> None:
    """Refuse a layer name that is neither ``adjudicated`` nor an annotator folder of the corpus."""
    present = sorted({annotator for annotator, _ in inventory.layers})
    for name in names_:
        if name != ADJUDICATED and name not in present:
            raise NewsmarkError(
                f"{option} {name}: no annotations/independent/{name}/ folder "
                f"(there are: {', '.join(present) or 'none'})"
            )


def _merge(total: AgreementCounts, part: AgreementCounts) -> None:
    total.mentions.update(part.mentions)
    total.claims.update(part.claims)
    total.b3 = [x + y for x, y in zip(total.b3, part.b3)]
    for key, pairs in part.pairs.items():
        total.pairs[key] += pairs
    total.disagreements += part.disagreements


def agree(inventory, load, ids: list[str] | None = None, annotators: list[str] | None = None) -> dict:
    """The agreement of two layers over every article of ``inventory`` (the corpus's files, as ``read.inventory`` lists them) that has both: two
    independent annotators (annotations/independent/<annotator>/), or one of them and the adjudicated
    annotations/<id>.yaml (named ``adjudicated``). Without ``annotators``: the two independent annotators
    there are, or the one there is against the adjudicated layer. ``load(path, article_id)`` reads a layer
    (and refuses one that does not validate)."""
    present = sorted({annotator for annotator, _ in inventory.layers})
    if annotators is None:
        if len(present) == 1:
            annotators = [present[0], ADJUDICATED]
        elif len(present) == 2:
            annotators = present
        else:
            raise NewsmarkError(
                f"{len(present)} independent annotators in annotations/independent/"
                f"{' (' + ', '.join(present) + ')' if present else ''}; name two with --annotators"
            )
    if len(annotators) != 2 or annotators[0] == annotators[1]:
        raise NewsmarkError(
            "--annotators takes two different names (an annotator's folder under "
            f"annotations/independent/, or {ADJUDICATED})"
        )
    check_layer_names(inventory, annotators, "--annotators")

    articles = sorted(set(inventory.annotations) | {article_id for _, article_id in inventory.layers})
    if ids is not None:
        unknown = [article_id for article_id in ids if article_id not in articles]
        if unknown:
            raise NewsmarkError(f"no annotation of {', '.join(unknown)}")
        articles = ids
    total, per_article = AgreementCounts(), {}
    for article_id in articles:
        paths = [layer_path(inventory, name, article_id) for name in annotators]
        if None in paths:
            continue
        first, second = (load(path, article_id) for path in paths)
        part = AgreementCounts()
        compare(first, second, part)
        per_article[article_id] = {key: value for key, value in figures(part).items() if key != "disagreements"}
        _merge(total, part)
    if not per_article:
        raise NewsmarkError(f"no article has both {annotators[0]} and {annotators[1]}")
    return {"articles": len(per_article), "annotators": annotators, **figures(total), "per_article": per_article}


def card_figures(inventory, load) -> dict | None:
    """What the card and the datasheet say of agreement: None without independent layers (not measured),
    else the figures of ``agree``'s default comparison, or why there are none."""
    if not inventory.layers:
        return None
    try:
        result = agree(inventory, load)
    except NewsmarkError as err:
        return {"error": str(err).split("\n")[0]}
    claims = result["claims"]
    return {
        "articles": result["articles"],
        "annotators": result["annotators"],
        "mentions_f1": result["mentions"]["strict_f1"],
        "mentions_typed_f1": result["mentions"]["strict_typed_f1"],
        "b3_f1": result["entities"]["b3_f1"],
        "claims_strict_f1": claims["strict_f1"],
        "claims_overlap_f1": claims["overlap_f1"],
        "kappa": {**claims["kappa"], "topics": result["topics"]["kappa"]},
    }


def krippendorff_alpha(units: list[list]) -> float | None:
    """Krippendorff's α (nominal) of ``units``, one list of values per annotator (None where an annotator
    gave none), through the ``krippendorff`` package; 1.0 when one label is used throughout, None with no
    value or when the package finds it undefined."""
    import krippendorff
    import numpy

    labels = sorted({value for row in units for value in row if value is not None}, key=str)
    if len(labels) < 2:  # one label throughout: nothing to disagree on (None when there is no value)
        return 1.0 if labels else None
    code = {label: index for index, label in enumerate(labels)}
    data = numpy.array([[numpy.nan if value is None else code[value] for value in row] for row in units], dtype=float)
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except ValueError:
        return None


def agree_many(inventory, load, annotators: list[str], ids: list[str] | None = None) -> dict:
    """Three or more layers: every pair's figures, and Krippendorff's α over all of them on claim type,
    attribution and check-worthiness (the first layer's claims, matched in each other layer) and on each
    topic's presence, over the articles every layer annotates."""
    check_layer_names(inventory, annotators, "--annotators")
    if len(set(annotators)) != len(annotators):
        raise NewsmarkError("--annotators names each layer once")

    articles = ids if ids is not None else sorted(set(inventory.annotations) | {a for _, a in inventory.layers})
    fields = ("type", "attribution", "checkworthy")
    units: dict[str, list[list]] = {key: [[] for _ in annotators] for key in (*fields, "topics")}
    pairs = {(a, b): AgreementCounts() for i, a in enumerate(annotators) for b in annotators[i + 1 :]}
    count = 0
    for article_id in articles:
        paths = [layer_path(inventory, name, article_id) for name in annotators]
        if None in paths:
            continue
        count += 1
        layers = [load(path, article_id) for path in paths]
        for (a, b), tally in pairs.items():
            compare(layers[annotators.index(a)], layers[annotators.index(b)], tally)
        reference = layers[0].data["claims"]
        matches = [dict(match_claims(reference, layer.data["claims"])) for layer in layers[1:]]
        for index, claim in enumerate(reference):
            for key in fields:
                units[key][0].append(claim[key])
                for row, (layer, matched) in enumerate(zip(layers[1:], matches), 1):
                    other = matched.get(index)
                    units[key][row].append(None if other is None else layer.data["claims"][other][key])
        for name in names("topics"):
            for row, layer in enumerate(layers):
                units["topics"][row].append(name in layer.data["topics"])
    if not count:
        raise NewsmarkError(f"no article has all of {', '.join(annotators)}")
    return {
        "articles": count,
        "annotators": annotators,
        "alpha": {key: krippendorff_alpha(rows) for key, rows in units.items()},
        "pairs": {
            f"{a} vs {b}": {k: v for k, v in figures(tally).items() if k != "disagreements"}
            for (a, b), tally in pairs.items()
        },
    }
