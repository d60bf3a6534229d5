"""Placing a Label Studio region in the article's text: its offsets, read as code points or as UTF-16
units, checked against its own text, then trimmed."""

from __future__ import annotations

import re
from bisect import bisect_left

ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # two UTF-16 units each, one code point


class Utf16Offsets:
    """UTF-16 unit offsets of one text turned into code-point offsets, from one scan of the text: every
    region of an article is converted with the same table (a table per region made 3,000 regions take
    minutes). Unit offset ``u`` lies after ``k`` astral characters, so it is code point ``u - k``, unless
    it falls between the two halves of one."""

    def __init__(self, text: str):
        self.length = len(text)
        # the unit offset at which each astral character starts: its code-point offset plus the astral
        # characters before it
        self.astral_units = [match.start() + count for count, match in enumerate(ASTRAL.finditer(text))]

    def code_point(self, unit: int) -> int | None:
        """The code-point offset at UTF-16 offset ``unit``, or None when no character boundary is there."""
        before = bisect_left(self.astral_units, unit)  # astral characters starting before ``unit``
        if unit < 0 or unit - before > self.length or (before and self.astral_units[before - 1] + 1 == unit):
            return None
        return unit - before


def locate_span(text: str, start, end, quote, units: Utf16Offsets | None = None) -> tuple[int, int] | str:
    """Code-point offsets of a region in ``text``, or why it cannot be placed. The region's own text is
    the authority: offsets are checked against it, then read as UTF-16 units (older Label Studio versions
    count an emoji as two; ``units`` is the text's table, made here when not given), then the quote is
    searched for; a quote that occurs more than once there is ambiguous."""
    if not isinstance(quote, str) or not quote:
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            return start, end
        return "the region has no text and its offsets do not fit the article"
    if isinstance(start, int) and isinstance(end, int):
        if text[start:end] == quote:
            return start, end
        converted = _from_utf16(units or Utf16Offsets(text), start, end) if not text.isascii() else None
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


def _from_utf16(units: Utf16Offsets, start: int, end: int) -> tuple[int, int] | None:
    converted = units.code_point(start), units.code_point(end)
    return None if None in converted else converted


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A double-click often takes the space after a word: regions are trimmed to their non-space edges."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
