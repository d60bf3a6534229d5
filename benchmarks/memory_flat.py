"""newsmark benchmark, third round: peak memory of validate and build against corpus size, on every path.

    python benchmarks/memory_flat.py --corpus /work/bench/s10k
    NEWSMARK=... PYTHONPATH=old/src python benchmarks/memory_flat.py --corpus /work/bench/s30k  # other code

Runs each command once, in a fresh process, with one process (`-j 1`, so the peak is that of the one
process that holds everything) and CI=true (no progress bars): `validate --no-cache` and
`build --no-cache` on the corpus itself (read only), then, on a copy, a cached `validate` that fills the
cache, the same warm (nothing changed), a cached `build` that fills the build cache and a `build` after
one annotation is edited (`second_round.edit`), which is compared with a `--no-cache` build of the edited
copy. Prints wall seconds, CPU seconds (user and system) and peak RSS (MiB) per step, as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measured, same_tree  # noqa: E402
from run import BIN  # noqa: E402
from second_round import edit  # noqa: E402

NEWSMARK = os.environ.get("NEWSMARK", str(BIN / "newsmark"))


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one run of ``command`` (findings may be expected)."""
    return measured(command, ok=("0", "1"))[:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a synthetic corpus (newsmark synth)")
    parser.add_argument("--only", choices=["no-cache", "cached", "all"], default="all")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}", flush=True)
    size = len(os.listdir(args.corpus / "annotations"))
    rows = []

    def step(name: str, *command: str) -> None:
        wall, cpu, peak = timed([NEWSMARK, *command, "-j", "1", "-q"])
        rows.append((name, wall, cpu, peak))
        print(f"  {name:<42} {wall:7.2f} s {cpu:7.2f} CPU s {peak:6.0f} MiB", flush=True)

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
    print(f"\n| step ({size:,} articles) | wall s | CPU s | peak RSS MiB |\n| --- | --- | --- | --- |")
    for name, wall, cpu, peak in rows:
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
