"""The YAML reader: one document into plain data, with the source position of every node and key.

The loader only composes nodes; it never constructs a tag's object or expands an alias, and newsmark
resolves plain scalars itself (YAML 1.2 core rules), reporting what YAML versions read differently
(NM206 YAML 1.1 booleans, NM210 leading zeros) instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from newsmark.chars import has_hidden
from newsmark.findings import Finding, finding

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
