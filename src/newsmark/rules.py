"""The registry of validation rules, read once from ``rules.toml`` beside this module: each rule's code,
name, severity, title, what it checks, why, an example, and the general fix (``hint``).

It is the one place a rule is described: ``findings`` takes severities and names from it, reporters show
its hints, and docs/validation-rules.md is generated from it (``python -m newsmark.rules PATH``; a test
fails when the committed page differs). ``tests/test_cases.py`` holds every code to a fixture, and
``tests/test_docs.py`` every registered code to one raised in the source.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    title: str  # one line, for the table of rules
    checks: str  # what the rule checks
    why: str
    example: str
    hint: str  # the general fix; a message adds what depends on the case ("did you mean ...")


def _text(value: str) -> str:
    """A registry text as written in rules.toml (wrapped lines, blank lines between paragraphs) as one
    string: lines joined by spaces, paragraphs by a blank line."""
    return "\n\n".join(" ".join(part.split("\n")) for part in value.strip().split("\n\n"))


def _load() -> dict[str, Rule]:
    import tomllib

    with (Path(__file__).parent / "rules.toml").open("rb") as file:
        table = tomllib.load(file)
    rules = {}
    for code, entry in table.items():
        rule = Rule(code=code, **{key: _text(value) for key, value in entry.items()})
        if rule.severity not in (ERROR, WARNING):
            raise ValueError(f"rules.toml: {code} has severity {rule.severity!r}")
        rules[code] = rule
    return rules


class _Registry(Mapping):
    """The rules by code, read from rules.toml when first looked at: a run that finds nothing (the
    pre-commit validate of a valid file) does not parse the registry."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] | None = None

    def _table(self) -> dict[str, Rule]:
        if self._rules is None:
            self._rules = _load()
        return self._rules

    def __getitem__(self, code: str) -> Rule:
        return self._table()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


# The stable contract: codes never change meaning and are never reused.
RULES: Mapping[str, Rule] = _Registry()

FAMILIES = {
    "NM0": "Internal (NM0xx)",
    "NM1": "Files and encoding (NM1xx)",
    "NM2": "YAML (NM2xx)",
    "NM3": "Schema (NM3xx)",
    "NM4": "Spans (NM4xx)",
    "NM5": "Ids and references (NM5xx)",
    "NM6": "Corpus-wide (NM6xx)",
}

INTRODUCTION = """\
<!-- Generated from src/newsmark/rules.toml by `python -m newsmark.rules docs/validation-rules.md`; edit
the registry, not this page. -->

`newsmark validate` prints each finding as `path:line:col: CODE message`. Codes are stable: a code never
changes meaning and is never reused. Every rule has a fixture in `tests/cases/<CODE>_<name>/`: the files
that differ from `tests/cases/valid/`, and in `expected.txt` the findings they must produce, each line as
`validate` prints it (without the `(warning)` mark). The **Fix** of each rule is its hint: `validate
--format json` gives it with every finding (`hint`), and the `github` format shows it under the finding.

Levels gate each other: a file that fails to read or parse (NM1xx, NM2xx) is not schema-checked, and a file
that fails its schema (NM3xx) is not span- or reference-checked (NM4xx, NM5xx) until the schema errors are
fixed. Warnings do not fail validation (exit 0); errors do (exit 1).
"""


def _anchor(rule: Rule) -> str:
    return f"#{rule.code.lower()}-{rule.name}-{rule.severity}"


def page() -> str:
    """docs/validation-rules.md: the table of every rule, then a section per rule, by family."""
    lines = [
        "# Validation rules",
        "",
        INTRODUCTION,
        "| code | name | severity | summary |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| [{r.code}]({_anchor(r)}) | `{r.name}` | {r.severity} | {r.title} |" for r in RULES.values()]
    family = None
    for rule in RULES.values():
        if rule.code[:3] != family:
            family = rule.code[:3]
            lines += ["", f"# {FAMILIES[family]}"]
        lines += ["", f"## {rule.code} `{rule.name}` ({rule.severity})", ""]
        lines += [f"**What it checks**: {rule.checks}", "", f"**Why**: {rule.why}", ""]
        lines += [f"**Example**: {rule.example}", "", f"**Fix**: {rule.hint}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """``python -m newsmark.rules [PATH]``: write the rules page to PATH (atomically), or print it."""
    if not argv:
        sys.stdout.write(page())
        return 0
    from newsmark.files import write_atomic

    write_atomic(Path(argv[0]), page())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
