"""Hostile and broken input: every case ends with exit 1 and a located finding, never a traceback."""

from __future__ import annotations

import json
import os

import pytest
from conftest import run_cli

import newsmark
from newsmark.pipeline.check import article as check

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(9)
)


def _hostile(tiny, name):
    text = tiny / "corpus" / "tiny.txt"
    annotation = tiny / "annotations" / "tiny.yaml"
    if name == "alias-bomb":
        annotation.write_text(ALIAS_BOMB)
    elif name == "python-tag":
        annotation.write_text("article: !!python/object/apply:os.system ['touch pwned']\n")
    elif name == "python-name-tag":
        annotation.write_text("article: !!python/name:os.system\n")
    elif name == "huge-file":
        with open(annotation, "wb") as handle:
            handle.truncate(60 * 1024 * 1024)
    elif name == "symlink-outside":
        text.unlink()
        text.symlink_to("/etc/passwd")
    elif name == "not-utf8":
        text.write_bytes(b"Caf\xe9 au lait\n")
    elif name == "crlf":
        text.write_bytes(text.read_bytes().replace(b"\n", b"\r\n"))
    elif name == "bom":
        text.write_bytes(b"\xef\xbb\xbf" + text.read_bytes())
    elif name == "nfd":
        text.write_text("Cafe\u0301 society\n")
    elif name == "deep-nesting":
        annotation.write_text("article: " + "[" * 5000 + "]" * 5000 + "\n")


HOSTILE = {
    "alias-bomb": ("annotations/tiny.yaml", "NM203"),
    "python-tag": ("annotations/tiny.yaml", "NM204"),
    "python-name-tag": ("annotations/tiny.yaml", "NM204"),
    "huge-file": ("annotations/tiny.yaml", "NM107"),
    "symlink-outside": ("corpus/tiny.txt", "NM108"),
    "not-utf8": ("corpus/tiny.txt", "NM101"),
    "crlf": ("corpus/tiny.txt", "NM103"),
    "bom": ("corpus/tiny.txt", "NM102"),
    "nfd": ("corpus/tiny.txt", "NM104"),
    "deep-nesting": ("annotations/tiny.yaml", "NM201"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input(tiny, name):
    _hostile(tiny, name)
    result = run_cli("validate", "--root", str(tiny), "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    findings = json.loads(result.stdout)["findings"]
    path, code = HOSTILE[name]
    located = [f for f in findings if f["code"] == code and f["path"] == path]
    assert located, findings
    assert all(f["line"] >= 1 and f["col"] >= 1 for f in findings)
    assert not (tiny / "pwned").exists()


def test_two_broken_files_both_reported(tiny):
    (tiny / "corpus" / "tiny.yaml").write_text((tiny / "corpus" / "tiny.yaml").read_text().replace("en", "no"))
    annotation = tiny / "annotations" / "tiny.yaml"
    annotation.write_text(annotation.read_text().replace("type: GPE", "type: CITY"))
    report = newsmark.validate(tiny)
    assert {(f.path, f.code) for f in report.errors} == {
        ("corpus/tiny.yaml", "NM206"),
        ("annotations/tiny.yaml", "NM304"),
    }


def test_internal_error_is_a_finding(tiny, monkeypatch):
    def explode(*args):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(check, "check_spans", explode)
    report = newsmark.validate(tiny)
    assert [(f.code, f.path) for f in report.findings] == [("NM001", "corpus/tiny.txt")]
    assert "ZeroDivisionError: simulated bug" in report.findings[0].message


def test_validate_writes_nothing(tiny):
    before = {p: p.stat().st_mtime_ns for p in tiny.rglob("*")}
    newsmark.validate(tiny)
    assert {p: p.stat().st_mtime_ns for p in tiny.rglob("*")} == before


def test_symlinked_corpus_folder_is_not_followed(tiny, tmp_path):
    outside = tmp_path / "outside"
    (tiny / "corpus").rename(outside)
    os.symlink(outside, tiny / "corpus")
    report = newsmark.validate(tiny)
    assert ("corpus", "NM108") in {(f.path, f.code) for f in report.findings}
