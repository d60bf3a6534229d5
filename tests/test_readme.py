"""The README's Quickstart is what CI runs."""

from __future__ import annotations

import re

from conftest import REPO


def _quickstart_commands():
    readme = (REPO / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", quickstart)


def test_quickstart_has_two_commands_and_ci_runs_the_test_one():
    main_job, tests = _quickstart_commands()
    assert "newsmark validate" in main_job and "newsmark build" in main_job
    assert "pip install -q -e '.[build]'" in main_job  # build needs the dataset stack, an extra
    assert "pytest" in tests
    ci_lines = [line for line in (REPO / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci_lines[-1] == tests
