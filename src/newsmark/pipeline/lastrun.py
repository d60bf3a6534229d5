"""The last whole-corpus validation, kept so that the next one reuses what did not change.

``newsmark validate`` scans the stat of every file it could read (``scan``). When nothing changed since
the last run, that run's findings are the answer. When only the contents of a few articles' files
changed (same names, nothing else touched), those articles are checked again and the corpus-wide rules
run on the last run's totals, brought up to date: each edited article's old contribution taken out and
its new one put in. Anything else (a file added, removed or renamed, pyproject.toml, the datasheet,
schema/, an independent layer, a text) means a full run.

Files in ``<root>/.newsmark-cache``, the first three signed like ``validate.json``: ``last-run.json``
(the scan's digest, the findings and counts: all that a run over unchanged files reads),
``last-run-detail.json`` (each article's findings, slots and split key, the statistics counts, the
near-duplicate pairs, the corpus-wide findings), ``last-run-surfaces.json`` (the state and sha256 of
``last-run.surfaces``, the mention-text index, one JSON line per text, rewritten only when an edit
changes it), ``last-run.stamps`` (the scan, plain text, compared a line at a time with a new scan) and
``last-run.jsonl`` (each article's statistics contribution, one JSON line each, read only for the
edited articles, edits appended). The plain files are trusted only by the sha256 or the exact stat that
a signed file records for them; the large ones are read a line at a time, never whole.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from newsmark.findings import Finding
from newsmark.pipeline.cache import (
    RACY_NS,
    Joined,
    Spill,
    load_signed,
    open_regular,
    save_signed,
    stamp,
    store_folder,
    valid_findings,
    write_file,
    write_plain,
)
from newsmark.pipeline.read.inventory import pending_counts

LAST_RUN = "last-run.json"
DETAIL = "last-run-detail.json"
SURFACES = "last-run-surfaces.json"
SURFACES_TEXT = "last-run.surfaces"
STAMPS = "last-run.stamps"
CONTRIBUTIONS = "last-run.jsonl"
_TREE_FOLDERS = ("corpus", "annotations", "schema")
_ARTICLE_FOLDERS = ("corpus", "annotations")  # a file directly inside belongs to an article


@dataclass
class Scan:
    """The stat of every file a validation reads: everything under corpus/, annotations/ and schema/ and
    the files at the top of the corpus (pyproject.toml, DATASHEET.md, ...)."""

    state: str  # a digest of ``stamps``
    # one line per entry, sorted: a folder's path and type; a file's path, type, size, times and inode
    stamps: list[str] = field(default_factory=list)


def scan(root: Path) -> Scan | None:
    """None when something changed in the last seconds (it may change again within the same timestamp)
    or cannot be listed."""
    stamps: list[str] = []
    latest = time.time_ns() - RACY_NS
    racy = False

    def walk(path: str, prefix: str, top: bool) -> None:
        nonlocal racy
        with os.scandir(path) as listing:
            for entry in listing:
                info = entry.stat(follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):  # its own times change when an editor saves by renaming
                    if not top or entry.name in _TREE_FOLDERS:  # not .git, dist, the cache itself
                        stamps.append(f"{prefix}{entry.name}/\0{info.st_mode}")
                        walk(entry.path, f"{prefix}{entry.name}/", False)
                else:
                    racy = racy or info.st_mtime_ns > latest
                    stamps.append(
                        f"{prefix}{entry.name}\0{info.st_mode}\0{info.st_size}\0{info.st_mtime_ns}\0"
                        f"{info.st_ctime_ns}\0{info.st_ino}"
                    )

    try:
        walk(str(root), "", True)
    except OSError:
        return None
    if racy:
        return None
    stamps.sort()
    digest = hashlib.sha256()
    for block in _joined(stamps):  # the digest of the stamps' text, without that text whole beside them
        digest.update(block)
    return Scan(digest.hexdigest(), stamps)


def _path_and_type(line: str) -> str:
    path, _, rest = line.partition("\0")
    return f"{path}\0{rest.partition(chr(0))[0]}"


def edited(before: Iterable[str], now: list[str]) -> list[str] | None:
    """The articles whose files were edited in place since ``before`` (ids); None when anything else
    changed: a file added, removed or renamed, a text (NM605 then compares every text again), or a file
    that belongs to no article (pyproject.toml, DATASHEET.md, schema/, independent layers). ``before``
    (the last run's stamps, read a line at a time from its file) is compared with ``now`` as it comes,
    never held."""
    differences = _differences(before, now)
    if differences is None:
        return None
    gone, came = differences
    if {_path_and_type(line) for line in gone} != {_path_and_type(line) for line in came}:
        return None  # an entry added, removed, renamed, or of another type (a file become a link)
    ids = set()
    for line in came:
        path = line.partition("\0")[0]
        folder, _, name = path.partition("/")
        if folder not in _ARTICLE_FOLDERS or "/" in name or (folder == "corpus" and name.endswith(".txt")):
            return None
        ids.add(name.partition(".")[0])
    return sorted(ids)


def _differences(before: Iterable[str], now: list[str]) -> tuple[list[str], list[str]] | None:
    """The lines only in ``before`` and those only in ``now`` (as sets would give them), by one merge of
    the two sorted sequences; None when ``before`` is not in increasing order (it is as a scan wrote it,
    so a run from scratch is right then). A stretch of lines that equals the next stretch of ``now``
    (nearly all of them) is compared in one step."""
    if not all(map(operator.lt, now, islice(now, 1, None))):
        now = sorted(set(now))
    gone, came = [], []
    index, previous = 0, None
    lines = iter(before)
    for batch in iter(lambda: list(islice(lines, 4096)), []):
        if (previous is None or previous < batch[0]) and batch == now[index : index + len(batch)]:
            index, previous = index + len(batch), batch[-1]
            continue
        for line in batch:
            if previous is not None and line <= previous:
                return None
            previous = line
            while index < len(now) and now[index] < line:
                came.append(now[index])
                index += 1
            if index < len(now) and now[index] == line:
                index += 1
            else:
                gone.append(line)
    came.extend(now[index:])
    return gone, came


@dataclass
class LastRun:
    state: str
    stamps: list[str]  # Scan.stamps (not read by ``load``: ``read_stamps``)
    files: int
    inventory: list  # the inventory's findings, as lists
    # id -> {"slots": [rel or None] * 3, "findings": [...], "key": its split key, None when not built}
    articles: dict[str, dict]  # (a ``cache.Joined`` when a whole run saves it)
    surfaces: dict  # mention text -> entity type -> article ids (rule NM604); kept in a file of its own
    tally: dict | None  # Tally.state() of the built articles, None without a split rule
    pairs: dict | None  # near-duplicate pairs (rule NM605), as the validate cache keeps them
    layers: int  # independent annotation layers (with any, every run is a full run)
    corpus: list  # the findings of the corpus-wide rules, as lists
    # id -> [offset, length] in last-run.jsonl (a ``cache.Joined`` when a whole run saves it)
    lines: dict[str, list[int]] = field(default_factory=dict)
    lines_sha256: str = ""  # of the file as a whole run wrote it ("" once edits were appended)
    lines_stamp: list = field(default_factory=list)  # its size, times and inode as last written
    surfaces_state: str = ""  # the state of the run that last wrote the surfaces file
    stamps_sha256: str = ""  # of last-run.stamps, which holds ``stamps``

    def findings(self) -> list[Finding]:
        return (
            [Finding(*f) for f in self.inventory]
            + [Finding(*f) for f in self.corpus]
            + [Finding(*f) for entry in self.articles.values() for f in entry["findings"]]
        )

    def to_payload(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name not in ("surfaces", "stamps")}


def load_summary(root: Path, state: str) -> tuple[list[Finding], int, list[str], dict[str, int]] | None:
    """The findings, file count, article ids and counts of articles not yet annotated of the last run,
    when it saw the same ``state``."""
    payload = load_signed(root, LAST_RUN)
    try:
        if (
            payload is None
            or payload["state"] != state
            or not valid_findings(payload["findings"])
            or not isinstance(payload["files"], int)
            or not all(isinstance(i, str) for i in payload["ids"])
        ):
            return None
        pending = payload["pending"]
        if not all(isinstance(k, str) and isinstance(v, int) for k, v in pending.items()):
            return None
        return [Finding(*f) for f in payload["findings"]], payload["files"], payload["ids"], pending
    except (KeyError, TypeError, AttributeError):
        return None


def load(root: Path) -> LastRun | None:
    """The last whole run, brought up to date by the runs after edits; its ``stamps`` are not read
    (``read_stamps`` gives them a line at a time)."""
    payload, surfaces = load_signed(root, DETAIL), load_signed(root, SURFACES)
    if payload is None or surfaces is None or surfaces.get("state") != payload.get("surfaces_state"):
        return None
    try:
        last = LastRun(
            **{key: payload[key] for key in LastRun.__dataclass_fields__ if key not in ("surfaces", "stamps")},
            surfaces=_read_surfaces(root, surfaces["sha256"]),
            stamps=[],
        )
        if not (
            isinstance(last.files, int)
            and valid_findings(last.inventory)
            and valid_findings(last.corpus)
            and isinstance(last.layers, int)
            and all(valid_findings(entry["findings"]) and len(entry["slots"]) == 3 for entry in last.articles.values())
        ):
            return None
        return last
    except (KeyError, TypeError, AttributeError, ValueError, OSError):
        return None


def _plain_blocks(root: Path, name: str, sha256: str) -> Iterator[list[bytes]]:
    """The lines of an unsigned file of the cache folder a block at a time (lists of whole lines, about
    64 KiB), for a file too large to hold whole (``open_regular``). After the last
    block it raises OSError unless the bytes were those a signed file vouches for (``sha256``): what the
    caller made of the lines is used only when no error was raised."""
    folder = store_folder(root, create=False)
    if folder is None:
        raise OSError("no cache folder")
    try:
        handle, info = open_regular(folder, name)
    finally:
        os.close(folder)
    with handle:
        digest, size = hashlib.sha256(), 0
        for block in iter(lambda: handle.readlines(1 << 16), []):
            for line in block:
                digest.update(line)
                size += len(line)
            if size > info.st_size:
                raise OSError(f"{name}: changed size while read")
            yield block
    if size != info.st_size or digest.hexdigest() != sha256:
        raise OSError(f"{name}: not the file the cache vouches for")


def read_stamps(root: Path, last: LastRun) -> Iterator[str]:
    """The stamps of the last run's scan, read a block at a time (``_plain_blocks``: OSError after the
    last one unless the file is the one the last run wrote)."""
    for block in _plain_blocks(root, STAMPS, last.stamps_sha256):
        yield from b"".join(block).decode("utf-8", "surrogateescape").removesuffix("\n").split("\n")


def _surface_lines(surfaces: dict) -> Iterator[bytes]:
    """The mention-text index, one JSON line per text (``[text, {type: [ids]}]``), about 64 KiB at a time
    (a text that every article names makes a line of an id per article)."""
    batch, size = [], 0
    for text, by_type in surfaces.items():
        batch.append(json.dumps([text, by_type], separators=(",", ":")).encode("ascii") + b"\n")
        size += len(batch[-1])
        if size >= 1 << 16:
            yield b"".join(batch)
            batch, size = [], 0
    yield b"".join(batch)


def _read_surfaces(root: Path, sha256: str) -> dict[str, dict[str, list[str]]]:
    """The mention-text index, read a line at a time: each article id is one string however many texts
    list it (as in the index a run gathers); parsed whole, every mention of an article made one more.
    Raises OSError or ValueError when the file is not the one vouched for, or not of this shape."""
    surfaces: dict[str, dict[str, list[str]]] = {}
    ids: dict[str, str] = {}
    for line in chain.from_iterable(_plain_blocks(root, SURFACES_TEXT, sha256)):
        text, by_type = json.loads(line)
        if not isinstance(text, str) or not isinstance(by_type, dict):
            raise ValueError("not a line of the mention-text index")
        for entity_type, members in by_type.items():
            if not isinstance(members, list) or not set(map(type, members)) <= {str}:
                raise ValueError("not a line of the mention-text index")
            by_type[entity_type] = list(map(ids.setdefault, members, members))
        surfaces[text] = by_type
    return surfaces


@dataclass
class Summary:
    """What a run over unchanged files reads (``load_summary``): every article id, the counts of articles
    not yet annotated, all findings (sorted)."""

    ids: list[str]
    pending: dict[str, int]
    findings: list[Finding]


def save(
    root: Path, last: LastRun, lines: Lines | None, surfaces_changed: bool = True, summary: Summary | None = None
) -> None:
    """Write ``last``: with ``lines`` (each article's contribution and record, as a whole run wrote them;
    ``last.articles`` is then ``Joined`` to them, and the run's ``summary`` is given) the contributions
    file anew, else only the records (``append_lines`` added the edited ones); the surfaces only when
    they changed."""
    if lines is not None and not _write_lines(root, last, lines):
        return
    if summary is None:
        summary = Summary(list(last.articles), pending_counts(last.articles.values()), sorted(last.findings()))
    if surfaces_changed or not last.surfaces_state:
        surfaces_sha256 = write_plain(root, SURFACES_TEXT, _surface_lines(last.surfaces))
        if surfaces_sha256 is None:
            return
        last.surfaces_state = last.state
        save_signed(root, SURFACES, {"state": last.state, "sha256": surfaces_sha256})
    # plain text: as JSON, every NUL would cost six bytes
    stamps_sha256 = write_plain(root, STAMPS, _joined(last.stamps))
    if stamps_sha256 is None:
        return
    last.stamps_sha256 = stamps_sha256
    save_signed(root, DETAIL, last.to_payload())
    save_signed(
        root,
        LAST_RUN,
        {
            "state": last.state,
            "files": last.files,
            "ids": summary.ids,
            "pending": summary.pending,
            "findings": [[f.path, f.line, f.col, f.code, f.message] for f in summary.findings],
        },
    )


def _joined(stamps: list[str]) -> Iterator[bytes]:
    """The stamps one per line, a block at a time (the text of every file's stamp at once is large)."""
    for start in range(0, len(stamps), 4096):
        yield ("\n" if start else "").encode() + "\n".join(stamps[start : start + 4096]).encode(
            "utf-8", "surrogateescape"
        )


class Lines:
    """What a whole run keeps of each article for the next one, written as the article comes rather than
    held until the run ends: its line of last-run.jsonl (its contribution, ``article_line``) goes to a
    temporary file, copied into the cache folder when the run is kept (``save``); its record (slots,
    findings, split key, status: ``LastRun.articles``) and its line's place (``LastRun.lines``) are
    encoded into temporary files too (``Spill``), and copied into the signed detail."""

    def __init__(self):
        self.handle = tempfile.TemporaryFile()
        self.offsets = Spill()  # id -> [offset, length], as ``LastRun.lines``
        self.records = Spill()  # id -> record, as ``LastRun.articles``
        self.sha256 = hashlib.sha256()
        self.size = 0

    def add(self, article_id: str, line: bytes, record: dict) -> None:
        self.offsets.add(article_id, [self.size, len(line)])
        self.handle.write(line + b"\n")
        self.sha256.update(line + b"\n")
        self.size += len(line) + 1
        self.records.add(article_id, record)

    def blocks(self) -> Iterator[bytes]:
        self.handle.seek(0)
        yield from iter(lambda: self.handle.read(1 << 20), b"")


def _write_lines(root: Path, last: LastRun, lines: Lines) -> bool:
    folder = store_folder(root, create=True)
    if folder is None:
        return False
    try:
        write_file(folder, CONTRIBUTIONS, lines.blocks())
        last.lines_stamp = stamp(os.stat(CONTRIBUTIONS, dir_fd=folder, follow_symlinks=False))
    except OSError:
        return False
    finally:
        os.close(folder)
    last.lines, last.lines_sha256 = Joined({}, lines.offsets), lines.sha256.hexdigest()
    return True


def _open_lines(folder: int, last: LastRun, flags: int) -> int:
    """The contributions file, opened without following a link, when it is the one ``last`` records: the
    same stat as written (else the same sha256, but only for reading)."""
    fd = os.open(CONTRIBUTIONS, flags | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    info = os.fstat(fd)
    if stat.S_ISREG(info.st_mode) and stamp(info) == last.lines_stamp:
        return fd
    if flags == os.O_RDONLY and last.lines_sha256:
        with os.fdopen(os.dup(fd), "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() == last.lines_sha256:
                return fd
    os.close(fd)
    raise OSError("not the contributions file the last run wrote")


def read_lines(root: Path, last: LastRun, ids) -> dict[str, dict | None] | None:
    """The contributions the last run stored for ``ids``."""
    folder = store_folder(root, create=False)
    if folder is None:
        return None
    try:
        with os.fdopen(_open_lines(folder, last, os.O_RDONLY), "rb") as handle:
            contributions = {}
            for article_id in ids:
                offset, length = last.lines[article_id]
                handle.seek(offset)
                contributions[article_id] = json.loads(handle.read(length))
            return contributions
    except (OSError, ValueError, KeyError, TypeError):
        return None
    finally:
        os.close(folder)


def append_lines(root: Path, last: LastRun, lines: dict[str, bytes]) -> bool:
    """Add the edited articles' new contributions at the end of the file (a whole run writes it anew)."""
    folder = store_folder(root, create=False)
    if folder is None:
        return False
    try:
        fd = _open_lines(folder, last, os.O_WRONLY | os.O_APPEND)
        with os.fdopen(fd, "ab") as handle:
            offset = os.fstat(fd).st_size
            for article_id, line in lines.items():
                handle.write(line + b"\n")
                last.lines[article_id] = [offset, len(line)]
                offset += len(line) + 1
            handle.flush()
            last.lines_stamp, last.lines_sha256 = stamp(os.fstat(fd)), ""  # trusted by its stat from now on
        return True
    except OSError:
        return False
    finally:
        os.close(folder)
