"""Stage 3: assemble validated articles into dataset rows: each article's split, and its rows of every config.

Input is what the check stage read (plain dicts); output is plain rows (label names, not indices): the
definition of every config's rows, which ``columns`` makes faster as columns for all but one.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from newsmark.labels import names
from newsmark.pipeline.features import MAX_CONTEXT
from newsmark.pipeline.read.inventory import Article
from newsmark.pipeline.splits import split_of
from newsmark.settings import Settings
from newsmark.text import sentences, tokens, word_tokens


@dataclass
class Prepared:
    """What every config's rows of one article are made from, computed once: the article's split, its
    sentences and its claims with defaults filled in."""

    id: str
    text: str
    meta: dict
    annotation: dict
    split: str
    sentence_spans: list[tuple[int, int]]
    context: _SentenceIndex
    claims: list[dict]
    # spaCy's word tokens of each sentence span, from the build cache when the text is unchanged, so
    # that an annotation edit never needs spaCy (``ner_rows`` fills in what is missing)
    words: dict[tuple[int, int], list[tuple[int, int]]]
    # the word tokens of every sentence as numpy arrays (starts, ends, count per sentence), once the ner
    # columns have been made: what the build cache keeps (``pack_words``)
    word_arrays: tuple | None = None


def prepare(article: Article, settings: Settings, known: dict[str, bytes] | None = None) -> Prepared:
    """``known`` maps the sha256 of a text to its packed word tokens (``pack_words``) from an earlier build."""
    meta, annotation, text = article.meta.data, article.annotation.data, article.text
    span_of = itemgetter("start", "end")
    mention_spans = sorted([span for e in annotation["entities"] for span in map(span_of, e["mentions"])])
    sentence_spans = sentences(text, protected=mention_spans)
    packed = known.get(text_digest(text)) if known else None
    return Prepared(
        article.id,
        text,
        meta,
        annotation,
        split_of(article.id, meta, settings),
        sentence_spans,
        _SentenceIndex(text, sentence_spans),
        [_claim(c, meta["date"]) for c in annotation["claims"]],
        unpack_words(packed) if packed is not None else {},
    )


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def pack_words(item: Prepared) -> bytes:
    """The word tokens of ``item``'s sentences (known once its ner columns are made) as int32s: for each
    sentence, its start, end and number of tokens, then each token's start and end."""
    import numpy as np

    starts, ends, counts = item.word_arrays
    spans = np.array(item.sentence_spans, dtype=np.int64).reshape(-1, 2)
    before = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)  # tokens of earlier sentences
    flat = np.empty(3 * len(spans) + 2 * len(starts), dtype=np.int32)
    header = 3 * np.arange(len(spans)) + 2 * before
    flat[header], flat[header + 1], flat[header + 2] = spans[:, 0], spans[:, 1], counts
    # token t of sentence i follows i + 1 headers and t earlier pairs
    place = 3 * np.repeat(np.arange(len(spans)), counts) + 2 * np.arange(len(starts)) + 3
    flat[place], flat[place + 1] = starts, ends
    return flat.tobytes()


def unpack_words(packed: bytes) -> dict[tuple[int, int], list[tuple[int, int]]]:
    flat = array("i")
    flat.frombytes(packed)
    words, index = {}, 0
    while index < len(flat):
        start, end, count = flat[index : index + 3]
        index += 3
        words[(start, end)] = list(zip(flat[index : index + 2 * count : 2], flat[index + 1 : index + 2 * count : 2]))
        index += 2 * count
    return words


def credit(meta: dict) -> dict:
    """What an attribution notice says of one article: its title, source, URL, authors' credit, licence and
    the changes made to its text (CC BY asks for each)."""
    source = meta.get("source") or {}
    return {
        "title": meta.get("title"),
        "source": source.get("name"),
        "url": source.get("url"),
        "authors": list(source.get("authors", [])),
        "license": meta["license"],
        "changes": list(meta.get("changes", [])),
    }


def article_row(item: Prepared) -> Iterator[dict]:
    meta, annotation = item.meta, item.annotation
    source = meta.get("source") or {}
    yield {
        "id": item.id,
        "date": meta["date"],
        "title": meta["title"],
        "language": meta["language"],
        "text": item.text,
        "source_name": source.get("name"),
        "source_url": source.get("url"),
        "license": meta["license"],
        "story": meta.get("story"),
        "topics": list(annotation["topics"]),
        "keywords": list(annotation.get("keywords", [])),
        "entities": [
            {
                "id": e["id"],
                "type": e["type"],
                "name": e["name"],
                "wikidata": e.get("wikidata"),
                "mentions": [_span(m) for m in e["mentions"]],
            }
            for e in annotation["entities"]
        ],
        "claims": [dict(claim) for claim in item.claims],  # rows are encoded in place; claim rows read these
        "annotators": [{"id": a["id"], "kind": a["kind"]} for a in annotation["annotators"]],
        "guidelines": annotation["guidelines"],
    }


def mention_rows(item: Prepared) -> Iterator[dict]:
    return (
        {
            "article_id": item.id,
            "split": item.split,
            "story": item.meta.get("story"),
            "entity_id": e["id"],
            "type": e["type"],
            "name": e["name"],
            "wikidata": e.get("wikidata"),
            **_span(m),
            **item.context.around(m["start"], m["end"]),
        }
        for e in item.annotation["entities"]
        for m in e["mentions"]
    )


def claim_rows(item: Prepared) -> Iterator[dict]:
    names = {e["id"]: e["name"] for e in item.annotation["entities"]}
    return (
        {
            "article_id": item.id,
            "split": item.split,
            "story": item.meta.get("story"),
            **claim,
            "claimer_name": names.get(claim["claimer"], "author"),
            **item.context.around(claim["start"], claim["end"]),
        }
        for claim in item.claims
    )


def _span(span: dict) -> dict:
    return {"start": span["start"], "end": span["end"], "text": span["text"]}


def _claim(claim: dict, article_date: str) -> dict:
    return {
        "id": claim["id"],
        **_span(claim),
        "claimer": claim["claimer"],
        "type": claim["type"],
        "attribution": claim["attribution"],
        "checkworthy": claim["checkworthy"],
        "date": claim.get("date", article_date),
        "verdict": claim.get("verdict"),
        "evidence": list(claim.get("evidence", [])),
    }


class _SentenceIndex:
    def __init__(self, text: str, spans: list[tuple[int, int]]):
        self.text, self.spans = text, spans
        self.starts = [start for start, _ in spans]

    def around(self, start: int, end: int) -> dict:
        """The sentence (or run of sentences) that contains text[start:end]; when that is longer than
        MAX_CONTEXT characters, a window of MAX_CONTEXT characters of it centred on the span (just the
        span when the span alone is longer)."""
        first = max(bisect.bisect_right(self.starts, start) - 1, 0)
        last = max(bisect.bisect_right(self.starts, max(end - 1, start)) - 1, first)
        s_start, s_end = self.spans[first][0], max(self.spans[last][1], end)
        s_start = min(s_start, start)
        s_start, s_end = context_window(s_start, s_end, start, end, MAX_CONTEXT)
        return {"sentence": self.text[s_start:s_end], "sentence_start": s_start}

    def around_all(self, starts: list[int], ends: list[int]) -> tuple[list[str], list[int]]:
        """``around`` of many spans at once (numpy does the arithmetic): their sentences and starts."""
        import numpy as np

        if not self.spans:  # no sentence: around's own rules (a text of whitespace holds no span anyway)
            found = [self.around(start, end) for start, end in zip(starts, ends)]
            return [f["sentence"] for f in found], [f["sentence_start"] for f in found]
        start, end = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
        sentence_starts = np.array(self.starts, dtype=np.int64)
        sentence_ends = np.array([end for _, end in self.spans], dtype=np.int64)
        low, high = sentence_windows(sentence_starts, sentence_ends, start, end, 0)
        low, high = low.tolist(), high.tolist()
        text = self.text
        return [text[a:b] for a, b in zip(low, high)], low


def sentence_windows(sentence_starts, sentence_ends, start, end, lowest):
    """``around``'s windows ``(low, high)`` of the spans ``start``, ``end`` (numpy arrays), in the sorted
    sentences ``sentence_starts``, ``sentence_ends``; a span's sentence is never before sentence index
    ``lowest`` (a number, or an array: one per span)."""
    import numpy as np

    first = np.maximum(np.searchsorted(sentence_starts, start, side="right") - 1, lowest)
    last = np.searchsorted(sentence_starts, np.maximum(end - 1, start), side="right") - 1
    low = np.minimum(sentence_starts[first], start)
    high = np.maximum(sentence_ends[np.maximum(last, first)], end)
    # context_window, element by element
    cap = MAX_CONTEXT
    window_start = np.maximum(low, start - (cap - (end - start)) // 2)
    window_end = np.minimum(high, window_start + cap)
    window_start = np.maximum(low, window_end - cap)
    whole, alone = high - low <= cap, end - start >= cap
    return np.where(whole, low, np.where(alone, start, window_start)), np.where(
        whole, high, np.where(alone, end, window_end)
    )


def context_window(low: int, high: int, start: int, end: int, cap: int) -> tuple[int, int]:
    """A window of [low, high) that holds [start, end): all of it when it is at most ``cap`` long, else
    ``cap`` characters centred on the span as far as the bounds allow (the span alone when longer)."""
    if high - low <= cap:
        return low, high
    if end - start >= cap:
        return start, end
    window_start = max(low, start - (cap - (end - start)) // 2)
    window_end = min(high, window_start + cap)
    return max(low, window_end - cap), window_end


def outermost(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans not inside (or crossing) an earlier, longer one: what a flat BIO layer can hold."""
    kept: list[tuple[int, int, str]] = []
    for start, end, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, label))
    return kept


def ner_rows(item: Prepared) -> list[dict]:
    article_id, split, text, sentence_spans, annotation = (
        item.id,
        item.split,
        item.text,
        item.sentence_spans,
        item.annotation,
    )
    mentions = [(m["start"], m["end"], e["type"]) for e in annotation["entities"] for m in e["mentions"]]
    boundaries = sorted({offset for start, end, _ in mentions for offset in (start, end)})
    tagged = [(start, end, f"B-{label}", f"I-{label}") for start, end, label in outermost(mentions)]
    tagged.append((len(text) + 1, len(text) + 1, "O", "O"))  # a sentinel: no bounds checks in the loop
    rows = []
    current = 0  # index into tagged: tokens and tagged spans both run left to right
    for index, (s_start, s_end) in enumerate(sentence_spans):
        words = item.words.get((s_start, s_end))
        if words is None:
            words = item.words[(s_start, s_end)] = word_tokens(text, s_start, s_end)
        spans = tokens(text, s_start, s_end, boundaries, words)
        tags = []
        for t_start, t_end in spans:
            while tagged[current][1] <= t_start:
                current += 1
            start, end, begin, inside = tagged[current]
            tags.append("O" if t_start < start or t_end > end else begin if t_start == start else inside)
        rows.append(
            {
                "id": f"{article_id}/{index}",
                "article_id": article_id,
                "split": split,
                "story": item.meta.get("story"),
                "sentence_index": index,
                "tokens": [text[a:b] for a, b in spans],
                "ner_tags": tags,
                "token_starts": [a for a, _ in spans],
                "token_ends": [b for _, b in spans],
            }
        )
    return rows


def sentence_rows(item: Prepared) -> Iterator[dict]:
    """Every sentence (the ``ner`` config's boundaries), with the claims that overlap it."""
    order = {name: position for position, name in enumerate(names("claim_types"))}
    for index, ((start, end), claims) in enumerate(zip(item.sentence_spans, claims_by_sentence(item))):
        yield {
            "id": f"{item.id}/{index}",
            "article_id": item.id,
            "split": item.split,
            "story": item.meta.get("story"),
            "sentence_index": index,
            "text": item.text[start:end],
            "start": start,
            "end": end,
            "claim_ids": [claim["id"] for claim in claims],
            "checkworthy": any(claim["checkworthy"] for claim in claims),
            "claim_types": sorted({claim["type"] for claim in claims}, key=order.__getitem__),
        }


def claims_by_sentence(item: Prepared) -> list[list[dict]]:
    """The claims that overlap each of ``item``'s sentences."""
    starts = [start for start, _ in item.sentence_spans]
    overlapping: list[list[dict]] = [[] for _ in item.sentence_spans]
    for claim in item.claims:
        first = max(bisect.bisect_right(starts, claim["start"]) - 1, 0)
        for index in range(first, bisect.bisect_left(starts, claim["end"])):
            if item.sentence_spans[index][1] > claim["start"]:
                overlapping[index].append(claim)
    return overlapping


# Each config's rows of one article, in the order the configs are written: the plain definition of
# each config, which columns.py makes as columns (all but claims) and tests compare those with.
CONFIG_ROWS = {
    "articles": article_row,
    "mentions": mention_rows,
    "claims": claim_rows,
    "ner": ner_rows,
    "sentences": sentence_rows,
}
