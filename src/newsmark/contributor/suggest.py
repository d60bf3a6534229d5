"""``newsmark suggest``: mentions an annotator probably forgot.

Two sources, both exact and word-bounded:
- in the article: occurrences of a text that is already a mention there (rule NM410), which the command
  adds to their entity (unless ``--dry-run``);
- in the corpus: occurrences of a text annotated as a mention in other articles (a gazetteer of every
  mention text, matched in one pass with an Aho-Corasick automaton), with its commonest type there. These
  need a person's decision (which entity?), so they are listed, and offered in Label Studio as predictions.

The gazetteer is kept in ``<root>/.newsmark-cache``: ``gazetteer.pickle`` (the automaton, its entries as
values) and ``gazetteer.json`` (signed like every cache file, with the scan state of the corpus it was made
from and the pickle's sha256). While no file of the corpus changed, ``suggest`` loads it instead of
gathering every mention text again; the pickle is unpickled only after both checks pass, and then only
the automaton's own class may be named in it.
"""

from __future__ import annotations

import io
import pickle
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from newsmark.contributor.yamledit import add_mention, round_trip_dump, round_trip_load
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock, write_atomic
from newsmark.ids import is_article_id
from newsmark.pipeline.cache import load_signed, read_plain, save_signed, write_plain
from newsmark.pipeline.check.orchestrate import checked_articles, corpus_surfaces, validate
from newsmark.pipeline.check.spans import cuts_word, missed_mentions
from newsmark.pipeline.read.files import position

MIN_LENGTH = 2  # one-character texts ("I", "5") match everywhere
GAZETTEER_INDEX = "gazetteer.json"
GAZETTEER_FILE = "gazetteer.pickle"
Entry = tuple[str, str, int, str]  # a text, its commonest type, how many articles annotate it, the first of them


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
    text whatever the size of the corpus. The automaton's value for each text is its ``Entry``."""

    def __init__(self, surfaces: dict[str, dict[str, list[str]]]):
        """``surfaces``: each mention text with, per entity type, the articles annotating it (as
        ``validate`` gathers them in ``Report.surfaces``)."""
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        for surface, by_type in surfaces.items():
            if len(surface) >= MIN_LENGTH:
                counts = Counter({t: len(ids) for t, ids in by_type.items()})
                # the commonest type; a tie goes to the type named first, whatever order the articles came in
                commonest = min(counts, key=lambda t: (-counts[t], t))
                example = min(min(ids) for ids in by_type.values())
                self.automaton.add_word(surface, (surface, commonest, sum(counts.values()), example))
        if len(self.automaton):
            self.automaton.make_automaton()

    @classmethod
    def of_corpus(cls, root: Path) -> Gazetteer:
        """The gazetteer of a corpus: the one kept in the cache folder while no file changed since it was
        made; else made from the mention texts that ``validate`` gathers (kept from its last whole run,
        brought up to date by checking only the articles edited since) and kept for the next time."""
        from newsmark.pipeline import lastrun

        now = lastrun.scan(root)
        if now is None:  # a file changed in the last seconds: nothing can be kept for this state
            return cls(corpus_surfaces(root))
        kept = cls._load(root, now.state)
        if kept is not None:
            return kept
        validate(root, cache=True, details=False)  # brings the last run up to date
        last = lastrun.load(root)
        if last is None or last.state != now.state:  # changed meanwhile, or no last run could be kept
            return cls(validate(root, cache=True).surfaces)
        gazetteer = cls(last.surfaces)
        gazetteer._save(root, now.state)
        return gazetteer

    @classmethod
    def _load(cls, root: Path, state: str) -> Gazetteer | None:
        index = load_signed(root, GAZETTEER_INDEX)
        if index is None or index.get("state") != state or not isinstance(index.get("sha256"), str):
            return None
        raw = read_plain(root, GAZETTEER_FILE, index["sha256"])
        if raw is None:
            return None
        try:
            automaton = _AutomatonOnly(io.BytesIO(raw)).load()
        except Exception:  # noqa: BLE001 - whatever a damaged pickle raises, it is only not kept
            return None
        gazetteer = cls.__new__(cls)
        gazetteer.automaton = automaton
        return gazetteer

    def _save(self, root: Path, state: str) -> None:
        digest = write_plain(root, GAZETTEER_FILE, pickle.dumps(self.automaton, protocol=pickle.HIGHEST_PROTOCOL))
        if digest is not None:
            save_signed(root, GAZETTEER_INDEX, {"state": state, "sha256": digest})

    def entries(self) -> dict[str, Entry]:
        """Each text's entry, by text."""
        return {entry[0]: entry for entry in self.automaton.values()} if len(self.automaton) else {}

    def matches(self, text: str) -> list[tuple[int, int, Entry]]:
        """Every word-bounded occurrence in ``text`` of a name the corpus annotates, with its entry."""
        if not len(self.automaton):
            return []
        found = []
        for last, entry in self.automaton.iter(text):
            start, end = last - len(entry[0]) + 1, last + 1
            if not cuts_word(text, start, end):
                found.append((start, end, entry))
        return found


class _AutomatonOnly(pickle.Unpickler):
    """An unpickler that makes nothing but an Aho-Corasick automaton (whose values are plain tuples): even
    a signed file never names a function to call."""

    def find_class(self, module: str, name: str):
        import ahocorasick

        if (module, name) == ("ahocorasick", "Automaton"):
            return ahocorasick.Automaton
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a gazetteer")


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
    for start, end, (surface, commonest, articles, example) in sorted(
        matches, key=lambda m: (m[0] - m[1], m[0])
    ):  # longest first
        if any(covered[start:end]):
            continue
        covered[start:end] = b"\1" * (end - start)
        corpus.append(Suggestion(start, end, surface, commonest, None, articles, example))
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
