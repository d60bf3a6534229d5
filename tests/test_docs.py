"""Docs stay in step with the code: every rule documented, every command helped, the guideline version."""

from __future__ import annotations

import re

from conftest import REPO

from newsmark.cli import build_parser
from newsmark.contributor.intake import GUIDELINES_VERSION
from newsmark.labels import label_table
from newsmark.rules import RULES


def test_every_rule_code_is_documented_and_every_documented_code_exists():
    doc = (REPO / "docs" / "validation-rules.md").read_text()
    documented = set(re.findall(r"^## (NM\d{3})\b", doc, flags=re.M))
    assert documented == set(RULES)
    for code, rule in RULES.items():
        section = doc.split(f"## {code}")[1].split("\n## ")[0]
        assert f"`{rule.name}`" in section.splitlines()[0], code
        for heading in ("What it checks", "Why", "Example", "Fix"):
            assert f"**{heading}**" in section, (code, heading)


def _every_command(parser, words=("newsmark",)):
    """(words, parser, one-line help) for every command and every nested subcommand (labelstudio export,
    labelstudio import, ...), depth first."""
    if parser._subparsers is None:
        return
    (choices,) = [action for action in parser._subparsers._group_actions if action.choices]
    one_line = {action.dest: action.help for action in choices._choices_actions}
    for name, sub in choices.choices.items():
        yield (*words, name), sub, one_line.get(name)
        yield from _every_command(sub, (*words, name))


def test_every_command_has_help():
    """Every command and subcommand, nested ones included: a one-line help, a description, and a --help
    that ends with its exit status (what 0, 1 and 2 mean) and a worked example of that very command, with
    metavars that say what they stand for (PATH, DIR, ID, FRACTION), one letter only for a count (N)."""
    parser = build_parser()
    commands = list(_every_command(parser))
    assert {" ".join(words) for words, _, _ in commands} >= {
        "newsmark labelstudio export",
        "newsmark labelstudio import",
    }
    for words, sub, one_line in [((("newsmark",), parser, "the command"))] + commands:
        name = " ".join(words)
        assert one_line and sub.description, name
        text = sub.format_help()
        status = re.search(
            r"\nexit status[^\n]*:\n  0 +\S.*\n  1 +\S.*\n  2 +usage error\b.*\n(?:  \d+ +\S.*\n)*", text
        )
        assert status, f"{name} --help does not state its exit status (0, 1 and 2)"
        examples = text[status.end() :]
        assert re.match(r"\nexamples:\n", examples), f"{name} --help: the examples follow the exit status"
        assert f"  {name}" in examples or f"| {name}" in examples or f"&& {name}" in examples, (
            f"{name} --help has no example of itself"
        )
        for action in sub._actions:
            shown = action.metavar or (None if action.choices or not action.option_strings else action.dest.upper())
            for metavar in shown if isinstance(shown, tuple) else [shown]:
                # N, the usual name of a count, is the one letter that says what it is
                assert metavar in (None, "N") or len(metavar) > 1, (
                    f"{name} {action.option_strings}: metavar {metavar!r}"
                )


def test_guideline_version_matches():
    doc = (REPO / "docs" / "annotation-guidelines.md").read_text()
    assert re.search(r"^Version: (\S+)$", doc, flags=re.M).group(1) == GUIDELINES_VERSION


def test_the_documents_that_name_the_guidelines_version_name_the_current_one():
    # "guidelines ... (version 1.2)" or "guidelines 1.2": README and DATASHEET each say it at least once.
    stated = re.compile(r"guidelines[^\n]{0,80}?\(version (\d+\.\d+)\)|guidelines (\d+\.\d+)\b")
    for name in ("README.md", "DATASHEET.md", "CONTRIBUTING.md"):
        versions = {a or b for a, b in stated.findall((REPO / name).read_text(encoding="utf-8"))}
        assert versions <= {GUIDELINES_VERSION}, name
        assert versions or name == "CONTRIBUTING.md", name


def test_guidelines_list_every_entity_type():
    doc = (REPO / "docs" / "annotation-guidelines.md").read_text()
    for entry in label_table()["entity_types"] + label_table()["claim_types"]:
        assert f"| {entry['name']} |" in doc


def test_rules_page_is_generated_from_the_registry():
    # Regenerate with `python -m newsmark.rules docs/validation-rules.md` after editing src/newsmark/rules.toml.
    from newsmark.rules import page

    assert (REPO / "docs" / "validation-rules.md").read_text() == page()


def test_every_raised_code_is_registered_and_every_registered_code_is_raised():
    raised = set()
    for path in (REPO / "src" / "newsmark").rglob("*.py"):
        if path.name != "rules.py":
            raised.update(re.findall(r"[\"'](NM\d{3})[\"']", path.read_text()))
    assert raised - set(RULES) == set()
    fixtures = {case.name[:5] for case in (REPO / "tests" / "cases").iterdir()}
    assert set(RULES) - raised - fixtures == set()
    for rule in RULES.values():
        assert rule.hint and rule.title and rule.checks and rule.why and rule.example, rule.code


def test_no_file_holds_a_merge_conflict_marker():
    import subprocess

    listed = subprocess.run(
        ["git", "grep", "-n", "-E", "^(<<<<<<<|>>>>>>>) ", "--", "."], cwd=REPO, capture_output=True, text=True
    )
    assert listed.stdout == ""
