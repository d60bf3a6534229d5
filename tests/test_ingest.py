"""newsmark ingest: normalisation, metadata, idempotence, refusal to clobber, bad seeds."""

from __future__ import annotations

import hashlib

import pytest
import yaml
from conftest import REPO, SEED_ID, run_cli

import newsmark
from newsmark.contributor.intake import normalise_text
from newsmark.errors import NewsmarkError

SEED = REPO / "seeds" / "000_833129a6a27d8038.txt"


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_ingest_reproduces_the_repository_corpus(tmp_path):
    result = run_cli("ingest", str(SEED), "--root", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"article id: {SEED_ID}" in result.stdout
    files = _files(tmp_path)
    assert set(files) == {
        f"seeds/{SEED.name}",
        f"corpus/{SEED_ID}.txt",
        f"corpus/{SEED_ID}.yaml",
        f"annotations/{SEED_ID}.yaml",
    }
    assert files[f"seeds/{SEED.name}"] == SEED.read_bytes()
    for rel in (f"corpus/{SEED_ID}.txt", f"corpus/{SEED_ID}.yaml"):
        assert files[rel] == (REPO / rel).read_bytes()
    skeleton = yaml.safe_load(files[f"annotations/{SEED_ID}.yaml"])
    assert skeleton["article"] == SEED_ID and skeleton["entities"] == []


def test_ingest_is_idempotent(tmp_path):
    newsmark.ingest(SEED, tmp_path)
    before = _files(tmp_path)
    result = run_cli("ingest", str(SEED), "--root", str(tmp_path))
    assert result.returncode == 0
    assert "nothing to do" in result.stdout
    assert _files(tmp_path) == before


def test_ingest_keeps_an_existing_annotation(repo_copy):
    before = _files(repo_copy)
    assert newsmark.ingest(SEED, repo_copy)["written"] == []
    assert _files(repo_copy) == before


def test_ingest_refuses_to_clobber_different_text(tmp_path):
    newsmark.ingest(SEED, tmp_path)
    text = tmp_path / "corpus" / f"{SEED_ID}.txt"
    text.write_text("Someone edited this.\n")
    result = run_cli("ingest", str(SEED), "--root", str(tmp_path))
    assert result.returncode == 1
    assert "refusing to overwrite" in result.stderr and "Traceback" not in result.stderr
    assert text.read_text() == "Someone edited this.\n"


def test_ingest_refuses_before_writing_anything(tmp_path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / f"{SEED_ID}.yaml").write_text("id: other\n")
    with pytest.raises(NewsmarkError, match="refusing to overwrite"):
        newsmark.ingest(SEED, tmp_path)
    assert _files(tmp_path) == {f"corpus/{SEED_ID}.yaml": b"id: other\n"}


def test_ingest_with_explicit_id_and_crlf_nfd_seed(tmp_path):
    seed = tmp_path / "incoming.txt"
    seed.write_bytes(b"\xef\xbb\xbfdate 2024-05-01\r\n  Cafe\xcc\x81 owners met.\r\nSecond line.  \r\n\r\n")
    result = newsmark.ingest(seed, tmp_path / "root", "cafe-owners")
    root = tmp_path / "root"
    assert result["id"] == "cafe-owners"
    assert (root / "corpus" / "cafe-owners.txt").read_text() == "Caf\u00e9 owners met.\nSecond line.\n"
    meta = yaml.safe_load((root / "corpus" / "cafe-owners.yaml").read_text())
    assert meta["date"] == "2024-05-01"
    assert meta["provenance"]["sha256"] == hashlib.sha256(seed.read_bytes()).hexdigest()
    assert (root / "seeds" / "incoming.txt").read_bytes() == seed.read_bytes()
    # (the byte-order mark is the file's encoding, not part of the text)
    assert meta["changes"] == [
        "line endings made LF",
        "Unicode NFC normalisation",
        "whitespace removed at the start or end",
    ]
    report = newsmark.validate(root)
    assert report.errors == [] and report.pending == {"not-started": 1}  # the skeleton: not yet annotated


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"no header here\n", "header 'date YYYY-MM-DD'"),
        (b"date 2024-02-30 text\n", "not a calendar date"),
        (b"date 2024-02-03 bad \xff byte\n", "invalid UTF-8 byte 0xff at byte offset 20"),
        (b"date 2024-02-03 bell \x07 here\n", "control character U+0007"),
        (b"date 2024-02-03\n   \n", "empty"),
    ],
)
def test_ingest_rejects_bad_seeds(tmp_path, content, message):
    seed = tmp_path / "bad.txt"
    seed.write_bytes(content)
    result = run_cli("ingest", str(seed), "--root", str(tmp_path / "root"))
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "root" / "corpus").exists()


def test_ingest_rejects_bad_id(tmp_path):
    result = run_cli("ingest", str(SEED), "--root", str(tmp_path), "--id", "Bad_ID")
    assert result.returncode == 1 and "lowercase" in result.stderr


def test_normalise_text():
    assert normalise_text("\ufeff  a\r\nb\rc\u0065\u0301 \n\n") == "a\nb\nc\u00e9\n"
