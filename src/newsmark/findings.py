"""Findings and the results that carry them (the rules themselves are registered in ``rules``).

A ``Finding`` is a plain value: which rule, how severe, where, and what to do about it. The checks build
findings into an ``ArticleResult`` per article and a ``Report`` per run; the validate cache stores
and returns ``ArticleResult``s; reporters (``reporters.py``) format a ``Report``. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from newsmark.chars import printable
from newsmark.rules import ERROR, RULES, WARNING  # ERROR, WARNING: also imported from here


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    col: int
    code: str
    message: str

    def __post_init__(self):
        # Messages quote user data (keys, values, file names): never let it reach a terminal raw.
        object.__setattr__(self, "path", printable(self.path))
        object.__setattr__(self, "message", printable(self.message))

    @property
    def severity(self) -> str:
        return RULES[self.code].severity

    @property
    def hint(self) -> str:
        """The rule's general fix (the message may add one that depends on the case)."""
        return RULES[self.code].hint

    def as_dict(self) -> dict:
        return {**asdict(self), "severity": self.severity, "rule": RULES[self.code].name, "hint": self.hint}


def finding(code: str, path: str, message: str, line: int = 1, col: int = 1) -> Finding:
    if code not in RULES:
        raise KeyError(f"unknown rule code {code}")
    return Finding(path=path, line=line, col=col, code=code, message=message)


@dataclass
class Report:
    """The outcome of one validation run. ``articles`` maps each checked article id to its split key
    (None when it is not built: missing files, or invalid metadata or annotation); the statistics are
    counted as the articles come (``tally``) and their contributions are not kept, so that what a run
    holds per article stays small."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    articles: dict[str, str | None] = field(default_factory=dict)
    # Each mention text of the checked articles with, per entity type, the ids of the articles that
    # annotate it so (rule NM604 and the gazetteer of `newsmark suggest`).
    surfaces: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # The checked articles' MinHash signatures (rule NM605): a ``neardup.SignatureFile``, None when the
    # run computed none.
    minhashes: object = None
    # How many checked articles are not yet annotated, by status (not-started, in-progress): not errors
    pending: dict[str, int] = field(default_factory=dict)
    # The statistics of a whole run (``stats.Tally``, which ``stats.corpus_stats`` reads); None for a
    # run over some files, or without a readable split rule.
    tally: object = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ArticleResult:
    """What checking one article gives: findings, the sha256 of each file read, and the statistics
    contribution."""

    id: str
    files: int
    findings: list[Finding]
    digests: dict[str, str] = field(default_factory=dict)
    contribution: dict | None = None
    stamps: dict[str, list[int]] = field(default_factory=dict)  # each file's stat (cache.stamp) before it was read
