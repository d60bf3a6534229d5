"""Rules about an article's metadata file beyond its schema: its id, its date, its licence."""

from __future__ import annotations

import datetime

from newsmark.findings import Finding, finding
from newsmark.licenses import UNKNOWN, is_spdx, suggestion
from newsmark.pipeline.check.schema import show_path
from newsmark.pipeline.read.yamldoc import Document


def check_metadata(doc: Document, article_id: str) -> list[Finding]:
    """NM501 id differs from the file name, NM307 impossible date, NM308 licence not on the SPDX list."""
    meta = doc.data
    findings = []
    if meta["license"] != UNKNOWN and not is_spdx(meta["license"]):
        guess = suggestion(meta["license"])
        hint = f"did you mean {guess}? Otherwise use" if guess else "use"
        findings.append(
            finding(
                "NM308",
                doc.path,
                f"license {meta['license']!r} is not an SPDX licence id; {hint} "
                "an id from https://spdx.org/licenses/, or 'unknown' when the source gives none",
                *doc.at(("license",)),
            )
        )
    if meta["id"] != article_id:
        findings.append(
            finding(
                "NM501",
                doc.path,
                f"id '{meta['id']}' differs from the file name '{article_id}'; make them equal",
                *doc.at(("id",)),
            )
        )
    findings += check_date(doc, ("date",))
    return findings


def check_date(doc: Document, path: tuple) -> list[Finding]:
    """NM307: a value that has the date pattern is also a day of the calendar."""
    value = doc.data
    for part in path:
        value = value[part]
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return [
            finding(
                "NM307", doc.path, f"{show_path(path)}: '{value}' is not a calendar date; use YYYY-MM-DD", *doc.at(path)
            )
        ]
    return []
