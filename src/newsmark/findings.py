"""Findings, the registry of rule codes, and the results that carry findings.

A ``Finding`` is a plain value: which rule, how severe, where, and what to do about it. The checks
build findings into an ``ArticleResult`` per article and a ``Report`` per run; the validate cache stores
and returns ``ArticleResult``s; reporters (``reporters.py``) format a ``Report``. Nothing here prints.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from newsmark.chars import printable

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str
    summary: str


# The stable contract: codes never change meaning and are never reused. docs/validation-rules.md has a
# section per code and tests/cases/ a fixture per code; a test keeps all three in step.
RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        Rule("NM001", "internal-error", ERROR, "the validator failed on this file; please report it"),
        # NM1xx: files and encoding
        Rule("NM101", "not-utf8", ERROR, "file is not valid UTF-8"),
        Rule("NM102", "byte-order-mark", ERROR, "file starts with a UTF-8 byte-order mark"),
        Rule("NM103", "carriage-return", ERROR, "line endings must be LF only"),
        Rule("NM104", "not-nfc", ERROR, "text is not in Unicode NFC"),
        Rule("NM105", "control-character", ERROR, "text contains a control character"),
        Rule("NM106", "empty-file", ERROR, "file is empty"),
        Rule("NM107", "file-too-large", ERROR, "file is larger than the size limit"),
        Rule("NM108", "symlink", ERROR, "symbolic links are not allowed in the corpus"),
        Rule("NM109", "unexpected-file", ERROR, "file does not belong in this folder"),
        Rule("NM110", "reserved-name", ERROR, "id is a device name that Windows cannot check out"),
        Rule("NM111", "bidi-control", ERROR, "text contains a bidirectional control character"),
        Rule("NM112", "invisible-character", WARNING, "text contains a zero-width character"),
        # NM2xx: YAML
        Rule("NM201", "yaml-syntax", ERROR, "YAML syntax error"),
        Rule("NM202", "duplicate-key", ERROR, "a mapping has the same key twice"),
        Rule("NM203", "yaml-alias", ERROR, "YAML anchors and aliases are not allowed"),
        Rule("NM204", "yaml-tag", ERROR, "YAML tags outside the standard set are not allowed"),
        Rule("NM205", "tab-indent", ERROR, "tab used for indentation"),
        Rule("NM206", "yaml-1-1-boolean", ERROR, "unquoted value that YAML 1.1 reads as a boolean"),
        Rule("NM207", "complex-key", ERROR, "mapping key is not a plain string"),
        Rule("NM208", "multiple-documents", ERROR, "file holds more than one YAML document"),
        Rule("NM209", "number-too-large", ERROR, "a number is too long to be read"),
        # NM3xx: schema
        Rule("NM301", "unknown-key", ERROR, "key not allowed here"),
        Rule("NM302", "missing-key", ERROR, "required key is missing"),
        Rule("NM303", "wrong-type", ERROR, "value has the wrong type"),
        Rule("NM304", "unknown-label", ERROR, "value is not in the label set"),
        Rule("NM305", "bad-format", ERROR, "value does not match the required pattern"),
        Rule("NM306", "constraint", ERROR, "value breaks a schema constraint"),
        Rule("NM307", "invalid-date", ERROR, "not a real calendar date"),
        Rule("NM308", "unknown-license", ERROR, "licence is not an SPDX licence id"),
        # NM4xx: spans
        Rule("NM401", "quote-mismatch", ERROR, "span text differs from the article text at its offsets"),
        Rule("NM402", "span-out-of-range", ERROR, "span offsets lie outside the article text"),
        Rule("NM403", "empty-span", ERROR, "span end is not after its start"),
        Rule("NM404", "span-clash", ERROR, "two entities claim the same span"),
        Rule("NM405", "span-cuts-word", WARNING, "span starts or ends inside a word"),
        Rule("NM406", "unanchored-span", ERROR, "span has no offsets yet"),
        Rule("NM407", "span-whitespace", ERROR, "span starts or ends with whitespace"),
        Rule("NM408", "duplicate-mention", ERROR, "the same mention is listed twice"),
        Rule("NM409", "mention-crosses-line", ERROR, "a mention spans a line break"),
        Rule("NM410", "missed-mention", WARNING, "a name annotated in the article also occurs unannotated"),
        # NM5xx: ids and references
        Rule("NM501", "id-mismatch", ERROR, "id does not match the file name"),
        Rule("NM502", "duplicate-id", ERROR, "id used twice in one article"),
        Rule("NM503", "orphan-annotation", ERROR, "annotation refers to an article that does not exist"),
        Rule("NM504", "missing-annotation", WARNING, "article has no annotation file yet"),
        Rule("NM505", "unknown-claimer", ERROR, "claimer is not an entity of this article"),
        Rule("NM506", "missing-text", ERROR, "article metadata has no text file"),
        Rule("NM507", "incomplete-annotation", ERROR, "a finished annotation names no annotator or no topic"),
        # NM6xx: corpus-wide
        Rule("NM601", "label-set-changed", ERROR, "a released label was removed or reordered"),
        Rule("NM602", "stale-datasheet", WARNING, "DATASHEET.md statistics block is out of date"),
        Rule("NM603", "datasheet-unusable", ERROR, "DATASHEET.md cannot be updated by the build"),
        Rule("NM604", "inconsistent-type", WARNING, "the same name has different entity types in different articles"),
        Rule("NM605", "near-duplicate-split", ERROR, "near-duplicate articles fall into different splits"),
        Rule("NM606", "settings-unusable", ERROR, "pyproject.toml lacks the version or split settings a build needs"),
    ]
}


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

    def as_dict(self) -> dict:
        return {**asdict(self), "severity": self.severity, "rule": RULES[self.code].name}


def finding(code: str, path: str, message: str, line: int = 1, col: int = 1) -> Finding:
    if code not in RULES:
        raise KeyError(f"unknown rule code {code}")
    return Finding(path=path, line=line, col=col, code=code, message=message)


@dataclass
class Report:
    """The outcome of one validation run. ``articles`` maps each checked article id to its statistics
    contribution (None when it is not built: missing files, or invalid metadata or annotation), without
    its mention texts, which are gathered once in ``surfaces``."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    articles: dict[str, dict | None] = field(default_factory=dict)
    # Each mention text of the checked articles with, per entity type, the ids of the articles that
    # annotate it so (rule NM604 and the gazetteer of `newsmark suggest`).
    surfaces: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # Each checked article's MinHash signature, as the validate cache keeps it (rule NM605).
    signatures: dict[str, str] = field(default_factory=dict)
    # How many checked articles are not yet annotated, by status (not-started, in-progress): not errors
    pending: dict[str, int] = field(default_factory=dict)

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
    signatures: dict[str, list[int]] = field(default_factory=dict)  # each file's stat before it was read
