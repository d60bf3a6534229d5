"""The CLI as users run it: help, exit codes, output formats."""

from __future__ import annotations

import argparse
import json
import shutil

import pytest
from conftest import CASES, REPO, SEED_ID, run_cli, run_on_a_terminal


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


def _corpus_files(root):
    """Every file of the corpus proper (not the caches beside it), with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for folder in ("corpus", "annotations", "seeds")
        for path in sorted((root / folder).rglob("*"))
        if path.is_file()
    }


def test_every_corpus_writer_writes_by_default_and_dry_run_writes_nothing(tiny, tmp_path):
    """One convention for confirming writes: new, ingest, anchor, dedup and suggest write when run, and
    with --dry-run say what they would write and change no byte (import, labelstudio import and publish
    are checked the same way in their own tests, suggest's listing in test_suggest)."""
    article = tmp_path / "article.txt"
    article.write_text("Ferries to Karnholt will run twice a day.\n")
    new = ["new", "--text", str(article), "--date", "2024-05-01", "--title", "Ferries", "--root", str(tiny)]
    seed_file = f"{SEED_ID.replace('-', '_')}.txt"
    seed = ["ingest", str(REPO / "seeds" / seed_file), "--root", str(tiny)]
    before = _corpus_files(tiny)
    planned = run_cli(*new, "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines() == [
        "would write annotations/2024-05-01-ferries.yaml",
        "would write corpus/2024-05-01-ferries.txt",
        "would write corpus/2024-05-01-ferries.yaml",
        "article id: 2024-05-01-ferries",
    ]
    ingest_planned = run_cli(*seed, "--dry-run")
    assert ingest_planned.returncode == 0 and f"would write seeds/{seed_file}" in ingest_planned.stdout
    for command in (["dedup"], ["suggest", "tiny"]):
        assert run_cli(*command, "--root", str(tiny), "--dry-run").returncode == 0
    assert _corpus_files(tiny) == before
    assert run_cli(*new).returncode == 0 and (tiny / "corpus" / "2024-05-01-ferries.txt").is_file()
    assert run_cli(*seed).returncode == 0 and (tiny / "corpus" / f"{SEED_ID}.txt").is_file()

    annotation = tiny / "annotations" / "tiny.yaml"
    quoted = annotation.read_text().replace("{start: 22, end: 37, text: Charles Babbage}", "{text: Charles Babbage}")
    annotation.write_text(quoted)
    anchor_planned = run_cli("anchor", "tiny", "--root", str(tiny), "--dry-run")
    assert anchor_planned.stdout == "annotations/tiny.yaml: would anchor 1 span(s)\n"
    assert annotation.read_text() == quoted
    assert run_cli("anchor", "tiny", "--root", str(tiny)).stdout == "annotations/tiny.yaml: anchored 1 span(s)\n"
    assert "{start: 22, end: 37, text: Charles Babbage}" in annotation.read_text()


def test_old_spellings_still_work_for_a_release_with_a_warning(tiny, tmp_path):
    """dedup --apply and suggest --apply (writing is the default now) and export --format (now --to) still
    run, each with a one-line warning on stderr; stdout, which scripts read, is unchanged."""
    for command in (["dedup"], ["suggest", "tiny"]):
        old = run_cli(*command, "--apply", "--root", str(tiny))
        new = run_cli(*command, "--root", str(tiny))
        assert old.returncode == new.returncode == 0 and old.stdout == new.stdout
        assert old.stderr == (
            f"newsmark {command[0]}: warning: --apply is deprecated and will be removed after 0.1.0: "
            f"{command[0]} writes by default now; leave --apply out\n"
        )
        both = run_cli(*command, "--apply", "--dry-run", "--root", str(tiny))
        assert both.returncode == 2 and "contradict" in both.stderr
    missing = tmp_path / "no-dataset"
    old = run_cli("export", "--format", "jsonl", "--dataset", str(missing), "--out", str(tmp_path / "out"))
    new = run_cli("export", "--to", "jsonl", "--dataset", str(missing), "--out", str(tmp_path / "out"))
    assert old.returncode == new.returncode == 1  # past the arguments: there is no dataset there
    warning = "newsmark export: warning: --format is deprecated and will be removed after 0.1.0: write --to\n"
    assert old.stderr == warning + new.stderr
    unnamed = run_cli("export", "--out", str(tmp_path / "out"))
    assert unnamed.returncode == 2 and "--to {spacy,conll,brat,jsonl}" in unnamed.stderr
    assert run_cli("export", "--to", "xml", "--out", str(tmp_path / "out")).returncode == 2


def test_format_means_how_the_result_is_printed_wherever_it_appears():
    """--format is declared once (cli/common.format_option): the same help wording and a text default on
    every command that has it; the file format export writes has its own option, --to, whose choices are
    the exporter's."""
    from newsmark.cli import build_parser
    from newsmark.cli.release import EXPORT_FORMATS
    from newsmark.release.export import FORMATS

    assert sorted(EXPORT_FORMATS) == sorted(FORMATS)
    commands = build_parser()._subparsers._group_actions[0].choices
    having = {}
    for name, parser in commands.items():
        for action in parser._actions:
            if "--format" in action.option_strings and action.help != argparse.SUPPRESS:
                having[name] = action
    assert sorted(having) == ["agree", "diff", "evaluate", "suggest", "validate"]
    for name, action in having.items():
        assert action.default == "text" and action.help.startswith("how to print the result: text (default)"), name


def test_quiet_on_every_command_that_shows_progress(tiny):
    """import and stats (like validate and build, tested in test_fast_paths) show progress on a terminal
    and none with -q; quiet import prints only warnings and problems, so nothing when all is well."""
    shutil.copy(REPO / "pyproject.toml", tiny / "pyproject.toml")  # stats reads the split settings
    feed = tiny.parent / "feed.jsonl"
    text = "Ferries to Karnholt will run twice a day from Monday, the harbour office said. " * 3
    feed.write_text(json.dumps({"text": text, "date": "2024-05-01", "title": "Ferries"}) + "\n")
    code, out, err = run_on_a_terminal("import", str(feed), "--root", str(tiny), "--dry-run")
    assert code == 0 and "import: 1 articles checked" in err and out.startswith("would import 1 article(s)")
    assert run_on_a_terminal("import", str(feed), "--root", str(tiny), "-q") == (0, "", "")
    assert (tiny / "corpus" / "2024-05-01-ferries.txt").is_file()
    code, out, err = run_on_a_terminal("stats", "--root", str(tiny))
    assert code == 0 and "stats [" in err and out.startswith("articles")
    assert run_on_a_terminal("stats", "--root", str(tiny), "-q") == (0, out, "")
    # stats validates like validate, with the same cache and worker options, and the same result without them
    assert run_cli("stats", "--root", str(tiny), "--no-cache", "-j", "1").stdout == out


@pytest.mark.parametrize(
    "args, said",
    [
        (["validate", "-j", "0"], "argument -j/--jobs: '0' is not a whole number from 1 to 256"),
        (["validate", "-j", "-3"], "argument -j/--jobs: '-3' is not a whole number from 1 to 256"),
        (["build", "-j", "100000", "--out", "x"], "argument -j/--jobs: '100000' is not a whole number from 1 to 256"),
        (["import", "f.jsonl", "--skip-longer-than", "-5"], "'-5' is not a whole number of at least 1"),
        (["import", "f.jsonl", "--skip-title", "(unclosed"], "'(unclosed' is not a regular expression (missing )"),
        (["synth", "--out", "x", "--articles", "-1"], "argument --articles: '-1' is not a whole number of at least 1"),
    ],
)
def test_a_number_or_pattern_a_command_cannot_use_is_a_usage_error(tiny, args, said):
    # -j 0 and -j -3 ran as if not given, -j 100000 started that many workers, a negative length skipped
    # every item and a broken pattern was a refused operation (exit 1): each is a usage error now.
    result = run_cli(*args, "--root", str(tiny))
    assert result.returncode == 2 and said in result.stderr, result.stderr
