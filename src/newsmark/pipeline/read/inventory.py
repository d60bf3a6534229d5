"""What the corpus holds: the article files under corpus/ and annotations/ (listed without following
a link), and an article as read, with its annotation's status.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from newsmark.findings import Finding, finding
from newsmark.ids import HANDLE_RE, RESERVED_NAMES, is_article_id
from newsmark.labels import COMPLETE, NOT_STARTED
from newsmark.pipeline.read.yamldoc import Document


def annotation_status(data: dict) -> str:
    """COMPLETE, IN_PROGRESS or NOT_STARTED for a schema-valid annotation."""
    if "status" in data:
        return data["status"]
    if not any(data[key] for key in ("annotators", "topics", "entities", "claims")):
        return NOT_STARTED
    return COMPLETE


def pending_counts(records) -> dict[str, int]:
    """How many of ``records`` (dicts, or None) carry a ``status``: the articles not yet annotated, by status."""
    counts: dict[str, int] = {}
    for record in records:
        if record and record.get("status"):
            counts[record["status"]] = counts.get(record["status"], 0) + 1
    return dict(sorted(counts.items()))


@dataclass
class Article:
    """One article as read: its id, body text, metadata and annotation (None where missing or invalid)."""

    id: str
    text: str | None = None
    meta: Document | None = None
    annotation: Document | None = None

    @property
    def status(self) -> str | None:
        """The annotation's status (None without a valid annotation)."""
        return None if self.annotation is None else annotation_status(self.annotation.data)


class FilesById(Mapping):
    """Article id -> the path of its file of one kind (``<folder>/<id><suffix>``), as ``inventory`` found
    them: the ids are kept, each path is made when asked for. A ``Path`` per file held for the whole run
    was most of what a validation of a large corpus kept per article."""

    def __init__(self, folder: Path, suffix: str):
        self.folder, self.suffix = folder, suffix
        self._ids: dict[str, None] = {}  # in the order found (file names sorted)

    def add(self, article_id: str) -> None:
        self._ids[article_id] = None

    def __getitem__(self, article_id: str) -> Path:
        if article_id not in self._ids:
            raise KeyError(article_id)
        return self.folder / f"{article_id}{self.suffix}"

    def get(self, article_id: str, default=None):
        return self.folder / f"{article_id}{self.suffix}" if article_id in self._ids else default

    def __contains__(self, article_id) -> bool:
        return article_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


@dataclass
class Inventory:
    """The article files found under corpus/ and annotations/, by article id (``FilesById``, or a dict
    where a caller lists some itself)."""

    texts: Mapping[str, Path] = field(default_factory=dict)
    metas: Mapping[str, Path] = field(default_factory=dict)
    annotations: Mapping[str, Path] = field(default_factory=dict)
    # independent annotation layers (annotations/independent/<annotator>/<id>.yaml), by (annotator, id)
    layers: dict[tuple[str, str], Path] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def corpus_rel(path: Path) -> str:
    """``corpus/x.txt`` for a path that ``inventory`` found (root/<folder>/<name>); much cheaper than
    ``relpath``, which matters when the cache looks at every file of a large corpus."""
    return f"{path.parent.name}/{path.name}"


_LAYOUT = {"corpus": (".txt", ".yaml"), "annotations": (".yaml",)}
INDEPENDENT = "independent"  # annotations/independent/<annotator>/<id>.yaml: layers compared by `agree`


def inventory(root: Path, ids: Collection[str] | None = None) -> Inventory:
    """List corpus/ and annotations/ without following links or descending into folders. With ``ids``,
    only the entries of those articles (named ``<id>`` or ``<id>.<anything>``) and the independent layers:
    what checking a few articles needs, without checks for every file of a large corpus."""
    listing = Inventory(
        FilesById(root / "corpus", ".txt"),
        FilesById(root / "corpus", ".yaml"),
        FilesById(root / "annotations", ".yaml"),
    )
    slots = {
        ("corpus", ".txt"): listing.texts,
        ("corpus", ".yaml"): listing.metas,
        ("annotations", ".yaml"): listing.annotations,
    }
    interned: dict[str, str] = {}  # each id once: an article's three files share one string
    for folder, suffixes in _LAYOUT.items():
        base = root / folder
        if base.is_symlink():
            listing.findings.append(finding("NM108", folder, f"{folder}/ is a symbolic link; make it a real folder"))
            continue
        if not base.is_dir():
            continue
        for entry in sorted(_entries_of(base, ids), key=lambda e: e.name):
            rel = f"{folder}/{entry.name}"
            stem, dot, suffix = entry.name.rpartition(".")
            if entry.is_symlink():
                listing.findings.append(finding("NM108", rel, "symbolic link; replace it with the file itself"))
            elif folder == "annotations" and entry.name == INDEPENDENT and entry.is_dir(follow_symlinks=False):
                _independent_layers(base / entry.name, listing)
            elif not entry.is_file(follow_symlinks=False):
                listing.findings.append(finding("NM109", rel, f"{folder}/ holds files only; move this folder out"))
            elif dot and f".{suffix}" in suffixes and stem in RESERVED_NAMES:
                listing.findings.append(
                    finding(
                        "NM110",
                        rel,
                        f"'{stem}' is a device name on Windows, where this "
                        "file cannot be checked out; choose another id",
                    )
                )
            elif not dot or f".{suffix}" not in suffixes or not is_article_id(stem):
                expected = " or ".join(f"<id>{s}" for s in suffixes)
                listing.findings.append(
                    finding(
                        "NM109",
                        rel,
                        f"{folder}/ holds only {expected} files, where <id> is lowercase "
                        "letters, digits and single hyphens (at most 80); rename or remove this file",
                    )
                )
            else:
                slots[(folder, f".{suffix}")].add(interned.setdefault(stem, stem))
    return listing


def _independent_layers(folder: Path, listing: Inventory) -> None:
    """annotations/independent/<annotator>/<id>.yaml: one folder per annotator, annotation files only."""
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = f"annotations/{INDEPENDENT}/{entry.name}"
        if entry.is_symlink():
            listing.findings.append(finding("NM108", rel, "symbolic link; replace it with the folder itself"))
        elif not entry.is_dir(follow_symlinks=False) or not HANDLE_RE.fullmatch(entry.name):
            listing.findings.append(
                finding(
                    "NM109",
                    rel,
                    f"annotations/{INDEPENDENT}/ holds one folder per annotator, "
                    "named by the annotator's handle; move this out",
                )
            )
        else:
            for item in sorted(os.scandir(entry.path), key=lambda e: e.name):
                stem, dot, suffix = item.name.rpartition(".")
                item_rel = f"{rel}/{item.name}"
                if item.is_symlink():
                    listing.findings.append(
                        finding("NM108", item_rel, "symbolic link; replace it with the file itself")
                    )
                elif not item.is_file(follow_symlinks=False) or suffix != "yaml" or not dot or not is_article_id(stem):
                    listing.findings.append(
                        finding(
                            "NM109", item_rel, f"{rel}/ holds only <id>.yaml annotation files; rename or remove this"
                        )
                    )
                else:
                    listing.layers[(entry.name, stem)] = Path(item.path)


def _entries_of(base: Path, ids: Collection[str] | None) -> list[os.DirEntry]:
    """The entries of ``base`` that belong to the articles ``ids`` (all without ``ids``), and the
    independent layers' folder. An entry belongs to the article its name's part before the first dot
    names, as ``runner.article_id_of`` has it: a stray ``<id>.txt~`` is that article's finding too."""
    with os.scandir(base) as listing:
        if ids is None:
            return list(listing)
        return [entry for entry in listing if entry.name.partition(".")[0] in ids or entry.name == INDEPENDENT]
