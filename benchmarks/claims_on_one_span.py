"""Cost of the claim matching between two independent layers (issue 24): many claims on one span.

    python benchmarks/claims_on_one_span.py [--claims 3000]
    python benchmarks/claims_on_one_span.py --claims 1000 --nested

Writes one article with two independent layers (annotations/independent/ann-a and ann-b) of ``--claims``
claims each, all on the same span (``--nested``: every claim a different span, all overlapping each other),
then runs `newsmark validate --no-cache` (which computes agreement for the datasheet) and `newsmark agree`,
and prints wall seconds and peak RSS of each. Synthetic data only, in its own temporary folder.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from run import BIN, timed

PYPROJECT = '[project]\nname = "span"\nversion = "0.0.1"\n[tool.newsmark]\nsalt = "s"\ntest_fraction = 0.0\n'
META = "id: one\ntitle: null\ndate: '2024-01-02'\nlanguage: en\nsource: null\nlicense: CC0-1.0\nsynthetic: true\n"


def layer(annotator: str, text: str, claims: int, nested: bool) -> str:
    lines = [
        f"article: one\nguidelines: '1.0'\nannotators:\n  - {{id: {annotator}, kind: human}}\n",
        "topics: [medtop:13000000]\nentities: []\nclaims:\n",
    ]
    for n in range(claims):
        # nested: claim n of ann-a drops n words at the end, claim n of ann-b n words at the start
        words = text.split(" ")
        cut = n if nested else 0
        kept = words[: len(words) - cut] if annotator == "ann-a" else words[cut:]
        quote = " ".join(kept)
        start = text.index(quote)
        lines.append(
            f"  - {{id: c{n}, start: {start}, end: {start + len(quote)}, text: '{quote}', claimer: author, "
            "type: event, attribution: authorial, checkworthy: true}\n"
        )
    return "".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=3000)
    parser.add_argument("--nested", action="store_true")
    args = parser.parse_args()
    # nested: one-letter words, so that as many distinct claims as fit the 2 MiB file-size limit (about
    # 1,000 quoting on average 1,500 characters) all overlap each other
    text = " ".join(["a"] * (2 * args.claims)) if args.nested else " ".join(f"w{i}" for i in range(12))
    folder = Path(tempfile.mkdtemp(prefix="newsmark-span-"))
    try:
        root = folder / "corpus"
        (root / "corpus").mkdir(parents=True)
        (root / "corpus" / "one.txt").write_text(text + "\n")
        (root / "corpus" / "one.yaml").write_text(META)
        (root / "pyproject.toml").write_text(PYPROJECT)
        for annotator in ("ann-a", "ann-b"):
            path = root / "annotations" / "independent" / annotator / "one.yaml"
            path.parent.mkdir(parents=True)
            path.write_text(layer(annotator, text, args.claims, args.nested))
        for command in (["validate", "--no-cache", "--root", str(root)], ["agree", "--root", str(root)]):
            wall, peak, out = timed([str(BIN / "newsmark"), *command])
            print(f"{command[0]}: {wall:.2f} s, peak RSS {peak:.0f} MiB; {out.strip().splitlines()[-1][:100]}")
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
