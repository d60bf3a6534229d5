"""Editing annotation YAML in place: ruamel's round trip keeps comments, key order and quoting, and new
items are written in the style of the file around them (flow-style mentions, its quoting, text order).
``anchor``, ``suggest``, ``dedup`` and the Label Studio import all edit through here."""

from __future__ import annotations

import io


class NotYAML(ValueError):
    """The text is not YAML ruamel can read: where (``line``, ``col``, from 1) and why, in words."""

    def __init__(self, line: int, col: int, problem: str):
        self.line, self.col, self.problem = line, col, problem
        super().__init__(f"{line}:{col}: not valid YAML ({problem})")


def round_trip_load(text: str):
    """A ruamel YAML object and the document, for edits that keep comments, key order and quoting; raises
    NotYAML for a text that does not parse (a tool may meet a file validate has not passed)."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        return _round_trip_load(text)
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise NotYAML(line, col, err.problem or err.context or "a syntax error") from None
    except YAMLError as err:
        raise NotYAML(1, 1, str(err).splitlines()[0] if str(err) else type(err).__name__) from None


def _round_trip_load(text: str):
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, sequence_indent, offset = load_yaml_guess_indent(text)
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    if sequence_indent is None:  # no block list yet (a skeleton): the house style, "  - " under its key
        sequence_indent, offset = 4, 2
    yaml.indent(mapping=2, sequence=sequence_indent, offset=offset or 0)
    # Keep an explicit null as written ("title: null"); ruamel's default would print nothing after the colon.
    yaml.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml, yaml.load(text)


def round_trip_dump(yaml, data) -> str:
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def flow(values: dict):
    from ruamel.yaml.comments import CommentedMap

    item = CommentedMap(values)
    item.fa.set_flow_style()
    return item


def block(values: dict):
    from ruamel.yaml.comments import CommentedMap

    item = CommentedMap(values)
    item.fa.set_block_style()
    return item


def styled(value: str, like) -> str:
    """``value`` quoted as ``like`` is in the file (a double-quoted file stays double-quoted)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

    for style in (DoubleQuotedScalarString, SingleQuotedScalarString):
        if isinstance(like, style):
            return style(value)
    return value


def sample(data, group: str, key: str):
    """The first value of ``key`` in ``group`` (mentions: of any entity), as the file writes it."""
    # lazily: the first one that has it is enough (a list of every mention, for each mention added, made a
    # Label Studio import of thousands of regions quadratic)
    items = (m for e in data["entities"] for m in e["mentions"]) if group == "mentions" else data[group]
    return next((item[key] for item in items if key in item), None)


def insert_sorted(sequence, item, start: int) -> None:
    """Insert ``item`` before the first element that starts later (spans are kept in text order)."""
    for index, other in enumerate(sequence):
        if isinstance(other.get("start"), int) and other["start"] > start:
            sequence.insert(index, item)
            return
    sequence.append(item)


def add_mention(data, entity, start: int, end: int, text: str) -> None:
    """Add a mention to ``entity`` (a node of ``data``) in text order, written as the file writes mentions."""
    insert_sorted(
        entity["mentions"],
        flow({"start": start, "end": end, "text": styled(text, sample(data, "mentions", "text"))}),
        start,
    )
