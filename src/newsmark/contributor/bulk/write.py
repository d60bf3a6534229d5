"""Where an import's files go: staged in the corpus's staging folder (files.STAGING) as the check pass
accepts each article, then, in the write pass, renamed into place together, once the sources are read again
and found to be what was checked."""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
from functools import partial
from pathlib import Path

from newsmark.contributor.bulk.items import Decision, Options, record_digest
from newsmark.contributor.bulk.sources import read_records
from newsmark.contributor.bulk.workers import in_workers, restage_records
from newsmark.errors import NewsmarkError
from newsmark.files import STAGED_SUFFIX, staging_folder

# Files handed to the writing thread at once: one hand-over per file made the two threads wake each other
# (and take the interpreter's lock in turn) 14 times an article.
FILES_HANDED_AT_ONCE = 48
RESTAGE_CHUNK = 64  # items restaged at once: one in a few joins a story, so a pool pays from fewer of them


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
        self._queue: queue.Queue | None = None  # lists of files for the writing thread to make; None ends it
        self._pending: list[tuple[str, bytes]] = []  # files not yet handed to it
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None  # what the writing thread met; raised in this one
        self._stopped = False  # discarding: what is still queued is not written

    def _staged(self, target: str) -> str:
        return os.path.join(self.folder, target.replace("/", ".") + STAGED_SUFFIX)  # corpus.<id>.txt.import-tmp

    def add(self, plan: dict[str, str], replace: bool = False) -> None:
        """Stage the files of ``plan`` (path -> content, as ``workers.planned`` gives them); with ``replace``,
        over the ones already staged for them."""
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
                self.settle()  # the file it replaces may still be queued
                if _write_file(self._staged(target), data, replace=True):
                    self.targets.append(target)
            else:
                self.targets.append(target)  # before it is made: discard() removes it if it was
                self._pending.append((self._staged(target), data))
        if len(self._pending) >= FILES_HANDED_AT_ONCE:
            self._hand_over()

    def _hand_over(self) -> None:
        if self._pending:
            self._writer().put(self._pending)
            self._pending = []

    def _writer(self) -> queue.Queue:
        if self._failure is not None:
            raise self._failure
        if self._thread is None:
            self._queue = queue.Queue(maxsize=8)  # a bound on the texts held in memory
            self._thread = threading.Thread(target=self._write_queued, name="newsmark-staging", daemon=True)
            self._thread.start()
        return self._queue

    def _write_queued(self) -> None:
        while (files := self._queue.get()) is not None:
            for path, data in files:
                if self._failure is None and not self._stopped:
                    try:
                        _write_file(path, data)
                    except BaseException as err:  # raised in the importing thread, at its next file or the end
                        self._failure = err

    def settle(self) -> None:
        """Every queued file made (or dropped, when discarding); the writing thread ended (a file staged
        later starts it again)."""
        if self._stopped:
            self._pending = []
        self._hand_over()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        if self._failure is not None and not self._stopped:
            raise self._failure

    def publish(self) -> list[str]:
        """Rename every staged file into place; the files written, sorted."""
        self.settle()
        for target in self.targets:
            os.replace(self._staged(target), os.path.join(self.root, target))
        if self.folder is not None:
            os.rmdir(self.folder)  # empty now; nothing is left for git to list
        return sorted(self.targets)

    def discard(self) -> None:
        """Remove what is staged (what was renamed into place already is not there any more)."""
        self._stopped = True
        self.settle()
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
    jobs: int | None = None,
) -> list[str]:
    """Second pass: the sources read again, each item checked to be the one the check pass read; the
    articles that joined a story in the grouping get their metadata again, with it (in ``jobs`` worker
    processes); then every staged file is renamed into place. Without ``staging`` (a dry run), the same
    checks, nothing written. Returns the files written."""
    total, done = sum(decision.skipped is None for decision in decisions), 0
    records = (record for path in paths for record in read_records(path, options.mapping))
    changed: list[str] = []  # where the first record that is not what was checked is

    def joined():
        """The records whose files are made again, each with its id and story, up to the first changed one."""
        nonlocal done
        for record, decision in itertools.zip_longest(records, decisions):
            if (
                isinstance(record, str)
                or record is None
                or decision is None
                or record.where != decision.where
                or record_digest(record) != decision.digest
            ):
                changed.append(
                    decision.where if decision is not None else record if isinstance(record, str) else record.where
                )
                return
            if decision.skipped is not None:
                continue
            if decision.joined:
                yield record, decision.id, decision.story
            done += 1
            if progress:
                progress(done, total)

    if staging is not None:
        staging.settle()  # no writing thread is running when the worker processes are forked
    # the items before the changed one are made first: a problem of theirs is said first, as it comes first
    restaged = in_workers(partial(restage_records, root, options), joined(), jobs, size=RESTAGE_CHUNK)
    try:
        for where, plan in restaged:
            if isinstance(plan, str):  # the check pass should have found it: said at the item all the same
                raise NewsmarkError(f"the import has problems; nothing was written:\n{where}: {plan}")
            if staging is not None:
                staging.add(plan, replace=True)
    finally:  # the worker processes end here, whatever stopped the loop
        restaged.close()
    if changed:
        raise NewsmarkError(
            f"{changed[0]}: the source changed while it was being imported (it is not what was "
            "checked); nothing was written: import it again"
        )
    return staging.publish() if staging is not None else []
