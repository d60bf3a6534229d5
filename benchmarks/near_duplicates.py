"""Bulk import and near-duplicate grouping, measured on a synthetic JSONL feed with planted copies.

    python benchmarks/near_duplicates.py --articles 10000
    python benchmarks/near_duplicates.py --articles 100000 --thresholds 0.5

The feed (synthetic, in a temporary folder, never the real corpus) has articles of random sentences over
a 3,000-word vocabulary; a tenth of them are republished once with a new headline, a paragraph dropped
or two paragraphs swapped, and a few words replaced. It reports, per Jaccard threshold: the recall of
planted pairs (both ends in one story), the share of unrelated articles merged into a story, and the
wall time and peak memory of `newsmark import` at the default threshold.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

from run import BIN, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def vocabulary(rng: random.Random, size: int = 3000) -> list[str]:
    letters = "abcdefghiklmnoprstuvw"
    return sorted({"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(size)})


def article(rng: random.Random, words: list[str]) -> list[str]:
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(8, 18))).capitalize() + "."
                     for _ in range(rng.randint(2, 4))]
        paragraphs.append(" ".join(sentences))
    return paragraphs


def republished(rng: random.Random, paragraphs: list[str], words: list[str]) -> list[str]:
    copy = list(paragraphs)
    if rng.random() < 0.5 and len(copy) > 3:
        copy.pop(rng.randrange(1, len(copy)))  # a dropped paragraph
    else:
        i = rng.randrange(len(copy) - 1)
        copy[i], copy[i + 1] = copy[i + 1], copy[i]  # two paragraphs swapped
    for _ in range(3):  # a few words replaced
        i = rng.randrange(len(copy))
        tokens = copy[i].split(" ")
        tokens[rng.randrange(len(tokens))] = rng.choice(words)
        copy[i] = " ".join(tokens)
    return copy


def feed(path: Path, articles: int, seed: int = 0) -> list[tuple[int, int]]:
    """Write the feed; returns the planted (original line, copy line) pairs, 1-based."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    pairs, line = [], 0
    with open(path, "w", encoding="utf-8") as handle:
        originals = articles - articles // 11
        for number in range(originals):
            paragraphs = article(rng, words)
            line += 1
            handle.write(json.dumps({"text": "\n\n".join(paragraphs), "title": f"Synthetic report {number}",
                                     "date": f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}",
                                     "license": "CC0-1.0"}) + "\n")
            if number % 10 == 0 and len(pairs) < articles // 11:
                original = line
                line += 1
                handle.write(json.dumps({"text": "\n\n".join(republished(rng, paragraphs, words)),
                                         "title": f"Synthetic report {number}, republished",
                                         "date": f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}",
                                         "license": "CC0-1.0"}) + "\n")
                pairs.append((original, line))
    return pairs


def quality(path: Path, pairs: list[tuple[int, int]], threshold: float) -> tuple[float, float]:
    """Recall of planted pairs and share of unplanted articles put into a story, at ``threshold``."""
    from newsmark.neardup import clusters, near_duplicate_clusters, signatures
    from newsmark.settings import DedupSettings

    settings = DedupSettings(threshold=threshold)
    with open(path, encoding="utf-8") as handle:
        texts = [json.loads(raw)["text"] for raw in handle]
    keys = [str(line) for line in range(1, len(texts) + 1)]
    rows = signatures(texts, settings)
    groups = clusters([(a, b) for a, b, _ in near_duplicate_clusters(keys, rows, settings)])
    group_of = {int(member): n for n, group in enumerate(groups) for member in group}
    recall = sum(group_of.get(a) is not None and group_of.get(a) == group_of.get(b) for a, b in pairs) / len(pairs)
    planted = {line for pair in pairs for line in pair}
    merged = sum(1 for line in group_of if line not in planted) / (len(texts) - len(planted))
    return recall, merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.4, 0.5, 0.6])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsmark-neardup-"))
    try:
        path = work / "feed.jsonl"
        pairs = feed(path, args.articles)
        for threshold in args.thresholds:
            recall, merged = quality(path, pairs, threshold)
            print(f"threshold {threshold}: recall of planted pairs {recall:.4f}, unrelated articles merged {merged:.4%}")
        root = work / "corpus"
        (root / "corpus").mkdir(parents=True)
        (root / "annotations").mkdir()
        shutil.copy(Path(__file__).resolve().parents[1] / "pyproject.toml", root / "pyproject.toml")
        wall, peak, out = timed([str(BIN / "newsmark"), "import", str(path), "--root", str(root)])
        written = len(list((root / "corpus").glob("*.txt")))
        print(f"newsmark import of {args.articles} articles: {wall:.1f} s, {peak:.0f} MiB peak; {written} written, "
              f"{len(list((root / 'corpus').glob('*.yaml')))} metadata files")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
