"""One large near-duplicate cluster: the cost of many copies of one text, as a pull request could add them.

    python benchmarks/clusters.py --copies 2000

A synthetic feed (in a temporary folder, never the real corpus) of COPIES versions of one article, each
with one word of its own, so that none is an exact duplicate. Two measurements:

- `newsmark import` of the feed into an empty project (it groups the copies into one story);
- the same corpus with every `story:` removed, so that the copies fall into every split: `newsmark validate`
  (NM605 findings, wall time) and the size of the caches it leaves in `.newsmark-cache/`.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from run import BIN, timed

REPO = Path(__file__).resolve().parents[1]


def write_feed(path: Path, copies: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    words = ["w" + "".join(rng.choice("abcdefghik") for _ in range(6)) for _ in range(3000)]
    text = [rng.choice(words) for _ in range(400)]
    with open(path, "w", encoding="utf-8") as handle:
        for number in range(copies):
            version = list(text)
            version[number % len(version)] = f"changed{number}"  # one word of its own: not an exact copy
            record = {"text": " ".join(version) + ".", "title": f"Copy {number}", "date": "2024-03-04"}
            handle.write(json.dumps({**record, "license": "CC0-1.0"}) + "\n")


def cache_bytes(root: Path) -> int:
    folder = root / ".newsmark-cache"
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.is_dir() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsmark-clusters-"))
    try:
        feed = work / "feed.jsonl"
        write_feed(feed, args.copies)
        root = work / "corpus"
        (root / "corpus").mkdir(parents=True)
        (root / "annotations").mkdir()
        shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
        wall, peak, _ = timed([str(BIN / "newsmark"), "import", str(feed), "--root", str(root)])
        written = len(list((root / "corpus").glob("*.txt")))
        print(f"import of {args.copies} copies: {wall:.1f} s, {peak:.0f} MiB peak; {written} articles written")
        for meta in (root / "corpus").glob("*.yaml"):
            meta.write_text(re.sub(r"(?m)^story: .*\n", "", meta.read_text(encoding="utf-8")), encoding="utf-8")
        validate = [str(BIN / "newsmark"), "validate", "--root", str(root), "--format", "json"]
        wall, peak, _ = timed([*validate, "--no-cache"])
        report = subprocess.run([*validate, "--no-cache"], capture_output=True, text=True).stdout
        findings = [f for f in json.loads(report)["findings"] if f["code"] == "NM605"]
        size = sum(len(f"{f['path']}:{f['line']}:{f['col']}: NM605 {f['message']}") + 1 for f in findings)
        print(
            f"validate --no-cache, no stories: {wall:.1f} s, {peak:.0f} MiB peak; "
            f"{len(findings):,} NM605 findings ({size:,} bytes as text)"
        )
        wall, peak, _ = timed(validate)
        print(f"validate (filling the caches): {wall:.1f} s, {peak:.0f} MiB peak; caches {cache_bytes(root):,} bytes")
        wall, peak, _ = timed(validate)
        print(f"validate again (from the caches): {wall:.1f} s, {peak:.0f} MiB peak")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
