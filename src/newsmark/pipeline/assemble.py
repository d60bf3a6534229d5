"""Stage 3: assemble validated articles into dataset rows: each article's split, and its rows of every config.

Input is what the check stage read (plain dicts); output is plain rows (label names, not indices), except
for every config but claims (a few rows an article): they are made as columns, a batch of articles at
once, with numpy where it pays, and labels as indices. The build calls this per chunk of articles in the worker processes, in article id order.
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from newsmark.labels import names
from newsmark.pipeline.features import MAX_CONTEXT, ner_tag_names
from newsmark.pipeline.read.inventory import Article
from newsmark.pipeline.splits import split_of
from newsmark.settings import Settings
from newsmark.text import sentence_words, sentences, tokens, word_tokens


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
    mention_spans = sorted((m["start"], m["end"]) for e in annotation["entities"] for m in e["mentions"])
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


# Rows handed on at once: a batch of rows is turned into an Arrow table before the next is made, so
# memory is bounded by the batch, not by how many mentions one article has.
ROW_BATCH = 5_000


def chunk_rows(
    settings: Settings, articles: list[Article], known: dict[str, bytes] | None = None
) -> tuple[Iterator, dict, list[Prepared]]:
    """The rows of a chunk of valid articles in batches ``(config, split, rows)`` of about ``ROW_BATCH``
    rows, one config after another (``rows`` a list of row dicts, or for the configs of
    ``CONFIG_COLUMNS`` a dict of columns); each article's split, licence and language (for the manifest and
    the card); and the prepared articles (their word tokens are all known once the batches are
    consumed). ``known``: word tokens from an earlier build, as for ``prepare``."""
    prepared = [prepare(article, settings, known) for article in articles]
    info = {
        p.id: {"split": p.split, "license": p.meta["license"], "language": p.meta["language"], "credit": credit(p.meta)}
        for p in prepared
    }

    def batches():
        for config, make in CONFIG_ROWS.items():
            for split in sorted({item.split for item in prepared}):
                batch: list = []
                rows = 0
                for item in prepared:
                    if item.split != split:
                        continue
                    if config in CONFIG_COLUMNS:  # batches of about ROW_BATCH sentences' worth of articles
                        batch.append(item)
                        rows += len(item.sentence_spans)
                        if rows >= ROW_BATCH:
                            yield config, split, CONFIG_COLUMNS[config](batch)
                            batch, rows = [], 0
                        continue
                    for row in make(item):
                        batch.append(row)
                        if len(batch) == ROW_BATCH:
                            yield config, split, batch
                            batch = []
                if batch:
                    yield config, split, CONFIG_COLUMNS[config](batch) if config in CONFIG_COLUMNS else batch

    return batches(), info, prepared


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
        first = np.maximum(np.searchsorted(sentence_starts, start, side="right") - 1, 0)
        last = np.searchsorted(sentence_starts, np.maximum(end - 1, start), side="right") - 1
        low = np.minimum(sentence_starts[first], start)
        high = np.maximum(sentence_ends[np.maximum(last, first)], end)
        # context_window, element by element
        cap = MAX_CONTEXT
        window_start = np.maximum(low, start - (cap - (end - start)) // 2)
        window_end = np.minimum(high, window_start + cap)
        window_start = np.maximum(low, window_end - cap)
        whole, alone = high - low <= cap, end - start >= cap
        low = np.where(whole, low, np.where(alone, start, window_start)).tolist()
        high = np.where(whole, high, np.where(alone, end, window_end)).tolist()
        text = self.text
        return [text[a:b] for a, b in zip(low, high)], low


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


def article_columns(items: list[Prepared]) -> dict:
    """The ``articles`` rows of ``items`` (one split) as columns, equal to ``article_row``'s: labels as
    indices, a list column as ``(offsets, values)`` and a column of structs as a dict of its fields'
    columns (the nested entities, mentions, claims and annotators of every article, one after another)."""
    index = {
        name: {label: position for position, label in enumerate(names(name))}
        for name in ("topics", "entity_types", "annotator_kinds", "claim_types", "attributions", "verdicts")
    }
    plain: dict[str, list] = {name: [] for name in _ARTICLE_COLUMNS}
    counts: dict[str, list] = {name: [] for name in ("topics", "keywords", "entities", "mentions", "claims")}
    counts.update(evidence=[], annotators=[])
    topics, keywords, evidence = [], [], []
    entity: dict[str, list] = {"id": [], "type": [], "name": [], "wikidata": []}
    mention: dict[str, list] = {"start": [], "end": [], "text": []}
    claim: dict[str, list] = {name: [] for name in ("id", "start", "end", "text", "claimer", "type", "attribution")}
    claim.update(checkworthy=[], date=[], verdict=[])
    annotator: dict[str, list] = {"id": [], "kind": []}
    for item in items:
        meta, annotation = item.meta, item.annotation
        source = meta.get("source") or {}
        for name, value in (
            ("id", item.id),
            ("date", meta["date"]),
            ("title", meta["title"]),
            ("language", meta["language"]),
            ("text", item.text),
            ("source_name", source.get("name")),
            ("source_url", source.get("url")),
            ("license", meta["license"]),
            ("story", meta.get("story")),
            ("guidelines", annotation["guidelines"]),
        ):
            plain[name].append(value)
        topics.extend([index["topics"][topic] for topic in annotation["topics"]])
        counts["topics"].append(len(annotation["topics"]))
        keywords.extend(annotation.get("keywords", []))
        counts["keywords"].append(len(annotation.get("keywords", [])))
        for e in annotation["entities"]:
            entity["id"].append(e["id"])
            entity["type"].append(index["entity_types"][e["type"]])
            entity["name"].append(e["name"])
            entity["wikidata"].append(e.get("wikidata"))
            for name in ("start", "end", "text"):
                mention[name].extend([m[name] for m in e["mentions"]])
            counts["mentions"].append(len(e["mentions"]))
        counts["entities"].append(len(annotation["entities"]))
        for c in item.claims:
            for name in ("id", "start", "end", "text", "claimer", "checkworthy", "date"):
                claim[name].append(c[name])
            claim["type"].append(index["claim_types"][c["type"]])
            claim["attribution"].append(index["attributions"][c["attribution"]])
            claim["verdict"].append(None if c["verdict"] is None else index["verdicts"][c["verdict"]])
            evidence.extend(c["evidence"])
            counts["evidence"].append(len(c["evidence"]))
        counts["claims"].append(len(item.claims))
        for a in annotation["annotators"]:
            annotator["id"].append(a["id"])
            annotator["kind"].append(index["annotator_kinds"][a["kind"]])
        counts["annotators"].append(len(annotation["annotators"]))
    offsets = {name: _offsets(values) for name, values in counts.items()}
    return {
        **plain,
        "topics": (offsets["topics"], topics),
        "keywords": (offsets["keywords"], keywords),
        "entities": (offsets["entities"], {**entity, "mentions": (offsets["mentions"], mention)}),
        "claims": (offsets["claims"], {**claim, "evidence": (offsets["evidence"], evidence)}),
        "annotators": (offsets["annotators"], annotator),
    }


_ARTICLE_COLUMNS = ("id", "date", "title", "language", "text", "source_name", "source_url", "license", "story")
_ARTICLE_COLUMNS += ("guidelines",)


def _offsets(counts: list[int]):
    """Where each list starts in its values, and where the last ends: what Arrow keeps of a list column."""
    import numpy as np

    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))


def mention_columns(items: list[Prepared]) -> dict:
    """The ``mentions`` rows of ``items`` (articles of one split) as columns, equal to ``mention_rows``'s:
    types as label indices, and each mention's sentence found for all of an article's mentions at once."""
    type_index = {name: index for index, name in enumerate(names("entity_types"))}
    columns: dict[str, list] = {name: [] for name in _MENTION_COLUMNS}
    for item in items:
        count = 0
        for entity in item.annotation["entities"]:
            mentions = entity["mentions"]
            columns["entity_id"].extend([entity["id"]] * len(mentions))
            columns["type"].extend([type_index[entity["type"]]] * len(mentions))
            columns["name"].extend([entity["name"]] * len(mentions))
            columns["wikidata"].extend([entity.get("wikidata")] * len(mentions))
            columns["start"].extend([mention["start"] for mention in mentions])
            columns["end"].extend([mention["end"] for mention in mentions])
            columns["text"].extend([mention["text"] for mention in mentions])
            count += len(mentions)
        columns["article_id"].extend([item.id] * count)
        columns["split"].extend([item.split] * count)
        columns["story"].extend([item.meta.get("story")] * count)
        if count:
            texts, starts = item.context.around_all(columns["start"][-count:], columns["end"][-count:])
            columns["sentence"].extend(texts)
            columns["sentence_start"].extend(starts)
    return columns


_MENTION_COLUMNS = ("article_id", "split", "story", "entity_id", "type", "name", "wikidata", "start", "end", "text")
_MENTION_COLUMNS += ("sentence", "sentence_start")


def sentence_columns(items: list[Prepared]) -> dict:
    """The ``sentences`` rows of ``items`` (articles of one split) as columns, equal to
    ``sentence_rows``'s: claim types as label indices, list columns as ``(offsets, values)``."""
    import numpy as np

    type_index = {name: index for index, name in enumerate(names("claim_types"))}
    columns: dict[str, list] = {name: [] for name in ("id", "article_id", "split", "story", "sentence_index")}
    texts, starts, ends, checkworthy = [], [], [], []
    claim_ids, claim_types, id_counts, type_counts = [], [], [], []
    for item in items:
        count = len(item.sentence_spans)
        columns["id"].extend(f"{item.id}/{index}" for index in range(count))
        columns["article_id"].extend([item.id] * count)
        columns["split"].extend([item.split] * count)
        columns["story"].extend([item.meta.get("story")] * count)
        columns["sentence_index"].extend(range(count))
        text = item.text
        texts.extend([text[start:end] for start, end in item.sentence_spans])
        starts.extend([start for start, _ in item.sentence_spans])
        ends.extend([end for _, end in item.sentence_spans])
        for claims in _claims_by_sentence(item):
            if not claims:  # most sentences
                id_counts.append(0)
                type_counts.append(0)
                checkworthy.append(False)
                continue
            claim_ids.extend(claim["id"] for claim in claims)
            id_counts.append(len(claims))
            kinds = sorted({type_index[claim["type"]] for claim in claims})  # label order, as sentence_rows
            claim_types.extend(kinds)
            type_counts.append(len(kinds))
            checkworthy.append(any(claim["checkworthy"] for claim in claims))
    return {
        **columns,
        "text": texts,
        "start": starts,
        "end": ends,
        "claim_ids": (np.concatenate(([0], np.cumsum(id_counts, dtype=np.int64))), claim_ids),
        "checkworthy": checkworthy,
        "claim_types": (np.concatenate(([0], np.cumsum(type_counts, dtype=np.int64))), claim_types),
    }


def ner_columns(items: list[Prepared]) -> dict:
    """The ``ner`` rows of ``items`` (articles of one split) as columns, equal to ``ner_rows``'s (the
    plain definition, which tests compare this with): tags as label indices, each list column as
    ``(offsets, values)``, and the tokens' strings as ``(UTF-8 bytes, offsets)``. The work per token is done by numpy, not in Python."""
    import numpy as np

    tag_index = {name: index for index, name in enumerate(ner_tag_names())}
    columns: dict[str, list] = {name: [] for name in ("id", "article_id", "split", "story", "sentence_index")}
    counts, starts, ends, tags, strings = [], [], [], [], []  # strings: (UTF-8 bytes, lengths) an article
    for item in items:
        sentence_count = len(item.sentence_spans)
        columns["id"].extend(f"{item.id}/{index}" for index in range(sentence_count))
        columns["article_id"].extend([item.id] * sentence_count)
        columns["split"].extend([item.split] * sentence_count)
        columns["story"].extend([item.meta.get("story")] * sentence_count)
        columns["sentence_index"].extend(range(sentence_count))
        mentions = [(m["start"], m["end"], e["type"]) for e in item.annotation["entities"] for m in e["mentions"]]
        token_starts, token_ends, token_counts = _ner_tokens(item, mentions)
        counts.append(token_counts)
        starts.append(token_starts)
        ends.append(token_ends)
        tags.append(_bio_tags(mentions, token_starts, token_ends, tag_index))
        strings.append(_pieces(item.text, token_starts, token_ends))
    offsets = np.concatenate(([0], np.cumsum(np.concatenate(counts)))) if items else np.zeros(1, np.int64)
    data = np.concatenate([data for data, _ in strings]) if items else np.zeros(0, np.uint8)
    lengths = np.concatenate([lengths for _, lengths in strings]) if items else np.zeros(0, np.int64)
    return {
        **columns,
        "tokens": (offsets, (data, np.concatenate(([0], np.cumsum(lengths))))),
        "ner_tags": (offsets, np.concatenate(tags) if items else []),
        "token_starts": (offsets, np.concatenate(starts) if items else []),
        "token_ends": (offsets, np.concatenate(ends) if items else []),
    }


def _pieces(text: str, starts, ends):
    """``text[a:b]`` for every span (``starts``, ``ends``: sorted, not overlapping, none empty) as one
    array of UTF-8 bytes and each piece's length in bytes: what Arrow stores of a column of strings,
    made without a Python string per token."""
    import numpy as np

    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if len(data) != len(text):  # not ASCII: code-point offsets to byte offsets
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        widths = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
        at = np.concatenate(([0], np.cumsum(widths)))
        starts, ends = at[starts], at[ends]
    # +1 where a piece starts, -1 where one ends: the running sum is 1 exactly on the bytes kept
    edges = np.bincount(starts, minlength=len(data) + 1) - np.bincount(ends, minlength=len(data) + 1)
    return data[np.cumsum(edges)[:-1] > 0], ends - starts


def _ner_tokens(item: Prepared, mentions: list[tuple[int, int, str]]):
    """``tokens`` of every sentence of ``item`` as numpy arrays (starts, ends, count per sentence): its
    word tokens, cut wherever one of its ``mentions`` starts or ends inside one."""
    import numpy as np

    if item.words and all(span in item.words for span in item.sentence_spans):
        flat = [word for span in item.sentence_spans for word in item.words[span]]
        known = np.array(flat, dtype=np.int64).reshape(-1, 2)
        counts = np.array([len(item.words[span]) for span in item.sentence_spans], dtype=np.int64)
        item.word_arrays = (known[:, 0], known[:, 1], counts)
    else:
        item.word_arrays = sentence_words(item.text, item.sentence_spans)
    starts, ends, counts = item.word_arrays
    boundaries = np.unique(np.array([(start, end) for start, end, _ in mentions], dtype=np.int64))
    if not len(boundaries) or not len(starts):
        return starts, ends, counts
    # the token each boundary falls in (the last one starting at or before it), if strictly inside it
    holder = np.maximum(np.searchsorted(starts, boundaries, side="right") - 1, 0)
    cuts = boundaries[(starts[holder] < boundaries) & (boundaries < ends[holder])]
    if not len(cuts):
        return starts, ends, counts
    # a cut ends one piece and starts the next; tokens never overlap, so sorting pairs them up again
    starts, ends = np.sort(np.concatenate((starts, cuts))), np.sort(np.concatenate((ends, cuts)))
    sentence_starts = np.array([start for start, _ in item.sentence_spans], dtype=np.int64)
    sentence_ends = np.array([end for _, end in item.sentence_spans], dtype=np.int64)
    counts = np.searchsorted(starts, sentence_ends) - np.searchsorted(starts, sentence_starts)
    return starts, ends, counts


def _bio_tags(mentions: list[tuple[int, int, str]], starts, ends, tag_index: dict[str, int]):
    """The BIO tag index of every token (``starts``, ``ends``): B- or I- of the outermost of ``mentions``
    that holds it, else O."""
    import numpy as np

    tagged = outermost(mentions)
    if not tagged or not len(starts):
        return np.zeros(len(starts), dtype=np.int64)
    span_starts = np.array([start for start, _, _ in tagged], dtype=np.int64)
    span_ends = np.array([end for _, end, _ in tagged], dtype=np.int64)
    begin = np.array([tag_index[f"B-{label}"] for _, _, label in tagged], dtype=np.int64)
    inside = np.array([tag_index[f"I-{label}"] for _, _, label in tagged], dtype=np.int64)
    # outermost spans do not overlap, so their ends ascend: the first ending after a token's start is
    # the only one that can hold it
    holder = np.searchsorted(span_ends, starts, side="right")
    found = holder < len(tagged)
    holder = np.minimum(holder, len(tagged) - 1)
    held = found & (starts >= span_starts[holder]) & (ends <= span_ends[holder])
    return np.where(held, np.where(starts == span_starts[holder], begin[holder], inside[holder]), tag_index["O"])


def sentence_rows(item: Prepared) -> Iterator[dict]:
    """Every sentence (the ``ner`` config's boundaries), with the claims that overlap it."""
    order = {name: position for position, name in enumerate(names("claim_types"))}
    for index, ((start, end), claims) in enumerate(zip(item.sentence_spans, _claims_by_sentence(item))):
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


def _claims_by_sentence(item: Prepared) -> list[list[dict]]:
    """The claims that overlap each of ``item``'s sentences."""
    starts = [start for start, _ in item.sentence_spans]
    overlapping: list[list[dict]] = [[] for _ in item.sentence_spans]
    for claim in item.claims:
        first = max(bisect.bisect_right(starts, claim["start"]) - 1, 0)
        for index in range(first, bisect.bisect_left(starts, claim["end"])):
            if item.sentence_spans[index][1] > claim["start"]:
                overlapping[index].append(claim)
    return overlapping


# Each config's rows of one article, in the order the configs are written. The configs of
# ``CONFIG_COLUMNS`` are made as columns, a batch of articles at once; their row functions here are the
# plain definition that tests compare the columns with.
CONFIG_ROWS = {
    "articles": article_row,
    "mentions": mention_rows,
    "claims": claim_rows,
    "ner": ner_rows,
    "sentences": sentence_rows,
}
CONFIG_COLUMNS = {
    "articles": article_columns,
    "mentions": mention_columns,
    "ner": ner_columns,
    "sentences": sentence_columns,
}
