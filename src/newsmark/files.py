"""Writing files and output folders so that a reader never sees half of one and nothing else is lost.

- ``write_atomic``: one file, through a temporary file renamed into place, with the mode a plain
  ``open(path, "w")`` would give.
- ``check_output_folder``: where a command may write (never into the corpus, never over a folder it did
  not write).
- ``output_slot``: the lock, the clean-up of what killed runs left, and the swap of a finished folder into
  place, so that the previous output survives a kill at any moment.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

from newsmark.errors import NewsmarkError

# Folders of a corpus root that no command writes output into (their contents are the corpus itself).
PROTECTED_FOLDERS = ("corpus", "annotations", "schema", "seeds", ".git")


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place. The file keeps the
    mode of the one it replaces, or gets the umask's default (mkstemp alone would make it 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_all_atomic({path: data})


def write_all_atomic(contents: dict[Path, str | bytes]) -> None:
    """Write several files so that either all of them change or none does (short of a crash between the
    renames): every file is staged beside its target first, then all are renamed into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in contents.items():
            try:
                mode = stat.S_IMODE(os.stat(path).st_mode)
            except OSError:
                mode = 0o666 & ~current_umask()
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((Path(tmp), path))
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), mode)
                handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        for tmp, path in staged:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_folder(root: Path, out: Path, what: str, is_ours) -> None:
    # ``what`` names the output in messages: "a newsmark build", "a newsmark report".
    """Refuse an output folder that would overwrite the corpus or something the command did not write.

    ``out`` may not be the root, an ancestor of it, or lie inside one of its PROTECTED_FOLDERS; when it
    exists it must be a folder that ``is_ours(out)`` recognises as this command's earlier output (or
    empty). Links are resolved first, so a link cannot smuggle the corpus in."""
    real_root, real_out = Path(os.path.realpath(root)), Path(os.path.realpath(out))
    if _inside(real_root, real_out):
        raise NewsmarkError(
            f"--out {out}: is the corpus root or a folder that contains it; writing {what} "
            "there would replace the corpus. Choose a separate folder (the default is under dist/)"
        )
    for name in PROTECTED_FOLDERS:
        if _inside(real_out, real_root / name):
            raise NewsmarkError(
                f"--out {out}: lies inside {name}/ of the corpus; write {what} elsewhere (the default is under dist/)"
            )
    if os.path.lexists(out):
        if os.path.islink(out) or not os.path.isdir(out):
            raise NewsmarkError(f"--out {out}: exists and is not a folder; remove it or choose another --out")
        if any(os.scandir(out)) and not is_ours(out):
            raise NewsmarkError(
                f"--out {out}: exists and is not {what} (it holds files that newsmark did not "
                "write); refusing to replace it: choose an empty or new folder"
            )


def linked_folder(root: Path, path: Path) -> Path | None:
    """The first folder between ``root`` and the file ``path`` that is a symbolic link (writing through it
    would put the file outside the corpus), or None."""
    for folder in reversed(path.relative_to(root).parents[:-1]):  # annotations, annotations/independent, ...
        if (root / folder).is_symlink():
            return root / folder
    return None


def holds_only(folder: Path, allowed: set[str]) -> bool:
    """Whether ``folder`` holds no links and no file outside ``allowed`` (relative POSIX paths), and no
    folder that is not on the way to one of them."""
    allowed_dirs = {parent.as_posix() for rel in allowed for parent in Path(rel).parents if str(parent) != "."}
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath).relative_to(folder)
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = (base / name).as_posix()
            if full.is_symlink():
                return False
            if name in dirnames and rel not in allowed_dirs:
                return False
            if name in filenames and rel not in allowed:
                return False
    return True


def read_json_bounded(path: Path, limit: int = 64 * 1024 * 1024):
    """A small JSON file's content, or None when it is missing, a link, not a regular file, too large or
    not JSON. Never blocks on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


# -- replacing a whole output folder --------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def output_slot(out: Path):
    """Hold the lock of output folder ``out`` and yield a new staging folder beside it.

    While the lock is held, what killed runs left behind is cleared first: a previous output moved aside
    but never replaced is moved back, and stale staging folders are removed. On leaving with an error
    the staging folder is removed; call ``swap_in(staging, out)`` to publish it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with _held(out.parent / f".{out.name}.lock"):
        recover_output(out)
        staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
        try:
            yield staging
        finally:
            shutil.rmtree(staging, ignore_errors=True)


# The folders a writer of the corpus writes into (seeds/: ingest keeps the seed document as received).
CORPUS_FOLDERS = ("corpus", "annotations", "annotations/independent", "seeds")
# Where a writer stages files before renaming them into those folders: at the corpus root (one filesystem,
# so the rename is atomic) but outside them, so a run killed between staging and renaming leaves nothing
# validate or build would read; the next writer, under the lock, empties it.
STAGING = ".newsmark-staging"
STAGED_SUFFIX = ".import-tmp"  # also what imports before the staging folder left beside their targets


def staging_folder(root: Path) -> Path:
    """The staging folder, made if needed; refused when it is anything but a real folder."""
    path = root / STAGING
    try:
        path.mkdir(exist_ok=True)
    except OSError as err:
        raise NewsmarkError(f"{path}: cannot be made ({err.strerror})") from None
    if path.is_symlink() or not path.is_dir():
        raise NewsmarkError(f"{path}: not a folder of the corpus's own; remove it")
    return path


def _clear_staging(root: Path) -> list[str]:
    """What writers killed before their renames left (in the staging folder, and beside their targets as
    earlier imports staged them), removed; only regular files, never through a link."""
    removed = []
    places = [(root / STAGING, "*")] + [(root / folder, f".*{STAGED_SUFFIX}") for folder in ("corpus", "annotations")]
    for folder, pattern in places:
        if folder.is_dir() and not folder.is_symlink():
            for path in sorted(folder.glob(pattern)):
                if path.is_file() and not path.is_symlink():
                    path.unlink()
                    removed.append(path.relative_to(root).as_posix())
    with contextlib.suppress(OSError):
        (root / STAGING).rmdir()  # only when empty: anything else in it is left for a person to see
    return removed


@contextlib.contextmanager
def corpus_lock(root: Path):
    """Hold the corpus's writer lock (``.newsmark-import.lock`` at its root) while a command writes corpus/ or
    annotations/: imports, new, ingest, anchor, suggest, dedup and Label Studio imports
    wait for each other instead of deciding against files another is about to change. Yields what killed
    writers had left staged, removed (no other writer can be using it while the lock is held)."""
    root.mkdir(parents=True, exist_ok=True)
    with _held(root / ".newsmark-import.lock"):
        # Checked under the lock, so no other writer of this corpus swaps a folder for a link meanwhile.
        for name in CORPUS_FOLDERS:
            if (root / name).is_symlink():
                raise NewsmarkError(
                    f"{name}/ is a symbolic link (NM108); newsmark writes only into the corpus's own folders: "
                    "replace it with a real folder; nothing was written"
                )
        yield _clear_staging(root)


@contextlib.contextmanager
def _held(lock_path: Path):
    """Hold the exclusive lock ``lock_path`` (see ``_lock``); the lock file is removed on release."""
    fd = _lock(lock_path)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock_path)  # still ours: nobody else can lock this inode until we close it
        os.close(fd)


def _lock(path: Path) -> int:
    """An exclusive lock on ``path`` (created if needed); the kernel releases it when a run dies. A lock
    file removed by its previous holder while we waited is not the lock any more: take the new one."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666 & ~current_umask())
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_ino == os.lstat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def recover_output(out: Path) -> list[str]:
    """Undo what a killed run left beside ``out``: returns what was done, for tests and messages."""
    done = []
    leftovers = sorted(out.parent.glob(f".{glob_escape(out.name)}.old-*"))
    for old in leftovers:
        if not os.path.lexists(out) and (old / "build").is_dir():
            os.rename(old / "build", out)
            done.append(f"restored {out} from {old.name}")
        shutil.rmtree(old, ignore_errors=True)
    for staging in out.parent.glob(f".{glob_escape(out.name)}.tmp-*"):
        shutil.rmtree(staging, ignore_errors=True)
        done.append(f"removed {staging.name}")
    return done


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def swap_in(staging: Path, out: Path) -> None:
    """Make the finished ``staging`` folder the output ``out``. The previous output is replaced in one
    atomic exchange where the filesystem supports it; elsewhere it is moved aside first, and a kill in
    between is undone by the next run's ``recover_output``."""
    os.chmod(staging, 0o777 & ~current_umask())
    if not os.path.lexists(out):
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous output
        return
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    os.rename(out, old / "build")
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)
