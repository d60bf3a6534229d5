"""The split rule (docs/design.md, "Splits") and the settings it reads from pyproject.toml."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from newsmark.errors import NewsmarkError

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class Settings:
    """What pyproject.toml fixes for a build: the dataset version and the split rule's inputs."""

    version: str
    salt: str
    test_fraction: float
    validation_fraction: float = 0.0
    repo_id: str | None = None  # OWNER/NAME on the Hugging Face Hub, once the dataset has a home there


def read_settings(root: Path) -> Settings:
    import tomllib  # here: a pre-commit run over a few files never reads pyproject.toml

    path = Path(root) / "pyproject.toml"
    needs = "[project].version and [tool.newsmark] salt, test_fraction and validation_fraction"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        tool = data["tool"]["newsmark"]
        settings = Settings(
            str(data["project"]["version"]),
            str(tool["salt"]),
            float(tool["test_fraction"]),
            float(tool.get("validation_fraction", 0.0)),
            tool.get("repo_id"),
        )
    except FileNotFoundError:
        raise NewsmarkError(f"{path}: not found; it must give {needs}") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, UnicodeDecodeError) as err:
        raise NewsmarkError(f"{path}: needs {needs} ({type(err).__name__}: {err})") from None
    if settings.repo_id is not None and not re.fullmatch(
        r"[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*", str(settings.repo_id)
    ):
        raise NewsmarkError(f"{path}: [tool.newsmark].repo_id must be OWNER/NAME, as on the Hugging Face Hub")
    fractions = (settings.test_fraction, settings.validation_fraction)
    if not all(0 <= fraction <= 1 for fraction in fractions) or sum(fractions) > 1:
        raise NewsmarkError(
            f"{path}: [tool.newsmark] test_fraction and validation_fraction must each be between "
            "0 and 1, and together at most 1"
        )
    return settings


def bucket(key: str, salt: str) -> int:
    """0-9999 from the first 8 hex digits of SHA-256(salt + ":" + key)."""
    return int(hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()[:8], 16) % 10000


def assign_split(key: str, settings: Settings) -> str:
    """``test`` below the test fraction, ``validation`` below test + validation fraction, else ``train``;
    ``key`` is the article's story or id."""
    value = bucket(key, settings.salt)
    if value < settings.test_fraction * 10000:
        return "test"
    if value < (settings.test_fraction + settings.validation_fraction) * 10000:
        return "validation"
    return "train"


def split_of(article_id: str, meta: dict, settings: Settings) -> str:
    return assign_split(meta.get("story") or article_id, settings)
