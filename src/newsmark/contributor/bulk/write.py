"""Where an import's files go: staged in the corpus's staging folder (files.STAGING) as the check pass
accepts each article, then, in the write pass, renamed into place together, once the sources are read again
and found to be what was checked."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
from pathlib import Path

from newsmark.contributor.bulk.items import Decision, Options, item_digest, item_metadata, prepare_text
from newsmark.contributor.bulk.sources import read_items
from newsmark.contributor.intake import article_plan
from newsmark.errors import NewsmarkError
from newsmark.files import STAGED_SUFFIX, staging_folder


class Staging:
    """The files of one import, each written once, under its final name, into the staging folder at the
    corpus root (outside corpus/ and annotations/, so nothing a reader looks at), and renamed into place by
    ``publish``. A staged file needs no temporary file of its own: until the renames, no reader sees the
    folder, and a killed import's files are removed by the next writer (files.corpus_lock).

    Files are made by a thread of their own: making a file is the kernel's work (half of an import's time),
    which runs on the other core, without the interpreter's lock, while the check pass goes on. Paths are
    kept as strings: pathlib's joins and hashes were a tenth of an import."""

    def __init__(self, root: Path):
        self.root = root
        self.folder: str | None = None  # made with the first file
        self.targets: list[str] = []  # every staged file's path in the corpus ("corpus/<id>.txt"), in order
        self._folders: dict[str, str] = {}  # a target's folder -> that folder in the corpus ("corpus")
        self._queue: queue.Queue | None = None  # files for the writing thread to make; None ends it
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None  # what the writing thread met; raised in this one
        self._stopped = False  # discarding: what is still queued is not written

    def _staged(self, target: str) -> str:
        return os.path.join(self.folder, target.replace("/", ".") + STAGED_SUFFIX)  # corpus.<id>.txt.import-tmp

    def add(self, plan: dict[Path, str], replace: bool = False) -> None:
        """Stage the files of ``plan``; with ``replace``, over the ones already staged for them."""
        for path, content in plan.items():
            folder, name = os.path.split(os.fspath(path))
            if folder not in self._folders:
                Path(folder).mkdir(parents=True, exist_ok=True)
                self._folders[folder] = Path(folder).relative_to(self.root).as_posix()
            if self.folder is None:
                self.folder = os.fspath(staging_folder(self.root))
            target = f"{self._folders[folder]}/{name}"
            data = content.encode("utf-8")  # before the file is queued: text that cannot be written makes none
            if replace:
                self._wait()  # the file it replaces may still be queued
                if _write_file(self._staged(target), data, replace=True):
                    self.targets.append(target)
            else:
                self.targets.append(target)  # before it is made: discard() removes it if it was
                self._writer().put((self._staged(target), data))

    def _writer(self) -> queue.Queue:
        if self._failure is not None:
            raise self._failure
        if self._thread is None:
            self._queue = queue.Queue(maxsize=256)  # a bound on the texts held in memory
            self._thread = threading.Thread(target=self._write_queued, name="newsmark-staging", daemon=True)
            self._thread.start()
        return self._queue

    def _write_queued(self) -> None:
        while (job := self._queue.get()) is not None:
            if self._failure is None and not self._stopped:
                try:
                    _write_file(*job)
                except BaseException as err:  # raised in the importing thread, at its next file or the end
                    self._failure = err

    def _wait(self) -> None:
        """Every queued file made (or dropped, when discarding); the writing thread ended."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._failure is not None and not self._stopped:
            raise self._failure

    def publish(self) -> list[str]:
        """Rename every staged file into place; the files written, sorted."""
        self._wait()
        for target in self.targets:
            os.replace(self._staged(target), os.path.join(self.root, target))
        if self.folder is not None:
            os.rmdir(self.folder)  # empty now; nothing is left for git to list
        return sorted(self.targets)

    def discard(self) -> None:
        """Remove what is staged (what was renamed into place already is not there any more)."""
        self._stopped = True
        self._wait()
        if self.folder is None:
            return
        for target in self.targets:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._staged(target))
        with contextlib.suppress(OSError):
            os.rmdir(self.folder)


def _write_file(path: str, data: bytes, replace: bool = False) -> bool:
    """Make the file ``path`` holding ``data``, never through a link; with ``replace``, over the one there.
    Whether the file is new."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:  # 0o666 less the umask: the mode a plain open(path, "w") gives, which the rename keeps
        fd, new = os.open(path, flags | os.O_EXCL, 0o666), True
    except FileExistsError:
        if not replace:
            raise
        fd, new = os.open(path, flags | os.O_TRUNC), False
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return new


def write_items(
    root: Path,
    paths: list[Path],
    options: Options,
    decisions: list[Decision],
    staging: Staging | None,
    progress=None,
) -> list[str]:
    """Second pass: the sources read again, each item checked to be the one the check pass read; the
    articles that joined a story in the grouping get their metadata again, with it; then every staged file
    is renamed into place. Without ``staging`` (a dry run), the same checks, nothing written. Returns the
    files written."""
    total, done = sum(decision.skipped is None for decision in decisions), 0
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
        if decision.joined:
            try:
                prepared = prepare_text(item, options)
                meta = item_metadata(root, item, prepared, options, decision.id, decision.story)
                plan = article_plan(root, prepared.body, meta)
            except NewsmarkError as err:  # the check pass should have found it: said at the item all the same
                raise NewsmarkError(f"the import has problems; nothing was written:\n{decision.where}: {err}") from None
            if staging is not None:
                staging.add(plan, replace=True)
        done += 1
        if progress:
            progress(done, total)
    return staging.publish() if staging is not None else []
