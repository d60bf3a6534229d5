"""Sentence and token boundaries of an article text, as code-point offsets.

Tokens (documented in the dataset card) are those of spaCy's English tokenizer (``spacy.blank("en")``,
rules only, no model): ``40,000``, ``3.5``, ``U.S.``, URLs and e-mail addresses stay whole, ``don't`` is
``do`` + ``n't``. Whitespace tokens are dropped, and tokens are then split wherever a mention starts or
ends, so no token ever crosses a mention boundary; sentences end at line breaks, so no token crosses one.
Sentences end at a line break, or after ``.``, ``!`` or ``?`` (and closing quotes or brackets) followed by
space and an upper-case letter, digit or opening quote, unless the word before is an abbreviation or the
break would fall inside a protected span.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*(?=\s+[\"'‘“(\[]?[A-Z0-9])")
_CLOSERS = "\"'’”)]"
_INITIALS = re.compile(r"(\w\.)+\w")
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "gen",
    "sen",
    "rep",
    "gov",
    "st",
    "jr",
    "sr",
    "no",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "lt",
    "col",
    "capt",
    "sgt",
    "inc",
    "corp",
    "co",
    "ltd",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
}

Span = tuple[int, int]


def _merge(spans) -> list[Span]:
    """The union of ``spans`` as sorted, non-overlapping spans."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _inside(position: int, merged: list[Span]) -> bool:
    """Whether ``position`` falls strictly inside one of the ``merged`` spans."""
    index = bisect.bisect_left(merged, (position,)) - 1
    return index >= 0 and merged[index][0] < position < merged[index][1]


def sentences(text: str, protected: list[Span] = ()) -> list[Span]:
    """Sentence spans, trimmed of surrounding whitespace; never breaking inside a protected span."""
    protected = _merge(protected)
    spans = []
    line_start = 0
    for line in text.split("\n"):
        start = line_start
        for match in _SENTENCE_END.finditer(line):
            cut = line_start + match.end()
            before = word_before(line, match.end()).lower().rstrip(".")
            if before in _ABBREVIATIONS or len(before) == 1 or _INITIALS.fullmatch(before):
                continue
            if _inside(cut, protected):
                continue
            spans.append((start, cut))
            start = cut
        spans.append((start, line_start + len(line)))
        line_start += len(line) + 1
    return [trimmed for span in spans if (trimmed := trim(text, span))]


def word_before(line: str, end: int) -> str:
    r"""The word (letters, digits, ``_`` and dots) that ``line[:end]`` ends with once closing quotes and
    brackets are set aside, looked for at most 40 characters back: what the regular expression
    ``([\w.]+)\.?["'’”)\]]*$`` searched for from there finds, walked back character by character
    instead (trying every start in the 40 characters cost about a third of the sentence splitting)."""
    low = max(end - 40, 0)
    cut = end
    while cut > low and line[cut - 1] in _CLOSERS:
        cut -= 1
    start = cut
    while start > low and (line[start - 1].isalnum() or line[start - 1] in "._"):
        start -= 1
    return line[start:cut]


def trim(text: str, span: Span) -> Span | None:
    """``span`` without whitespace at either end; None when nothing else is left."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


@cache
def _tokenizer():
    import spacy  # imported on first use: validating never needs it

    return spacy.blank("en").tokenizer


def load_tokenizer() -> None:
    """Load spaCy now: called before worker processes fork, so that they share it instead of each
    importing it (about a second) again."""
    _tokenizer()


def word_tokens(text: str, start: int, end: int) -> list[Span]:
    """spaCy's English tokens of text[start:end], without whitespace tokens."""
    return [
        (start + token.idx, start + token.idx + len(token))
        for token in _tokenizer()(text[start:end])
        if not token.is_space
    ]


def sentence_words(text: str, spans: list[Span]):
    """``word_tokens`` of every one of ``spans`` (sorted, not overlapping) as three int64 numpy arrays:
    every token's start and end, one span after another, and each span's number of tokens.

    spaCy is run once over the whole text, not once per span: a Doc per sentence cost more than its
    tokens. The two agree because spaCy cuts a text at whitespace first and tokenizes each run of
    non-whitespace on its own, so a span that starts and ends at whitespace (or at the text's edges)
    gets the tokens it would get alone; any other span is tokenized alone. (A special case of spaCy's
    whose pieces a sentence break could separate would break this; tests/test_fast_paths.py checks
    that none exists.)"""
    import numpy as np

    starts, ends = text_words(text)
    if at_whitespace(text, spans):  # always, for the spans of ``sentences``: keep the tokens inside a span
        return words_in(starts, ends, spans)
    start_parts, end_parts, counts = [], [], []
    for start, end in spans:
        if at_whitespace(text, [(start, end)]):
            first, last = np.searchsorted(starts, [start, end]).tolist()
            start_parts.append(starts[first:last])
            end_parts.append(ends[first:last])
        else:
            own = np.array(word_tokens(text, start, end), dtype=np.int64).reshape(-1, 2)
            start_parts.append(own[:, 0])
            end_parts.append(own[:, 1])
        counts.append(len(start_parts[-1]))
    return np.concatenate(start_parts), np.concatenate(end_parts), np.array(counts, dtype=np.int64)


def text_words(text: str):
    """spaCy's tokens of the whole ``text`` but its whitespace tokens, as int64 numpy arrays of their
    starts and ends."""
    import numpy as np
    from spacy.attrs import IDX, SPACY

    # Each token's start and whether one space follows it: the tokens' text and trailing spaces make up
    # the whole text, so a token ends where the next starts, less that space. (Asking spaCy for the
    # lengths and the whitespace flag too cost twice as much: those are looked up token by token.)
    found = _tokenizer()(text).to_array([IDX, SPACY]).astype(np.int64).reshape(-1, 2)
    starts = found[:, 0]
    ends = np.append(starts[1:], len(text))[: len(starts)] - found[:, 1]
    # spaCy cuts wherever whitespace starts or stops, so a token is whitespace when its first character is
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)[starts]
    table = _whitespace_table()
    space = table[np.minimum(points, len(table) - 1)]
    return starts[~space], ends[~space]


@cache
def _whitespace_table():
    """For each code point up to U+3001 (the last whitespace is U+3000), whether ``str.isspace`` holds."""
    import numpy as np

    return np.array([chr(point).isspace() for point in range(0x3002)], dtype=bool)


def at_whitespace(text: str, spans: list[Span]) -> bool:
    """Whether every one of ``spans`` starts and ends at whitespace or at an edge of ``text``."""
    return all(
        (start == 0 or text[start - 1].isspace()) and (end == len(text) or text[end].isspace()) for start, end in spans
    )


def words_in(starts, ends, spans: list[Span]):
    """The tokens (sorted numpy arrays ``starts``, ``ends``, none crossing a span's edge) inside any of
    ``spans`` (sorted, not overlapping): their starts and ends, and each span's number of them."""
    import numpy as np

    span_starts = np.array([start for start, _ in spans], dtype=np.int64)
    span_ends = np.array([end for _, end in spans], dtype=np.int64)
    holder = np.searchsorted(span_starts, starts, side="right") - 1
    inside = (holder >= 0) & (starts < span_ends[np.maximum(holder, 0)] if len(spans) else False)
    return starts[inside], ends[inside], np.bincount(holder[inside], minlength=len(spans)).astype(np.int64)


def tokens(text: str, start: int, end: int, boundaries: list[int] = (), words: list[Span] | None = None) -> list[Span]:
    """Token spans within text[start:end], split at every offset in ``boundaries`` (sorted; an offset may
    repeat) that falls inside one. ``words``:
    ``word_tokens(text, start, end)`` when already known."""
    spans = word_tokens(text, start, end) if words is None else words
    inner = boundaries[bisect.bisect_right(boundaries, start) : bisect.bisect_left(boundaries, end)]
    if not inner:
        return spans
    token_starts = [token_start for token_start, _ in spans]
    cuts: dict[int, list[int]] = {}
    for boundary in inner:
        index = bisect.bisect_right(token_starts, boundary) - 1
        if index >= 0 and spans[index][0] < boundary < spans[index][1]:
            cuts.setdefault(index, []).append(boundary)
    if not cuts:
        return spans
    out = []
    for index, (token_start, token_end) in enumerate(spans):
        for cut in cuts.get(index, ()):
            if cut > token_start:  # an offset listed twice (mentions that touch) is one cut, not an empty token
                out.append((token_start, cut))
                token_start = cut
        out.append((token_start, token_end))
    return out
