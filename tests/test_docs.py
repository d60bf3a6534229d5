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


def test_every_command_has_help():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0]
    for name, sub in commands.choices.items():
        assert sub.description and sub.epilog, name
        assert any(action.help for action in commands._choices_actions if action.dest == name)


def test_guideline_version_matches():
    doc = (REPO / "docs" / "annotation-guidelines.md").read_text()
    assert re.search(r"^Version: (\S+)$", doc, flags=re.M).group(1) == GUIDELINES_VERSION


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
