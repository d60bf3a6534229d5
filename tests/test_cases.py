"""One fixture per rule code, as in the UD validator's test-cases: each tests/cases/<CODE>_<name>/ holds
the files that differ from tests/cases/valid/ and an expected.txt of the findings they must produce."""
from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import CASES, copy_corpus, run_cli
from newsmark.findings import RULES

CASE_DIRS = sorted(p for p in CASES.iterdir() if re.match(r"NM\d{3}_", p.name))
# Codes whose trigger cannot be a small committed file; each is covered by the named test instead.
COVERED_ELSEWHERE = {
    "NM001": "test_validator_safety.py::test_internal_error_is_a_finding",
    "NM107": "test_validator_safety.py::test_hostile_input",
}


def build_case(case, tmp_path):
    root = copy_corpus(CASES / "valid", tmp_path / case.name)
    for path in case.rglob("*"):
        rel = path.relative_to(case)
        if rel.name == "expected.txt" or path.is_dir() and not path.is_symlink():
            continue
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / rel, follow_symlinks=False)
    return root


def test_valid_case_has_no_findings():
    result = run_cli("validate", "--root", str(CASES / "valid"), "--format", "json", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["findings"] == []


@pytest.mark.parametrize("case", CASE_DIRS, ids=lambda p: p.name)
def test_case(case, tmp_path):
    code = case.name[:5]
    root = build_case(case, tmp_path)
    result = run_cli("validate", "--root", str(root), "--format", "json")
    report = json.loads(result.stdout)
    got = [f"{f['path']}:{f['line']}:{f['col']}: {f['code']}" for f in report["findings"]]
    expected = (case / "expected.txt").read_text().split("\n")
    assert got == [line for line in expected if line]
    assert {f["code"] for f in report["findings"]} == {code}
    assert result.returncode == (1 if RULES[code].severity == "error" else 0)
    assert "Traceback" not in result.stderr


def test_every_rule_has_a_fixture():
    with_fixture = {case.name[:5] for case in CASE_DIRS}
    assert set(RULES) - with_fixture == set(COVERED_ELSEWHERE)
    assert with_fixture <= set(RULES)
