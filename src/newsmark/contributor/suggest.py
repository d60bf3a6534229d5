"""``newsmark suggest``: mentions an annotator probably forgot.

Two sources, both exact and word-bounded:
- in the article: occurrences of a text that is already a mention there (rule NM410), which the command
  adds to their entity (unless ``--dry-run``);
- in the corpus: occurrences of a text annotated as a mention in other articles (a gazetteer of every
  mention text, matched in one pass with an Aho-Corasick automaton), with its commonest type there. These
  need a person's decision (which entity?), so they are listed, and offered in Label Studio as predictions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from newsmark.contributor.yamledit import add_mention, round_trip_dump, round_trip_load
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock, write_atomic
from newsmark.ids import is_article_id
from newsmark.pipeline.check.orchestrate import checked_articles, corpus_surfaces
from newsmark.pipeline.check.spans import cuts_word, missed_mentions
from newsmark.pipeline.read.files import position

MIN_LENGTH = 2  # one-character texts ("I", "5") match everywhere


@dataclass
class Suggestion:
    start: int
    end: int
    text: str
    type: str
    entity: str | None  # the entity it joins (in-article), or None (a name seen elsewhere in the corpus)
    articles: int = 0  # how many other articles annotate this text (corpus suggestions)
    example: str | None = None  # one of them

    def as_dict(self, text: str) -> dict:
        line, col = position(text, self.start)
        return {
            "start": self.start,
            "end": self.end,
            "line": line,
            "col": col,
            "text": self.text,
            "type": self.type,
            "entity": self.entity,
            "articles": self.articles,
            "example": self.example,
        }


class Gazetteer:
    """Every mention text of the corpus with the articles and types it is annotated with, matched by an
    Aho-Corasick automaton (pyahocorasick), so finding all of them in one article costs one pass over its
    text whatever the size of the corpus."""

    def __init__(self, surfaces: dict[str, dict[str, list[str]]]):
        """``surfaces``: each mention text with, per entity type, the articles annotating it (as
        ``validate`` gathers them in ``Report.surfaces``)."""
        import ahocorasick

        self.types: dict[str, Counter] = {}  # per text, how many articles annotate it with each type
        self.example: dict[str, str] = {}  # per text, the first article (by id) that annotates it
        self.automaton = ahocorasick.Automaton()
        for surface, by_type in surfaces.items():
            if len(surface) >= MIN_LENGTH:
                self.types[surface] = Counter({t: len(ids) for t, ids in by_type.items()})
                self.example[surface] = min(min(ids) for ids in by_type.values())
                self.automaton.add_word(surface, surface)
        if self.types:
            self.automaton.make_automaton()

    @classmethod
    def of_corpus(cls, root: Path) -> Gazetteer:
        """The gazetteer of a corpus, from the mention texts that ``validate`` gathers (kept from its last
        whole run when nothing changed since; else each article's from the validate cache, so that only
        changed articles are read again)."""
        return cls(corpus_surfaces(root))

    def matches(self, text: str) -> list[tuple[int, int, str]]:
        """Every word-bounded occurrence in ``text`` of a name the corpus annotates."""
        if not self.types:
            return []
        found = []
        for last, surface in self.automaton.iter(text):
            start, end = last - len(surface) + 1, last + 1
            if not cuts_word(text, start, end):
                found.append((start, end, surface))
        return found


def suggestions(text: str, annotation: dict, gazetteer: Gazetteer | None) -> list[Suggestion]:
    """In-article suggestions first, then corpus ones over text no mention and no other suggestion covers
    (the longest match wins where corpus names overlap), each in text order. A text the article itself
    annotates is always covered or an in-article suggestion, so every corpus one comes from other articles."""
    entities = annotation["entities"]
    own = [
        Suggestion(start, end, text[start:end], entities[index]["type"], entities[index]["id"])
        for start, end, index in missed_mentions(annotation, text)
    ]
    covered = bytearray(len(text) + 1)
    for span in [m for e in entities for m in e["mentions"]] + [{"start": s.start, "end": s.end} for s in own]:
        covered[span["start"] : span["end"]] = b"\1" * (span["end"] - span["start"])
    corpus = []
    matches = gazetteer.matches(text) if gazetteer is not None else []
    for start, end, surface in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):  # longest first
        if any(covered[start:end]):
            continue
        covered[start:end] = b"\1" * (end - start)
        counts = gazetteer.types[surface]
        corpus.append(
            Suggestion(
                start, end, surface, counts.most_common(1)[0][0], None, sum(counts.values()), gazetteer.example[surface]
            )
        )
    return own + sorted(corpus, key=lambda s: s.start)


def suggest(root: str | Path, article_id: str, apply: bool = False, corpus: bool = True) -> dict:
    """The suggestions for one article; ``apply`` adds the in-article ones to their entities."""
    root = Path(root)
    if not is_article_id(article_id):  # an id names files: "../x" would point outside the corpus
        raise NewsmarkError(
            f"{article_id!r} is not an article id (lowercase letters and digits joined by hyphens, "
            "as in annotations/<id>.yaml)"
        )
    path = root / "annotations" / f"{article_id}.yaml"
    if not path.is_file() or not (root / "corpus" / f"{article_id}.txt").is_file():
        raise NewsmarkError(f"{article_id}: no corpus/{article_id}.txt and annotations/{article_id}.yaml under {root}")
    (article,) = checked_articles(root, [article_id])
    text, annotation = article.text, article.annotation.data
    found = suggestions(text, annotation, Gazetteer.of_corpus(root) if corpus else None)
    applied = [s for s in found if s.entity is not None] if apply else []
    if applied:
        with corpus_lock(root):
            yaml, data = round_trip_load(path.read_text(encoding="utf-8"))
            by_id = {entity["id"]: entity for entity in data["entities"]}
            for item in applied:
                add_mention(data, by_id[item.entity], item.start, item.end, item.text)
            write_atomic(path, round_trip_dump(yaml, data))
    return {
        "article": article_id,
        "path": f"corpus/{article_id}.txt",
        "suggestions": [s.as_dict(text) for s in found],
        "applied": len(applied),
    }


def suggestion_results(text: str, annotation: dict, gazetteer: Gazetteer | None) -> list[dict]:
    """The suggestions as Label Studio predicted regions: an in-article one carries its entity id in the
    region's note; a corpus one has none, so on import it joins a mention of the same type and text or
    becomes a new entity."""
    results = []
    for number, item in enumerate(suggestions(text, annotation, gazetteer), 1):
        result = {
            "id": f"s-{number}",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": item.start, "end": item.end, "text": item.text, "labels": [item.type]},
            "score": 0.5,
        }
        if item.entity is not None:
            result["meta"] = {"text": [item.entity]}
        results.append(result)
    return results
