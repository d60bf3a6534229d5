"""Running a function over chunks of work in worker processes, in order, with bounded memory.

Small inputs run in this process (no start-up cost). Results come back in input order; at most a few
chunks are in flight at once, so a slow consumer (the Parquet writer) never lets results pile up.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

CHUNK_SIZE = 64
PARALLEL_FROM = 4  # chunks; below this the pool costs more than it saves


def _run(function: Callable[[list], list], chunk: list) -> list:
    """``function(chunk)`` with the cyclic garbage collector paused: a chunk allocates hundreds of
    thousands of small acyclic objects (YAML nodes, rows), and collections triggered by them cost more
    than a third of the run. Collection resumes after the chunk, so cycles are still freed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return function(chunk)
    finally:
        if enabled:
            gc.enable()


_IN_WORKER = False


def in_worker() -> bool:
    """Whether this is a worker process of ``map_lists`` (whose results cross a pipe), not the main one."""
    return _IN_WORKER


def _die_with_parent(parent: int) -> None:
    """Run in each worker as it starts: exit as soon as the parent process is gone (killed with -9, or
    by SIGTERM from ``timeout``), instead of waiting forever for work that will never come."""
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform == "linux":
        try:  # the kernel kills this process when its parent dies (prctl PR_SET_PDEATHSIG)
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:  # elsewhere (and as a second guard): notice being re-parented
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="newsmark-parent-watch", daemon=True).start()


def counter(progress: Callable[[int, int], None] | None, total: int) -> Callable[[int], None]:
    """``advance(n)``: n more of ``total`` items are done; reported to ``progress(done, total)``."""
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    return advance


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def map_lists(
    function: Callable[[list], list],
    chunks: list[list],
    jobs: int | None = None,
    progress: Callable[[int], None] | None = None,
    parallel_from: int = PARALLEL_FROM,
) -> Iterator:
    """Yield ``function(chunk)``'s results item by item, in order, for each of ``chunks`` (lists, in any
    sized iterable: its length decides whether a pool pays, and a chunk may be made only as it is handed
    out); ``progress(n)`` after each chunk. From ``parallel_from`` chunks on, worker processes start, and
    begin on the first chunks, before this returns: the build hands them the chunks its cache lacks
    while it writes the ones it has."""
    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(chunks) < parallel_from:
        return _in_process(function, chunks, progress)
    import multiprocessing  # only here: a small run never starts a pool, and these imports cost it time
    from concurrent.futures import ProcessPoolExecutor

    # fork shares the already-imported modules and compiled schema validators with the workers.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_die_with_parent, initargs=(os.getpid(),)
    )
    pending: deque = deque()
    queue = iter(chunks)
    for chunk in queue:
        pending.append((len(chunk), pool.submit(_run, function, chunk)))
        if len(pending) >= 2 * jobs:
            break
    return _from_pool(function, pool, pending, queue, progress)


def _in_process(function, chunks, progress) -> Iterator:
    for chunk in chunks:
        yield from _run(function, chunk)
        if progress:
            progress(len(chunk))


def _from_pool(function, pool, pending: deque, queue, progress) -> Iterator:
    """The results of ``pending`` futures in order, submitting the rest of ``queue`` as they finish, at
    most two chunks per worker in flight."""
    with pool:
        while pending:
            size, future = pending.popleft()
            yield from future.result()
            if progress:
                progress(size)
            chunk = next(queue, None)
            if chunk is not None:
                pending.append((len(chunk), pool.submit(_run, function, chunk)))
