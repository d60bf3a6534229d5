"""Characters that change what a reader sees without being seen: one definition for the checks that
report them, the reporters that must never print them raw, and the HTML report that shows them.
"""

from __future__ import annotations

import re
import unicodedata

# Bidirectional embeddings, overrides and isolates: they reorder what a terminal or browser shows
# ("Trojan Source"). Errors wherever they appear.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Zero-width characters and marks: legitimate inside some scripts and emoji sequences, so a warning.
ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
# C0 and C1 control characters other than tab and line feed, and the Unicode line/paragraph separators (a
# character class body). Tab is the one that differs by place: it is whitespace in a metadata value or a
# feed, but a stray control character in an article body (rule NM105), where only LF separates anything.
CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
CONTROL_RE = re.compile(f"[{CONTROLS}]")
CONTROL_OR_TAB_RE = re.compile(f"[\\t{CONTROLS}]")  # in an article body
BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")
# Half of a UTF-16 pair on its own (a command-line argument that was not UTF-8 decodes to these): not a
# character, and no file can hold it as UTF-8.
SURROGATE_RE = re.compile("[\ud800-\udfff]")
ZERO_WIDTH_RE = re.compile(f"[{ZERO_WIDTH}]")
_HIDDEN_RE = re.compile(f"[{CONTROLS}{BIDI_CONTROLS}{ZERO_WIDTH}]")
_ALSO_IN_LINES_RE = re.compile(f"[\\t\\n{CONTROLS}{BIDI_CONTROLS}{ZERO_WIDTH}]")


# The zero-width non-joiner and joiner shape the letters on either side (Persian, Indic scripts) and build
# emoji sequences: between two letters, marks or symbols they do work, elsewhere they join nothing.
JOINERS = "\u200c\u200d"
_JOINABLE = ("L", "M", "S")


def joins(text: str, at: int) -> bool:
    """Whether the joiner at ``text[at]`` sits between two characters it can join."""
    return 0 < at < len(text) - 1 and all(unicodedata.category(text[i])[0] in _JOINABLE for i in (at - 1, at + 1))


def codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def escaped(char: str) -> str:
    value = ord(char)
    return f"\\x{value:02x}" if value < 0x100 else f"\\u{value:04x}"


def printable(value: str) -> str:
    """``value`` for one line of terminal or log output: every control, bidi and zero-width character
    (tab and line feed included) written as an escape, so user data cannot rewrite what is shown."""
    return _ALSO_IN_LINES_RE.sub(lambda match: escaped(match.group()), value)


def has_hidden(value: str) -> bool:
    """Whether ``value`` holds a character that ``printable`` and the report make visible (tab and line
    feed aside)."""
    return _HIDDEN_RE.search(value) is not None


def show_hidden(value: str, mark) -> str:
    """``value`` with every hidden character replaced by ``mark(char)``."""
    return _HIDDEN_RE.sub(lambda match: mark(match.group()), value)
