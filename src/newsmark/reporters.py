"""Formatting a validation Report for people (text), GitHub Actions (github) and programs (json)."""

from __future__ import annotations

import json

from newsmark.findings import Finding, Report
from newsmark.labels import IN_PROGRESS


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        files = len({f.path for f in report.findings})
        return (
            f"FAILED: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} in {_plural(files, 'file')}"
            f" ({_plural(len(report.articles), 'article')} checked)"
        )
    tail = f", {_plural(warnings, 'warning')}" if warnings else ""
    return f"PASSED: {_articles(report)}, {_plural(report.files, 'file')}{tail}"


def _articles(report: Report) -> str:
    """ "296 articles (2 annotated, 294 not yet annotated)", or "3 articles" when all are annotated."""
    pending = sum(report.pending.values())
    if not pending:
        return _plural(len(report.articles), "article")
    in_progress = report.pending.get(IN_PROGRESS, 0)
    return (
        f"{_plural(len(report.articles), 'article')} ({len(report.articles) - pending} annotated, {pending} not "
        f"yet annotated{f', {in_progress} of them in progress' if in_progress else ''})"
    )


def finding_line(f: Finding) -> str:
    """``path:line:col: CODE message`` (and ``(warning)`` for warnings)."""
    return f"{f.path}:{f.line}:{f.col}: {f.code} {f.message}" + (" (warning)" if f.severity == "warning" else "")


def text(report: Report) -> str:
    lines = [finding_line(f) for f in report.findings]
    return "\n".join(lines + [summary_line(report)]) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(report: Report) -> str:
    """GitHub Actions workflow commands: each finding appears inline on the pull request's diff, with the
    rule's fix under it."""
    lines = []
    for f in report.findings:
        props = ",".join(
            f"{key}={_escape_property(str(value))}"
            for key, value in (("file", f.path), ("line", f.line), ("col", f.col), ("title", f.code))
        )
        message = f"{f.message}\nhelp: {f.hint}"  # the rule's general fix, on a line of its own
        lines.append(f"::{f.severity} {props}::{_escape_data(message)}")
    return "\n".join(lines + [summary_line(report)]) + "\n"


def as_json(report: Report) -> str:
    payload = {
        "ok": report.ok,
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "articles": len(report.articles),
        "not_annotated": dict(report.pending),
        "files": report.files,
        "findings": [f.as_dict() for f in report.findings],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


REPORTERS = {"text": text, "github": github, "json": as_json}
