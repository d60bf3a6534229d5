"""The real corpus: the seed article's text is the seed minus its header, and every span quotes its slice."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import yaml
from conftest import REPO, SEED_ID, run_cli

import newsmark
from newsmark.pipeline.check.spans import iter_spans

SEED = REPO / "seeds" / "000_833129a6a27d8038.txt"


def test_seed_is_exactly_as_delivered():
    meta = yaml.safe_load((REPO / "corpus" / f"{SEED_ID}.yaml").read_text())
    assert meta["provenance"] == {
        "seed": "seeds/000_833129a6a27d8038.txt",
        "sha256": hashlib.sha256(SEED.read_bytes()).hexdigest(),
    }


def test_text_is_seed_minus_header():
    seed = SEED.read_text(encoding="utf-8")
    header = re.match(r"\s*date (\d{4}-\d{2}-\d{2})\s+", seed)
    assert header and header.group(1) == "2024-03-19"
    body = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    assert body == unicodedata.normalize("NFC", seed[header.end() :]).strip() + "\n"
    meta = yaml.safe_load((REPO / "corpus" / f"{SEED_ID}.yaml").read_text())
    assert meta["date"] == "2024-03-19" and meta["title"] is None and meta["license"] == "unknown"


def test_every_span_quotes_its_slice():
    body = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    annotation = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())
    spans = list(iter_spans(annotation))
    assert len(spans) > 40
    for path, span, _ in spans:
        assert body[span["start"] : span["end"]] == span["text"], path


def test_every_name_occurrence_is_a_mention():
    """Each annotated name is marked at every place it occurs as a whole word (the guidelines' rule)."""
    body = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    annotation = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())
    marked = {(m["start"], m["end"]) for e in annotation["entities"] for m in e["mentions"]}
    surfaces = {m["text"] for e in annotation["entities"] for m in e["mentions"]}
    for surface in surfaces:
        for match in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", body):
            inside_longer = any(s <= match.start() and match.end() <= e and (s, e) != match.span() for s, e in marked)
            assert match.span() in marked or inside_longer, (surface, match.span())


def test_repository_validates_and_every_warning_is_answered():
    """No error; the warnings left are NM410/NM604 that an annotator kept on purpose, each answered by a
    YAML comment on its entity (the guidelines, "Warnings answered")."""
    report = newsmark.validate(REPO)
    assert report.errors == []
    assert {f.code for f in report.warnings} <= {"NM410", "NM604"}
    for warning in report.warnings:
        if warning.code == "NM604":
            path, line = REPO / warning.path, warning.line
        else:  # NM410 is located in the text; its message names the entity's line
            where = re.search(r"\((annotations/[^:]+):(\d+)\)", warning.message)
            path, line = REPO / where.group(1), int(where.group(2))
        lines = path.read_text(encoding="utf-8").splitlines()
        start = max(i for i in range(line) if lines[i].lstrip().startswith("- id:"))  # the entity's first line
        end = next(
            (
                i
                for i in range(start + 1, len(lines))
                if lines[i].lstrip().startswith("- id:") or not lines[i].startswith("  ")
            ),
            len(lines),
        )
        comments = [text for text in lines[max(0, start - 3) : end] if re.search(r"(^|\s)#\s", text)]
        assert comments, f"{warning.path}:{line}: {warning.code} is not answered by a comment on its entity"
    result = run_cli("validate", "--root", str(REPO), "--no-cache")
    assert result.returncode == 0 and "PASSED: 272 articles," in result.stdout
