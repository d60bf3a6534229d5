"""Cost of one hostile but valid article: bounded memory for build, n log n for report.

    python benchmarks/worst_case.py            # writes corpora under a temporary folder

1. Build: one article whose text is a single sentence at the per-file size limit, with as many one-word
   mentions as the annotation file's size limit allows. Peak RSS of `newsmark build` (target < 500 MiB).
2. Report: articles with 4,000 and 16,000 mentions (and as many claims crossing them), timed.

Synthetic data only, in its own folder; nothing here touches the real corpus.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from run import BIN, timed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from newsmark.pipeline.read.files import MAX_FILE_BYTES  # noqa: E402

PYPROJECT = '[project]\nname = "worst"\nversion = "0.0.1"\n[tool.newsmark]\nsalt = "w"\ntest_fraction = 0.0\n'
META = "id: {id}\ntitle: null\ndate: '2024-01-02'\nlanguage: en\nsource: null\nlicense: CC0-1.0\nsynthetic: true\n"
HEAD = ("article: {id}\nguidelines: '1.0'\nannotators:\n  - {{id: newsmark-bench, kind: model}}\n"
        "topics: [medtop:13000000]\nentities:\n  - id: word\n    type: PERSON\n    name: Word\n    mentions:\n")


def article(root: Path, article_id: str, mentions: int | None, claims_every: int = 0) -> int:
    """Write one article of 'Ab Ab Ab ... Ab.' (a single sentence); ``mentions`` of its words annotated
    (None: as many as the annotation size limit allows). Returns the number of mentions written."""
    words = (MAX_FILE_BYTES - 2) // 3 if mentions is None else mentions
    text = " ".join(["Ab"] * words) + ".\n"
    lines = [HEAD.format(id=article_id)]
    size = len(lines[0])
    written = 0
    for i in range(words):
        line = f"      - {{start: {3 * i}, end: {3 * i + 2}, text: Ab}}\n"
        if size + len(line) > MAX_FILE_BYTES - 200:
            break
        lines.append(line)
        size += len(line)
        written += 1
    lines.append("claims:\n" if claims_every else "claims: []\n")
    for i in range(0, written, claims_every) if claims_every else ():
        end = min(3 * (i + 3) + 2, len(text) - 2)  # crosses the mentions it starts inside
        lines.append(f"  - {{id: c{i}, start: {3 * i + 1 if i else 0}, end: {end}, "
                     f"text: '{text[3 * i + 1 if i else 0:end]}', claimer: author, type: event, "
                     "attribution: authorial, checkworthy: false}\n")
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    (root / "corpus" / f"{article_id}.txt").write_text(text)
    (root / "corpus" / f"{article_id}.yaml").write_text(META.format(id=article_id))
    (root / "annotations" / f"{article_id}.yaml").write_text("".join(lines))
    (root / "pyproject.toml").write_text(PYPROJECT)
    return written


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="newsmark-worst-"))
    newsmark = str(BIN / "newsmark")
    try:
        root = work / "limit"
        count = article(root, "limit", None)
        wall, peak, out = timed([newsmark, "validate", "--root", str(root), "--no-cache"])
        assert "PASSED" in out, out
        print(f"validate, 1 article at the size limit ({count} mentions): {wall:.2f} s, {peak:.0f} MiB")
        wall, peak, out = timed([newsmark, "build", "--root", str(root), "--out", str(work / "out")])
        assert "built newsmark" in out, out
        print(f"build, 1 article at the size limit ({count} mentions): {wall:.2f} s, {peak:.0f} MiB peak RSS")
        for mentions in (4_000, 16_000):
            root = work / f"report-{mentions}"
            article(root, "many", mentions, claims_every=4)
            wall, peak, out = timed([newsmark, "report", "--root", str(root), "--out", str(work / "r")])
            assert "wrote 1 article page" in out, out
            print(f"report, {mentions} mentions and {mentions // 4} crossing claims: {wall:.2f} s, {peak:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
