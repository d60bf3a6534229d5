"""Running git on a corpus repository, safely: revisions are resolved to commits first and never read as
options, and failures become NewsmarkErrors with the caller's message."""

from __future__ import annotations

import subprocess
from pathlib import Path

from newsmark.errors import NewsmarkError


def git(root: Path, *args: str, failure: str = "") -> str:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise NewsmarkError(f"git is needed here: {err}") from None
    if result.returncode != 0:
        raise NewsmarkError(failure or f"git {args[0]} failed: {result.stderr.strip() or result.returncode}")
    return result.stdout


def resolve_commit(root: Path, revision: str, what: str) -> str:
    """The commit ``revision`` names in the repository at ``root``; ``what`` names it in errors."""
    if revision.startswith("-"):
        raise NewsmarkError(f"{what} {revision!r}: a revision never starts with '-'")
    return git(
        root,
        "rev-parse",
        "--verify",
        "--quiet",
        "--end-of-options",
        f"{revision}^{{commit}}",
        failure=f"{what} {revision!r}: not a commit in the git repository at {root}",
    ).strip()
