"""newsmark benchmark: validate and build synthetic corpora, side by side with check-jsonschema and a
lower bound (read every file and parse every YAML file with the C loader, nothing else).

    python benchmarks/run.py                   # 1,000 and 10,000 articles
    python benchmarks/run.py --sizes 100000 --only build   # the memory check

Corpora are made with `newsmark synth` (synthetic, never the real corpus) in --workdir and kept there
for reruns. Every command runs in a fresh process, as a user would run it; peak RSS is the largest
single process of the command (main process or one worker). check-jsonschema is measured only when it
is installed (`pip install check-jsonschema`).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
LOWER_BOUND = """
import os, sys, yaml
root = sys.argv[1]
for folder in ("corpus", "annotations"):
    for entry in os.scandir(os.path.join(root, folder)):
        with open(entry.path, "rb") as handle:
            data = handle.read()
        if entry.name.endswith(".yaml"):
            yaml.load(data, Loader=yaml.CSafeLoader)
"""


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) of the largest process, and stdout of one run of ``command``."""
    wrapper = ("import resource, subprocess, sys, time\n"
               "t = time.perf_counter()\n"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
               "wall = time.perf_counter() - t\n"
               "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
               "sys.stdout.write(f'{wall} {peak} {r.returncode}\\n' + r.stdout[-2000:] + r.stderr[-2000:])\n")
    out = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, cwd=cwd,
                         env={**os.environ, "CI": "true"}).stdout
    first, _, rest = out.partition("\n")
    wall, peak, code = first.split()
    if code not in ("0", "1"):
        raise SystemExit(f"{' '.join(command)} failed ({code}):\n{rest}")
    return float(wall), float(peak), rest


def corpus(workdir: Path, size: int) -> Path:
    root = workdir / f"synthetic-{size}"
    if not (root / "annotations").is_dir() or len(os.listdir(root / "annotations")) != size:
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run([BIN / "newsmark", "synth", "--articles", str(size), "--out", str(root)], check=True,
                       stdout=subprocess.DEVNULL)
    return root


def measure(root: Path, size: int, only: str | None, repo: Path) -> list[tuple]:
    rows = []
    files = 3 * size
    newsmark = str(BIN / "newsmark")

    def row(name, wall, peak, per=files):
        rows.append((name, wall, wall / per * 1000, peak))
        print(f"  {name:<42} {wall:8.2f} s  {peak:7.0f} MiB", flush=True)

    if only in (None, "validate"):
        timed([sys.executable, "-c", LOWER_BOUND, str(root)])  # warm the page cache: every step reads warm
        wall, peak, _ = timed([sys.executable, "-c", LOWER_BOUND, str(root)])
        row("lower bound: read + C YAML parse (1 process)", wall, peak)
        wall, peak, out = timed([newsmark, "validate", "--root", str(root), "--no-cache"])
        assert "PASSED" in out, out
        row("newsmark validate --no-cache (cold)", wall, peak)
        wall, peak, _ = timed([newsmark, "validate", "--root", str(root), "--no-cache", "-j", "1"])
        row("newsmark validate --no-cache -j 1", wall, peak)
        timed([newsmark, "validate", "--root", str(root)])  # fills the cache
        target = root / "annotations" / "synthetic-000001.yaml"
        target.write_text(target.read_text() + f"# benchmark edit {time.time()}\n")
        wall, peak, out = timed([newsmark, "validate", "--root", str(root)])
        assert "PASSED" in out, out
        row("newsmark validate, warm, one file edited", wall, peak)
        checker = BIN / "check-jsonschema"
        if checker.exists():
            annotations = sorted(str(p) for p in (root / "annotations").glob("*.yaml"))
            wall, peak, _ = timed([str(checker), "--schemafile", str(repo / "schema" / "annotation.schema.json"),
                                   *annotations])
            row("check-jsonschema, annotation files only", wall, peak, per=size)
    if only in (None, "build"):
        out_dir = root / "dist"
        wall, peak, out = timed([newsmark, "build", "--root", str(root), "--out", str(out_dir), "-q"])
        row("newsmark build", wall, peak)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--only", choices=["validate", "build"])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "newsmark-bench")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    wall, _, _ = timed([str(BIN / "newsmark"), "--help"])
    print(f"newsmark --help: {wall:.3f} s")
    for size in args.sizes:
        print(f"\n{size} articles")
        rows = measure(corpus(args.workdir, size), size, args.only, repo)
        by_name = {name: wall for name, wall, _, _ in rows}
        cold = by_name.get("newsmark validate --no-cache (cold)")
        print("\n| step | wall s | ms per file | peak RSS MiB |\n| --- | --- | --- | --- |")
        for name, wall, per_file, peak in rows:
            print(f"| {name} | {wall:.2f} | {per_file:.2f} | {peak:.0f} |")
        if cold:
            for name in ("check-jsonschema, annotation files only", "lower bound: read + C YAML parse (1 process)",
                         "newsmark build"):
                if name in by_name:
                    print(f"- {name} / cold validate: {by_name[name] / cold:.2f}x")


if __name__ == "__main__":
    main()
