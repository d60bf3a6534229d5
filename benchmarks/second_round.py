"""newsmark benchmark, second round: incremental builds, warm validation, one-article validation, memory
in corpus size, and the figures for report and evaluate.

    python benchmarks/second_round.py --corpus /tmp/newsmark-bench/synthetic-10000
    python benchmarks/second_round.py --corpus /tmp/newsmark-bench/synthetic-100000 --only memory

The corpus is one `newsmark synth` made (benchmarks/run.py makes them in /tmp/newsmark-bench); it is
copied first, so the runs can edit it. Every command runs in a fresh process as a user runs it (CI=true:
no progress bars); peak RSS is the largest single process of the command. Edited files get a
modification time a minute in the past, as if saved a minute before the run (a file changed within the
last two seconds is always read again, by design).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import BIN, timed  # noqa: E402

NEWSMARK = os.environ.get("NEWSMARK", str(BIN / "newsmark"))  # another build of newsmark, to compare


def edit(root: Path, number: int) -> None:
    """Flip one claim's check-worthiness in one annotation (a real edit that changes a row)."""
    path = root / "annotations" / f"synthetic-{number:06d}.yaml"
    text = path.read_text()
    flipped = text.replace("checkworthy: true", "checkworthy: false", 1) if "checkworthy: true" in text \
        else text.replace("checkworthy: false", "checkworthy: true", 1)
    path.write_text(flipped)
    past = time.time_ns() - 60 * 10**9
    os.utime(path, ns=(past, past))


def run(rows: list, name: str, command: list[str], expect: str | None = None) -> float:
    wall, peak, out = timed(command)
    if expect is not None:
        assert expect in out, out
    rows.append((name, wall, peak))
    print(f"  {name:<58} {wall:7.2f} s  {peak:6.0f} MiB", flush=True)
    return wall


def speed(root: Path, repo: Path, work: Path) -> list:
    rows: list = []
    size = len(os.listdir(root / "annotations"))
    timed([NEWSMARK, "validate", "--root", str(root), "--no-cache", "-q"])  # warm the page cache
    cold_validate = run(rows, "validate --no-cache (cold)", [NEWSMARK, "validate", "--root", str(root), "--no-cache"],
                        "PASSED")
    run(rows, "build --no-cache (cold, no cache)",
        [NEWSMARK, "build", "--root", str(root), "--out", str(work / "nc"), "-q", "--no-cache"])
    shutil.rmtree(root / ".newsmark-cache", ignore_errors=True)
    run(rows, "build, empty cache (cold; fills the cache)",
        [NEWSMARK, "build", "--root", str(root), "--out", str(work / "b1"), "-q"])
    run(rows, "build, nothing changed", [NEWSMARK, "build", "--root", str(root), "--out", str(work / "b2"), "-q"])
    edit(root, size // 2)
    incremental = run(rows, "build after editing one annotation",
                      [NEWSMARK, "build", "--root", str(root), "--out", str(work / "b3"), "-q"])
    run(rows, "build --no-cache of the edited corpus (for the byte comparison)",
        [NEWSMARK, "build", "--root", str(root), "--out", str(work / "nc3"), "-q", "--no-cache"])
    same = subprocess.run(["diff", "-r", str(work / "b3"), str(work / "nc3")], capture_output=True).returncode == 0
    print(f"  incremental build byte-identical to the cold build: {same}")
    run(rows, "validate, filling the cache", [NEWSMARK, "validate", "--root", str(root)], "PASSED")
    run(rows, "validate, warm, nothing changed", [NEWSMARK, "validate", "--root", str(root)], "PASSED")
    edit(root, size // 3)
    run(rows, "validate, warm, one annotation edited", [NEWSMARK, "validate", "--root", str(root)], "PASSED")
    for _ in range(3):
        run(rows, "validate of a one-article repository (--no-cache)",
            [NEWSMARK, "validate", "--root", str(repo), "--no-cache", "-q"])
    run(rows, "report, every article", [NEWSMARK, "report", "--root", str(root), "--out", str(work / "report")])
    predictions = work / "predictions.jsonl"
    write_predictions(work / "nc3", predictions)
    articles = sum(1 for _ in predictions.open()) - ner_lines(work / "nc3")
    run(rows, f"evaluate, train split ({articles} articles, every task)",
        [NEWSMARK, "evaluate", str(predictions), "--dataset", str(work / "nc3"), "--split", "train"])
    print(f"\n- build --no-cache / cold validate: {rows[1][1] / cold_validate:.2f}x")
    print(f"- incremental build after one edit: {incremental:.2f} s (byte-identical: {same})")
    return rows


def ner_lines(dataset: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in (dataset / "data" / "ner").glob("train-*.parquet"))


def write_predictions(dataset: Path, out: Path) -> None:
    """Predictions for the train split: the gold mentions with every tenth one dropped, the gold claims,
    and the gold ner tags with every tenth sentence's tags all O: a realistic mix of hits and misses."""
    import pyarrow.parquet as pq

    def table(config):
        return pq.read_table(sorted((dataset / "data" / config).glob("train-*.parquet"))).to_pylist()

    with (dataset / "labels" / "ner_tags.csv").open(newline="") as handle:
        ner_names = [row["name"] for row in csv.DictReader(handle)]
    by_article: dict[str, dict] = {}
    for index, row in enumerate(table("mentions")):
        item = by_article.setdefault(row["article_id"], {"id": row["article_id"], "mentions": [], "claims": []})
        if index % 10:
            item["mentions"].append({"start": row["start"], "end": row["end"], "type": row["type"]})
    for row in table("claims"):
        by_article.setdefault(row["article_id"], {"id": row["article_id"], "mentions": [], "claims": []})[
            "claims"].append({"start": row["start"], "end": row["end"]})
    with out.open("w") as handle:
        for item in by_article.values():
            handle.write(json.dumps(item) + "\n")
        for index, row in enumerate(table("ner")):
            tags = row["ner_tags"]
            if all(isinstance(t, int) for t in tags):
                tags = [ner_names[t] for t in tags]
            handle.write(json.dumps({"id": row["id"], "ner_tags": ["O"] * len(tags) if index % 10 == 0 else tags}) + "\n")


def memory(root: Path, work: Path) -> list:
    rows: list = []
    timed([NEWSMARK, "validate", "--root", str(root), "--no-cache", "-q"])  # warm the page cache
    run(rows, "validate --no-cache", [NEWSMARK, "validate", "--root", str(root), "--no-cache", "-q"])
    run(rows, "build --no-cache", [NEWSMARK, "build", "--root", str(root), "--out", str(work / "m"), "-q", "--no-cache"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a synthetic corpus (newsmark synth)")
    parser.add_argument("--only", choices=["speed", "memory"], default="speed")
    args = parser.parse_args()
    repo = Path(__file__).resolve().parents[1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    with tempfile.TemporaryDirectory(prefix="newsmark-bench-") as tmp:
        work = Path(tmp)
        if args.only == "memory":
            rows = memory(args.corpus, work)  # read only: no copy of a 300,000-article corpus
        else:
            root = work / "corpus"
            shutil.copytree(args.corpus, root, ignore=shutil.ignore_patterns(".newsmark-cache", "dist"))
            rows = speed(root, repo, work)
        print("\n| step | wall s | peak RSS MiB |\n| --- | --- | --- |")
        for name, wall, peak in rows:
            print(f"| {name} | {wall:.2f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
