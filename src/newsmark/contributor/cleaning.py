"""Mechanical cleaning of a source's text: named line rules, the same for every article of an import.

A rule removes whole lines that are not part of the article's prose (a dateline, a photo caption with its
credit). Each removal is said in plain words, so that the article's metadata can record the change made to
the source text (CC BY asks that changes be indicated) while its provenance keeps the SHA-256 of the text as
the source gave it. The blank lines that followed a removed line go with it, so no hole is left.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"


@dataclass(frozen=True)
class LineRule:
    name: str
    pattern: re.Pattern
    what: str  # "the dateline": how a change statement names what was removed
    first_line_only: bool  # a dateline only counts at the top of the text

    def describe(self, removed: list[str]) -> str:
        quoted = "; ".join(f"'{line.strip()}'" for line in removed[:3]) + ("; …" if len(removed) > 3 else "")
        count = f"{len(removed)} lines" if len(removed) > 1 else "the line"
        return f"removed {self.what} ({count} {quoted})"


LINE_RULES = {rule.name: rule for rule in (
    # "Friday, January 4, 2019" (often followed by a no-break space) as the text's first line
    LineRule("dateline", re.compile(rf"[ \t\u00a0]*{_WEEKDAY}, {_MONTH} [0-9]{{1,2}}, [0-9]{{4}}[ \t\u00a0]*"),
             "the dateline", first_line_only=True),
    # "Placards. Image: John Lubbock (flickr)." or "Sirhan in 1969  (Image: CDCR)": a caption of at most
    # 300 characters whose line ends with the credit
    LineRule("photo-caption", re.compile(r"[^\n]{0,300}?\(?Image: [^\n]{1,80}"),
             "photo captions with their credits", first_line_only=False),
)}


def drop_lines(text: str, rule_names: list[str]) -> tuple[str, list[str]]:
    """The text without the lines the named rules match, and a plain statement of each rule that removed any."""
    lines = text.split("\n")
    changes = []
    for name in rule_names:
        rule = LINE_RULES[name]
        kept, removed, after_removed = [], [], False
        first = next((n for n, line in enumerate(lines) if line.strip()), None)
        for number, line in enumerate(lines):
            if (not rule.first_line_only or number == first) and rule.pattern.fullmatch(line):
                removed.append(line)
                after_removed = True
            elif after_removed and not line.strip():
                continue
            else:
                after_removed = False
                kept.append(line)
        if removed:
            lines = kept
            changes.append(rule.describe(removed))
    return "\n".join(lines), changes
