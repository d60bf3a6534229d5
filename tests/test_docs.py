"""Docs stay in step with the code: every rule documented, every command helped, the guideline version."""

from __future__ import annotations

import re

from conftest import REPO

from newsmark.cli import build_parser
from newsmark.contributor.intake import GUIDELINES_VERSION
from newsmark.findings import RULES
from newsmark.labels import label_table


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
