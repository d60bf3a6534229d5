"""Shared helpers: the repository's paths, a scratch copy of the corpus, and the real CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CASES = REPO / "tests" / "cases"
SEED_ID = "000-833129a6a27d8038"
NEWSMARK = Path(sys.executable).parent / "newsmark"


def run_on_a_terminal(*args: str, **env: str) -> tuple[int, str, str]:
    """The command's exit status, stdout and what it wrote to stderr when stderr is a terminal (a
    pseudo-terminal, where the progress bar shows), outside CI unless ``env`` says so, with the bar shown
    at once."""
    import pty

    leader, follower = pty.openpty()
    environment = {key: value for key, value in os.environ.items() if key != "CI"}
    environment.update({"NEWSMARK_PROGRESS_AFTER": "0", "NEWSMARK_DEBUG": "", **env})
    process = subprocess.run(
        [str(NEWSMARK), *args], stdout=subprocess.PIPE, stderr=follower, env=environment, timeout=120
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed: everything written has been read
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return process.returncode, process.stdout.decode(), b"".join(chunks).decode()


@pytest.fixture(autouse=True, scope="session")
def _offline_hf(tmp_path_factory):
    """Every test runs offline with its own HF cache and its own cache signing key, so none touches a
    user's caches or the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_HOME"] = str(tmp_path_factory.mktemp("hf_home"))
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg_cache"))


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's own background traffic is refused on this network; these keep it from trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package) driven by Playwright. Skipped where Chromium is not installed;
    .ci/run installs it and sets NEWSMARK_REQUIRE_BROWSER=1, which turns the skip into a failure."""
    if CHROMIUM is None:
        if os.environ.get("NEWSMARK_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed but NEWSMARK_REQUIRE_BROWSER is set")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        instance = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def run_cli(
    *args: str, cwd: Path | None = None, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run the installed ``newsmark`` command as a user would; a run past ``timeout`` seconds is killed and
    fails the test (subprocess.TimeoutExpired), so a hang is a failure, never a stuck suite."""
    return subprocess.run(
        [str(NEWSMARK), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NEWSMARK_DEBUG": ""},
    )


def copy_corpus(source: Path, target: Path) -> Path:
    """A scratch copy of a corpus folder (corpus/, annotations/, seeds/, schema/ where present)."""
    for name in ("corpus", "annotations", "seeds", "schema"):
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, symlinks=True)
    return target


def empty_project(target: Path) -> Path:
    """A corpus folder with the project's settings and no article yet."""
    (target / "corpus").mkdir(parents=True)
    (target / "annotations").mkdir()
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    return target


def copy_seed(target: Path) -> Path:
    """A scratch corpus holding only the project's first article (the seed) from this repository: what
    most tests need of the real corpus, at the cost of one article."""
    for folder, pattern in (("corpus", f"{SEED_ID}.*"), ("annotations", f"{SEED_ID}.yaml"), ("seeds", "*.txt")):
        (target / folder).mkdir(parents=True, exist_ok=True)
        for path in (REPO / folder).glob(pattern):
            shutil.copy2(path, target / folder / path.name)
    shutil.copytree(REPO / "schema", target / "schema")
    return target


@pytest.fixture
def repo_copy(tmp_path) -> Path:
    return copy_seed(tmp_path / "repo")


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A copy of the smallest valid corpus, tests/cases/valid."""
    return copy_corpus(CASES / "valid", tmp_path / "tiny")


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory) -> Path:
    """300 synthetic articles (enough for several worker chunks); read-only: copy it before changing it."""
    from newsmark.contributor.synth import synthesize

    return synthesize(tmp_path_factory.mktemp("synthetic") / "corpus", 300)


def replaced(data, path: tuple, value):
    """A deep copy of ``data`` with the node at ``path`` replaced by ``value``."""
    import copy

    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def commit_all(root: Path, message: str = "base") -> list[str]:
    """Make ``root`` a git repository holding everything in it as one commit; returns the git command
    prefix (with an identity) for further commits."""
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", message], check=True)
    return git
