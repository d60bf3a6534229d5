"""A cold build against a cold validate, old code against new, in alternating runs.

    python benchmarks/build_vs_validate.py --corpus /work/bench/s10k --old OLD/src --new NEW/src [--rounds 3]

OLD/src and NEW/src are source trees (``git archive COMMIT src schema | tar -x -C OLD``). Every run is
``newsmark ... --no-cache`` in a fresh process (nothing is written into the corpus; builds go to a
temporary folder), with -j 1 and with the default number of workers; each round runs old validate, old
build, new validate, new build in turn, so that drift in the machine's speed falls on both alike. Prints
one line per run (wall seconds, and user CPU seconds of every process: steadier than wall on a shared
machine) and, per code and -j, the medians and the ratio build / validate. The new build's folder is compared byte for byte with the old one's.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEWSMARK = Path(sys.executable).with_name("newsmark")


def run(source: Path, args: list[str]) -> tuple[float, float]:
    """Wall and user CPU seconds (children included) of one ``newsmark`` run with ``source`` first on the path."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(NEWSMARK), *args], check=True, env={**os.environ, "PYTHONPATH": str(source)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime


def same_tree(a: Path, b: Path) -> bool:
    left = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    right = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return left == right and all(filecmp.cmp(a / rel, b / rel, shallow=False) for rel in left)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", nargs="+", default=["1", "default"])
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="newsmark-bench-"))
    times: dict[tuple, list] = {}
    try:
        for round_number in range(options.rounds):
            for jobs in options.jobs:
                extra = [] if jobs == "default" else ["-j", jobs]
                for code, source in (("old", options.old), ("new", options.new)):
                    for command in ("validate", "build"):
                        args = [command, "--root", str(options.corpus), "--no-cache", "-q", *extra]
                        out = scratch / f"{code}-{jobs}"
                        if command == "build":
                            shutil.rmtree(out, ignore_errors=True)
                            args += ["--out", str(out)]
                        wall, user = run(source, args)
                        times.setdefault((code, jobs, command), []).append((wall, user))
                        print(
                            f"round {round_number + 1} -j {jobs} {code} {command}: {wall:.2f} s, {user:.2f} s user",
                            flush=True,
                        )
                print(
                    f"-j {jobs}: builds byte-identical: {same_tree(scratch / f'old-{jobs}', scratch / f'new-{jobs}')}"
                )
        for jobs in options.jobs:
            for code in ("old", "new"):
                cells = {}
                for command in ("validate", "build"):
                    runs = times[(code, jobs, command)]
                    cells[command] = (statistics.median(w for w, _ in runs), statistics.median(u for _, u in runs))
                (vw, vu), (bw, bu) = cells["validate"], cells["build"]
                print(
                    f"-j {jobs} {code}: validate {vw:.2f} s ({vu:.2f} user), build {bw:.2f} s ({bu:.2f} user); "
                    f"build/validate {bw / vw:.2f} wall, {bu / vu:.2f} user"
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
