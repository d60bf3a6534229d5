"""Mechanical cleaning of a source's text: named rules, the same for every article of an import.

A line rule removes whole lines that are not part of the article's prose (a dateline, a photo caption with
its credit); the blank lines that followed a removed line go with it, so no hole is left. A character rule
removes a character that carries nothing (a zero-width joiner that joins nothing). Each rule says what it
removed in plain words, so that the article's metadata records the change made to the source text (CC BY
asks that changes be indicated) while its provenance keeps the SHA-256 of the text as the source gave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsmark.chars import joins

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"


@dataclass(frozen=True)
class LineRule:
    name: str
    pattern: re.Pattern
    what: str  # "the dateline": how a change statement names what was removed
    first_line_only: bool  # a dateline only counts at the top of the text

    def __call__(self, text: str) -> tuple[str, str | None]:
        """The text without the lines this rule matches, and a plain statement of what was removed."""
        lines = text.split("\n")
        first = next((number for number, line in enumerate(lines) if line.strip()), None)
        kept, removed, after_removed = [], [], False
        for number, line in enumerate(lines):
            if (not self.first_line_only or number == first) and self.pattern.fullmatch(line):
                removed.append(line)
                after_removed = True
            elif not (after_removed and not line.strip()):
                after_removed = False
                kept.append(line)
        return ("\n".join(kept), self.describe(removed)) if removed else (text, None)

    def describe(self, removed: list[str]) -> str:
        quoted = "; ".join(f"'{line.strip()}'" for line in removed[:3]) + ("; …" if len(removed) > 3 else "")
        count = f"{len(removed)} lines" if len(removed) > 1 else "the line"
        return f"removed {self.what} ({count} {quoted})"


def drop_stray_joiners(text: str) -> tuple[str, str | None]:
    """The text without zero-width joiners that do not sit between two joinable characters (such as one
    left by a quotation template before a quote, or before an apostrophe)."""
    stray = {at for at, char in enumerate(text) if char == "\u200d" and not joins(text, at)}
    if not stray:
        return text, None
    kept = "".join(char for at, char in enumerate(text) if at not in stray)
    return kept, f"removed {len(stray)} zero-width joiner{'s' if len(stray) > 1 else ''} (U+200D) that joined nothing"


# Each rule takes a text and gives it back cleaned, with a statement of the change (None: nothing changed).
RULES = {
    # "Friday, January 4, 2019" (often followed by a no-break space) as the text's first line
    "dateline": LineRule(
        "dateline",
        re.compile(rf"[ \t\u00a0]*{_WEEKDAY}, {_MONTH} [0-9]{{1,2}}, [0-9]{{4}}[ \t\u00a0]*"),
        "the dateline",
        first_line_only=True,
    ),
    # "Placards. Image: John Lubbock (flickr)." or "Sirhan in 1969  (Image: CDCR)": a caption of at most
    # 300 characters whose line ends with the credit
    "photo-caption": LineRule(
        "photo-caption",
        re.compile(r"[^\n]{0,300}?\(?Image: [^\n]{1,80}"),
        "photo captions with their credits",
        first_line_only=False,
    ),
    "stray-joiner": drop_stray_joiners,
}


def clean(text: str, rule_names: list[str]) -> tuple[str, list[str]]:
    """``text`` after the named rules, in the order given, and a plain statement of each change made."""
    changes = []
    for name in rule_names:
        text, change = RULES[name](text)
        if change:
            changes.append(change)
    return text, changes
