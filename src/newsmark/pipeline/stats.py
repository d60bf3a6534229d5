"""Corpus statistics: counts per split, entity type, claim type, topic and annotator kind.

Computed from the validated annotations alone (no dataset build needed), so that ``validate`` can tell
when the DATASHEET block is stale and ``build`` can regenerate it and fill the card.
"""

from __future__ import annotations

import json
from collections import Counter

from newsmark.labels import COMPLETE, IN_PROGRESS, labels_by_name, names
from newsmark.pipeline.read.inventory import Article
from newsmark.pipeline.splits import SPLITS, assign_split
from newsmark.settings import Settings

BLOCK_START = "<!-- newsmark:stats:start -->"
BLOCK_END = "<!-- newsmark:stats:end -->"


def contribution(article: Article) -> dict | None:
    """What one article adds to the statistics (small and JSON-safe, so the validate cache can keep it);
    None for an article that is not built (missing text, metadata or a valid annotation). An article not
    yet annotated adds only its status (and its split key and licence, which rules on the corpus need)."""
    if article.annotation is None or article.meta is None or article.text is None:
        return None
    key = article.meta.data.get("story") or article.id
    if article.status != COMPLETE:
        return {"key": key, "license": article.meta.data["license"], "status": article.status}
    annotation = article.annotation.data
    mentions = Counter()
    surfaces: dict[str, str] = {}  # each mention text with the type of its first entity (rule NM604)
    for entity in annotation["entities"]:
        mentions[entity["type"]] += len(entity["mentions"])
        for mention in entity["mentions"]:
            surfaces.setdefault(mention["text"], entity["type"])
    return {
        "key": key,
        "entities": len(annotation["entities"]),
        "mentions": dict(mentions),
        "claims": dict(Counter(claim["type"] for claim in annotation["claims"])),
        "checkworthy": sum(claim["checkworthy"] for claim in annotation["claims"]),
        "topics": list(annotation["topics"]),
        "kinds": sorted({annotator["kind"] for annotator in annotation["annotators"]}),
        "annotators": sorted({_annotator_key(annotator) for annotator in annotation["annotators"]}),
        "license": article.meta.data["license"],
        "source": (article.meta.data.get("source") or {}).get("name") or "unknown",
        "verdicts": sum("verdict" in claim for claim in annotation["claims"]),
        "wikidata": sum("wikidata" in entity for entity in annotation["entities"]),
        "surfaces": surfaces,
    }


ANNOTATOR_FIELDS = ("id", "kind", "model", "version", "date")  # an annotator's record, as the schema has it


def _annotator_key(annotator: dict) -> str:
    """An annotator's record as one JSON string (a counter key that the validate cache can keep): its id and
    kind, and for a model what the record gives of the model's name, version and the day it ran."""
    return json.dumps({field: annotator[field] for field in ANNOTATOR_FIELDS if field in annotator})


class Tally:
    """Running statistics: contributions are added one at a time and not kept (and can be taken away
    again: a validation after an edit takes the article's old contribution out and puts its new one in)."""

    COUNTERS = ("splits", "mentions", "claims", "topics", "kinds", "annotators", "licenses", "sources", "pending")
    TOTALS = ("entities", "checkworthy", "verdicts", "wikidata")

    def __init__(self, settings: Settings, state: dict | None = None):
        self.settings = settings
        self.splits, self.mentions, self.claims = Counter(), Counter(), Counter()
        self.topics, self.kinds = Counter(), Counter()
        self.annotators, self.licenses = Counter(), Counter()
        self.sources = Counter()
        self.pending = Counter()  # articles not yet annotated, by status
        self.entities = self.checkworthy = self.verdicts = self.wikidata = 0
        if state is not None:
            for name in self.COUNTERS:
                setattr(self, name, Counter(state.get(name, {})))
            for name in self.TOTALS:
                setattr(self, name, int(state[name]))

    def state(self) -> dict:
        """The counts as plain JSON (``Tally(settings, state)`` makes the same tally again)."""
        return {
            **{name: dict(+getattr(self, name)) for name in self.COUNTERS},
            **{name: getattr(self, name) for name in self.TOTALS},
        }

    def add(self, part: dict | None, sign: int = 1) -> None:
        """Count one article's contribution in (``sign`` -1: out)."""
        if part is None:
            return
        if "status" in part:
            self.pending[part["status"]] += sign
            return
        self.splits[assign_split(part["key"], self.settings)] += sign
        self.entities += sign * part["entities"]
        if sign == 1:
            self.mentions.update(part["mentions"])
            self.claims.update(part["claims"])
            self.topics.update(part["topics"])
            self.kinds.update(part["kinds"])
            self.annotators.update(part["annotators"])
        else:
            self.mentions.subtract(part["mentions"])
            self.claims.subtract(part["claims"])
            self.topics.subtract(part["topics"])
            self.kinds.subtract(part["kinds"])
            self.annotators.subtract(part["annotators"])
        self.checkworthy += sign * part["checkworthy"]
        self.licenses[part["license"]] += sign
        self.sources[part["source"]] += sign
        self.verdicts += sign * part["verdicts"]
        self.wikidata += sign * part["wikidata"]

    def stats(self) -> dict:
        return {
            "articles": sum(self.splits.values()),
            "splits": {split: self.splits[split] for split in SPLITS},
            "entities": self.entities,
            "mentions": _ordered(+self.mentions, "entity_types"),  # + drops counts taken back to 0
            "claims": _ordered(+self.claims, "claim_types"),
            "checkworthy": self.checkworthy,
            "topics": _ordered(+self.topics, "topics"),
            "annotator_kinds": _ordered(+self.kinds, "annotator_kinds"),
            "annotators": _annotators(+self.annotators),
            "licenses": dict(sorted((+self.licenses).items())),
            "sources": dict(sorted((+self.sources).items())),
            "verdicts": self.verdicts,
            "wikidata": self.wikidata,
            "not_annotated": dict(sorted((+self.pending).items())),
        }


def corpus_stats(tally: Tally, agreement: dict | None = None) -> dict:
    """The counts of a validation's running ``tally`` (``Report.tally``), and the agreement of the
    independent annotation layers (``agreement.card_figures``; None: not measured)."""
    return {**tally.stats(), "agreement": agreement}


def _annotators(counter: Counter) -> list[dict]:
    """Each distinct annotator record with the number of articles it is on (``articles``), by id."""
    records = [{**json.loads(key), "articles": count} for key, count in counter.items()]
    return sorted(records, key=lambda record: [str(record.get(field, "")) for field in ANNOTATOR_FIELDS])


def _ordered(counter: Counter, label_set: str) -> dict[str, int]:
    """Non-zero counts, largest first, ties in label-set order."""
    order = {name: i for i, name in enumerate(names(label_set))}
    return {k: v for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], order.get(kv[0], 0)))}


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"


def stats_rows(stats: dict) -> list[tuple[str, str]]:
    topic_labels = labels_by_name("topics")
    return [
        ("articles", f"{stats['articles']} annotated ({_counts(stats['splits'])})" + _pending(stats)),
        ("entities", str(stats["entities"])),
        ("mentions", f"{sum(stats['mentions'].values())} ({_counts(stats['mentions'])})"),
        (
            "claims",
            f"{sum(stats['claims'].values())} ({_counts(stats['claims'])}); {stats['checkworthy']} check-worthy",
        ),
        (
            "topics",
            ", ".join(f"{code} {topic_labels.get(code, '?')} {n}" for code, n in stats["topics"].items()) or "none",
        ),
        ("annotator kinds", _counts(stats["annotator_kinds"])),
        ("sources", _counts(stats.get("sources", {}))),
        ("licences", _counts(stats["licenses"])),
        ("agreement", describe_agreement(stats.get("agreement"))),
    ]


def _pending(stats: dict) -> str:
    pending = stats.get("not_annotated", {})
    if not pending:
        return ""
    in_progress = pending.get(IN_PROGRESS, 0)
    return (
        f"; {sum(pending.values())} not yet annotated"
        + (f" ({in_progress} in progress)" if in_progress else "")
        + ", not built"
    )


def describe_agreement(agreement: dict | None) -> str:
    """One line for the statistics tables."""
    if agreement is None:
        return "not measured (no independent annotation layer)"
    if "error" in agreement:
        return f"not measured ({agreement['error']})"

    def shown(value) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    kappa = agreement["kappa"]
    return (
        f"{agreement['articles']} double-annotated article(s), {' vs '.join(agreement['annotators'])}: "
        f"mention span F1 {shown(agreement['mentions_f1'])} (with type {shown(agreement['mentions_typed_f1'])}), "
        f"entity B3 F1 {shown(agreement['b3_f1'])}, claim overlap F1 {shown(agreement['claims_overlap_f1'])} "
        f"(strict {shown(agreement['claims_strict_f1'])}), kappa: claim type {shown(kappa['type'])}, "
        f"attribution {shown(kappa['attribution'])}, check-worthy {shown(kappa['checkworthy'])}, "
        f"topics {shown(kappa['topics'])}"
    )


def stats_markdown(stats: dict) -> str:
    lines = ["| statistic | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in stats_rows(stats)]
    return "\n".join(lines)


def stats_block_problem(document: str) -> tuple[int, str] | None:
    """Where and why the statistics block cannot be rewritten (a marker missing, repeated or after its
    partner); None when it can be, or when the document has no markers at all."""
    starts, ends = document.count(BLOCK_START), document.count(BLOCK_END)
    if starts == ends == 0:
        return None
    if starts != 1 or ends != 1:
        marker = BLOCK_START if starts != 1 else BLOCK_END
        at = max(document.find(marker), document.find(BLOCK_START), document.find(BLOCK_END), 0)
        return at, (f"needs exactly one {BLOCK_START} and one {BLOCK_END} line; it has {starts} and {ends}")
    if document.index(BLOCK_END) < document.index(BLOCK_START):
        return document.index(BLOCK_END), f"{BLOCK_END} comes before {BLOCK_START}; swap them"
    return None


def with_stats_block(document: str, stats: dict) -> str | None:
    """``document`` with its statistics block replaced; None when it has no usable block markers."""
    if BLOCK_START not in document or stats_block_problem(document) is not None:
        return None
    head, rest = document.split(BLOCK_START, 1)
    _, tail = rest.split(BLOCK_END, 1)
    return f"{head}{BLOCK_START}\n{stats_markdown(stats)}\n{BLOCK_END}{tail}"
