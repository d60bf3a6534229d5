"""The validate cache: results of unchanged articles, keyed by the content of their files.

Stored in ``<root>/.newsmark-cache/validate.json`` (git-ignored). An article's key is the sha256 of its
files' names and contents together with a fingerprint of newsmark itself (its code and label sets), so
a changed file, a new version of the tool or new labels all miss. A file whose size, modification and
change times and inode are those recorded is not re-read (as git's index does). The whole file carries
a checksum (its first line): anything unreadable, mismatched or malformed is ignored and rebuilt, never
trusted.
"""
from __future__ import annotations

import hashlib
import json
import os
from functools import cache as memoize
from pathlib import Path

from newsmark.files import write_atomic
from newsmark.findings import RULES, Finding
from newsmark.labels import schema_dir
from newsmark.read import corpus_rel

CACHE_DIR = ".newsmark-cache"
CACHE_FILE = "validate.json"
FORMAT = 1


@memoize
def tool_fingerprint() -> str:
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.glob("*.py")) + [schema_dir() / "labels.json"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _signature(path: Path) -> list[int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


class ValidateCache:
    def __init__(self, root: Path, files: dict | None = None, articles: dict | None = None):
        self.path = root / CACHE_DIR / CACHE_FILE
        self.files: dict[str, list] = files or {}  # rel -> [size, mtime_ns, ctime_ns, ino, sha256]
        self.articles: dict[str, dict] = articles or {}  # key -> {"id", "files", "findings", "contribution"}
        self.used: set[str] = set()  # article keys this run hit or stored
        self.seen: set[str] = set()  # file paths this run looked at
        self.changed = False

    @classmethod
    def load(cls, root: Path) -> "ValidateCache":
        empty = cls(root)
        try:
            checksum, _, body = empty.path.read_bytes().partition(b"\n")
            if checksum.decode("ascii") != hashlib.sha256(body).hexdigest():
                return empty
            payload = json.loads(body)
            if payload["format"] != FORMAT or payload["tool"] != tool_fingerprint():
                return empty
            loaded = cls(root, payload["files"], payload["articles"])
            for entry in loaded.articles.values():  # shape check: a bad entry discards the whole cache
                for path, line, col, code, message in entry["findings"]:
                    if code not in RULES or not all(isinstance(v, str) for v in (path, message)) or \
                            not all(isinstance(v, int) for v in (line, col)):
                        return empty
                if not isinstance(entry["files"], int) or not isinstance(entry["id"], str):
                    return empty
            if not all(isinstance(v, list) and len(v) == 5 for v in loaded.files.values()):
                return empty
            return loaded
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return empty

    def _digest(self, path: Path, rel: str) -> str | None:
        signature = _signature(path)
        known = self.files.get(rel)
        if signature is not None and known is not None and known[:4] == signature:
            return known[4]
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None
        if signature is not None:
            self.files[rel] = signature + [digest]
            self.changed = True
        return digest

    @staticmethod
    def _key(rels: list[str | None], digests: list[str | None]) -> str:
        parts = [tool_fingerprint()]
        parts += ["-" if rel is None else f"{rel}={digest}" for rel, digest in zip(rels, digests)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def lookup(self, slots: dict[str, tuple]):
        """Cached results for the articles whose files are unchanged, by article id."""
        from newsmark.check import ArticleResult

        hits = {}
        for article_id, article_slots in slots.items():
            rels = [None if path is None else corpus_rel(path) for path in article_slots]
            self.seen.update(rel for rel in rels if rel is not None)
            if any(rel is not None and rel not in self.files for rel in rels):
                continue  # a file never seen before: no entry can match, so do not spend a read on it
            digests = [None if rel is None else self._digest(path, rel) for path, rel in zip(article_slots, rels)]
            key = self._key(rels, digests)
            entry = self.articles.get(key)
            if entry is not None and entry["id"] == article_id:
                self.used.add(key)
                hits[article_id] = ArticleResult(article_id, entry["files"], [Finding(*f) for f in entry["findings"]],
                                                 contribution=entry["contribution"])
        return hits

    def store(self, slots: tuple, result) -> None:
        """Remember a fresh result, keyed by the digests of the bytes the check actually read."""
        rels = [None if path is None else corpus_rel(path) for path in slots]
        if any(rel is not None and rel not in result.digests for rel in rels):
            return  # a file could not be read (link, too large): check it again next time
        for path, rel in zip(slots, rels):
            if rel is not None and (signature := _signature(path)) is not None:
                self.files[rel] = signature + [result.digests[rel]]
        key = self._key(rels, [None if rel is None else result.digests[rel] for rel in rels])
        self.articles[key] = {"id": result.id, "files": result.files, "contribution": result.contribution,
                              "findings": [[f.path, f.line, f.col, f.code, f.message] for f in result.findings]}
        self.used.add(key)
        self.changed = True

    def save(self, prune: bool) -> None:
        """Write the cache; with ``prune`` (a run over the whole corpus) entries this run did not use drop
        out. Failures to write are ignored: the cache is only ever an optimisation."""
        if not self.changed and (not prune or len(self.used) == len(self.articles)):
            return
        articles = {k: v for k, v in self.articles.items() if k in self.used} if prune else self.articles
        files = {k: v for k, v in self.files.items() if k in self.seen} if prune else self.files
        payload = {"format": FORMAT, "tool": tool_fingerprint(), "files": files, "articles": articles}
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        try:
            # First line: the sha256 of the rest, so that a damaged file is recognised and ignored.
            write_atomic(self.path, hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
        except OSError:
            pass
