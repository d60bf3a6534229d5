"""``newsmark import``: many articles at once, from JSONL, CSV, a folder of texts or saved web pages.

Every item gets the checks ``newsmark new`` makes and an annotation skeleton. All or nothing: the sources
are read twice, first to check every item (keeping only ids and signatures in memory, so memory is
bounded by the signatures, not by the texts), then, only when no item has a problem, to write; files are
written beside their targets and renamed into place at the end. Exact duplicates (same normalised text)
of an article in the corpus or earlier in the import are not imported and are named; near-duplicates
join the story of what they duplicate (a story is the first duplicate's own ``story``, or its id).
Importing the same source twice changes nothing.
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from newsmark.contributor.intake import article_metadata, article_plan, clean_body, decode_input
from newsmark.errors import NewsmarkError
from newsmark.files import current_umask, write_atomic
from newsmark.licenses import UNKNOWN
from newsmark.neardup import BATCH, DedupSettings, clusters, near_duplicate_pairs, read_settings, signatures, text_key
from newsmark.pipeline.read import MAX_FILE_BYTES, inventory, read_article_text, read_bytes, read_yaml

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
    where: str  # feed.jsonl:12, export.csv:7, pages/a.html
    values: dict
    columns: dict = field(default_factory=dict)  # field -> the column it came from (for CSV locations)


def _pick(record: dict, mapping: dict[str, str]) -> tuple[dict, dict]:
    values, columns = {}, {}
    for name in FIELDS:
        for column in ([mapping[name]] if name in mapping else []) + list(DEFAULT_COLUMNS[name]):
            if column in record and record[column] not in (None, ""):
                values[name], columns[name] = record[column], column
                break
    return values, columns


def read_items(source: Path, mapping: dict[str, str]) -> Iterator[Item | str]:
    """The items of one source, in order; a problem reading one is yielded as a located message."""
    name = str(source)
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            yield from _text_file(path, mapping)
        return
    suffix = source.suffix.lower()
    if suffix == ".jsonl":
        with open(source, "rb") as handle:
            for number, raw in enumerate(iter(lambda: handle.readline(MAX_SOURCE_LINE + 1), b""), 1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                except (ValueError, UnicodeDecodeError) as err:
                    yield f"{name}:{number}: not valid JSON ({err})"
                    continue
                if not isinstance(record, dict):
                    yield f"{name}:{number}: each line must be a JSON object"
                    continue
                values, columns = _pick(record, mapping)
                yield Item(f"{name}:{number}", values, columns)
    elif suffix == ".csv":
        bad = _first_non_utf8_line(source)
        if bad:
            yield f"{name}:{bad[0]}: not UTF-8 (byte 0x{bad[1]:02x}); save the file as UTF-8"
            return
        with open(source, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            try:
                for record in reader:
                    values, columns = _pick(record, mapping)
                    yield Item(f"{name}:{reader.line_num}", values, columns)
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
                    record = json.loads(raw)
                except (ValueError, UnicodeDecodeError) as err:
                    yield f"{sidecar}: not valid JSON ({err})"
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
    values, columns = _pick(record, mapping)
    values["text"] = raw
    yield Item(str(path), values, columns)


def _html_file(path: Path) -> Item | str:
    """Article text and metadata from a saved page, by trafilatura, offline, from the file alone."""
    import trafilatura

    if path.stat().st_size > 4 * MAX_FILE_BYTES:
        return f"{path}: larger than the {4 * MAX_FILE_BYTES} byte limit for a saved page"
    document = trafilatura.bare_extraction(path.read_bytes(), with_metadata=True, include_comments=False,
                                           include_tables=False, favor_precision=True)
    if document is None or not getattr(document, "text", None):
        return f"{path}: no article text found in the page"
    values = {"text": document.text, "title": document.title, "date": document.date, "url": document.url,
              "source_name": document.sitename}
    return Item(str(path), {key: value for key, value in values.items() if value})


@dataclass
class Decision:
    where: str
    id: str | None = None
    story: str | None = None
    skipped: str | None = None  # why this item is not imported


def _check(root: Path, items: Iterator[Item | str], default_license: str | None, settings: DedupSettings,
           progress=None):
    """First pass: every item checked; returns the decisions and the problems (located messages). Exact
    duplicates are skipped as they come; near-duplicates are grouped once every item is read."""
    found = inventory(root)
    existing_keys: dict[str, str] = {}
    ids, rows = [], []  # every article's id and MinHash signature: the corpus's, then the import's
    existing = ((article_id, read_article_text(path, root)[0]) for article_id, path in sorted(found.texts.items()))
    for batch in _batches((pair for pair in existing if pair[1] is not None), BATCH):
        for (article_id, text), values in zip(batch, signatures([text for _, text in batch], settings)):
            existing_keys.setdefault(text_key(text), article_id)
            ids.append(article_id)
            rows.append(values)
    # every id on disk, and those this import gives: new ids are made unique without a look at the disk
    decisions, problems, taken = [], [], set(found.texts) | set(found.metas) | set(found.annotations)
    for count, (item, body, values) in enumerate(_prepared(items, settings), 1):
        if progress:
            progress(count, None)
        if isinstance(item, str) or isinstance(body, NewsmarkError):
            problems.append(item if isinstance(item, str) else f"{item.where}: {body}")
            continue
        fields = item.values
        try:
            key = text_key(body)
            if key in existing_keys:
                decisions.append(Decision(item.where, skipped=f"same text as {existing_keys[key]}"))
                continue
            meta = article_metadata(body, root, str(fields["date"]), fields.get("title"), fields.get("id"),
                                    fields.get("language", "en"), fields.get("source_name"), fields.get("url"),
                                    fields.get("license") or default_license or UNKNOWN, fields.get("story"), taken,
                                    everything_taken=True)
        except NewsmarkError as err:
            problems.append(f"{item.where}: {err}")
            continue
        taken.add(meta["id"])
        existing_keys[key] = meta["id"]
        ids.append(meta["id"])
        rows.append(values)
        decisions.append(Decision(item.where, meta["id"], meta.get("story")))
    if not problems:
        _join_stories(root, decisions, ids, rows, settings)
    return decisions, problems


def _join_stories(root: Path, decisions: list[Decision], ids: list[str], rows: list, settings: DedupSettings) -> None:
    """Give every imported article that is a near-duplicate of others, and names no story itself, the
    story of its group: one a member already names (the corpus's articles first), else the id of the
    group's first article, whose own split then does not move."""
    import numpy

    imported = {decision.id: decision for decision in decisions if decision.skipped is None}
    order = {article_id: position for position, article_id in enumerate(ids)}
    pairs = near_duplicate_pairs(ids, numpy.stack(rows), settings) if len(rows) > 1 else []
    for group in clusters([(a, b) for a, b, _ in pairs]):
        if not any(member in imported and imported[member].story is None for member in group):
            continue
        group.sort(key=order.__getitem__)
        named = [story for story in (imported[m].story if m in imported else _story_of(root, m) for m in group) if story]
        story = named[0] if named else group[0]
        for member in group:
            if member in imported and imported[member].story is None and member != story:
                imported[member].story = story


def _batches(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _body(item: Item) -> str:
    """The item's text, decoded and normalised as `newsmark new` does; raises NewsmarkError."""
    raw = item.values.get("text")
    if raw is None:
        raise NewsmarkError("no text (give a text column, or --map text=COLUMN)")
    body = clean_body(decode_input(raw, item.where) if isinstance(raw, bytes) else str(raw), "the text")
    if "date" not in item.values:
        raise NewsmarkError("no date (give a date column, or --map date=COLUMN)")
    return body


def _prepared(items: Iterator[Item | str], settings: DedupSettings):
    """Each item with its body (or the NewsmarkError it raised) and its MinHash signature: signatures are
    computed a batch of items at a time, which costs a fifth of one at a time."""
    for batch in _batches(items, BATCH):
        bodies = []
        for item in batch:
            try:
                bodies.append(None if isinstance(item, str) else _body(item))
            except NewsmarkError as err:
                bodies.append(err)
        texts = [body for body in bodies if isinstance(body, str)]
        rows = iter(signatures(texts, settings) if texts else ())
        for item, body in zip(batch, bodies):
            yield item, body, next(rows) if isinstance(body, str) else None


def _story_of(root: Path, article_id: str) -> str | None:
    doc, _ = read_yaml(root / "corpus" / f"{article_id}.yaml", root)
    return doc.data.get("story") if doc is not None and isinstance(doc.data, dict) else None


def import_sources(root: str | Path, sources: list[str | Path], mapping: dict[str, str] | None = None,
                   license: str | None = None, dry_run: bool = False, progress=None) -> dict:
    """Import every item of ``sources`` into the corpus at ``root``; raises NewsmarkError listing every
    problem (and writes nothing) when any item has one. ``progress(done, total)`` is told of each item
    checked (total None) and each article written."""
    root, mapping = Path(root), dict(mapping or {})
    unknown = set(mapping) - set(FIELDS)
    if unknown:
        raise NewsmarkError(f"--map {', '.join(sorted(unknown))}: the fields are {', '.join(FIELDS)}")
    paths = [Path(source) for source in sources]
    for path in paths:
        if not path.exists():
            raise NewsmarkError(f"{path}: no such file or folder")
    settings = read_settings(root)
    decisions, problems = _check(root, (item for path in paths for item in read_items(path, mapping)), license,
                                 settings, progress)
    if problems:
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise NewsmarkError("the import has problems; nothing was written:\n" + "\n".join(shown))
    imported = [d for d in decisions if d.skipped is None]
    result = {"imported": [{"where": d.where, "id": d.id, "story": d.story} for d in imported],
              "skipped": [{"where": d.where, "reason": d.skipped} for d in decisions if d.skipped],
              "written": []}
    if dry_run or not imported:
        return result
    result["written"] = _write_all(root, paths, mapping, license, decisions, progress)
    return result


def _write_all(root: Path, paths: list[Path], mapping: dict, license: str | None, decisions: list[Decision],
               progress=None) -> list[str]:
    """Second pass: write each imported item's files beside their targets, then rename them all into place."""
    staged: list[tuple[str, Path]] = []
    total, done = sum(decision.skipped is None for decision in decisions), 0
    mode, folders = 0o666 & ~current_umask(), set()
    try:
        items = (item for path in paths for item in read_items(path, mapping))
        for item, decision in zip(items, decisions):
            if decision.skipped is not None:
                continue
            values = item.values
            body = _body(item)
            meta = article_metadata(body, root, str(values["date"]), values.get("title"), decision.id,
                                    values.get("language", "en"), values.get("source_name"), values.get("url"),
                                    values.get("license") or license or UNKNOWN, decision.story)
            for target, content in article_plan(root, body, meta).items():
                if target.parent not in folders:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(target.parent)
                fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    os.fchmod(handle.fileno(), mode)
                    handle.write(content)
                staged.append((temporary, target))
            done += 1
            if progress:
                progress(done, total)
        for temporary, target in staged:
            os.replace(temporary, target)
    except BaseException:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        raise
    return sorted(str(target.relative_to(root)) for _, target in staged)


def find_near_duplicates(root: str | Path) -> list[list[str]]:
    """Groups of articles of the corpus at ``root`` that are near-duplicates of each other (each group
    sorted, groups sorted by their first id)."""
    import numpy

    root = Path(root)
    settings = read_settings(root)
    texts = ((article_id, read_article_text(path, root)[0]) for article_id, path in sorted(inventory(root).texts.items()))
    ids, rows = [], []
    for batch in _batches((pair for pair in texts if pair[1] is not None), BATCH):
        ids += [article_id for article_id, _ in batch]
        rows += list(signatures([text for _, text in batch], settings))
    pairs = near_duplicate_pairs(ids, numpy.stack(rows), settings) if len(rows) > 1 else []
    return clusters([(a, b) for a, b, _ in pairs])


def dedup(root: str | Path, apply: bool = False) -> list[dict]:
    """Near-duplicate groups and the story each would share (one already in the group, else the first
    id); with ``apply``, writes that story into the metadata of every member that lacks it, keeping
    comments and key order. A group whose members already name different stories is reported, not
    changed: a person decides."""
    from newsmark.contributor.yamledit import round_trip_dump, round_trip_load

    root = Path(root)
    groups = []
    for members in find_near_duplicates(root):
        stories = {member: _story_of(root, member) for member in members}
        named = sorted({story for story in stories.values() if story})
        story = named[0] if len(named) == 1 else (members[0] if not named else None)
        changes = [member for member in members if story is not None and stories[member] != story]
        groups.append({"members": members, "story": story, "conflict": named if len(named) > 1 else [],
                       "changes": changes})
    if apply:
        for group in groups:
            for member in group["changes"]:
                path = root / "corpus" / f"{member}.yaml"
                yaml_writer, data = round_trip_load(path.read_text(encoding="utf-8"))
                data["story"] = group["story"]
                write_atomic(path, round_trip_dump(yaml_writer, data))
    return groups
