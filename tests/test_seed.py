"""The real corpus: the seed article's text is the seed minus its header, and every span quotes its slice."""
from __future__ import annotations

import hashlib
import re
import unicodedata

import yaml

import newsmark
from conftest import REPO, SEED_ID, run_cli
from newsmark.pipeline.check import iter_spans

SEED = REPO / "seeds" / "000_833129a6a27d8038.txt"


def test_seed_is_exactly_as_delivered():
    meta = yaml.safe_load((REPO / "corpus" / f"{SEED_ID}.yaml").read_text())
    assert meta["provenance"] == {"seed": "seeds/000_833129a6a27d8038.txt",
                                  "sha256": hashlib.sha256(SEED.read_bytes()).hexdigest()}


def test_text_is_seed_minus_header():
    seed = SEED.read_text(encoding="utf-8")
    header = re.match(r"\s*date (\d{4}-\d{2}-\d{2})\s+", seed)
    assert header and header.group(1) == "2024-03-19"
    body = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    assert body == unicodedata.normalize("NFC", seed[header.end():]).strip() + "\n"
    meta = yaml.safe_load((REPO / "corpus" / f"{SEED_ID}.yaml").read_text())
    assert meta["date"] == "2024-03-19" and meta["title"] is None and meta["license"] == "unknown"


def test_every_span_quotes_its_slice():
    body = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    annotation = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())
    spans = list(iter_spans(annotation))
    assert len(spans) > 40
    for path, span, _ in spans:
        assert body[span["start"]:span["end"]] == span["text"], path


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


def test_repository_validates():
    assert newsmark.validate(REPO).findings == []
    result = run_cli("validate", "--root", str(REPO), "--no-cache")
    assert result.returncode == 0
    assert result.stdout.startswith("PASSED: 1 article, 3 files")
