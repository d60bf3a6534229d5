"""Near-duplicate articles (the same story republished with a new headline, a trimmed paragraph or a few
words changed): MinHash signatures of word shingles, and locality-sensitive hashing to find the
candidates (``datasketch``). Exact duplicates are found by the hash of the normalised text.

The shingle size, number of permutations and Jaccard threshold are settings (``[tool.newsmark]``
``dedup_shingle``, ``dedup_permutations``, ``dedup_threshold``); the defaults are documented in
docs/design.md.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHINGLE = 5
PERMUTATIONS = 128
THRESHOLD = 0.4
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class DedupSettings:
    shingle: int = SHINGLE
    permutations: int = PERMUTATIONS
    threshold: float = THRESHOLD


def text_key(text: str) -> str:
    """The identity of a text for exact duplicates: sha256 of its words, lowercased, single-spaced."""
    return hashlib.sha256(" ".join(_WORD.findall(text.lower())).encode("utf-8")).hexdigest()


def shingles(text: str, size: int) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str, settings: DedupSettings):
    from datasketch import MinHash

    minhash = MinHash(num_perm=settings.permutations, seed=1)
    minhash.update_batch(list(shingles(text, settings.shingle)))
    return minhash


class NearDuplicateIndex:
    """Articles by MinHash; ``similar(text)`` gives the ids of indexed articles whose estimated Jaccard
    similarity with ``text`` reaches the threshold."""

    def __init__(self, settings: DedupSettings = DedupSettings()):
        from datasketch import MinHashLSH

        self.settings = settings
        self.lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.permutations)
        self.signatures: dict[str, object] = {}

    def add(self, key: str, text: str, minhash=None) -> None:
        minhash = minhash if minhash is not None else signature(text, self.settings)
        self.lsh.insert(key, minhash)
        self.signatures[key] = minhash

    def similar(self, text: str, minhash=None) -> list[str]:
        minhash = minhash if minhash is not None else signature(text, self.settings)
        candidates = self.lsh.query(minhash)
        # LSH gives candidates; keep those whose estimated similarity really reaches the threshold.
        return sorted(key for key in candidates
                      if self.signatures[key].jaccard(minhash) >= self.settings.threshold)


def clusters(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Connected groups of ids from similar pairs (union-find), each sorted, sorted by first id."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in pairs:
        root_a, root_b = find(a), find(b)
        if root_a != root_b:
            parent[max(root_a, root_b)] = min(root_a, root_b)
    groups: dict[str, list[str]] = {}
    for key in parent:
        groups.setdefault(find(key), []).append(key)
    return sorted(sorted(group) for group in groups.values() if len(group) > 1)
