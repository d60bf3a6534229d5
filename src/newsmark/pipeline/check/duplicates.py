"""NM605: near-duplicate articles in different splits, by MinHash signatures kept in the validate
cache."""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from newsmark.errors import NewsmarkError
from newsmark.findings import Finding, finding
from newsmark.pipeline.read.files import read_article_text, read_yaml
from newsmark.pipeline.splits import SPLITS, assign_split
from newsmark.settings import DedupSettings, SettingsError, read_dedup_settings, read_settings

if TYPE_CHECKING:  # imported where used: numpy is not needed by a run over a few files
    from newsmark.neardup import SignatureFile


@cache
def dedup_settings(root: Path) -> DedupSettings:
    """The near-duplicate settings, or the defaults when one is wrong. Not silent: validate reports the wrong
    value as NM606 (check_settings) and skips NM605, which needs it; the workers only compute signatures
    with these, which nothing then uses."""
    try:
        return read_dedup_settings(root)
    except SettingsError:
        return DedupSettings()


def check_near_duplicate_splits(
    root: Path, keys: dict[str, str], signatures: SignatureFile | None, previous: dict | None = None
) -> tuple[list[Finding], dict]:
    """NM605: near-duplicate articles (MinHash estimate of the Jaccard similarity of their word shingles at
    or above the threshold, grouped transitively) whose split keys (story, else id) put them into different
    splits, so that one would leak another's text into evaluation. Each member of such a group is located.

    Returns the findings and the groups, as links (``neardup.near_duplicate_clusters``: a group of n
    articles is n - 1 links, never its n(n-1)/2 pairs), with the digest of the signatures they came from;
    ``previous`` (the validate cache's) is reused when that digest is unchanged: a signature depends on the
    text alone, so until a text changes no article needs comparing again."""
    if len(keys) < 2:
        return [], {"digest": "", "pairs": []}
    try:
        split_settings = read_settings(root)
    except NewsmarkError:
        return [], {"digest": "", "pairs": []}  # no split rule to check against (no pyproject.toml)
    settings = dedup_settings(root)
    # "groups:": caches of the pairs of earlier versions (quadratic in a group's size) are computed again
    digest = hashlib.sha256(b"groups:" + repr(settings).encode())
    for article_id, _, value in _signed(keys, signatures, settings):
        digest.update(f"{article_id}\0{value}\0".encode())
    state = {"digest": digest.hexdigest(), "pairs": []}
    if previous is not None and previous["digest"] == state["digest"]:
        state["pairs"] = previous["pairs"]
    elif len(keys) > 1:
        state["pairs"] = [[a, b, estimate] for a, b, estimate in _near_duplicates(root, keys, signatures, settings)]
    return near_duplicate_findings(root, keys, state["pairs"], split_settings), state


def near_duplicate_findings(root: Path, keys: dict[str, str], pairs: list, split_settings=None) -> list[Finding]:
    """NM605 for the groups of near-duplicates that ``pairs`` link (links or pairs: the groups are their
    connected parts) and that ``keys`` (id -> split key) put into more than one split: one finding per
    member, naming the group by its first few members and its size, so the findings grow linearly with
    the group. A group of two names the other article and their estimated similarity."""
    from newsmark.neardup import clusters

    if split_settings is None:
        try:
            split_settings = read_settings(root)
        except NewsmarkError:
            return []
    estimates = {(a, b): estimate for a, b, estimate in pairs}
    findings = []
    # links tell membership, not similarity: a group is taken whole, then its articles without a split key
    # (not built) left out
    for whole in clusters([(a, b) for a, b, _ in pairs]):
        group = [member for member in whole if member in keys]
        split = {member: assign_split(keys[member], split_settings) for member in group}
        if len(set(split.values())) < 2:
            continue
        counts = Counter(split.values())
        spread = ", ".join(f"{name} {counts[name]:,}" for name in SPLITS if counts[name])
        for member in group:
            doc, _ = read_yaml(root / "corpus" / f"{member}.yaml", root)
            at = (
                doc.at(("story",)) if doc is not None and isinstance(doc.data, dict) and "story" in doc.data else (1, 1)
            )
            others = [other for other in group if other != member]
            if len(whole) == 2:  # a pair: its similarity is known
                other = others[0]
                estimate = estimates.get((member, other), estimates.get((other, member)))
                message = (
                    f"near-duplicate of corpus/{other}.txt (estimated Jaccard similarity {estimate:.2f}), but "
                    f"this article is in {split[member]} and that one in {split[other]}: give both the same "
                    "story so they share a split (newsmark dedup does it)"
                )
            else:
                named = ", ".join(f"corpus/{other}.txt" for other in others[:3])
                message = (
                    f"one of {len(group):,} near-duplicates ({named}"
                    + (f" and {len(others) - 3:,} more" if len(others) > 3 else "")
                    + f") that fall into different splits ({spread}); this article is in {split[member]}: "
                    "give them all one story so they share a split (newsmark dedup does it)"
                )
            findings.append(finding("NM605", f"corpus/{member}.yaml", message, *at))
    return findings


def _signed(keys: dict[str, str], signatures: SignatureFile | None, settings: DedupSettings):
    """``SignatureFile.lookup`` of the articles ``keys``, in id order (no signatures: none of them has one)."""
    if signatures is None:
        from newsmark.neardup import SignatureFile

        signatures = SignatureFile(settings)
    return signatures.lookup(sorted(keys))


def _near_duplicates(root: Path, keys: dict[str, str], signatures: SignatureFile | None, settings: DedupSettings):
    import tempfile

    from newsmark.neardup import RowFile, near_duplicate_clusters
    from newsmark.neardup import signature as minhash

    # The rows in id order go to a file of their own, read a band at a time: never all in memory at once.
    ids, handle = [], tempfile.TemporaryFile()
    with handle:
        for article_id, raw, _ in _signed(keys, signatures, settings):
            if raw is None:  # none, or cached under other settings: computed again, from the text
                text, _ = read_article_text(root / "corpus" / f"{article_id}.txt", root)
                if text is None:
                    continue
                raw = minhash(text, settings).astype("<u4").tobytes()
            ids.append(article_id)
            handle.write(raw)
        return near_duplicate_clusters(ids, RowFile(handle, len(ids), settings.permutations), settings) if ids else []
