"""The CLI as users run it: help, exit codes, output formats."""

from __future__ import annotations

import json

from conftest import CASES, REPO, run_cli


def test_help_is_useful_on_its_own():
    result = run_cli("--help")
    assert result.returncode == 0
    for word in ("validate", "ingest", "examples:"):
        assert word in result.stdout
    for command in ("validate", "ingest"):
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "example" in sub.stdout and "--root" in sub.stdout


def test_usage_errors_exit_2(tmp_path):
    assert run_cli().returncode == 2
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("validate", "--format", "xml").returncode == 2
    result = run_cli("validate", "--root", str(tmp_path))
    assert result.returncode == 2 and "not a newsmark corpus" in result.stderr


def _broken(tiny):
    annotation = tiny / "annotations" / "tiny.yaml"
    annotation.write_text(annotation.read_text().replace("text: Charles Babbage}", "text: Charles Babbages}"))
    meta = tiny / "corpus" / "tiny.yaml"
    meta.write_text(meta.read_text().replace("language: en", "language: English"))
    return tiny


def test_text_format(tiny):
    result = run_cli("validate", "--root", str(_broken(tiny)))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "annotations/tiny.yaml:19:36: NM401 entities[1].mentions[0]: text 'Charles Babbages' but "
        "the article has 'Charles Babbage' at 22:37 (line 1, col 23); the quote does not occur in "
        "the text"
    )
    assert lines[1] == (
        "corpus/tiny.yaml:4:11: NM305 language: 'English' is not a BCP 47 language tag (en, en-GB, pt-BR)"
    )
    assert lines[-1] == "FAILED: 2 errors, 0 warnings in 2 files (1 article checked)"
    quiet = run_cli("validate", "--root", str(tiny), "-q")
    assert quiet.stdout.splitlines() == lines[:-1]


def test_github_format(tiny):
    result = run_cli("validate", "--root", str(_broken(tiny)), "--format", "github")
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=annotations/tiny.yaml,line=19,col=36,title=NM401::entities[1]")


def test_json_format(tiny):
    result = run_cli("validate", "--root", str(_broken(tiny)), "--format", "json")
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["errors"] == 2
    assert report["findings"][1] == {
        "path": "corpus/tiny.yaml",
        "line": 4,
        "col": 11,
        "code": "NM305",
        "severity": "error",
        "rule": "bad-format",
        "message": "language: 'English' is not a BCP 47 language tag (en, en-GB, pt-BR)",
        "hint": "Rewrite the value in the format the finding names.",  # the rule's general fix (rules.toml)
    }


def test_warnings_do_not_fail(tmp_path):
    result = run_cli("validate", "--root", str(CASES / "NM504_missing-annotation"), "--no-cache")
    # The fixture folder alone lacks tiny's files, so only the warning for 'extra' remains.
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "PASSED: 1 article, 2 files, 1 warning"


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == "newsmark 0.1.0"


def test_validate_defaults_to_current_folder():
    result = run_cli("validate", "--no-cache", cwd=REPO)
    assert result.returncode == 0 and result.stdout.splitlines()[-1].startswith("PASSED: 272 articles")


def test_validate_named_paths_checks_only_their_articles(tiny):
    extra = CASES / "NM503_orphan-annotation" / "annotations" / "ghost.yaml"
    (tiny / "annotations" / "ghost.yaml").write_bytes(extra.read_bytes())
    everything = run_cli("validate", "--root", str(tiny))
    assert everything.returncode == 1 and "NM503" in everything.stdout
    only_tiny = run_cli("validate", "--root", str(tiny), str(tiny / "annotations" / "tiny.yaml"))
    assert only_tiny.returncode == 0, only_tiny.stdout
    assert only_tiny.stdout == "PASSED: 1 article, 3 files\n"
    relative = run_cli("validate", "annotations/ghost.yaml", cwd=tiny)
    assert relative.returncode == 1 and relative.stdout.startswith("annotations/ghost.yaml:1:1: NM503")


def test_validate_path_outside_the_corpus_is_a_usage_error(tiny):
    result = run_cli("validate", "--root", str(tiny), "README.md")
    assert result.returncode == 2 and "not a file under" in result.stderr


def test_broken_released_labels_is_a_finding(tiny):
    (tiny / "schema").mkdir()
    (tiny / "schema" / "released-labels.json").write_text('{"topics": [\n  "medtop:01000000",\n')
    result = run_cli("validate", "--root", str(tiny))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith("schema/released-labels.json:3:1: NM601 cannot read the released label lists")
