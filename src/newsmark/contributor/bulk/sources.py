"""Reading the sources of an import: JSONL lines, CSV rows, text files with their sidecar metadata, saved
web pages. Each source gives its items in order, each located where its record starts; a record that cannot
be read is given as a located message instead, so that every problem is reported, not only the first."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsmark import jsondata
from newsmark.extras import require
from newsmark.pipeline.read.files import MAX_FILE_BYTES, read_bytes, read_yaml

FIELDS = ("text", "title", "date", "url", "source_name", "license", "language", "story", "id")
# Column names tried for each field, in order, unless --map names one.
DEFAULT_COLUMNS = {
    "text": ("text", "body", "content", "article"),
    "title": ("title", "headline"),
    "date": ("date", "published", "published_at", "date_published", "pubdate"),
    "url": ("url", "link"),
    "source_name": ("source_name", "source", "publisher", "site_name", "sitename"),
    "license": ("license", "licence"),
    "language": ("language", "lang"),
    "story": ("story",),
    "id": ("id",),
}
MAX_SOURCE_LINE = 2 * MAX_FILE_BYTES


@dataclass
class Item:
    where: str  # feed.jsonl:12, export.csv:7, pages/a.html: where the item's record starts
    values: dict
    columns: dict = field(default_factory=dict)  # field -> the column it came from (for CSV locations)
    source: Path | None = None  # the file it came from
    line: int | None = None  # the line its record starts on (JSONL, CSV)


def _pick(record: dict, mapping: dict[str, str]) -> tuple[dict, dict]:
    values, columns = {}, {}
    for name in FIELDS:
        for column in ([mapping[name]] if name in mapping else []) + list(DEFAULT_COLUMNS[name]):
            if column in record and record[column] not in (None, ""):
                values[name], columns[name] = record[column], column
                break
    return values, columns


def _missing_columns(record_columns, mapping: dict[str, str]) -> list[str]:
    """The --map columns a record lacks: a mapping that names no column is an error, never a silent fall back
    to the default columns."""
    return [
        f"--map {name}={column}: there is no column '{column}'"
        for name, column in mapping.items()
        if column not in record_columns
    ]


@dataclass
class Line:
    """A line of a JSONL source, not yet decoded: its decoding into an item (``item_of``) is part of the
    per-item work an import does in worker processes, so the process that reads the source only splits
    it into lines."""

    source: Path
    number: int
    raw: bytes

    @property
    def where(self) -> str:
        return f"{self.source}:{self.number}"


def item_of(record: Item | str | Line, mapping: dict[str, str]) -> Item | str:
    """The item a record of ``read_records`` holds (a JSONL line decoded), or the located message saying
    why it is none."""
    if not isinstance(record, Line):
        return record
    where = record.where
    try:
        data = jsondata.loads(record.raw)
    except jsondata.BadJSON as err:
        return f"{where}: {err}"
    if not isinstance(data, dict):
        return f"{where}: each line must be a JSON object"
    missing = _missing_columns(data, mapping)
    if missing:
        return f"{where}: " + "; ".join(missing)
    values, columns = _pick(data, mapping)
    return Item(where, values, columns, record.source, record.number)


def read_records(source: Path, mapping: dict[str, str]) -> Iterator[Item | str | Line]:
    """The records of one source, in order: items, located messages, and JSONL lines still to decode
    (``item_of``)."""
    name = str(source)
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            yield from _text_file(path, mapping)
        return
    suffix = source.suffix.lower()
    if suffix == ".jsonl":
        with open(source, "rb") as handle:
            for number, raw in enumerate(iter(lambda: handle.readline(MAX_SOURCE_LINE + 1), b""), 1):
                if len(raw) > MAX_SOURCE_LINE:  # read past the rest of the line, so later lines keep their numbers
                    while raw and not raw.endswith(b"\n"):
                        raw = handle.readline(MAX_SOURCE_LINE + 1)
                    yield (
                        f"{name}:{number}: a line longer than {MAX_SOURCE_LINE:,} bytes (one article is at most "
                        f"{MAX_FILE_BYTES:,})"
                    )
                    continue
                if raw.strip():
                    yield Line(source, number, raw)
    elif suffix == ".csv":
        bad = _first_non_utf8_line(source)
        if bad:
            yield f"{name}:{bad[0]}: not UTF-8 (byte 0x{bad[1]:02x}); save the file as UTF-8"
            return
        csv.field_size_limit(MAX_SOURCE_LINE)  # an article may be as long in a CSV field as in a JSONL line
        with open(source, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            try:
                missing = _missing_columns(reader.fieldnames or [], mapping)
                if missing:
                    yield (
                        f"{name}:1: " + "; ".join(missing) + f" (the columns are {', '.join(reader.fieldnames or [])})"
                    )
                    return
                start = reader.line_num + 1  # a record may span lines: it is located where it starts
                for record in reader:
                    values, columns = _pick(record, mapping)
                    yield Item(f"{name}:{start}", values, columns, source, start)
                    start = reader.line_num + 1
            except csv.Error as err:
                yield f"{name}:{reader.line_num}: not valid CSV ({err})"
    elif suffix in (".html", ".htm"):
        yield _html_file(source)
    elif suffix == ".txt":
        yield from _text_file(source, mapping)
    else:
        yield f"{name}: not a source newsmark can import (.jsonl, .csv, .html, .txt or a folder of .txt files)"


def _first_non_utf8_line(path: Path) -> tuple[int, int] | None:
    """The line number and first bad byte of the first line that is not UTF-8, or None."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                return number, raw[err.start]
    return None


def _text_file(path: Path, mapping: dict[str, str]) -> Iterator[Item | str]:
    """A text file and its sidecar metadata, read without following links (a link in a folder of texts
    could point anywhere on the machine)."""
    record: dict = {}
    for sidecar in (path.with_suffix(".yaml"), path.with_suffix(".json")):
        if os.path.lexists(sidecar):
            if sidecar.suffix == ".json":
                raw, problems = read_bytes(sidecar, str(sidecar))
                if raw is None:
                    yield f"{sidecar}: {problems[0].message}"
                    return
                try:
                    record = jsondata.loads(raw)
                except jsondata.BadJSON as err:
                    yield f"{sidecar}: {err}"
                    return
            else:
                doc, problems = read_yaml(sidecar, sidecar.parent)
                if doc is None:
                    yield f"{sidecar}:{problems[0].line}:{problems[0].col}: {problems[0].message}"
                    return
                record = doc.data
            break
    if not isinstance(record, dict):
        yield f"{path}: its sidecar metadata must be a mapping"
        return
    raw, problems = read_bytes(path, str(path))
    if raw is None:
        yield f"{path}: {problems[0].message}"
        return
    missing = _missing_columns(set(record) | {"text"}, {k: v for k, v in mapping.items() if k != "text"})
    if missing:
        yield f"{path}: " + "; ".join(missing)
        return
    values, columns = _pick(record, mapping)
    values["text"] = raw
    yield Item(str(path), values, columns, path)


# What a reader of the page never sees, so never part of the article: hidden elements and templates.
_UNSEEN = (
    "//template | //*[@hidden] | //*[@aria-hidden='true'] | //*[contains(translate(@style, ' ', ''), 'display:none')]"
)


def _without_unseen(raw: bytes) -> bytes | str:
    """The page without the elements a browser does not show; the page as it is when it cannot be parsed."""
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(raw)
    except (ValueError, lxml.etree.ParserError):
        return raw
    for element in tree.xpath(_UNSEEN):
        if element.getparent() is not None:
            element.drop_tree()
    return lxml.html.tostring(tree, encoding="unicode")


def _html_file(path: Path) -> Item | str:
    """Article text and metadata from a saved page, by trafilatura, offline, from the file alone."""
    require("pages", "importing saved web pages (.html)")
    import trafilatura

    if path.stat().st_size > 4 * MAX_FILE_BYTES:
        return f"{path}: larger than the {4 * MAX_FILE_BYTES} byte limit for a saved page"
    document = trafilatura.bare_extraction(
        _without_unseen(path.read_bytes()),
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    if document is None or not getattr(document, "text", None):
        return f"{path}: no article text found in the page"
    values = {
        "text": document.text,
        "title": document.title,
        "date": document.date,
        "url": document.url,
        "source_name": document.sitename,
    }
    return Item(str(path), {key: value for key, value in values.items() if value}, source=path)
