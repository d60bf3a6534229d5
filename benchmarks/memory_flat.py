"""newsmark benchmark, third round: peak memory of validate and build against corpus size, on every path.

    python benchmarks/memory_flat.py --corpus /work/bench/s10k
    NEWSMARK=... PYTHONPATH=old/src python benchmarks/memory_flat.py --corpus /work/bench/s30k  # other code

Runs each command once, in a fresh process, with one process (`-j 1`, so the peak is that of the one
process that holds everything) and CI=true (no progress bars): `validate --no-cache` and
`build --no-cache` on the corpus itself (read only), then, on a copy, a cached `validate` that fills the
cache, the same warm (nothing changed), a cached `build` that fills the build cache and a `build` after
one annotation is edited (`second_round.edit`), which is compared with a `--no-cache` build of the edited
copy. Prints wall seconds, user CPU seconds and peak RSS (MiB) per step, as a Markdown table.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN  # noqa: E402
from second_round import edit  # noqa: E402

NEWSMARK = os.environ.get("NEWSMARK", str(BIN / "newsmark"))

_WRAPPER = """import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(f'{wall} {usage.ru_utime} {usage.ru_maxrss / 1024} {r.returncode}\\n' + r.stdout[-2000:] + r.stderr[-2000:])
"""


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, user CPU seconds and peak RSS (MiB) of one run of ``command``."""
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, env={**os.environ, "CI": "true"}
    ).stdout
    first, _, rest = out.partition("\n")
    wall, user, peak, code = first.split()
    if code not in ("0", "1"):
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{rest}")
    return float(wall), float(user), float(peak)


def same_tree(a: Path, b: Path) -> bool:
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(a / d, b / d) for d in comparison.common_dirs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a synthetic corpus (newsmark synth)")
    parser.add_argument("--only", choices=["no-cache", "cached", "all"], default="all")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    size = len(os.listdir(args.corpus / "annotations"))
    rows = []

    def step(name: str, *command: str) -> None:
        wall, user, peak = timed([NEWSMARK, *command, "-j", "1", "-q"])
        rows.append((name, wall, user, peak))
        print(f"  {name:<42} {wall:7.2f} s {user:7.2f} user {peak:6.0f} MiB", flush=True)

    with tempfile.TemporaryDirectory(prefix="newsmark-mem-") as tmp:
        work = Path(tmp)
        if args.only in ("no-cache", "all"):
            step("validate --no-cache", "validate", "--root", str(args.corpus), "--no-cache")
            step("build --no-cache", "build", "--root", str(args.corpus), "--out", str(work / "nc"), "--no-cache")
            shutil.rmtree(work / "nc", ignore_errors=True)
        if args.only in ("cached", "all"):
            root = work / "corpus"
            shutil.copytree(args.corpus, root, ignore=shutil.ignore_patterns(".newsmark-cache", "dist"))
            step("validate, filling the cache", "validate", "--root", str(root))
            step("validate, warm", "validate", "--root", str(root))
            step("build, filling the cache", "build", "--root", str(root), "--out", str(work / "b"))
            edit(root, size // 2)
            step("build after one annotation edit", "build", "--root", str(root), "--out", str(work / "b"))
            timed([NEWSMARK, "build", "--root", str(root), "--out", str(work / "p"), "--no-cache", "-q"])
            print(f"  incremental build byte-identical to --no-cache: {same_tree(work / 'b', work / 'p')}")
    print(f"\n| step ({size:,} articles) | wall s | user s | peak RSS MiB |\n| --- | --- | --- | --- |")
    for name, wall, user, peak in rows:
        print(f"| {name} | {wall:.2f} | {user:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
