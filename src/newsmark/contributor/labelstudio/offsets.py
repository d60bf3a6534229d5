"""Placing a Label Studio region in the article's text: its offsets, read as code points or as UTF-16
units, checked against its own text, then trimmed."""

from __future__ import annotations

import re


def locate_span(text: str, start, end, quote) -> tuple[int, int] | str:
    """Code-point offsets of a region in ``text``, or why it cannot be placed. The region's own text is
    the authority: offsets are checked against it, then read as UTF-16 units (older Label Studio versions
    count an emoji as two), then the quote is searched for; a quote that occurs more than once there is
    ambiguous."""
    if not isinstance(quote, str) or not quote:
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            return start, end
        return "the region has no text and its offsets do not fit the article"
    if isinstance(start, int) and isinstance(end, int):
        if text[start:end] == quote:
            return start, end
        converted = _from_utf16(text, start, end)
        if converted and text[converted[0] : converted[1]] == quote:
            return converted
    starts = [match.start() for match in re.finditer(re.escape(quote), text)]
    if len(starts) == 1:
        return starts[0], starts[0] + len(quote)
    short = quote if len(quote) <= 40 else quote[:37] + "..."
    if not starts:
        return f"its text {short!r} does not occur in the article; re-draw the region"
    return (
        f"its offsets {start}:{end} do not match its text {short!r}, which occurs {len(starts)} times; "
        "re-draw the region"
    )


def _from_utf16(text: str, start: int, end: int) -> tuple[int, int] | None:
    if text.isascii():
        return None
    units, mapping = 0, {}
    for index, char in enumerate(text):
        mapping[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    mapping[units] = len(text)
    if start in mapping and end in mapping:
        return mapping[start], mapping[end]
    return None


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A double-click often takes the space after a word: regions are trimmed to their non-space edges."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
