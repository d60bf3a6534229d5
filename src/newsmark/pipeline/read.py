"""Stage 1: read the corpus from disk, safely, keeping source positions.

Nothing here follows a symlink, reads a file over the size limit, constructs a YAML tag, or expands an
alias. Problems met while reading are returned as findings, never raised, so one broken file cannot hide
the findings in the others.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from newsmark.chars import BIDI_RE, CONTROL_OR_TAB_RE, JOINERS, ZERO_WIDTH_RE, codepoint, has_hidden, joins
from newsmark.findings import Finding, finding
from newsmark.ids import HANDLE_RE, RESERVED_NAMES, is_article_id
from newsmark.labels import COMPLETE, NOT_STARTED

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_INT_DIGITS = 18  # larger integers fit no offset and would only cost time to read


_TAG = "tag:yaml.org,2002:"
# Plain scalars get this tag from the loader and are resolved by ``_scalar`` (YAML 1.2 core rules).
_IMPLICIT = "tag:newsmark:implicit"
_STANDARD_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_STANDARD_TAGS.add(_IMPLICIT)
_KIND_TAGS = {yaml.ScalarNode: _IMPLICIT, yaml.SequenceNode: _TAG + "seq", yaml.MappingNode: _TAG + "map"}


def _resolve(self, kind, value, implicit):
    # PyYAML's resolver runs a list of regular expressions on every scalar; newsmark resolves scalars
    # itself, so the loader only labels each node by kind. Explicit tags never reach this function.
    return _KIND_TAGS[kind]


try:  # libyaml's parser (C) is several times faster; the pure-Python one is the fallback
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class _Loader(_Parser, yaml.resolver.BaseResolver):
    """Parses and composes YAML into nodes; never constructs Python objects."""

    resolve = _resolve

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        yaml.resolver.BaseResolver.__init__(self)


_INT_RE = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_LEADING_ZERO_RE = re.compile(r"[-+]?0[0-9]+")  # 012: octal 10 in YAML 1.1, decimal 12 in 1.2, a string to some
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_QUOTED_STYLES = {'"', "'", "|", ">"}

Location = tuple[int, int]
JsonPath = tuple


@dataclass
class Document:
    """A parsed YAML file: plain data plus the 1-based line/column of every node and mapping key."""

    path: str
    data: object = None
    nodes: dict[JsonPath, Location] = field(default_factory=dict)
    keys: dict[JsonPath, Location] = field(default_factory=dict)
    has_float: bool = False  # a float anywhere: no field takes one, so the schema must look closely
    may_hide: bool = False  # the source holds an escape or an invisible character: strings are checked

    def at(self, path: JsonPath, key: bool = False) -> Location:
        """Where ``path`` is written; the nearest located ancestor when the node itself is absent."""
        table = self.keys if key else self.nodes
        while path not in table and path:
            path, table = path[:-1], self.nodes
        return table.get(path, (1, 1))


def annotation_status(data: dict) -> str:
    """COMPLETE, IN_PROGRESS or NOT_STARTED for a schema-valid annotation."""
    if "status" in data:
        return data["status"]
    if not any(data[key] for key in ("annotators", "topics", "entities", "claims")):
        return NOT_STARTED
    return COMPLETE


def pending_counts(records) -> dict[str, int]:
    """How many of ``records`` (dicts, or None) carry a ``status``: the articles not yet annotated, by status."""
    counts: dict[str, int] = {}
    for record in records:
        if record and record.get("status"):
            counts[record["status"]] = counts.get(record["status"], 0) + 1
    return dict(sorted(counts.items()))


@dataclass
class Article:
    """One article as read: its id, body text, metadata and annotation (None where missing or invalid)."""

    id: str
    text: str | None = None
    meta: Document | None = None
    annotation: Document | None = None

    @property
    def status(self) -> str | None:
        """The annotation's status (None without a valid annotation)."""
        return None if self.annotation is None else annotation_status(self.annotation.data)


@dataclass
class Inventory:
    """The article files found under corpus/ and annotations/, by article id."""

    texts: dict[str, Path] = field(default_factory=dict)
    metas: dict[str, Path] = field(default_factory=dict)
    annotations: dict[str, Path] = field(default_factory=dict)
    # independent annotation layers (annotations/independent/<annotator>/<id>.yaml), by (annotator, id)
    layers: dict[tuple[str, str], Path] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def position(text: str, index: int) -> Location:
    """1-based line and column of code-point ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def corpus_rel(path: Path) -> str:
    """``corpus/x.txt`` for a path that ``inventory`` found (root/<folder>/<name>); much cheaper than
    ``relpath``, which matters when the cache looks at every file of a large corpus."""
    return f"{path.parent.name}/{path.name}"


def relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


_LAYOUT = {"corpus": (".txt", ".yaml"), "annotations": (".yaml",)}
INDEPENDENT = "independent"  # annotations/independent/<annotator>/<id>.yaml: layers compared by `agree`


def inventory(root: Path) -> Inventory:
    """List corpus/ and annotations/ without following links or descending into folders."""
    found = Inventory()
    slots = {
        ("corpus", ".txt"): found.texts,
        ("corpus", ".yaml"): found.metas,
        ("annotations", ".yaml"): found.annotations,
    }
    for folder, suffixes in _LAYOUT.items():
        base = root / folder
        if base.is_symlink():
            found.findings.append(finding("NM108", folder, f"{folder}/ is a symbolic link; make it a real folder"))
            continue
        if not base.is_dir():
            continue
        for entry in sorted(os.scandir(base), key=lambda e: e.name):
            rel = f"{folder}/{entry.name}"
            stem, dot, suffix = entry.name.rpartition(".")
            if entry.is_symlink():
                found.findings.append(finding("NM108", rel, "symbolic link; replace it with the file itself"))
            elif folder == "annotations" and entry.name == INDEPENDENT and entry.is_dir(follow_symlinks=False):
                _independent_layers(base / entry.name, found)
            elif not entry.is_file(follow_symlinks=False):
                found.findings.append(finding("NM109", rel, f"{folder}/ holds files only; move this folder out"))
            elif dot and f".{suffix}" in suffixes and stem in RESERVED_NAMES:
                found.findings.append(
                    finding(
                        "NM110",
                        rel,
                        f"'{stem}' is a device name on Windows, where this "
                        "file cannot be checked out; choose another id",
                    )
                )
            elif not dot or f".{suffix}" not in suffixes or not is_article_id(stem):
                expected = " or ".join(f"<id>{s}" for s in suffixes)
                found.findings.append(
                    finding(
                        "NM109",
                        rel,
                        f"{folder}/ holds only {expected} files, where <id> is lowercase "
                        "letters, digits and single hyphens (at most 80); rename or remove this file",
                    )
                )
            else:
                slots[(folder, f".{suffix}")][stem] = base / entry.name
    return found


def _independent_layers(folder: Path, found: Inventory) -> None:
    """annotations/independent/<annotator>/<id>.yaml: one folder per annotator, annotation files only."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = f"annotations/{INDEPENDENT}/{entry.name}"
        if entry.is_symlink():
            found.findings.append(finding("NM108", rel, "symbolic link; replace it with the folder itself"))
        elif not entry.is_dir(follow_symlinks=False) or not HANDLE_RE.fullmatch(entry.name):
            found.findings.append(
                finding(
                    "NM109",
                    rel,
                    f"annotations/{INDEPENDENT}/ holds one folder per annotator, "
                    "named by the annotator's handle; move this out",
                )
            )
        else:
            for item in sorted(os.scandir(entry.path), key=lambda e: e.name):
                stem, dot, suffix = item.name.rpartition(".")
                item_rel = f"{rel}/{item.name}"
                if item.is_symlink():
                    found.findings.append(finding("NM108", item_rel, "symbolic link; replace it with the file itself"))
                elif not item.is_file(follow_symlinks=False) or suffix != "yaml" or not dot or not is_article_id(stem):
                    found.findings.append(
                        finding(
                            "NM109", item_rel, f"{rel}/ holds only <id>.yaml annotation files; rename or remove this"
                        )
                    )
                else:
                    found.layers[(entry.name, stem)] = Path(item.path)


def read_bytes(path: Path, rel: str) -> tuple[bytes | None, list[Finding]]:
    """The file's bytes, or findings when it is a link, not a regular file, or too large."""
    raw, found, _ = read_bytes_and_stat(path, rel)
    return raw, found


def read_bytes_and_stat(path: Path, rel: str) -> tuple[bytes | None, list[Finding], os.stat_result | None]:
    """``read_bytes`` and the file's stat taken before reading; the stat is None when the file changed
    while it was read (so that nobody records it as describing these bytes)."""
    try:
        info = os.lstat(path)
    except OSError as err:
        return None, [finding("NM001", rel, f"cannot read file: {err.strerror}")], None
    if stat.S_ISLNK(info.st_mode):
        return None, [finding("NM108", rel, "symbolic link; replace it with the file itself")], None
    if not stat.S_ISREG(info.st_mode):
        return None, [finding("NM109", rel, "not a regular file")], None
    if info.st_size > MAX_FILE_BYTES:
        return (
            None,
            [
                finding(
                    "NM107",
                    rel,
                    f"{info.st_size} bytes is over the {MAX_FILE_BYTES} byte limit; split the article or trim the file",
                )
            ],
            None,
        )
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        return None, [finding("NM001", rel, f"cannot read file: {err.strerror}")], None
    with os.fdopen(fd, "rb") as handle:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):  # swapped for a FIFO or device after lstat
            return None, [finding("NM109", rel, "not a regular file")], None
        raw = handle.read(MAX_FILE_BYTES + 1)
        after = os.fstat(fd)
    if len(raw) > MAX_FILE_BYTES:  # grew after lstat
        return None, [finding("NM107", rel, f"over the {MAX_FILE_BYTES} byte limit")], None
    unchanged = (
        (before.st_size, before.st_mtime_ns, before.st_ctime_ns)
        == (after.st_size, after.st_mtime_ns, after.st_ctime_ns)
        == (len(raw), before.st_mtime_ns, before.st_ctime_ns)
    )
    return raw, [], before if unchanged else None


def decode(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    """UTF-8 text without a byte-order mark, or a finding at the first bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [finding("NM102", rel, "remove the UTF-8 byte-order mark at the start of the file")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = len(raw[raw.rfind(b"\n", 0, err.start) + 1 : err.start].decode("utf-8", "replace")) + 1
        return None, [
            finding(
                "NM101",
                rel,
                f"invalid UTF-8 byte 0x{raw[err.start]:02x} at byte offset {err.start}; save the file as UTF-8",
                line,
                col,
            )
        ]


MAX_REPEATS = 20  # findings of one kind per file: the first ones locate the problem


def text_findings(text: str, rel: str) -> list[Finding]:
    """Hygiene of an article body: not empty, LF only, no control, bidi or zero-width characters, NFC."""
    if not text.strip():
        return [finding("NM106", rel, "the article text is empty; add the article body")]
    found = []
    cr = text.find("\r")
    if cr >= 0:
        found.append(
            finding(
                "NM103",
                rel,
                f"{text.count(chr(13))} carriage return(s); convert line endings to LF",
                *position(text, cr),
            )
        )
    for match in CONTROL_OR_TAB_RE.finditer(text):
        if match.group() == "\r":
            continue
        found.append(
            finding(
                "NM105",
                rel,
                f"control character U+{ord(match.group()):04X}; remove it or replace it with a space or newline",
                *position(text, match.start()),
            )
        )
        if len(found) >= MAX_REPEATS:
            break
    found += invisible_findings(text, rel, lambda index: position(text, index), "the article text")
    if not unicodedata.is_normalized("NFC", text):
        index = _first_not_nfc(text)
        found.append(
            finding(
                "NM104",
                rel,
                "text is not in Unicode NFC; normalise it (e.g. with unicodedata.normalize('NFC', text))",
                *position(text, index),
            )
        )
    return found


def invisible_findings(value: str, rel: str, locate, where: str) -> list[Finding]:
    """NM111 for bidirectional controls, NM112 for zero-width characters in ``value``; ``locate(index)``
    gives the line and column of a character."""
    found = []
    for code, pattern, advice in (
        ("NM111", BIDI_RE, "it can make the text display in another order than it is read; remove it"),
        ("NM112", ZERO_WIDTH_RE, "it is invisible and, here, joins nothing; remove it"),
    ):
        matches = (
            match for match in pattern.finditer(value) if not (match.group() in JOINERS and joins(value, match.start()))
        )
        for count, match in enumerate(matches):
            if count == MAX_REPEATS:
                break
            found.append(
                finding(
                    code,
                    rel,
                    f"{where} holds {codepoint(match.group())} at character {match.start()}: {advice}",
                    *locate(match.start()),
                )
            )
    return found


def _first_not_nfc(text: str) -> int:
    """Index of the first character that NFC would change, found by looking at pairs (linear time)."""
    for i, char in enumerate(text):
        pair = text[max(i - 1, 0) : i + 1]
        if unicodedata.normalize("NFC", pair) != pair:
            return max(i - 1, 0) if len(pair) == 2 and unicodedata.combining(char) else i
    return 0


def text_from_bytes(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    """An article body from its bytes, or None and the hygiene findings."""
    text, found = decode(raw, rel)
    if text is None:
        return None, found
    found = text_findings(text, rel)
    return (None if any(f.severity == "error" for f in found) else text), found


def yaml_from_bytes(raw: bytes, rel: str, positions: bool = True) -> tuple[Document | None, list[Finding]]:
    text, found = decode(raw, rel)
    if text is None:
        return None, found
    return parse_yaml(text, rel, positions)


def read_article_text(path: Path, root: Path) -> tuple[str | None, list[Finding]]:
    rel = relpath(path, root)
    raw, found = read_bytes(path, rel)
    return (None, found) if raw is None else text_from_bytes(raw, rel)


def read_yaml(path: Path, root: Path) -> tuple[Document | None, list[Finding]]:
    rel = relpath(path, root)
    raw, found = read_bytes(path, rel)
    return (None, found) if raw is None else yaml_from_bytes(raw, rel)


def parse_yaml(text: str, rel: str, positions: bool = True) -> tuple[Document | None, list[Finding]]:
    """Parse one YAML document into plain data, refusing everything unsafe or ambiguous. ``positions``
    records where every node is written (for locating findings of later checks)."""
    if ("&" in text or "*" in text) and (found := _alias_findings(text, rel)):
        return None, found
    try:
        loader = _Loader(text)
        try:
            root_node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as err:
        return None, [_syntax_finding(err, text, rel)]
    except yaml.YAMLError as err:
        return None, [finding("NM201", rel, f"cannot parse YAML: {err}")]
    if root_node is None:
        return None, [finding("NM106", rel, "the file holds no YAML document; fill it in")]
    doc = Document(rel, may_hide="\\" in text or has_hidden(text))
    found: list[Finding] = []
    doc.data = _construct(root_node, () if positions else None, doc, found, 0)
    return (None if found else doc), found


def _alias_findings(text: str, rel: str) -> list[Finding]:
    found = []
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
                mark = event.start_mark
                found.append(
                    finding(
                        "NM203",
                        rel,
                        f"YAML {kind} '{anchor}'; write the value out in full",
                        mark.line + 1,
                        mark.column + 1,
                    )
                )
                if len(found) >= 20:
                    break
    except yaml.YAMLError:
        pass  # the syntax error is reported by the full parse
    return found


def _syntax_finding(err: yaml.MarkedYAMLError, text: str, rel: str) -> Finding:
    mark = err.problem_mark or err.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = err.problem or str(err)
    if "expected a single document" in f"{err.context} {problem}":
        return finding("NM208", rel, "more than one YAML document ('---'); keep one document per file", line, col)
    if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
        return finding("NM205", rel, "tab character where YAML needs spaces; indent with spaces", line, col)
    context = f" {err.context}" if err.context else ""
    return finding("NM201", rel, f"YAML syntax error: {problem}{context}", line, col)


def _construct(node: yaml.Node, path: JsonPath | None, doc: Document, found: list[Finding], depth: int):
    """Plain data from a node. With a ``path`` every node's and key's position is recorded in ``doc``;
    with None (the fast path for files expected to be valid) nothing is, and findings of this level
    still carry their position, taken from the node itself."""
    mark = node.start_mark
    if path is not None:
        doc.nodes[path] = (mark.line + 1, mark.column + 1)
    if depth > MAX_DEPTH:
        found.append(finding("NM201", doc.path, f"nested more than {MAX_DEPTH} levels deep", *_at(node)))
        return None
    if node.tag not in _STANDARD_TAGS:
        found.append(
            finding(
                "NM204",
                doc.path,
                f"tag '{node.tag.replace(_TAG, '!!')}' is not allowed; remove it and write a plain value",
                *_at(node),
            )
        )
        return None
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _STANDARD_TAGS:
                found.append(finding("NM207", doc.path, "mapping keys must be plain strings", *_at(key_node)))
                continue
            key = key_node.value
            if key in result:
                first = next(k for k, _ in node.value if isinstance(k, yaml.ScalarNode) and k.value == key)
                found.append(
                    finding(
                        "NM202",
                        doc.path,
                        f"key '{key}' appears again (first at line {_at(first)[0]}); keep one",
                        *_at(key_node),
                    )
                )
                continue
            child = None
            if path is not None:
                child = path + (key,)
                doc.keys[child] = _at(key_node)
            result[key] = _construct(value_node, child, doc, found, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        if path is None:
            return [_construct(item, None, doc, found, depth + 1) for item in node.value]
        return [_construct(item, path + (i,), doc, found, depth + 1) for i, item in enumerate(node.value)]
    return _scalar(node, doc, found)


def _at(node: yaml.Node) -> Location:
    return node.start_mark.line + 1, node.start_mark.column + 1


_NULLS = {"", "~", "null", "Null", "NULL"}
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_YAML11_BOOLEANS = {v for w in ("yes", "no", "on", "off", "y", "n") for v in (w, w.capitalize(), w.upper())}


def _scalar(node: yaml.ScalarNode, doc: Document, found: list[Finding]):
    """YAML 1.2 core-schema reading of a scalar; YAML 1.1 booleans are reported, never guessed."""
    value = node.value
    if node.style in _QUOTED_STYLES or node.tag == _TAG + "str":
        return value
    if value in _NULLS and node.tag in (_IMPLICIT, _TAG + "null"):
        return None
    if value in _BOOLEANS:
        return _BOOLEANS[value]
    if value in _YAML11_BOOLEANS:
        found.append(
            finding(
                "NM206",
                doc.path,
                f"'{value}' is a boolean in YAML 1.1 but a string in YAML 1.2; "
                f'write "{value}" in quotes for the string, or true/false',
                *_at(node),
            )
        )
        return value
    first = value[:1]
    if first.isdigit() or first in "-+.":
        if _LEADING_ZERO_RE.fullmatch(value):
            digits = value.lstrip("+-").lstrip("0") or "0"
            written = f"-{digits}" if value.startswith("-") and digits != "0" else digits
            found.append(
                finding(
                    "NM210",
                    doc.path,
                    f"`{value}` has a leading zero: YAML 1.1 readers disagree on it (octal, decimal or string); "
                    f"write {written} (or quote it, '{value}', where a string is meant)",
                    *_at(node),
                )
            )
            return value
        if _INT_RE.fullmatch(value):
            if len(value.lstrip("+-")) > MAX_INT_DIGITS:
                found.append(
                    finding(
                        "NM209",
                        doc.path,
                        f"a number of {len(value)} digits; no value here needs more than {MAX_INT_DIGITS}",
                        *_at(node),
                    )
                )
                return None
            return int(value)
        if _FLOAT_RE.fullmatch(value):
            doc.has_float = True
            return float(value)
    # What a plain scalar is read as, and nothing else: null (~, null, empty), true/false, an integer
    # ([-+]?(0|[1-9][0-9]*), at most MAX_INT_DIGITS digits, else NM209), or a float (_FLOAT_RE: 1.5, .5,
    # 1e3; never a field's value, so the schema refuses it). Everything else stays the string written:
    # dates (2024-03-19), and the number forms YAML versions read differently (0x1F, 0o17, 1_000, 1:20,
    # .inf). Two kinds are findings instead of a guess: YAML 1.1 booleans (yes, no, on, off: NM206) and
    # an integer with a leading zero (012: NM210). Explicit !!int or !!float tags are not honoured
    # either, so nothing depends on the YAML version a reader assumes.
    return value


def read_citation(root: Path, version: str) -> dict | None:
    """CITATION.cff (CFF 1.2.0) as plain data, or None when there is none. Raises NewsmarkError, located,
    when it cannot be read or cites another version than the one being built."""
    from newsmark.errors import NewsmarkError

    path = root / "CITATION.cff"
    if not os.path.lexists(path):
        return None
    raw, found = read_bytes(path, "CITATION.cff")
    doc = None
    if raw is not None:
        doc, found = yaml_from_bytes(raw, "CITATION.cff")
    if doc is None or found:
        first = found[0]
        raise NewsmarkError(f"{first.path}:{first.line}:{first.col}: {first.message}")
    data = doc.data
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("title"), str)
        or not isinstance(data.get("authors"), list)
    ):
        raise NewsmarkError("CITATION.cff:1:1: needs at least a title and a list of authors (CFF 1.2.0)")
    if str(data.get("version")) != version:
        line, col = doc.at(("version",))
        raise NewsmarkError(
            f"CITATION.cff:{line}:{col}: cites version {data.get('version')!r} but the dataset is "
            f"{version}; update version and date-released in CITATION.cff for this release"
        )
    return data


BASELINES = "benchmarks/baselines.json"


def read_baselines(root: Path) -> dict | None:
    """The baseline figures ``benchmarks/baselines.py`` recorded (for the card), or None when there are none.
    Raises NewsmarkError, located, when the file is there but not what that script writes."""
    import json

    from newsmark.errors import NewsmarkError

    path = root / BASELINES
    if not os.path.lexists(path):
        return None
    raw, found = read_bytes(path, BASELINES)
    if raw is None:
        raise NewsmarkError(f"{found[0].path}:{found[0].line}:{found[0].col}: {found[0].message}")
    try:
        data = json.loads(raw)
        rows = data["results"]
        if not all(
            isinstance(row["task"], str)
            and isinstance(row["system"], str)
            and all(isinstance(row["strict"][key], (int, float)) for key in ("precision", "recall", "f1"))
            for row in rows
        ) or not isinstance(data["fingerprint"], str):
            raise TypeError
    except (ValueError, KeyError, TypeError) as err:
        raise NewsmarkError(
            f"{BASELINES}:1:1: not the figures benchmarks/baselines.py writes ({type(err).__name__}); run it again"
        ) from None
    return data
