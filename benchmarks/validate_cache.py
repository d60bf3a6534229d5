"""newsmark benchmark: validate's cached paths, old code and new in alternating runs.

    python benchmarks/validate_cache.py --old OLD/src --new NEW/src --corpus /work/bench/s10k --rounds 2

For each round and each version (old first, then new), on a fresh copy of the corpus: `validate -j 1`
filling the cache, the same warm with nothing changed, warm after one annotation edit
(`second_round.edit`; only that article is checked again), and a full run after one text edit (every other
article answered by the cache). Every command runs in a fresh process with CI=true; prints wall seconds,
CPU seconds (user + system) and peak RSS (MiB), and checks that both versions print the same findings.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402
from run import BIN  # noqa: E402
from second_round import edit  # noqa: E402

NEWSMARK = str(BIN / "newsmark")
STEPS = ("fill", "warm", "after an annotation edit", "after a text edit")


def measured(code: str, *args: str) -> tuple[float, float, float, str]:
    return measure.measured([NEWSMARK, "validate", *args, "-j", "1"], code, ok=("0", "1"))


def one_version(code: str, corpus: Path, work: Path) -> dict[str, tuple[float, float, float, str]]:
    root = Path(tempfile.mkdtemp(dir=work)) / "c"
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns(".newsmark-cache", "dist"))
    size = len(os.listdir(root / "annotations"))
    figures = {"fill": measured(code, "--root", str(root)), "warm": measured(code, "--root", str(root))}
    edit(root, size // 3)
    figures["after an annotation edit"] = measured(code, "--root", str(root))
    text = root / "corpus" / f"synthetic-{size // 4:06d}.txt"
    text.write_bytes(text.read_bytes() + b"One more sentence.\n")
    past = time.time_ns() - 60 * 10**9
    os.utime(text, ns=(past, past))
    figures["after a text edit"] = measured(code, "--root", str(root))
    shutil.rmtree(root.parent)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, help="the src folder of the old code")
    parser.add_argument("--new", required=True, help="the src folder of the new code")
    parser.add_argument("--corpus", type=Path, required=True, help="a synthetic corpus (newsmark synth)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsmark-vcache-") as tmp:
        work = Path(tmp)
        runs: dict[str, list] = {"old": [], "new": []}
        for number in range(args.rounds):
            for version in ("old", "new"):
                figures = one_version(getattr(args, version), args.corpus, work)
                runs[version].append(figures)
                for step in STEPS:
                    wall, cpu, peak, _ = figures[step]
                    print(
                        f"round {number + 1} {version} {step:<26} {wall:7.2f} s {cpu:7.2f} CPU s {peak:6.0f} MiB",
                        flush=True,
                    )
            for step in STEPS:
                if runs["old"][-1][step][3] != runs["new"][-1][step][3]:
                    raise SystemExit(f"{step}: old and new print different findings")
    print(
        f"\n| {args.corpus.name}, validate -j 1 | old: wall s, CPU s, MiB | new: wall s, CPU s, MiB |\n| --- | --- | --- |"
    )
    for step in STEPS:
        cells = [
            "; ".join(f"{w:.2f}, {c:.2f}, {p:.0f}" for w, c, p, _ in (r[step] for r in runs[version]))
            for version in ("old", "new")
        ]
        print(f"| {step} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
