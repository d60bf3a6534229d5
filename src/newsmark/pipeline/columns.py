"""Stage 3, as columns: the rows of a chunk of valid articles, made a batch of articles at once.

Every config but ``claims`` (a few rows an article) is made as columns, not as a dict per row: lists per
column, numpy for the arithmetic of tokens, tags and sentence windows, labels as indices, ready for
``write.to_table``. ``assemble`` holds each config's plain definition, row by row; tests compare the two.
The build calls ``chunk_rows`` per chunk of articles in the worker processes, in article id order.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter

from newsmark.labels import names
from newsmark.pipeline.assemble import (
    CONFIG_ROWS,
    Prepared,
    claims_by_sentence,
    credit,
    outermost,
    prepare,
    sentence_windows,
)
from newsmark.pipeline.features import ner_tag_names
from newsmark.pipeline.read.inventory import Article
from newsmark.pipeline.write import Repeated, to_array
from newsmark.settings import Settings
from newsmark.text import at_whitespace, sentence_words, text_words, words_in

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


def article_columns(items: list[Prepared]) -> dict:
    """The ``articles`` rows of ``items`` (one split) as columns, equal to ``article_row``'s: labels as
    indices, a list column as ``(offsets, values)`` and a column of structs as a dict of its fields'
    columns (the nested entities, mentions, claims and annotators of every article, one after another)."""
    index = {
        name: {label: position for position, label in enumerate(names(name))}
        for name in ("topics", "entity_types", "annotator_kinds", "claim_types", "attributions", "verdicts")
    }
    plain: dict[str, list] = {name: [] for name in _ARTICLE_COLUMNS}
    counts: dict[str, list] = {
        name: [] for name in ("topics", "keywords", "entities", "mentions", "claims", "evidence", "annotators")
    }
    topics, keywords, evidence = [], [], []
    entity: dict[str, list] = {"id": [], "type": [], "name": [], "wikidata": []}
    mention: dict[str, list] = {"start": [], "end": [], "text": []}
    claim: dict[str, list] = {
        name: []
        for name in ("id", "start", "end", "text", "claimer", "type", "attribution", "checkworthy", "date", "verdict")
    }
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
            mention["start"] += map(_start, e["mentions"])
            mention["end"] += map(_end, e["mentions"])
            mention["text"] += map(_text, e["mentions"])
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


# a field of each of many dicts, read by map (in C) rather than a comprehension
_start, _end, _text = itemgetter("start"), itemgetter("end"), itemgetter("text")

_ARTICLE_COLUMNS = (
    "id",
    "date",
    "title",
    "language",
    "text",
    "source_name",
    "source_url",
    "license",
    "story",
    "guidelines",
)


def _offsets(counts):
    """Where each list starts in its values, and where the last ends (``counts``: a list or numpy array of
    each list's length): what Arrow keeps of a list column."""
    import numpy as np

    return np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))


def mention_columns(items: list[Prepared]) -> dict:
    """The ``mentions`` rows of ``items`` (articles of one split) as columns, equal to ``mention_rows``'s:
    types as label indices, and each mention's sentence found for all of an article's mentions at once."""
    type_index = {name: index for index, name in enumerate(names("entity_types"))}
    starts, ends, texts, counts = [], [], [], []
    entities, per_entity = [], []  # the batch's entities; how many rows (mentions) each has
    for item in items:
        count = 0
        for entity in item.annotation["entities"]:
            mentions = entity["mentions"]
            starts += map(_start, mentions)
            ends += map(_end, mentions)
            texts += map(_text, mentions)
            entities.append(entity)
            per_entity.append(len(mentions))
            count += len(mentions)
        counts.append(count)
    sentences, sentence_starts = _contexts(items, starts, ends, counts)
    return {
        **_article_keys(items, counts),
        "entity_id": Repeated([entity["id"] for entity in entities], per_entity),
        "type": Repeated([type_index[entity["type"]] for entity in entities], per_entity),
        "name": Repeated([entity["name"] for entity in entities], per_entity),
        "wikidata": Repeated([entity.get("wikidata") for entity in entities], per_entity),
        "start": starts,
        "end": ends,
        "text": texts,
        "sentence": sentences,
        "sentence_start": sentence_starts,
    }


def _contexts(items: list[Prepared], starts: list[int], ends: list[int], counts: list[int]):
    """``around`` (each span's sentence and where it starts) of spans of ``items``, ``counts[i]`` of them
    the ``i``-th article's: for the whole batch at once, in one text, as ``ner_columns`` does."""
    import numpy as np

    if any(count and not item.sentence_spans for item, count in zip(items, counts)):
        # a text without sentences (a valid article has none): around's own rules, article by article
        texts, found, done = [], [], 0
        for item, count in zip(items, counts):
            if count:
                more = item.context.around_all(starts[done : done + count], ends[done : done + count])
                texts += more[0]
                found += more[1]
            done += count
        return texts, found
    bases, lowest, sentence_spans = [], [], []
    base = 0
    for item in items:
        bases.append(base)
        lowest.append(len(sentence_spans))  # a span's sentence is one of its own article's
        sentence_spans += [(start + base, end + base) for start, end in item.sentence_spans]
        base += len(item.text)
    shift = np.repeat(np.array(bases, dtype=np.int64), counts)
    start, end = np.array(starts, dtype=np.int64) + shift, np.array(ends, dtype=np.int64) + shift
    spans = np.array(sentence_spans, dtype=np.int64).reshape(-1, 2)
    low, high = sentence_windows(spans[:, 0], spans[:, 1], start, end, np.repeat(np.array(lowest, np.int64), counts))
    text = "".join(item.text for item in items)
    low_list = low.tolist()
    return [text[a:b] for a, b in zip(low_list, high.tolist())], (low - shift).tolist()


def sentence_columns(items: list[Prepared]) -> dict:
    """The ``sentences`` rows of ``items`` (articles of one split) as columns, equal to
    ``sentence_rows``'s: claim types as label indices, list columns as ``(offsets, values)``."""

    type_index = {name: index for index, name in enumerate(names("claim_types"))}
    texts, starts, ends, checkworthy = [], [], [], []
    claim_ids, claim_types, id_counts, type_counts = [], [], [], []
    for item in items:
        text = item.text
        texts.extend([text[start:end] for start, end in item.sentence_spans])
        starts.extend([start for start, _ in item.sentence_spans])
        ends.extend([end for _, end in item.sentence_spans])
        for claims in claims_by_sentence(item):
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
        **_sentence_keys(items),
        "text": texts,
        "start": starts,
        "end": ends,
        "claim_ids": (_offsets(id_counts), claim_ids),
        "checkworthy": checkworthy,
        "claim_types": (_offsets(type_counts), claim_types),
    }


def _sentence_keys(items: list[Prepared]) -> dict:
    """The columns that name each sentence of ``items`` (one row a sentence in ``sentences`` and ``ner``)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = [len(item.sentence_spans) for item in items]
    keys = _article_keys(items, counts)
    firsts = np.repeat(np.cumsum([0, *counts])[:-1], counts)  # each sentence's article's first row
    index = np.arange(len(firsts)) - firsts
    # "<article id>/<sentence index>", joined by Arrow for the batch at once
    ids = pc.binary_join_element_wise(to_array(pa.string(), keys["article_id"]), pc.cast(index, pa.string()), "/")
    return {"id": ids, "sentence_index": index, **keys}


def _article_keys(items: list[Prepared], counts: list[int]) -> dict:
    """The columns that name the article of each row, ``counts[i]`` rows the ``i``-th article's."""
    return {
        "article_id": Repeated([item.id for item in items], counts),
        "split": Repeated([item.split for item in items], counts),
        "story": Repeated([item.meta.get("story") for item in items], counts),
    }


def ner_columns(items: list[Prepared]) -> dict:
    """The ``ner`` rows of ``items`` (articles of one split) as columns, equal to ``ner_rows``'s (the
    plain definition, which tests compare this with): tags as label indices, each list column as
    ``(offsets, values)``, and the tokens' strings as ``(UTF-8 bytes, offsets)``.

    The work per token is done by numpy for the whole batch at once: numpy costs a few microseconds a
    call, which on one article's few hundred tokens is most of the work. The batch's texts are taken as
    one text, each article's offsets moved by where its text starts in it; articles share no token,
    mention or sentence, so nothing computed crosses from one article into the next, and the offsets
    are moved back at the end."""
    import numpy as np

    tag_index = {name: index for index, name in enumerate(ner_tag_names())}
    columns = _sentence_keys(items)
    if not items:
        empty = np.zeros(0, np.int64)
        return {
            **columns,
            **{name: (np.zeros(1, np.int64), empty) for name in _NER_LISTS},
            "tokens": (np.zeros(1, np.int64), (np.zeros(0, np.uint8), np.zeros(1, np.int64))),
        }
    words, mentions, sentence_spans, bases = [], [], [], []
    base = 0
    for item in items:
        words.append(_article_words(item))
        mentions += [
            (m["start"] + base, m["end"] + base, e["type"]) for e in item.annotation["entities"] for m in e["mentions"]
        ]
        sentence_spans += [(start + base, end + base) for start, end in item.sentence_spans]
        bases.append(base)
        base += len(item.text)
    bases = np.array(bases, dtype=np.int64)
    moved = np.repeat(bases, [len(article_starts) for article_starts, _ in words])
    starts, ends = (np.concatenate(parts) + moved for parts in zip(*words))
    starts, ends, counts = words_in(starts, ends, sentence_spans)
    _keep_word_arrays(items, starts, ends, counts, bases)
    starts, ends, counts = _cut_at_mentions(starts, ends, counts, mentions, sentence_spans)
    tags = _bio_tags(mentions, starts, ends, tag_index)
    data, lengths = _pieces("".join(item.text for item in items), starts, ends)
    shift = bases[np.searchsorted(bases, starts, side="right") - 1]  # where each token's article starts
    offsets = _offsets(counts)
    return {
        **columns,
        "tokens": (offsets, (data, _offsets(lengths))),
        "ner_tags": (offsets, tags),
        "token_starts": (offsets, starts - shift),
        "token_ends": (offsets, ends - shift),
    }


_NER_LISTS = ("ner_tags", "token_starts", "token_ends")


def _pieces(text: str, starts, ends):
    """``text[a:b]`` for every span (``starts``, ``ends``: sorted, not overlapping, none empty) as one
    array of UTF-8 bytes and each piece's length in bytes: what Arrow stores of a column of strings,
    made without a Python string per token."""
    import numpy as np

    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    if len(data) != len(text):  # not ASCII: code-point offsets to byte offsets
        # each character's first byte is the one byte of it that is not a continuation byte (10xxxxxx)
        at = np.append(np.flatnonzero((data & 0xC0) != 0x80), len(data))
        starts, ends = at[starts], at[ends]
    # +1 where a piece starts, -1 where one ends: the running sum is 1 exactly on the bytes kept
    edges = np.bincount(starts, minlength=len(data) + 1) - np.bincount(ends, minlength=len(data) + 1)
    return data[np.cumsum(edges)[:-1] > 0], ends - starts


def _article_words(item: Prepared):
    """The word tokens of ``item`` as numpy arrays of starts and ends: those of its sentences from the
    build cache when it has every sentence's, else spaCy's of its whole text, which ``words_in`` then
    keeps to its sentences for the whole batch at once."""
    import numpy as np

    if item.words and all(span in item.words for span in item.sentence_spans):
        known = np.array([word for span in item.sentence_spans for word in item.words[span]], dtype=np.int64)
        return known.reshape(-1, 2)[:, 0], known.reshape(-1, 2)[:, 1]
    if at_whitespace(item.text, item.sentence_spans):  # always, for the spans of ``sentences``
        return text_words(item.text)
    starts, ends, _ = sentence_words(item.text, item.sentence_spans)
    return starts, ends


def _keep_word_arrays(items: list[Prepared], starts, ends, counts, bases) -> None:
    """Each article's word tokens (``starts``, ``ends``, ``counts`` of the batch's sentences, offsets moved
    by ``bases``) in its ``word_arrays``, in its own offsets: what the build cache keeps (``pack_words``)."""
    import numpy as np

    sentence_bounds = np.cumsum([0] + [len(item.sentence_spans) for item in items])
    token_bounds = _offsets(counts)[sentence_bounds].tolist()
    sentence_bounds = sentence_bounds.tolist()
    for index, item in enumerate(items):
        tokens = slice(token_bounds[index], token_bounds[index + 1])
        base = bases[index]
        item.word_arrays = (
            starts[tokens] - base,
            ends[tokens] - base,
            counts[sentence_bounds[index] : sentence_bounds[index + 1]],
        )


def _cut_at_mentions(starts, ends, counts, mentions: list[tuple[int, int, str]], sentence_spans: list[tuple[int, int]]):
    """The ``tokens`` of the sentences ``sentence_spans`` (numpy arrays: starts, ends, count per
    sentence): their word tokens, cut wherever one of ``mentions`` starts or ends inside one."""
    import numpy as np

    boundaries = np.unique(np.array([offset for start, end, _ in mentions for offset in (start, end)], dtype=np.int64))
    if not len(boundaries) or not len(starts):
        return starts, ends, counts
    # the token each boundary falls in (the last one starting at or before it), if strictly inside it
    holder = np.maximum(np.searchsorted(starts, boundaries, side="right") - 1, 0)
    cuts = boundaries[(starts[holder] < boundaries) & (boundaries < ends[holder])]
    if not len(cuts):
        return starts, ends, counts
    # a cut ends one piece and starts the next; tokens never overlap, so sorting pairs them up again
    starts, ends = np.sort(np.concatenate((starts, cuts))), np.sort(np.concatenate((ends, cuts)))
    sentence_starts = np.array([start for start, _ in sentence_spans], dtype=np.int64)
    sentence_ends = np.array([end for _, end in sentence_spans], dtype=np.int64)
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
    labels = {label: (tag_index[f"B-{label}"], tag_index[f"I-{label}"]) for label in {label for _, _, label in tagged}}
    begin, inside = np.array([labels[label] for _, _, label in tagged], dtype=np.int64).reshape(-1, 2).T
    # outermost spans do not overlap, so their ends ascend: the first ending after a token's start is
    # the only one that can hold it
    holder = np.searchsorted(span_ends, starts, side="right")
    found = holder < len(tagged)
    holder = np.minimum(holder, len(tagged) - 1)
    held = found & (starts >= span_starts[holder]) & (ends <= span_ends[holder])
    return np.where(held, np.where(starts == span_starts[holder], begin[holder], inside[holder]), tag_index["O"])


CONFIG_COLUMNS = {
    "articles": article_columns,
    "mentions": mention_columns,
    "ner": ner_columns,
    "sentences": sentence_columns,
}
