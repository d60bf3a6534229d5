"""The split rule (docs/design.md, "Splits"); its inputs are read by ``newsmark.settings``."""

from __future__ import annotations

import hashlib

# The settings are read by newsmark.settings; pipeline/check.py, card.py and cli/ still import them from here.
from newsmark.settings import Settings

SPLITS = ("train", "validation", "test")


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
