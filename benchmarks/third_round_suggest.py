"""newsmark benchmark, third round: `suggest` warm, a one-article `validate`, a warm `validate` after one
annotation edit; old and new code in alternating runs (the machine is shared: wall times drift, so every
figure is a median and CPU seconds are given beside wall seconds).

    python benchmarks/third_round_suggest.py --old OLD/src --new NEW/src startup --repo .
    python benchmarks/third_round_suggest.py --old OLD/src --new NEW/src suggest --corpus C-old C-new --id ID
    python benchmarks/third_round_suggest.py --old OLD/src --new NEW/src edit --corpus C-old C-new

OLD/src and NEW/src are two checkouts' src folders (each with its schema/ beside it), run as
PYTHONPATH=... newsmark. Caches are keyed by newsmark's code, so `suggest` and `edit` take one copy of the
corpus per version (`suggest` expects each copy warmed by a first `suggest` of that version; `edit` fills
the caches itself). The corpora come from `newsmark synth`; `edit` changes them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from second_round import edit  # noqa: E402

NEWSMARK = str(Path(sys.executable).parent / "newsmark")


def timed(src: str, args: list[str], cwd: str | None = None) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run of ``newsmark args`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": src, "CI": "true"}
    start = time.perf_counter()
    process = subprocess.Popen([NEWSMARK, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"newsmark {' '.join(args)} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def python_pass() -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    _, _, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def show(name: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(f"  {name:<44} wall {wall:7.3f} s   CPU {cpu:7.3f} s   ({len(runs)} runs)", flush=True)
    return wall, cpu


def startup(versions: dict[str, str], repo: Path, repeat: int) -> None:
    annotation = sorted((repo / "annotations").glob("*.yaml"))[0].relative_to(repo)
    forms = {
        "pre-commit": ["validate", "--no-cache", "-q", str(annotation)],
        "--root": ["validate", "--root", str(repo), "--no-cache", "-q", str(repo / annotation)],
    }
    runs: dict[str, list] = {"python -c pass": []}
    for _ in range(repeat):
        runs["python -c pass"].append(python_pass())
        for version, src in versions.items():
            for form, args in forms.items():
                runs.setdefault(f"{version} {form}", []).append(timed(src, args, cwd=str(repo)))
    baseline = show("python -c pass", runs.pop("python -c pass"))
    for name, measured in runs.items():
        wall, cpu = show(name, measured)
        print(f"  {'':<44} {wall / baseline[0]:.1f}x wall, {cpu / baseline[1]:.1f}x CPU of python -c pass")


def suggest(versions: dict[str, str], corpora: dict[str, Path], article: str, repeat: int) -> None:
    runs: dict[str, list] = {}
    for _ in range(repeat):
        for version, src in versions.items():
            args = ["suggest", article, "--dry-run", "--root", str(corpora[version])]
            runs.setdefault(version, []).append(timed(src, args))
    for version, measured in runs.items():
        show(f"{version}: suggest, warm", measured)


def edits(versions: dict[str, str], corpora: dict[str, Path], repeat: int) -> None:
    runs: dict[str, list] = {}
    for version, src in versions.items():
        timed(src, ["validate", "--root", str(corpora[version]), "-q"])  # fills the cache and the last run
    size = len(os.listdir(next(iter(corpora.values())) / "annotations"))
    for number in range(repeat):
        for version, src in versions.items():
            root = str(corpora[version])
            runs.setdefault(f"{version} cold", []).append(timed(src, ["validate", "--root", root, "--no-cache", "-q"]))
            edit(corpora[version], (number * 997 + 13) % size)
            runs.setdefault(f"{version} warm", []).append(timed(src, ["validate", "--root", root, "-q"]))
    for version in versions:
        cold = show(f"{version}: validate --no-cache (cold)", runs[f"{version} cold"])
        warm = show(f"{version}: validate after one edit (warm)", runs[f"{version} warm"])
        print(f"  {'':<44} {warm[0] / cold[0]:.3f} of cold (wall), {warm[1] / cold[1]:.3f} (CPU)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, help="the old checkout's src folder")
    parser.add_argument("--new", required=True, help="the new checkout's src folder")
    parser.add_argument("--repeat", type=int, default=10)
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("startup").add_argument("--repo", type=Path, default=Path("."))
    warm = sub.add_parser("suggest")
    warm.add_argument("--corpus", type=Path, nargs=2, required=True, metavar=("OLD", "NEW"))
    warm.add_argument("--id", required=True)
    sub.add_parser("edit").add_argument("--corpus", type=Path, nargs=2, required=True, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    versions = {"old": args.old, "new": args.new}
    if args.what == "startup":
        startup(versions, args.repo.resolve(), args.repeat)
    elif args.what == "suggest":
        suggest(versions, dict(zip(versions, args.corpus)), args.id, args.repeat)
    else:
        edits(versions, dict(zip(versions, args.corpus)), args.repeat)


if __name__ == "__main__":
    main()
