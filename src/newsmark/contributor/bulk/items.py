"""One item of an import, made into an article: the options applied to it, its text decoded and cleaned,
its metadata, why it is left out, what makes it look like no article, and the digest that tells the write
pass it reads what the check pass read."""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from newsmark.contributor.bulk.sources import Item, Line
from newsmark.contributor.intake import article_metadata, clean_body, decode_input, source_file_name
from newsmark.errors import NewsmarkError
from newsmark.licenses import UNKNOWN


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


@dataclass
class Decision:
    where: str
    id: str | None = None
    story: str | None = None
    skipped: str | None = None  # why this item is not imported
    digest: bytes | None = None  # of the item the check pass read (the write pass must read the same)
    joined: bool = False  # its story was given by the grouping, after its files were staged


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


def record_digest(record: Item | Line) -> bytes:
    """``item_digest`` of an item; of a JSONL line, the digest of its bytes, so that the write pass need
    not decode the line again to compare (the same bytes decode to the same item)."""
    return hashlib.sha256(record.raw).digest() if isinstance(record, Line) else item_digest(record)


def item_digest(item: Item) -> bytes:
    """A digest of everything an item says (its text and every field), to tell that a source did not change
    between the check pass and the write pass. Pickled, not repr'd: repr scans every text for characters
    to escape, which made this a twentieth of an import (the same values pickle the same in one run)."""
    return hashlib.sha256(pickle.dumps(sorted(item.values.items(), key=lambda kv: kv[0]), protocol=5)).digest()


def skip_reason(item: Item, options: Options) -> str | None:
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


def prepare_text(item: Item, options: Options) -> Prepared:
    """The item's text, decoded, cleaned by the rules of ``options`` and normalised as `newsmark new`
    does, with the changes made and the SHA-256 of the text as given; raises NewsmarkError."""
    raw = item.values.get("text")
    if raw is None:
        raise NewsmarkError("no text (give a text column, or --map text=COLUMN)")
    given = raw if isinstance(raw, bytes) else str(raw).encode("utf-8", "surrogatepass")
    text = decode_input(raw, item.where) if isinstance(raw, bytes) else str(raw)
    body, changes = clean_body(text, "the text", options.clean)
    return Prepared(body, changes, hashlib.sha256(given).hexdigest())


def item_metadata(
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
    provenance = {"file": _source_file_name(item.source, root, os.getcwd()) if item.source else item.where}
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
        item_license(item, options),
        story,
        taken,
        everything_taken,
        authors=options.authors,
        provenance=provenance,
        changes=prepared.changes,
    )


@functools.lru_cache(maxsize=256)
def _source_file_name(source: Path, root: Path, cwd: str) -> str:
    """``source_file_name``, once per source (made from absolute paths, hence ``cwd``, it cost a sixteenth
    of an import when made for every item)."""
    return source_file_name(source, root)


def item_license(item: Item, options: Options) -> str:
    return item.values.get("license") or options.license or UNKNOWN


def item_warnings(item: Item, prepared: Prepared) -> list[str]:
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


def batches(iterable, size: int):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch
