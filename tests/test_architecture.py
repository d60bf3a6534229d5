"""The package tree shows the architecture, and the imports keep to it: the shared vocabulary at the bottom,
the pipeline above it, the tools around the pipeline, the command line on top; no import cycle at all.
Imports inside functions count too: a lazy import is still a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "newsmark"
# What each layer may import (besides itself). The package's __init__ is the public API facade.
LAYERS = {
    "vocabulary": set(),
    "pipeline": {"vocabulary"},
    "contributor": {"vocabulary", "pipeline"},
    "reviewer": {"vocabulary", "pipeline"},
    "release": {"vocabulary", "pipeline"},
    "api": {"vocabulary", "pipeline", "contributor", "reviewer", "release"},
    "cli": {"vocabulary", "pipeline", "contributor", "reviewer", "release", "api"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if module == "newsmark":
        return "api"
    if len(parts) == 2 and (PACKAGE / f"{parts[1]}.py").is_file():
        return "vocabulary"
    return parts[1]


def imports(path: Path) -> set[str]:
    """The newsmark modules that ``path`` imports anywhere in it (``from newsmark.x import y`` names y when
    y is a module itself)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("newsmark"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("newsmark"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
    return found


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {name: imports(path) - {name} for name, path in MODULES.items()}


def test_every_module_belongs_to_a_known_layer():
    assert {layer(name) for name in MODULES} <= set(LAYERS)
    for folder in ("pipeline", "contributor", "reviewer", "release", "cli"):
        assert (PACKAGE / folder / "__init__.py").is_file(), folder


def test_imports_only_go_down():
    wrong = []
    for module, targets in GRAPH.items():
        for target in targets:
            here, there = layer(module), layer(target)
            if here != there and there not in LAYERS[here]:
                wrong.append(f"{module} ({here}) imports {target} ({there})")
    assert wrong == []


def test_no_import_cycle():
    # Depth-first search for a back edge; reports the cycle it finds.
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        stack.append(module)
        for target in sorted(GRAPH.get(module, ())):
            if target not in MODULES or target == "newsmark":
                continue  # the facade is imported as a package, never by the modules it re-exports
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = 2
        return None

    for module in sorted(MODULES):
        if module not in state:
            cycle = visit(module)
            assert cycle is None, " -> ".join(cycle)


def test_the_cli_declares_no_subcommand_itself():
    source = (PACKAGE / "cli" / "__init__.py").read_text()
    assert "add_parser" not in source and 'add_argument("--root"' not in source
    for family in ("pipeline", "contributor", "reviewer"):
        assert "def register(" in (PACKAGE / "cli" / f"{family}.py").read_text()


def test_no_reference_to_a_design_file_outside_the_repository():
    outside = "DESIGN" + ".md"  # spelled in two parts, so that this file does not cite it either
    for path in [
        *REPO.glob("*.md"),
        *REPO.glob("*.toml"),
        *(REPO / "docs").rglob("*.md"),
        *(REPO / "src").rglob("*.py"),
        *(REPO / "tests").rglob("*.py"),
        *(REPO / "benchmarks").glob("*"),
    ]:
        if path.is_file():
            assert outside not in path.read_text(errors="replace"), path
    assert (REPO / "docs" / "design.md").is_file()


def test_lint_and_format_pass():
    """ruff, configured in pyproject.toml, finds nothing and would reformat nothing: CI runs it through this
    test, so the README's test command and the workflow check the same thing."""
    import subprocess
    import sys

    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "src", "tests"], cwd=REPO, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_imports_another_modules_private_names():
    """A name with a leading underscore is its module's own: what another module needs gets a public name
    (the caches share the store of pipeline/cache.py through store_folder, read_file and write_file)."""
    private = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("newsmark"):
                private += [f"{name} imports {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert private == []


# Written once, where their vocabulary lives; a second copy drifts (the handle pattern was written three
# times, the control-character set twice, with and without tab).
PATTERN_HOMES = {
    r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}": "ids.py",  # a handle
    r"[a-z][a-z0-9_-]{0,63}": "ids.py",  # a local id
    r"[a-z0-9]+(?:-[a-z0-9]+)*": "ids.py",  # an article id
    r"\x0b-\x1f\x7f-\x9f": "chars.py",  # the control characters
}


def test_each_name_pattern_is_written_once():
    copies = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        source = path.read_text()
        for pattern, home in PATTERN_HOMES.items():
            if pattern in source and rel != home:
                copies.append(f"{rel} writes {pattern} (its one definition is in {home})")
    assert copies == []


def test_no_module_is_too_long_to_read_at_once():
    """A module over 600 lines holds more than one thing: split it by what its parts do (as pipeline/check/
    and contributor/labelstudio/ are) rather than raise the bound."""
    long = {name: lines for name, path in MODULES.items() if (lines := len(path.read_text().splitlines())) > 600}
    assert long == {}
