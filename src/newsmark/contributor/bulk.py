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
import hashlib
import itertools
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from newsmark import jsondata
from newsmark.contributor.cleaning import RULES as CLEANING_RULES
from newsmark.contributor.intake import article_metadata, article_plan, clean_body, decode_input, source_file_name
from newsmark.errors import NewsmarkError
from newsmark.extras import require
from newsmark.files import corpus_lock, current_umask, linked_folder, write_all_atomic
from newsmark.ids import is_article_id
from newsmark.licenses import UNKNOWN, not_spdx
from newsmark.neardup import BATCH, clusters, near_duplicate_clusters, signatures, text_key
from newsmark.pipeline.read.files import MAX_FILE_BYTES, read_article_text, read_bytes, read_yaml
from newsmark.pipeline.read.inventory import inventory
from newsmark.settings import DedupSettings, read_dedup_settings

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


@dataclass
class Options:
    """What ``newsmark import`` applies to every item: column names, defaults for what an item does not
    say, the credit its licence asks for, cleaning rules, and which items to leave out."""

    mapping: dict[str, str] = field(default_factory=dict)  # field -> column (--map)
    license: str | None = None  # for items that give none
    source_name: str | None = None  # for items that give none
    authors: list[str] = field(default_factory=list)  # the credit, for every item
    clean: list[str] = field(default_factory=list)  # cleaning rules (cleaning.RULES), in order
    skip_title: str | None = None  # a regular expression: items whose title it finds are left out
    skip_longer: int | None = None  # items whose text as given is longer are left out


# A title that marks a page as a test, not an article ("TEST PAGE: ...", "Test article")
TEST_TITLE_RE = re.compile(r"\btest(?:ing)?\s+(?:page|article|post|entry)\b", re.IGNORECASE)
SHORT_TEXT = 200  # characters: a shorter text is probably not a whole article


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
                if len(raw) > MAX_SOURCE_LINE:  # read past the rest of the line, so later lines keep their numbers
                    while raw and not raw.endswith(b"\n"):
                        raw = handle.readline(MAX_SOURCE_LINE + 1)
                    yield (
                        f"{name}:{number}: a line longer than {MAX_SOURCE_LINE:,} bytes (one article is at most "
                        f"{MAX_FILE_BYTES:,})"
                    )
                    continue
                if not raw.strip():
                    continue
                try:
                    record = jsondata.loads(raw)
                except jsondata.BadJSON as err:
                    yield f"{name}:{number}: {err}"
                    continue
                if not isinstance(record, dict):
                    yield f"{name}:{number}: each line must be a JSON object"
                    continue
                missing = _missing_columns(record, mapping)
                if missing:
                    yield f"{name}:{number}: " + "; ".join(missing)
                    continue
                values, columns = _pick(record, mapping)
                yield Item(f"{name}:{number}", values, columns, source, number)
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


@dataclass
class Decision:
    where: str
    id: str | None = None
    story: str | None = None
    skipped: str | None = None  # why this item is not imported
    digest: str | None = None  # of the item the check pass read (the write pass must read the same)


_DATE_TIME_RE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)


def item_date(value) -> str:
    """An item's publication date: an ISO date, or the date part of an ISO date-time as written (its own
    day, not converted to another time zone)."""
    text = str(value).strip()
    match = _DATE_TIME_RE.fullmatch(text)
    return match.group(1) if match else text


def item_digest(item: Item) -> str:
    """A digest of everything an item says (its text and every field), to tell that a source did not change
    between the check pass and the write pass."""
    return hashlib.sha256(
        repr(sorted(item.values.items(), key=lambda kv: kv[0])).encode("utf-8", "surrogatepass")
    ).hexdigest()


def _skip_reason(item: Item, options: Options) -> str | None:
    """Why ``options`` leave the item out (a title they name, a text longer than they take), or None."""
    title, raw = item.values.get("title"), item.values.get("text")
    if options.skip_title and isinstance(title, str) and re.search(options.skip_title, title):
        return f"title {title!r} matches --skip-title"
    if options.skip_longer is not None and raw is not None and len(raw) > options.skip_longer:
        unit = "bytes" if isinstance(raw, bytes) else "characters"
        return f"text of {len(raw):,} {unit}, longer than --skip-longer-than {options.skip_longer:,}"
    return None


@dataclass
class Prepared:
    body: str
    changes: list[str]
    sha256: str  # of the text exactly as the source gave it


def _body(item: Item, options: Options) -> Prepared:
    """The item's text, decoded, cleaned by the rules of ``options`` and normalised as `newsmark new`
    does, with the changes made and the SHA-256 of the text as given; raises NewsmarkError."""
    raw = item.values.get("text")
    if raw is None:
        raise NewsmarkError("no text (give a text column, or --map text=COLUMN)")
    given = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "surrogatepass")
    text = decode_input(raw, item.where) if isinstance(raw, bytes) else str(raw)
    body, changes = clean_body(text, "the text", options.clean)
    return Prepared(body, changes, hashlib.sha256(given).hexdigest())


def _metadata(
    root: Path,
    item: Item,
    prepared: Prepared,
    options: Options,
    article_id: str | None,
    story,
    taken=frozenset(),
    everything_taken: bool = False,
) -> dict:
    values = item.values
    if "date" not in values:
        raise NewsmarkError("no date (give a date column, or --map date=COLUMN)")
    provenance = {"file": source_file_name(item.source, root) if item.source else item.where}
    if item.line is not None:
        provenance["line"] = item.line
    provenance["sha256"] = prepared.sha256
    return article_metadata(
        prepared.body,
        root,
        item_date(values["date"]),
        values.get("title"),
        article_id,
        values.get("language", "en"),
        values.get("source_name") or options.source_name,
        values.get("url"),
        _license(item, options),
        story,
        taken,
        everything_taken,
        authors=options.authors,
        provenance=provenance,
        changes=prepared.changes,
    )


def _license(item: Item, options: Options) -> str:
    return item.values.get("license") or options.license or UNKNOWN


def _warnings(item: Item, prepared: Prepared) -> list[str]:
    """What is probably not an article: a very short text, a title that marks a test page."""
    found = []
    title = item.values.get("title")
    if isinstance(title, str) and TEST_TITLE_RE.search(title):
        found.append(
            f"{item.where}: the title {title!r} marks a test page, not an article (--skip-title leaves such items out)"
        )
    if len(prepared.body) - 1 < SHORT_TEXT:
        found.append(f"{item.where}: the text has only {len(prepared.body) - 1} characters; is it a whole article?")
    return found


def _check(root: Path, items: Iterator[Item | str], options: Options, settings: DedupSettings, progress=None):
    """First pass: every item checked; returns the decisions, the problems (located messages, every one an
    item has) and warnings. Exact duplicates are skipped as they come; near-duplicates are grouped once
    every item is read. A licence that is not an SPDX id is reported once, with the items that give it."""
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
    occupied = _occupied(root, found)
    decisions, problems, warnings, taken = [], [], [], set(occupied)
    bad_licenses: dict[str, list[str]] = {}
    given_by: dict[str, str] = {}  # id -> the item of this import that has it
    for count, (item, prepared, values) in enumerate(_prepared(items, options, settings), 1):
        if progress:
            progress(count, None)
        if isinstance(item, str):
            problems.append(item)
            continue
        if isinstance(prepared, str):
            decisions.append(Decision(item.where, skipped=prepared, digest=item_digest(item)))
            continue
        license = _license(item, options)
        if not_spdx(license):
            bad_licenses.setdefault(license, []).append(item.where)
            item.values["license"] = UNKNOWN  # reported once for all its items; the other fields still checked
        errors = [str(prepared)] if isinstance(prepared, NewsmarkError) else []
        meta = None
        try:
            meta = _metadata(
                root,
                item,
                prepared if not errors else Prepared("x\n", [], "0" * 64),
                options,
                item.values.get("id"),
                item.values.get("story"),
                taken,
                everything_taken=True,
            )
        except NewsmarkError as err:
            errors.append(str(err))
        if errors or item.where in bad_licenses.get(license, ()):
            if errors:
                problems.append(f"{item.where}: " + "; ".join(errors))
            continue
        key = text_key(prepared.body)
        if key in existing_keys:
            decisions.append(
                Decision(item.where, skipped=f"same text as {existing_keys[key]}", digest=item_digest(item))
            )
            continue
        if item.values.get("id") and meta["id"] in taken:  # a generated id is made unique; a given one must be
            problems.append(
                f"{item.where}: id {meta['id']!r} is already taken by "
                f"{given_by.get(meta['id'], occupied.get(meta['id']))}; give each item its own id"
            )
            continue
        warnings += _warnings(item, prepared)
        given_by[meta["id"]] = item.where
        taken.add(meta["id"])
        existing_keys[key] = meta["id"]
        ids.append(meta["id"])
        rows.append(values)
        decisions.append(Decision(item.where, meta["id"], meta.get("story"), digest=item_digest(item)))
    for license, where in bad_licenses.items():
        problems.append(
            f"{where[0]}: {not_spdx(license)}"
            + (
                f" ({len(where)} items give it: {', '.join(where[:3])}{', …' if len(where) > 3 else ''})"
                if len(where) > 1
                else ""
            )
        )
    if not problems:
        problems += _join_stories(root, decisions, ids, rows, settings)
    return decisions, problems, warnings


def _occupied(root: Path, found) -> dict[str, str]:
    """Every id an import cannot give, and what holds it: the corpus's articles, and the names in corpus/ and
    annotations/ that a link, a folder or another non-file holds (the inventory leaves those out, for
    validate to report; an article written there would go through the link or fail)."""
    occupied = dict.fromkeys([*found.texts, *found.metas, *found.annotations], "an article of the corpus")
    for folder, suffixes in (("corpus", (".txt", ".yaml")), ("annotations", (".yaml",))):
        if not (root / folder).is_dir() or (root / folder).is_symlink():
            continue  # a linked folder is refused before anything is written
        for entry in os.scandir(root / folder):
            stem, suffix = os.path.splitext(entry.name)
            if suffix in suffixes and stem not in occupied:
                kind = (
                    "a link"
                    if entry.is_symlink()
                    else "a folder"
                    if entry.is_dir(follow_symlinks=False)
                    else "a file of another name shape"
                    if entry.is_file(follow_symlinks=False)
                    else "not a regular file"
                )
                occupied[stem] = f"{folder}/{entry.name} ({kind})"
    return occupied


def _join_stories(
    root: Path, decisions: list[Decision], ids: list[str], rows: list, settings: DedupSettings
) -> list[str]:
    """Give every imported article that is a near-duplicate of others, and names no story itself, the
    story of its group: one a member already names (the corpus's articles first), else the id of the
    group's first article, whose own split then does not move. Returns the problems: a story named in the
    corpus that is not a valid story (the articles would be written with it, and refused), at each item
    that would take it."""
    import numpy

    imported = {decision.id: decision for decision in decisions if decision.skipped is None}
    order = {article_id: position for position, article_id in enumerate(ids)}
    problems: list[str] = []
    links = near_duplicate_clusters(ids, numpy.stack(rows), settings) if len(rows) > 1 else []
    for group in clusters([(a, b) for a, b, _ in links]):
        if not any(member in imported and imported[member].story is None for member in group):
            continue
        group.sort(key=order.__getitem__)
        named = [
            story for story in (imported[m].story if m in imported else _story_of(root, m) for m in group) if story
        ]
        story = named[0] if named else group[0]
        if not (isinstance(story, str) and is_article_id(story)):
            holder = next((m for m in group if m not in imported and _story_of(root, m) == story), group[0])
            problems += [
                f"{imported[member].where}: a near-duplicate of corpus/{holder}.txt, whose story {story!r} "
                f"(corpus/{holder}.yaml) is not a story: lowercase letters and digits joined by single "
                "hyphens, at most 80 characters; correct it first (newsmark validate shows it)"
                for member in group
                if member in imported and imported[member].story is None
            ]
            continue
        for member in group:
            if member in imported and imported[member].story is None and member != story:
                imported[member].story = story
    return problems


def _batches(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _prepared(items: Iterator[Item | str], options: Options, settings: DedupSettings):
    """Each item with its prepared text (or the NewsmarkError it raised, or why it is left out) and its
    MinHash signature: signatures are computed a batch of items at a time, which costs a fifth of one at a
    time."""
    for batch in _batches(items, BATCH):
        prepared = []
        for item in batch:
            skip = None if isinstance(item, str) else _skip_reason(item, options)
            try:
                prepared.append(None if isinstance(item, str) else skip if skip else _body(item, options))
            except NewsmarkError as err:
                prepared.append(err)
        texts = [p.body for p in prepared if isinstance(p, Prepared)]
        rows = iter(signatures(texts, settings) if texts else ())
        for item, ready in zip(batch, prepared):
            yield item, ready, next(rows) if isinstance(ready, Prepared) else None


def _story_of(root: Path, article_id: str) -> str | None:
    doc, _ = read_yaml(root / "corpus" / f"{article_id}.yaml", root)
    return doc.data.get("story") if doc is not None and isinstance(doc.data, dict) else None


def import_sources(
    root: str | Path, sources: list[str | Path], options: Options | None = None, dry_run: bool = False, progress=None
) -> dict:
    """Import every item of ``sources`` into the corpus at ``root``; raises NewsmarkError listing every
    problem (and writes nothing) when any item has one. ``progress(done, total)`` is told of each item
    checked (total None) and each article written."""
    root, options = Path(root), options or Options()
    unknown = set(options.mapping) - set(FIELDS)
    if unknown:
        raise NewsmarkError(f"--map {', '.join(sorted(unknown))}: the fields are {', '.join(FIELDS)}")
    unknown_rules = [name for name in options.clean if name not in CLEANING_RULES]
    if unknown_rules:
        raise NewsmarkError(f"--clean {', '.join(unknown_rules)}: the rules are {', '.join(CLEANING_RULES)}")
    if options.skip_title:
        try:
            re.compile(options.skip_title)
        except re.error as err:
            raise NewsmarkError(f"--skip-title {options.skip_title!r}: not a regular expression ({err})") from None
    problem = not_spdx(options.license, "--license") if options.license else None
    if problem:
        raise NewsmarkError(problem)
    paths = [Path(source) for source in sources]
    for path in paths:
        if not path.exists():
            raise NewsmarkError(f"{path}: no such file or folder")
    settings = read_dedup_settings(root)
    # One writer at a time per corpus, from the import's check pass to its last rename: two imports deciding
    # ids against the same corpus would give one id to two texts. Under the lock, what a killed import left
    # is removed first (no other import can be writing it).
    with corpus_lock(root):
        removed = remove_killed_import_files(root)
        decisions, problems, warnings = _check(
            root, (item for path in paths for item in read_items(path, options.mapping)), options, settings, progress
        )
        if problems:
            shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
            raise NewsmarkError("the import has problems; nothing was written:\n" + "\n".join(shown))
        imported = [d for d in decisions if d.skipped is None]
        result = {
            "imported": [{"where": d.where, "id": d.id, "story": d.story} for d in imported],
            "skipped": [{"where": d.where, "reason": d.skipped} for d in decisions if d.skipped],
            "warnings": warnings,
            "written": [],
            "removed": removed,
        }
        if not imported:
            return result
        # a dry run goes through the write pass too, writing nothing: what it passes, the import writes
        written = _write_all(root, paths, options, decisions, progress, write=not dry_run)
        result["written"] = [] if dry_run else written
    return result


STAGED_SUFFIX = ".import-tmp"  # a file an import staged beside its target and had not renamed yet


def remove_killed_import_files(root: Path) -> list[str]:
    """The files that imports killed before their renames left in corpus/ and annotations/, removed."""
    removed = []
    for folder in ("corpus", "annotations"):
        if (root / folder).is_dir() and not (root / folder).is_symlink():
            for path in sorted((root / folder).glob(f".*{STAGED_SUFFIX}")):
                if path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(f"{folder}/{path.name}")
    return removed


def _write_all(
    root: Path, paths: list[Path], options: Options, decisions: list[Decision], progress=None, write: bool = True
) -> list[str]:
    """Second pass: write each imported item's files beside their targets, then rename them all into place.
    Without ``write`` (a dry run), every file is planned and checked and nothing is written. Returns the
    files (to be) written."""
    staged: list[tuple[str, Path]] = []
    planned: list[Path] = []
    total, done = sum(decision.skipped is None for decision in decisions), 0
    mode, folders = 0o666 & ~current_umask(), set()
    for folder in ("corpus", "annotations"):
        linked = linked_folder(root, root / folder / "x")
        if linked is not None:
            raise NewsmarkError(
                f"{folder}/ is a link; the corpus holds no links (NM108): replace it with a folder; nothing was written"
            )
    try:
        items = (item for path in paths for item in read_items(path, options.mapping))
        for item, decision in itertools.zip_longest(items, decisions):
            if (
                isinstance(item, str)
                or item is None
                or decision is None
                or item.where != decision.where
                or item_digest(item) != decision.digest
            ):
                where = decision.where if decision is not None else item if isinstance(item, str) else item.where
                raise NewsmarkError(
                    f"{where}: the source changed while it was being imported (it is not what was "
                    "checked); nothing was written: import it again"
                )
            if decision.skipped is not None:
                continue
            try:
                prepared = _body(item, options)
                meta = _metadata(root, item, prepared, options, decision.id, decision.story)
                plan = article_plan(root, prepared.body, meta)
            except NewsmarkError as err:  # the check pass should have found it: said at the item all the same
                raise NewsmarkError(f"the import has problems; nothing was written:\n{decision.where}: {err}") from None
            planned += plan
            for target, content in plan.items() if write else ():
                if target.parent not in folders:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(target.parent)
                fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=STAGED_SUFFIX)
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
    return sorted(str(target.relative_to(root)) for target in planned)


def find_near_duplicates(root: str | Path) -> list[list[str]]:
    """Groups of articles of the corpus at ``root`` that are near-duplicates of each other (each group
    sorted, groups sorted by their first id)."""
    import numpy

    root = Path(root)
    settings = read_dedup_settings(root)
    texts = (
        (article_id, read_article_text(path, root)[0]) for article_id, path in sorted(inventory(root).texts.items())
    )
    ids, rows = [], []
    for batch in _batches((pair for pair in texts if pair[1] is not None), BATCH):
        ids += [article_id for article_id, _ in batch]
        rows += list(signatures([text for _, text in batch], settings))
    links = near_duplicate_clusters(ids, numpy.stack(rows), settings) if len(rows) > 1 else []
    return clusters([(a, b) for a, b, _ in links])


def dedup(root: str | Path, apply: bool = False) -> list[dict]:
    """Near-duplicate groups and the story each would share (one already in the group, else the first
    id); with ``apply``, writes that story into the metadata of every member that lacks it, keeping
    comments and key order. A group whose members already name different stories is reported, not
    changed: a person decides."""
    root = Path(root)
    groups = []
    for members in find_near_duplicates(root):
        stories = {member: _story_of(root, member) for member in members}
        named = sorted({story for story in stories.values() if story})
        story = named[0] if len(named) == 1 else (members[0] if not named else None)
        changes = [member for member in members if story is not None and stories[member] != story]
        groups.append(
            {"members": members, "story": story, "conflict": named if len(named) > 1 else [], "changes": changes}
        )
    if apply:
        with corpus_lock(root):
            _apply_stories(root, groups)
    return groups


def _apply_stories(root: Path, groups: list[dict]) -> None:
    """Write each group's story into its members' metadata. Every file is read and checked before any is
    written, and all are written together: a member that cannot be read (or is a link, which would be
    replaced by a copy of what it points at) stops the whole apply with nothing changed."""
    from newsmark.contributor.yamledit import round_trip_dump, round_trip_load

    contents: dict[Path, str] = {}
    for group in groups:
        for member in group["changes"]:
            rel = f"corpus/{member}.yaml"
            raw, problems = read_bytes(root / rel, rel)
            if raw is None:
                raise NewsmarkError(f"{rel}: {problems[0].message}; nothing was changed")
            try:
                yaml_writer, data = round_trip_load(raw.decode("utf-8"))
                data["story"] = group["story"]
            except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as err:
                raise NewsmarkError(
                    f"{rel}: cannot be read as metadata ({type(err).__name__}); run newsmark "
                    "validate; nothing was changed"
                ) from None
            contents[root / rel] = round_trip_dump(yaml_writer, data)
    write_all_atomic(contents)
