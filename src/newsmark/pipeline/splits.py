"""The split rule (docs/design.md, "Splits") and the settings it reads from pyproject.toml."""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from newsmark.errors import NewsmarkError

SPLITS = ("train", "test")


@dataclass(frozen=True)
class Settings:
    """What pyproject.toml fixes for a build: the dataset version and the split rule's inputs."""

    version: str
    salt: str
    test_fraction: float


def read_settings(root: Path) -> Settings:
    path = Path(root) / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        tool = data["tool"]["newsmark"]
        settings = Settings(str(data["project"]["version"]), str(tool["salt"]), float(tool["test_fraction"]))
    except FileNotFoundError:
        raise NewsmarkError(f"{path}: not found; it must give [project].version and [tool.newsmark] salt and "
                            "test_fraction") from None
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as err:
        raise NewsmarkError(f"{path}: needs [project].version and [tool.newsmark] salt and test_fraction "
                            f"({type(err).__name__}: {err})") from None
    if not 0 <= settings.test_fraction <= 1:
        raise NewsmarkError(f"{path}: [tool.newsmark].test_fraction must be between 0 and 1")
    return settings


def assign_split(key: str, salt: str, test_fraction: float) -> str:
    """``test`` when the salted hash of ``key`` (story or id) falls under the test fraction."""
    digest = hashlib.sha256(f"{salt}:{key}".encode("utf-8")).hexdigest()[:8]
    return "test" if int(digest, 16) % 10000 < test_fraction * 10000 else "train"


def split_of(article_id: str, meta: dict, settings: Settings) -> str:
    return assign_split(meta.get("story") or article_id, settings.salt, settings.test_fraction)
