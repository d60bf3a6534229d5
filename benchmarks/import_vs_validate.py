"""newsmark benchmark: `import` of a JSONL feed against a cold `validate --no-cache` of the corpus it made
(issue 27, target 4), old and new code in alternating runs.

    old=$(mktemp -d); git archive 4509caa | tar -x -C "$old"   # the whole tree: the code reads schema/ beside src/
    python benchmarks/import_vs_validate.py --old "$old/src" --new src --articles 30000 [--rounds 3]

The feed is benchmarks/near_duplicates.py's (one article in eleven a planted republication, so the
near-duplicate grouping and the write pass's restaging are part of the run). Each round imports it with the
old code, then with the new, each into an empty project (corpus/, annotations/, this repository's
pyproject.toml) in a temporary folder, and validates what each made with the same code, cold, with the
default -j. The two corpora and the two commands' output are compared byte for byte. Each command runs in a
fresh process (CI=true, -q). Reported: wall seconds, CPU seconds (user + system, every process of the
command) and the peak RSS of its largest process; the load average of the machine at the start of each run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measured, same_tree  # noqa: E402
from near_duplicates import feed  # noqa: E402
from third_round import NEWSMARK, REPO  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True, help="src/ folder of the old code")
    parser.add_argument("--new", required=True, help="src/ folder of the new code")
    parser.add_argument("--articles", type=int, default=30_000, help="articles in the feed (default 30,000)")
    parser.add_argument("--rounds", type=int, default=3, help="old then new, this many times (default 3)")
    parser.add_argument("--only", choices=("old", "new"), help="run one version only")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}; {time.strftime('%Y-%m-%d %H:%M')}",
        flush=True,
    )
    versions = [args.only] if args.only else ["old", "new"]
    with tempfile.TemporaryDirectory(prefix="newsmark-import-") as tmp:
        work = Path(tmp)
        feed_path = work / "feed.jsonl"
        feed(feed_path, args.articles)
        print("| round | version | load | import: wall s, CPU s, MiB | validate: wall s, CPU s | ratio wall, CPU |")
        print("| --- | --- | --- | --- | --- | --- |", flush=True)
        for round_number in range(1, args.rounds + 1):
            made = {}
            for version in versions:
                code = str(Path(getattr(args, version)).resolve())
                root = work / version
                shutil.rmtree(root, ignore_errors=True)
                (root / "corpus").mkdir(parents=True)
                (root / "annotations").mkdir()
                shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
                load = os.getloadavg()[0]
                imported = measured([NEWSMARK, "import", str(feed_path), "--root", str(root), "-q"], code)
                validated = measured([NEWSMARK, "validate", "--root", str(root), "--no-cache", "-q"], code)
                made[version] = (root, imported[3])
                print(
                    f"| {round_number} | {version} | {load:.1f} | {imported[0]:.2f}, {imported[1]:.1f}, "
                    f"{imported[2]:.0f} | {validated[0]:.2f}, {validated[1]:.1f} | "
                    f"{imported[0] / validated[0]:.2f}, {imported[1] / validated[1]:.2f} |",
                    flush=True,
                )
            if len(made) == 2:
                identical = same_tree(made["old"][0], made["new"][0]) and made["old"][1] == made["new"][1]
                print(f"round {round_number}: corpora and output {'identical' if identical else 'DIFFER'}")
            for root, _ in made.values():
                shutil.rmtree(root)


if __name__ == "__main__":
    main()
