"""Dependencies that match use: every package src/ imports is declared in pyproject.toml, every declared one
is used, the extras are the ones src/newsmark/extras.py names, and a plain install (what the pre-commit hook
gives another repository) validates and edits a corpus without the dataset stack, while the commands that
need it say in one line which extra to install."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest
from conftest import REPO, SEED_ID, copy_seed, run_cli

from newsmark.extras import EXTRAS

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# What src/ may import: the plain dependencies and the extras that newsmark's own commands need. The other
# extras (test, labelstudio, baselines) serve the tests and the benchmarks, never the package.
RUNTIME_EXTRAS = tuple(EXTRAS)
# Declared though src/ never imports it, and why.
DECLARED_UNIMPORTED = {
    # justext (under trafilatura) asks for lxml[html_clean], an extra recent lxml releases no longer declare
    "lxml-html-clean": "trafilatura's extraction needs lxml.html.clean, which lxml ships apart since 5.2",
}


def _distribution(requirement: str) -> str:
    """The normalised distribution name of a requirement (PEP 503): ``ruamel.yaml>=0.18`` -> ``ruamel-yaml``."""
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9._-]+", requirement).group()).lower()


def _declared(*extras: str) -> set[str]:
    requirements = list(PROJECT["dependencies"])
    for extra in extras:
        requirements += PROJECT["optional-dependencies"][extra]
    return {_distribution(r) for r in requirements} - {"newsmark"}


def _distributions_of(module: str) -> set[str]:
    """The installed distributions that provide the top-level module ``module`` (yaml -> pyyaml)."""
    return {_distribution(name) for name in packages_distributions().get(module, [])}


def _imported_modules() -> dict[str, set[str]]:
    """Every top-level module src/ imports (lazy imports too) that is neither the standard library nor newsmark,
    with the files that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "src").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "newsmark":
                    found.setdefault(top, set()).add(str(path.relative_to(REPO)))
    return found


def test_every_package_src_imports_is_declared():
    declared = _declared(*RUNTIME_EXTRAS)
    undeclared = {
        module: sorted(files)
        for module, files in _imported_modules().items()
        if not _distributions_of(module) & declared
    }
    assert undeclared == {}, "imported by src/ but not declared in pyproject.toml"


def test_every_declared_package_is_imported_by_src():
    used = set().union(*(_distributions_of(module) for module in _imported_modules()))
    unused = _declared(*RUNTIME_EXTRAS) - used - set(DECLARED_UNIMPORTED)
    assert unused == set(), "declared in pyproject.toml but never imported by src/"


@pytest.mark.parametrize("extra", RUNTIME_EXTRAS)
def test_each_extra_holds_the_modules_newsmark_checks_for(extra):
    assert set().union(*(_distributions_of(module) for module in EXTRAS[extra])) == _declared(extra) - _declared()
    assert not _declared() & _declared(extra) - _declared(), "an extra repeats a plain dependency"


def test_the_test_extra_installs_every_extra():
    # `pip install -e '.[test,labelstudio]'` (README, .ci/run) must give the suite every command.
    assert f"newsmark[{','.join(RUNTIME_EXTRAS)}]" in PROJECT["optional-dependencies"]["test"]


# The dataset stack and the page extractor made unimportable, as in an install without the extras:
# ``sys.modules[name] = None`` stops every import of the module (and find_spec reports it missing); workers are
# forked, so they inherit it.
WITHOUT_EXTRAS = (
    "import sys\n"
    f"for name in {sorted(m for modules in EXTRAS.values() for m in modules)!r}:\n"
    "    sys.modules[name] = None\n"
    "from newsmark.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def run_without_extras(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRAS, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_validate_without_the_extras_gives_what_a_full_install_gives():
    args = ("validate", "--root", str(REPO), "--no-cache", "--format", "json")
    slim, full = run_without_extras(*args), run_cli(*args)
    assert slim.returncode == full.returncode == 0, slim.stderr
    assert json.loads(slim.stdout) == json.loads(full.stdout)


def test_the_corpus_tools_run_without_the_extras(tmp_path):
    root = copy_seed(tmp_path / "repo")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (tmp_path / "article.txt").write_text("Lena Brask opened the harbour in Ostmere on Monday.\n")
    (tmp_path / "feed.jsonl").write_text(json.dumps({"text": "Talks resumed in Ostmere.", "date": "2024-06-04"}) + "\n")
    for args in (
        ("new", "--text", str(tmp_path / "article.txt"), "--date", "2024-06-03", "--title", "Harbour opens"),
        ("import", str(tmp_path / "feed.jsonl"), "--dry-run"),
        ("suggest", SEED_ID),
        ("dedup",),
        ("stats",),
        ("agree", "--files", f"annotations/{SEED_ID}.yaml", f"annotations/{SEED_ID}.yaml"),
        ("report", "--out", str(tmp_path / "report")),
        ("labelstudio", "export", "--out", str(tmp_path / "ls")),
    ):
        result = run_without_extras(*args, "--root", str(root), cwd=root)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stdout, result.stderr)


@pytest.mark.parametrize(
    "args, extra",
    [
        (("build",), "build"),
        (("evaluate", "predictions.jsonl"), "build"),
        (("export", "--to", "conll", "--out", "exports"), "build"),
        (("diff", "dist/a", "dist/b"), "build"),
        (("publish", "--repo-id", "org/newsmark", "--dry-run"), "build"),
        (("import", "page.html", "--dry-run"), "pages"),
    ],
)
def test_a_command_that_needs_an_extra_says_which_in_one_line(tmp_path, args, extra):
    root = copy_seed(tmp_path / "repo")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "page.html").write_text("<html><body><p>Talks resumed in Ostmere.</p></body></html>")
    result = run_without_extras(*args, cwd=root)
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("newsmark: error: ") and line.endswith(f"pip install 'newsmark[{extra}]'"), line
    assert not (root / "dist").exists() and not (root / "exports").exists()
