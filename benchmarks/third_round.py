"""newsmark benchmark, third round: every target of the round, old and new code in alternating runs.

    old=$(mktemp -d); git archive f271031 | tar -x -C "$old"   # the whole tree: the code reads schema/ beside src/
    python benchmarks/third_round.py --old "$old/src" --new src --small S10K --large S30K [--rounds 2]

S10K and S30K are corpora made by `newsmark synth` (10,000 and 30,000 articles); they are only read: every
step that writes (caches, edits, builds) works on a copy in a temporary folder. Each command runs in a fresh
process as a user runs it (CI=true, so no progress bars), with PYTHONPATH set to the code being measured.
Reported per run: wall seconds, CPU seconds (user + system, every process of the command) and the peak RSS
of its largest process. Steps, by the issue's targets:

1. `build --no-cache` against `validate --no-cache` (default -j), on the small corpus;
2. peak RSS of `validate --no-cache -j 1` and `build --no-cache -j 1`, and of the cached paths (a whole
   validate filling its cache, the same warm, an incremental build after one edit), small and large;
3. a warm validate after one annotation edit against the cold one; a one-article validate (one annotation
   file of this repository, `--no-cache`, as pre-commit runs it) against `python -c pass`, medians of
   --repeat runs;
4. `import` of a JSONL feed as large as the large corpus (benchmarks/near_duplicates.py's), against a cold
   validate of the corpus it made;
5. `suggest` of one article, warm, on a copy of the large corpus.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402
from near_duplicates import feed  # noqa: E402
from run import BIN  # noqa: E402
from second_round import edit  # noqa: E402

NEWSMARK = str(BIN / "newsmark")
REPO = Path(__file__).resolve().parents[1]


def measured(command: list[str], code: str) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB, largest process) of one run of ``command`` with the
    newsmark of the source folder ``code``; every step here is of a valid corpus, so it must exit 0."""
    return measure.measured(command, code)[:3]


def copy(corpus: Path, work: Path) -> Path:
    root = Path(tempfile.mkdtemp(dir=work))
    shutil.copytree(corpus, root / "c", ignore=shutil.ignore_patterns(".newsmark-cache", "dist"))
    return root / "c"


def one_version(code: str, small: Path, large: Path, feed_path: Path, work: Path, repeat: int) -> dict:
    figures: dict[str, tuple[float, float, float]] = {}

    def step(name: str, *args: str) -> tuple[float, float, float]:
        figures[name] = measured([NEWSMARK, *args], code)
        wall, cpu, peak = figures[name]
        print(f"    {name:<52} {wall:7.2f} s wall {cpu:7.2f} s CPU {peak:6.0f} MiB", flush=True)
        return figures[name]

    out = Path(tempfile.mkdtemp(dir=work))
    measured([NEWSMARK, "validate", "--root", str(small), "--no-cache", "-q"], code)  # page cache, imports
    step("1 validate --no-cache, small", "validate", "--root", str(small), "--no-cache", "-q")
    step("1 build --no-cache, small", "build", "--root", str(small), "--out", str(out / "b"), "--no-cache", "-q")
    for label, corpus in (("small", small), ("large", large)):
        step(f"2 validate --no-cache -j 1, {label}", "validate", "--root", str(corpus), "--no-cache", "-j", "1", "-q")
        step(
            f"2 build --no-cache -j 1, {label}",
            "build",
            "--root",
            str(corpus),
            "--out",
            str(out / label),
            "--no-cache",
            "-j",
            "1",
            "-q",
        )
        shutil.rmtree(out / label)
        root = copy(corpus, work)
        step(f"2 validate filling the cache, {label}", "validate", "--root", str(root), "-q")
        step(f"2 validate, warm, nothing changed, {label}", "validate", "--root", str(root), "-q")
        size = len(os.listdir(root / "annotations"))
        edit(root, size // 3)
        step(f"3 validate, warm, one annotation edited, {label}", "validate", "--root", str(root), "-q")
        step(f"2 build filling the cache, {label}", "build", "--root", str(root), "--out", str(out / "f"), "-q")
        edit(root, size // 2)
        step(
            f"2 build after one annotation edited, {label}", "build", "--root", str(root), "--out", str(out / "i"), "-q"
        )
        if label == "large":
            first = sorted(os.listdir(root / "annotations"))[0].removesuffix(".yaml")
            step("5 suggest, warm, large", "suggest", first, "--root", str(root), "--dry-run")
            step("5 suggest, warm again, large", "suggest", first, "--root", str(root), "--dry-run")
        shutil.rmtree(root.parent)
        shutil.rmtree(out / "f")
        shutil.rmtree(out / "i")
    walls = []
    one = str(sorted((REPO / "annotations").glob("*.yaml"))[0])  # as pre-commit runs it for one changed file
    for _ in range(repeat):
        walls.append(measured([NEWSMARK, "validate", "--root", str(REPO), "--no-cache", "-q", one], code)[0])
    figures["3 one-article validate, median"] = (statistics.median(walls), 0.0, 0.0)
    print(f"    {'3 one-article validate, median':<52} {statistics.median(walls):7.3f} s wall", flush=True)
    imported = Path(tempfile.mkdtemp(dir=work))
    (imported / "corpus").mkdir()
    (imported / "annotations").mkdir()
    shutil.copy(REPO / "pyproject.toml", imported / "pyproject.toml")
    step("4 import of the feed", "import", str(feed_path), "--root", str(imported), "-q")
    step("4 validate --no-cache of what it made", "validate", "--root", str(imported), "--no-cache", "-q")
    shutil.rmtree(imported)
    shutil.rmtree(out)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, help="the old code's src folder")
    parser.add_argument("--new", required=True, help="the new code's src folder")
    parser.add_argument("--small", type=Path, required=True, help="a synthetic corpus of about 10,000 articles")
    parser.add_argument("--large", type=Path, required=True, help="a synthetic corpus of about 30,000 articles")
    parser.add_argument("--rounds", type=int, default=1, help="old then new, this many times (default 1)")
    parser.add_argument("--repeat", type=int, default=11, help="runs of the one-article validate (default 11)")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}; {time.strftime('%Y-%m-%d %H:%M')}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, list[dict]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory(prefix="newsmark-third-") as tmp:
        work = Path(tmp)
        feed_path = work / "feed.jsonl"
        feed(feed_path, len(os.listdir(args.large / "annotations")))
        passes = [measured([sys.executable, "-c", "pass"], "")[0] for _ in range(args.repeat)]
        print(f"python -c pass, median of {args.repeat}: {statistics.median(passes):.3f} s", flush=True)
        for round_number in range(args.rounds):
            for version in ("old", "new"):
                print(f"  round {round_number + 1}, {version}", flush=True)
                code = str(Path(getattr(args, version)).resolve())
                results[version].append(one_version(code, args.small, args.large, feed_path, work, args.repeat))
    print("\n| step | old: wall s, CPU s, MiB | new: wall s, CPU s, MiB |\n| --- | --- | --- |")
    for name in results["old"][0]:
        cells = []
        for version in ("old", "new"):
            cells.append("; ".join(f"{w:.2f}, {c:.1f}, {p:.0f}" for w, c, p in (r[name] for r in results[version])))
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    for version in ("old", "new"):
        for figures in results[version]:
            ratio = figures["1 build --no-cache, small"][0] / figures["1 validate --no-cache, small"][0]
            memory = [
                figures[f"2 {step}, large"][2] / figures[f"2 {step}, small"][2]
                for step in ("validate --no-cache -j 1", "build --no-cache -j 1")
            ]
            warm = (
                figures["3 validate, warm, one annotation edited, small"][0]
                / figures["1 validate --no-cache, small"][0]
            )
            one = figures["3 one-article validate, median"][0] / statistics.median(passes)
            imported = figures["4 import of the feed"][0] / figures["4 validate --no-cache of what it made"][0]
            print(
                f"- {version}: build/validate {ratio:.2f}x; peak RSS large/small validate {memory[0]:.2f}x, "
                f"build {memory[1]:.2f}x; warm after edit/cold {warm:.3f}; one-article/python {one:.1f}x; "
                f"import/validate {imported:.2f}x"
            )


if __name__ == "__main__":
    main()
