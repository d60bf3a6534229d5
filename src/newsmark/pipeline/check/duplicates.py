"""NM605: near-duplicate articles in different splits, by MinHash signatures kept in the validate
cache."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from newsmark.errors import NewsmarkError
from newsmark.findings import Finding, finding
from newsmark.pipeline.read import read_article_text, read_yaml
from newsmark.pipeline.splits import assign_split, read_settings

if TYPE_CHECKING:  # imported where used: a pre-commit run over a few files needs neither
    from newsmark.neardup import DedupSettings


@cache
def dedup_settings(root: Path) -> DedupSettings:
    from newsmark.neardup import read_settings

    return read_settings(root)


def check_near_duplicate_splits(
    root: Path, keys: dict[str, str], signatures: dict[str, str], previous: dict | None = None
) -> tuple[list[Finding], dict]:
    """NM605: two articles that are near-duplicates (MinHash estimate of the Jaccard similarity of their
    word shingles at or above the threshold) but whose split keys (story, else id) put them into different
    splits, so that one would leak the other's text into evaluation. Each of the two is located.

    Returns the findings and the pairs with the digest of the signatures they came from; ``previous``
    (the validate cache's) is reused when that digest is unchanged: a signature depends on the text
    alone, so until a text changes no article needs comparing again."""
    if len(keys) < 2:
        return [], {"digest": "", "pairs": []}
    try:
        split_settings = read_settings(root)
    except NewsmarkError:
        return [], {"digest": "", "pairs": []}  # no split rule to check against (no pyproject.toml)
    settings = dedup_settings(root)
    digest = hashlib.sha256(repr(settings).encode())
    for article_id in sorted(keys):
        digest.update(f"{article_id}\0{signatures.get(article_id)}\0".encode())
    state = {"digest": digest.hexdigest(), "pairs": []}
    if previous is not None and previous["digest"] == state["digest"]:
        state["pairs"] = previous["pairs"]
    elif len(keys) > 1:
        state["pairs"] = [[a, b, estimate] for a, b, estimate in _near_duplicates(root, keys, signatures, settings)]
    return near_duplicate_findings(root, keys, state["pairs"], split_settings), state


def near_duplicate_findings(root: Path, keys: dict[str, str], pairs: list, split_settings=None) -> list[Finding]:
    """NM605 for the near-duplicate ``pairs`` that ``keys`` (id -> split key) put into different splits."""
    if split_settings is None:
        try:
            split_settings = read_settings(root)
        except NewsmarkError:
            return []
    findings = []
    for a, b, estimate in pairs:
        if a not in keys or b not in keys:
            continue
        split_a, split_b = assign_split(keys[a], split_settings), assign_split(keys[b], split_settings)
        if split_a == split_b:
            continue
        for one, other, here, there in ((a, b, split_a, split_b), (b, a, split_b, split_a)):
            doc, _ = read_yaml(root / "corpus" / f"{one}.yaml", root)
            at = (
                doc.at(("story",)) if doc is not None and isinstance(doc.data, dict) and "story" in doc.data else (1, 1)
            )
            findings.append(
                finding(
                    "NM605",
                    f"corpus/{one}.yaml",
                    f"near-duplicate of corpus/{other}.txt (estimated "
                    f"Jaccard similarity {estimate:.2f}), but this article is in {here} and that one "
                    f"in {there}: give both the same story so they share a split (newsmark dedup "
                    "does it)",
                    *at,
                )
            )
    return findings


def _near_duplicates(root: Path, keys: dict[str, str], signatures: dict[str, str], settings: DedupSettings):
    import numpy

    from newsmark.neardup import decode as decode_signature
    from newsmark.neardup import near_duplicate_pairs
    from newsmark.neardup import signature as minhash

    ids, rows = [], []
    for article_id in sorted(keys):
        values = decode_signature(settings, signatures.get(article_id))
        if values is None:  # cached under other settings: computed again, from the text
            text, _ = read_article_text(root / "corpus" / f"{article_id}.txt", root)
            if text is None:
                continue
            values = minhash(text, settings)
        ids.append(article_id)
        rows.append(values)
    return near_duplicate_pairs(ids, numpy.stack(rows), settings) if rows else []
