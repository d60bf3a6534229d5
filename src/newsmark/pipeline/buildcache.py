"""The build cache: each chunk's check results and Arrow rows, keyed by the content of its files.

A build after editing one annotation re-checks and re-assembles only the chunk that article is in; the
rows of every other chunk come from the cache and the Parquet files are written from them as in a cold
build, so the output is byte-identical. The same safety rules as the validate cache hold:

- A chunk's key is the sha256 of the names and exact bytes of all its articles' files, the tool
  fingerprint (newsmark's code, label sets and the libraries that decide validity), the versions of the
  libraries that make rows (pyarrow, spaCy) and every setting the rows depend on (split rule, near-
  duplicate settings). Anything changed misses.
- Chunks are content-defined (an article ends a chunk when a hash of its id says so), so adding or
  removing an article changes one chunk, not every chunk after it.
- ``<root>/.newsmark-cache/build.json`` is the index, signed like ``validate.json``; it records the
  sha256 of each chunk file ``rows/<key>.arrow``, and a chunk file whose bytes differ is not used. No
  link is followed.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import stat
import time
import zlib
from dataclasses import asdict
from pathlib import Path

from newsmark.findings import ArticleResult, Finding
from newsmark.pipeline.cache import (
    FileDigests,
    content_key,
    installed_version,
    load_signed,
    read_plain,
    save_signed,
    slot_rels,
    stamp,
    store_folder,
    valid_findings,
    valid_pairs,
    write_file,
    write_plain,
)

BUILD_INDEX = "build.json"
BUILD_FILES = "build.files"  # the stat and sha256 of every input file, named with its sha256 by the index
ROWS_DIR = "rows"
CHUNK_FILE_RE = re.compile(r"[0-9a-f]{64}\.arrow")
CHUNK_TARGET = 64  # articles per chunk on average
CHUNK_MAX = 256


def chunk_ids(ids: list[str]) -> list[list[str]]:
    """``ids`` (sorted) cut into content-defined chunks: a chunk ends after an id whose CRC-32 is a
    multiple of CHUNK_TARGET, or at CHUNK_MAX ids. Whether an id ends a chunk depends on the id alone,
    so adding or removing an article changes only the chunk it falls in."""
    chunks: list[list[str]] = []
    current: list[str] = []
    for article_id in ids:
        current.append(article_id)
        if len(current) >= CHUNK_MAX or zlib.crc32(article_id.encode("utf-8")) % CHUNK_TARGET == 0:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def row_fingerprint(settings, dedup, signatures: bool) -> list[str]:
    """What besides the files and the tool fingerprint decides a chunk's rows and results."""
    versions = [f"{name}={installed_version(name)}" for name in ("pyarrow", "spacy", "numpy")]
    return [
        *versions,
        json.dumps({"splits": asdict(settings), "dedup": asdict(dedup), "signatures": signatures}, sort_keys=True),
    ]


def encode_chunk(
    results: list[ArticleResult], info: dict, streams: list[tuple[str, str, bytes]], words: dict[str, tuple[str, bytes]]
) -> bytes:
    """One chunk file: an 8-byte header length, the header (JSON: results, per-article info, the config,
    split and length of each Arrow stream, and the text digest and length of each article's packed word
    tokens), then the Arrow IPC streams, then the word tokens."""
    header = json.dumps(
        {
            "results": [
                [
                    r.id,
                    r.files,
                    [[f.path, f.line, f.col, f.code, f.message] for f in r.findings],
                    r.digests,
                    _without_surfaces(r.contribution),
                ]
                for r in results
            ],
            "info": info,
            "streams": [[config, split, len(data)] for config, split, data in streams],
            "words": [[article_id, digest, len(data)] for article_id, (digest, data) in sorted(words.items())],
        },
        separators=(",", ":"),
    ).encode("utf-8")
    return (
        len(header).to_bytes(8, "little")
        + header
        + b"".join(data for _, _, data in streams)
        + b"".join(data for _, (_, data) in sorted(words.items()))
    )


def _without_surfaces(part: dict | None) -> dict | None:
    # The build runs no rule that needs each article's mention texts (NM604 is validate's).
    return part if part is None else {k: v for k, v in part.items() if k != "surfaces"}


def decode_chunk(raw: bytes):
    """The inverse of ``encode_chunk``: ``(results, info, streams, words)``; raises ValueError (or
    KeyError, TypeError) on a malformed file."""
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    results = []
    for article_id, files, findings, digests, part in header["results"]:
        if not (
            isinstance(article_id, str)
            and isinstance(files, int)
            and valid_findings(findings)
            and isinstance(digests, dict)
            and (part is None or isinstance(part, dict))
        ):
            raise ValueError("malformed chunk header")
        results.append(ArticleResult(article_id, files, [Finding(*f) for f in findings], digests, part))
    view, offset, streams, words = memoryview(raw), 8 + size, [], {}
    for config, split, length in header["streams"]:
        streams.append((config, split, view[offset : offset + length]))
        offset += length
    for article_id, digest, length in header["words"]:
        if length % 4:
            raise ValueError("malformed word tokens")
        words[article_id] = (digest, view[offset : offset + length])
        offset += length
    if offset != len(raw) or not isinstance(header["info"], dict):
        raise ValueError("chunk file length does not match its header")
    return results, header["info"], streams, words


class BuildCache:
    def __init__(
        self,
        root: Path,
        parts: list[str],
        digests: FileDigests | None = None,
        chunks: dict | None = None,
        pairs: dict | None = None,
        ranges: dict | None = None,
    ):
        self.root, self.parts = root, parts
        self.digests = digests or FileDigests()
        # chunk key -> [sha256, size, mtime_ns, ctime_ns, inode] of rows/<key>.arrow as written
        self.chunks: dict[str, list] = chunks or {}
        self.pairs = pairs  # the near-duplicate pairs of the last build (see ValidateCache.pairs)
        self.last_ranges: dict[str, list] = ranges or {}  # chunk key -> [first id, last id] in the last build
        self.ranges: dict[str, list] = {}  # the same for this build
        self.used: set[str] = set()
        self.changed = False

    @classmethod
    def load(cls, root: Path, parts: list[str]) -> BuildCache:
        payload = load_signed(root, BUILD_INDEX)
        try:
            if payload["parts"] != parts or not all(
                isinstance(v, list) and len(v) == 5 and isinstance(v[0], str) for v in payload["chunks"].values()
            ):
                return cls(root, parts)
            ranges = payload["ranges"]
            if not isinstance(ranges, dict) or not all(isinstance(v, list) and len(v) == 2 for v in ranges.values()):
                ranges = {}
            files = read_plain(root, BUILD_FILES, payload["files_sha256"])
            return cls(
                root,
                parts,
                FileDigests() if files is None else FileDigests.from_text(files),
                payload["chunks"],
                valid_pairs(payload.get("pairs")),
                ranges,
            )
        except (KeyError, TypeError, AttributeError, ValueError):
            return cls(root, parts)

    def key(self, chunk_slots: list[tuple]) -> str | None:
        """The key of a chunk's current contents; None when a file is new to the cache (then it cannot
        hit, and is not read twice)."""
        rels, digests = [], []
        for slots in chunk_slots:
            article_rels = slot_rels(slots)
            if not self.digests.known(article_rels):
                return None
            rels += article_rels
            digests += [
                None if rel is None else self.digests.digest(path, rel) for path, rel in zip(slots, article_rels)
            ]
        return content_key(self.parts, rels, digests)

    def read(self, key: str | None):
        """The cached ``(results, info, streams, words)`` of a chunk, or None."""
        entry = self._load(key)
        if entry is None:
            return None
        self.used.add(key)
        results, info, streams, words = entry
        self.ranges[key] = [results[0].id, results[-1].id]
        # The rows copied out of the mapped file: a table that the Parquet writer buffers (a batch of rows
        # of one split, which can span many chunks) would otherwise keep its whole chunk file mapped, and
        # an incremental build of a large corpus would hold every chunk it read in memory.
        return results, info, [(config, split, bytes(data)) for config, split, data in streams], words

    def _load(self, key: str | None):
        expected = self.chunks.get(key) if key is not None else None
        if expected is None:
            return None
        folder = self._rows_folder(create=False)
        if folder is None:
            return None
        try:
            fd = os.open(f"{key}.arrow", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
        except OSError:
            return None
        finally:
            os.close(folder)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or not info.st_size:
                return None
            # Mapped, not read: the rows reach the Parquet threads without a copy in this thread. Only this
            # process's kind writes here, always through a new file renamed into place, so a mapped file
            # never shrinks under the map.
            raw = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            # the file as written (git's stat shortcut, as for corpus files), or else bytes that hash the same
            if stamp(info) != expected[1:] and hashlib.sha256(raw).hexdigest() != expected[0]:
                return None
            return decode_chunk(raw)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        finally:
            os.close(fd)

    def earlier_words(self, ids: list[str]) -> dict[str, bytes]:
        """The word tokens the last build kept for these articles, by the sha256 of their text: an article
        whose text did not change (an annotation edit) needs no tokenizer."""
        known: dict[str, bytes] = {}
        first, last = min(ids), max(ids)
        for key in sorted(k for k, (low, high) in self.last_ranges.items() if low <= last and high >= first):
            entry = self._load(key)
            if entry is not None:
                known.update(
                    {digest: bytes(data) for article_id, (digest, data) in entry[3].items() if article_id in ids}
                )
        return known

    def store(
        self,
        chunk_slots: list[tuple],
        results: list[ArticleResult],
        info: dict,
        streams: list[tuple[str, str, bytes]],
        words: dict[str, tuple[str, bytes]],
    ) -> None:
        """Remember a freshly built chunk under the digests of the bytes its check read."""
        rels, digests = [], []
        now = time.time_ns()
        for slots, result in zip(chunk_slots, results):
            article_rels = slot_rels(slots)
            if any(rel is not None and rel not in result.digests for rel in article_rels):
                return  # a file could not be read: build this chunk afresh next time
            for path, rel in zip(slots, article_rels):
                if rel is not None:
                    self.digests.remember(path, rel, result.stamps.get(rel), result.digests[rel], now)
            rels += article_rels
            digests += [None if rel is None else result.digests[rel] for rel in article_rels]
        key = content_key(self.parts, rels, digests)
        data = encode_chunk(results, info, streams, words)
        folder = self._rows_folder(create=True)
        if folder is None:
            return
        try:
            write_file(folder, f"{key}.arrow", data)
            written = stamp(os.stat(f"{key}.arrow", dir_fd=folder, follow_symlinks=False))
        except OSError:
            return
        finally:
            os.close(folder)
        self.chunks[key] = [hashlib.sha256(data).hexdigest(), *written]
        self.used.add(key)
        self.ranges[key] = [results[0].id, results[-1].id]
        self.changed = True

    def remember_pairs(self, pairs: dict) -> None:
        if pairs != self.pairs:
            self.pairs, self.changed = pairs, True

    def save(self) -> None:
        """Write the index with the chunks this build used, and delete the other chunk files."""
        if (
            not self.changed
            and not self.digests.changed
            and self.used == set(self.chunks)
            and self.ranges == self.last_ranges
        ):
            return
        chunks = {k: v for k, v in self.chunks.items() if k in self.used}
        files_sha256 = write_plain(self.root, BUILD_FILES, self.digests.to_text())
        if files_sha256 is None:
            return
        save_signed(
            self.root,
            BUILD_INDEX,
            {
                "parts": self.parts,
                "files_sha256": files_sha256,
                "chunks": chunks,
                "pairs": self.pairs,
                "ranges": self.ranges,
            },
        )
        folder = self._rows_folder(create=False)
        if folder is None:
            return
        try:
            for entry in os.scandir(folder):
                if CHUNK_FILE_RE.fullmatch(entry.name) and entry.name[:64] not in chunks:
                    os.unlink(entry.name, dir_fd=folder)
        except OSError:
            pass
        finally:
            os.close(folder)

    def _rows_folder(self, create: bool) -> int | None:
        """A descriptor of ``<root>/.newsmark-cache/rows`` when both are real folders (made when ``create``);
        the inner one is made and opened relative to the outer, so that no link is followed."""
        parent = store_folder(self.root, create)
        if parent is None:
            return None
        try:
            if create:
                try:
                    os.mkdir(ROWS_DIR, 0o777, dir_fd=parent)
                except FileExistsError:
                    pass
            return os.open(ROWS_DIR, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=parent)
        except OSError:
            return None
        finally:
            os.close(parent)
