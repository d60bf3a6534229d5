"""What a corpus's ``pyproject.toml`` fixes: ``[project].version`` and the ``[tool.newsmark]`` table, read in
this one place, with one behaviour for every command:

- a value that is present but wrong (a fraction of 1.5, a threshold written as text) is an error located
  at its line and column, never replaced by a default;
- a key that is absent takes its documented default (docs/design.md, "Splits" and "Near-duplicates"),
  except those the split rule cannot do without (``version``, ``salt``, ``test_fraction``), whose
  absence is an error too: a default salt would put every corpus's articles into the same splits;
- a folder without ``pyproject.toml`` is a bare corpus: ``read_settings`` refuses it (a build needs a
  version and a split rule), ``read_dedup_settings`` gives the defaults (``import`` and ``dedup`` work
  in any folder).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from newsmark.errors import NewsmarkError

TABLE = "tool.newsmark"
# The near-duplicate defaults (docs/design.md, "Near-duplicates and stories"): chosen by measurement.
SHINGLE = 5
PERMUTATIONS = 128
THRESHOLD = 0.4
MAX_PERMUTATIONS = 4096  # signatures are kept per article in the caches: bounded like everything else
_REPO_ID_RE = re.compile(r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*")


@dataclass(frozen=True)
class DedupSettings:
    """How near-duplicates are found: words per shingle, MinHash permutations, Jaccard threshold."""

    shingle: int = SHINGLE
    permutations: int = PERMUTATIONS
    threshold: float = THRESHOLD


@dataclass(frozen=True)
class Settings:
    """What pyproject.toml fixes for a build: the dataset version and the split rule's inputs."""

    version: str
    salt: str
    test_fraction: float
    validation_fraction: float = 0.0  # absent: no validation split
    repo_id: str | None = None  # OWNER/NAME on the Hugging Face Hub, once the dataset has a home there


class SettingsError(NewsmarkError):
    """A value of pyproject.toml that cannot be used, with where it is (line and column from 1; the top
    of the file, or of its table, when the problem is that something is missing; no line when the file
    itself is)."""

    def __init__(self, path: Path, reason: str, line: int | None = 1, col: int = 1):
        self.path, self.reason, self.line, self.col = path, reason, line or 1, col
        super().__init__(f"{path}:{line}:{col}: {reason}" if line else f"{path}: {reason}")


class _Table:
    """The parsed file, and where its keys are written."""

    def __init__(self, path: Path, text: str, data: dict):
        self.path, self.text, self.data = path, text, data

    def section(self, name: str) -> dict:
        value = self.data
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise SettingsError(self.path, f"[{name}] must be a table", *self.where(name, None))
        return value

    def where(self, section: str, key: str | None) -> tuple[int, int]:
        """The line and column of ``key = value``'s value in ``[section]`` (of the header when ``key`` is
        None); the top of the file when it is written some other way (a dotted key, an inline table)."""
        current, header = "", None
        for number, line in enumerate(self.text.splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("[") and not stripped.startswith("[["):
                current = stripped[1 : stripped.find("]")].replace(" ", "").replace('"', "")
                if current == section:
                    header = number
                continue
            if key is not None and current == section:
                match = re.match(rf"\s*\"?{re.escape(key)}\"?\s*=\s*", line)
                if match:
                    return number, match.end() + 1
        return (header, 1) if key is None and header else (1, 1)

    def get(self, section: str, key: str, kind: str, default=None, required: bool = False):
        """The value of ``key`` as ``kind`` (``text``, ``integer``, ``fraction`` or ``number``), the default
        when absent, or a located error."""
        table = self.section(section)
        if key not in table:
            if required:
                raise SettingsError(
                    self.path,
                    f"[{section}] has no {key}; a build needs [project].version and [{TABLE}] salt and "
                    'test_fraction (validation_fraction and the rest have defaults: docs/design.md, "Splits")',
                    *self.where(section, None),
                )
            return default
        value = table[key]
        numeric = not isinstance(value, bool) and isinstance(value, (int, float))
        if kind == "text" and isinstance(value, str) and value:
            return value
        if kind == "integer" and numeric and isinstance(value, int):
            return value
        if kind in ("fraction", "number") and numeric and math.isfinite(value):
            if kind == "number" or 0 <= value <= 1:
                return float(value)
        wanted = {
            "text": "a non-empty string",
            "integer": "a whole number",
            "fraction": "a number between 0 and 1",
            "number": "a number",
        }[kind]
        raise SettingsError(self.path, f"[{section}].{key} must be {wanted}, not {value!r}", *self.where(section, key))

    def refuse(self, section: str, key: str, reason: str):
        raise SettingsError(self.path, f"[{section}].{key} {reason}", *self.where(section, key))


def _read(root: Path, missing_ok: bool) -> _Table | None:
    import tomllib  # here: a pre-commit run over a few files never reads pyproject.toml

    path = Path(root) / "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return None
        raise SettingsError(
            path, f"not found; it must give [project].version and [{TABLE}] salt and test_fraction", None
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(path, f"cannot be read ({type(err).__name__}: {err})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line, col = (getattr(err, "lineno", None) or 1), (getattr(err, "colno", None) or 1)
        raise SettingsError(path, f"not valid TOML ({str(err).split(' (at line')[0]})", line, col) from None
    return _Table(path, text, data)


def read_settings(root: Path) -> Settings:
    """The version and split rule of the corpus at ``root``; SettingsError (located) when the file is
    missing, a required key is absent or a value is wrong. Checks the near-duplicate settings too, so a
    bad one is reported however the settings are first read."""
    table = _read(root, missing_ok=False)
    version = table.get("project", "version", "text", required=True)
    salt = table.get(TABLE, "salt", "text", required=True)
    test = table.get(TABLE, "test_fraction", "fraction", required=True)
    validation = table.get(TABLE, "validation_fraction", "fraction", 0.0)
    repo_id = table.get(TABLE, "repo_id", "text")
    if repo_id is not None and not _REPO_ID_RE.fullmatch(repo_id):
        table.refuse(TABLE, "repo_id", "must be OWNER/NAME, as on the Hugging Face Hub")
    if test + validation > 1:
        table.refuse(TABLE, "validation_fraction", f"and test_fraction add up to more than 1 ({test + validation})")
    _dedup(table)
    return Settings(version, salt, test, validation, repo_id)


def read_dedup_settings(root: Path) -> DedupSettings:
    """The near-duplicate settings (``dedup_shingle``, ``dedup_permutations``, ``dedup_threshold``), each
    its default when absent, and all of them in a folder without pyproject.toml; SettingsError (located)
    for a value that is wrong."""
    table = _read(root, missing_ok=True)
    return DedupSettings() if table is None else _dedup(table)


def _dedup(table: _Table) -> DedupSettings:
    shingle = table.get(TABLE, "dedup_shingle", "integer", SHINGLE)
    permutations = table.get(TABLE, "dedup_permutations", "integer", PERMUTATIONS)
    threshold = table.get(TABLE, "dedup_threshold", "number", THRESHOLD)
    if shingle < 1:
        table.refuse(TABLE, "dedup_shingle", f"must be at least 1, not {shingle}")
    if not 1 <= permutations <= MAX_PERMUTATIONS:
        table.refuse(TABLE, "dedup_permutations", f"must be between 1 and {MAX_PERMUTATIONS}, not {permutations}")
    if not 0 < threshold <= 1:
        table.refuse(TABLE, "dedup_threshold", f"must be above 0 and at most 1, not {threshold}")
    return DedupSettings(shingle, permutations, threshold)
