"""Sentence and token boundaries of an article text, as code-point offsets.

The tokenizer (documented in the dataset card): a token is ``'s`` after a word, a run of letters and
digits, or any other single non-space character; tokens are then split wherever a mention starts or
ends, so no token ever crosses a mention boundary. Sentences end at a line break, or after ``.``, ``!``
or ``?`` (and closing quotes or brackets) followed by space and an upper-case letter, digit or opening
quote, unless the word before is an abbreviation or the break would fall inside a protected span.
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"['’]s\b|\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"[.!?][\"'’”)\]]*(?=\s+[\"'‘“(\[]?[A-Z0-9])")
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "st", "jr", "sr", "no", "vs",
                  "etc", "e.g", "i.e", "lt", "col", "capt", "sgt", "inc", "corp", "co", "ltd", "jan", "feb",
                  "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec"}

Span = tuple[int, int]


def _inside(position: int, protected: list[Span]) -> bool:
    return any(start < position < end for start, end in protected)


def sentences(text: str, protected: list[Span] = ()) -> list[Span]:
    """Sentence spans, trimmed of surrounding whitespace; never breaking inside a protected span."""
    spans = []
    line_start = 0
    for line in text.split("\n"):
        start = line_start
        for match in _SENTENCE_END.finditer(line):
            cut = line_start + match.end()
            word = re.search(r"([\w.]+)\.?[\"'’”)\]]*$", line[: match.end()])
            before = word.group(1).lower().rstrip(".") if word else ""
            if before in _ABBREVIATIONS or len(before) == 1 or re.fullmatch(r"(\w\.)+\w", before):
                continue
            if _inside(cut, protected):
                continue
            spans.append((start, cut))
            start = cut
        spans.append((start, line_start + len(line)))
        line_start += len(line) + 1
    return [trimmed for span in spans if (trimmed := _trim(text, span))]


def _trim(text: str, span: Span) -> Span | None:
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def tokens(text: str, start: int, end: int, boundaries: set[int] = frozenset()) -> list[Span]:
    """Token spans within text[start:end], split at every offset in ``boundaries``."""
    out = []
    for match in _TOKEN.finditer(text, start, end):
        token_start = match.start()
        for cut in sorted(b for b in boundaries if match.start() < b < match.end()):
            out.append((token_start, cut))
            token_start = cut
        out.append((token_start, match.end()))
    return out
