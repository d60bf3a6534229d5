"""Cost of `newsmark labelstudio import` on two hostile but well-formed exports (issue 24: both were quadratic).

    python benchmarks/labelstudio_import.py                       # 3,000 regions; a 150 MB export
    python benchmarks/labelstudio_import.py --regions 6000 --export-mb 300 --tasks 4000

1. Regions with UTF-16 offsets: one article of about 200,000 characters with an emoji every 20 words,
   and ``--regions`` one-word mentions of one entity; Label Studio's offsets are given in UTF-16 units
   (as older versions write them), so every region after the first emoji is re-anchored.
   `import --dry-run`.
2. Unknown tasks: an export of about ``--export-mb`` MB in ``--tasks`` tasks, none of whose articles is
   in the corpus, so every task is a located problem (only the first 50 are shown). `import --dry-run`.

Everything is generated in a temporary folder; nothing here touches the real corpus. To time another
version of newsmark, put its src/ first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from run import BIN, timed

PYPROJECT = '[project]\nname = "bench"\nversion = "0.0.1"\n[tool.newsmark]\nsalt = "b"\ntest_fraction = 0.0\n'
META = "id: {id}\ntitle: null\ndate: '2024-01-02'\nlanguage: en\nsource: null\nlicense: CC0-1.0\nsynthetic: true\n"
HEAD = (
    "article: {id}\nguidelines: '1.0'\nannotators:\n  - {{id: newsmark-bench, kind: model}}\n"
    "topics: [medtop:13000000]\nentities:\n  - id: word\n    type: PERSON\n    name: Qaaa\n    mentions:\n"
)
EMOJI = "\U0001f600"


def emoji_article(root: Path, article_id: str, regions: int) -> str:
    """Write one article of about 200,000 characters ("ab ab ... " with an emoji every 20 words) whose
    annotation has ``regions`` one-word mentions spread over it, each of a word of its own (a word
    mentioned once and left unannotated elsewhere would make NM410's own cost the subject); returns the
    text."""
    words = max(40_000, regions * 2)
    tokens = [EMOJI if i % 20 == 0 else "ab" for i in range(words)]
    plain = [i for i, token in enumerate(tokens) if token == "ab"]
    step = len(plain) / regions
    letters = "abcdefghijklmnopqrstuvwxyz"
    for n in range(regions):
        tokens[plain[int(n * step)]] = "Q" + letters[n // 676 % 26] + letters[n // 26 % 26] + letters[n % 26]
    text = " ".join(tokens) + ".\n"
    lines = [HEAD.format(id=article_id)]
    at = 0
    for token in tokens:
        if token.startswith("Q"):
            lines.append(f"      - {{start: {at}, end: {at + len(token)}, text: {token}}}\n")
        at += len(token) + 1
    lines.append("claims: []\n")
    (root / "corpus").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    (root / "corpus" / f"{article_id}.txt").write_text(text)
    (root / "corpus" / f"{article_id}.yaml").write_text(META.format(id=article_id))
    (root / "annotations" / f"{article_id}.yaml").write_text("".join(lines))
    (root / "pyproject.toml").write_text(PYPROJECT)
    return text


def as_utf16_export(tasks: list[dict], text: str) -> list[dict]:
    """Label Studio's export of the tasks with every prediction accepted, offsets in UTF-16 units."""
    units_before, units = [], 0
    for char in text:
        units_before.append(units)
        units += 2 if ord(char) > 0xFFFF else 1
    units_before.append(units)
    exported = []
    for number, task in enumerate(tasks, 1):
        results = task.pop("predictions")[0]["result"]
        for result in results:
            value = result.get("value", {})
            if "start" in value:
                value["start"], value["end"] = units_before[value["start"]], units_before[value["end"]]
        exported.append({"id": number, **task, "annotations": [{"id": 1000 + number, "result": results}]})
    return exported


def unknown_tasks_export(path: Path, megabytes: int, tasks: int) -> int:
    """Write an export of ``tasks`` tasks (about ``megabytes`` MB) for articles that are not in the corpus."""
    size = megabytes * 1_000_000 // tasks
    text = ("Lorem ipsum dolor sit amet. " * (size // 28 + 1))[:size]
    result = [
        {
            "id": f"m-x-{n}",
            "from_name": "entity",
            "to_name": "text",
            "type": "labels",
            "value": {"start": 0, "end": 5, "text": "Lorem", "labels": ["PERSON"]},
        }
        for n in range(1, 4)
    ]
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for number in range(1, tasks + 1):
            task = {
                "id": number,
                "data": {"article": f"missing-{number}", "title": "t", "text": text},
                "annotations": [{"id": 100_000 + number, "result": result, "was_cancelled": False}],
            }
            out.write(json.dumps(task, ensure_ascii=False, indent=1) + (",\n" if number < tasks else "\n"))
        out.write("]\n")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=3_000)
    parser.add_argument("--export-mb", type=int, default=150)
    parser.add_argument("--tasks", type=int, default=2_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newsmark-ls-"))
    newsmark = str(BIN / "newsmark")
    try:
        root = work / "corpus-root"
        text = emoji_article(root, "emoji", args.regions)
        wall, peak, out = timed([newsmark, "labelstudio", "export", "--out", str(work / "ls"), "--root", str(root)])
        assert "Traceback" not in out, out
        tasks = json.loads((work / "ls" / "tasks.json").read_text())
        (work / "utf16.json").write_text(json.dumps(as_utf16_export(tasks, text), ensure_ascii=False))
        import_utf16 = [newsmark, "labelstudio", "import", str(work / "utf16.json"), "--annotator", "bench"]
        wall, peak, out = timed([*import_utf16, "--dry-run", "--root", str(root)])
        assert "Traceback" not in out and "problems" not in out, out
        print(
            f"import, {args.regions:,} regions with UTF-16 offsets in {len(text):,} characters: "
            f"{wall:.2f} s, {peak:.0f} MiB"
        )
        size = unknown_tasks_export(work / "unknown.json", args.export_mb, args.tasks)
        command = [newsmark, "labelstudio", "import", str(work / "unknown.json"), "--annotator", "bench"]
        wall, peak, out = timed([*command, "--dry-run", "--root", str(root)])
        assert f"and {args.tasks - 50} more" in out, out
        print(f"import, {size / 1e6:.0f} MB export, {args.tasks:,} unknown tasks: {wall:.2f} s, {peak:.0f} MiB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
