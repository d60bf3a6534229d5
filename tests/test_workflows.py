"""CI and pre-commit configuration: parse, trigger safely, and run the same commands contributors run."""

from __future__ import annotations

from conftest import REPO, run_cli

from newsmark.pipeline.read.yamldoc import parse_yaml


def _load(rel):
    # newsmark's own YAML reader: PyYAML would read the key `on` as the boolean True (YAML 1.1).
    doc, problems = parse_yaml((REPO / rel).read_text(), rel)
    assert not problems, problems
    return doc.data


def _runs(workflow):
    return [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]


def test_pr_workflow_is_safe_and_runs_the_validator_tests_and_build():
    workflow = _load(".github/workflows/validate.yml")
    assert "pull_request" in workflow["on"] and "pull_request_target" not in workflow["on"]
    assert workflow["permissions"] == {"contents": "read"}
    runs = "\n".join(_runs(workflow))
    assert "newsmark validate --no-cache --format github" in runs
    assert "pytest" in runs and "newsmark build" in runs
    assert "newsmark report --changed" in runs
    uploads = [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("actions/upload-artifact@")
    ]
    assert uploads and uploads[0]["with"]["path"] == "dist/report"
    for job in workflow["jobs"].values():
        assert "permissions" not in job or job["permissions"] == {"contents": "read"}


def test_release_workflow_builds_on_version_tags():
    workflow = _load(".github/workflows/release.yml")
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert any("newsmark build" in step.get("run", "") for step in steps)
    assert any("newsmark diff" in step.get("run", "") for step in steps)
    assert any(step.get("uses", "").startswith("actions/upload-artifact@") for step in steps)


def test_pre_commit_hooks_call_the_real_cli():
    hooks = _load(".pre-commit-hooks.yaml")
    config = _load(".pre-commit-config.yaml")
    for hook in hooks + config["repos"][0]["hooks"]:
        assert hook["id"] == "newsmark-validate" and hook["pass_filenames"] is True
        command = hook["entry"].split()
        assert command[0] == "newsmark"
        # The hook gets changed file names; run it the way pre-commit would, from the repository root.
        result = run_cli(
            *command[1:], "corpus/000-833129a6a27d8038.txt", "annotations/000-833129a6a27d8038.yaml", cwd=REPO
        )
        assert result.returncode == 0, result.stdout


def test_contributing_names_commands_that_exist():
    contributing = (REPO / "CONTRIBUTING.md").read_text()
    for command in ("new", "anchor", "validate", "build", "synth"):
        assert f"newsmark {command}" in contributing
        assert run_cli(command, "--help").returncode == 0
