"""Near-duplicate articles (the same story republished with a new headline, a trimmed paragraph or a few
words changed): MinHash signatures of word shingles, and locality-sensitive hashing to find the
candidates (``datasketch``). Exact duplicates are found by the hash of the normalised text.

The shingle size, number of permutations and Jaccard threshold are settings (``[tool.newsmark]``
``dedup_shingle``, ``dedup_permutations``, ``dedup_threshold``); the defaults are documented in
docs/design.md.
"""
from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SHINGLE = 5
PERMUTATIONS = 128
THRESHOLD = 0.4
_WORD = re.compile(r"\w+")
_MULTIPLIER = 0x100000001B3  # the 64-bit FNV prime: any large odd number mixes the words' hashes
_MAX_WORD = 64  # bytes of a word that count for its hash
_ROTATION = 0x9E3779B1  # the offset per bin of densification (any large odd constant)
_CHUNK = 100_000  # candidate pairs compared at once


@dataclass(frozen=True)
class DedupSettings:
    shingle: int = SHINGLE
    permutations: int = PERMUTATIONS
    threshold: float = THRESHOLD


def text_key(text: str) -> str:
    """The identity of a text for exact duplicates: sha256 of its words, lowercased, single-spaced."""
    return hashlib.sha256(" ".join(_WORD.findall(text.lower())).encode("utf-8")).hexdigest()


def _word_bytes():
    import numpy

    table = numpy.zeros(256, dtype=bool)
    for byte in b"abcdefghijklmnopqrstuvwxyz0123456789_":
        table[byte] = True
    table[128:] = True  # every byte of a non-ASCII character counts as a letter
    return table


@cache
def _tables():
    import numpy

    powers = numpy.array([pow(_MULTIPLIER, i, 2**64) for i in range(_MAX_WORD)], dtype=numpy.uint64)
    return _word_bytes(), powers


def word_hashes(text: str):
    """A 64-bit hash of every word of the lowercased text, in order, computed on its UTF-8 bytes with numpy
    (no Python loop over words). A word is a run of ASCII letters, digits and '_' and of non-ASCII
    characters, so "café" is one word."""
    import numpy

    is_word, powers = _tables()
    data = numpy.frombuffer(text.lower().encode("utf-8"), dtype=numpy.uint8)
    inside = is_word[data]
    edges = numpy.diff(numpy.concatenate(([False], inside, [False])).astype(numpy.int8))
    starts, ends = numpy.flatnonzero(edges == 1), numpy.flatnonzero(edges == -1)
    if not len(starts):
        return numpy.zeros(0, dtype=numpy.uint64)
    # each byte weighs powers[its position in the word]; a word's hash is the sum of its bytes' weights,
    # read off a running sum (differences of sums modulo 2**64 are exact)
    first = numpy.zeros(len(data), dtype=numpy.int64)
    first[starts] = starts
    first = numpy.maximum.accumulate(first)
    position = numpy.minimum(numpy.arange(len(data)) - first, _MAX_WORD - 1)
    weights = (data.astype(numpy.uint64) + numpy.uint64(1)) * powers[position] * inside
    running = numpy.concatenate(([numpy.uint64(0)], numpy.cumsum(weights, dtype=numpy.uint64)))
    return _mix(running[ends] - running[starts])


def _mix(values):
    """splitmix64's finaliser: spreads every input bit over all output bits."""
    import numpy

    values = values ^ (values >> numpy.uint64(30))
    values = values * numpy.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> numpy.uint64(27))
    values = values * numpy.uint64(0x94D049BB133111EB)
    return values ^ (values >> numpy.uint64(31))


def shingle_hashes(text: str, size: int):
    """64-bit hashes of the text's shingles (``size`` consecutive words), unique and sorted: a polynomial
    of the words' hashes, computed for all shingles at once."""
    import numpy

    hashes = word_hashes(text)
    count = max(len(hashes) - size + 1, 1)
    combined = numpy.zeros(count, dtype=numpy.uint64)
    for offset in range(min(size, len(hashes))):
        combined = combined * numpy.uint64(_MULTIPLIER) + hashes[offset:offset + count]  # wraps modulo 2**64
    return numpy.unique(_mix(combined))


def signature(text: str, settings: DedupSettings):
    """The text's MinHash signature, ``settings.permutations`` 32-bit values (numpy uint32), by one
    permutation hashing: each shingle's hash picks a bin and the smallest value in each bin is kept; an
    empty bin takes the value of the next filled bin to its right, shifted by the distance (densification
    by rotation). One pass over the shingles instead of one per permutation, with the same estimate of
    Jaccard similarity: the share of equal values."""
    import numpy

    bins = settings.permutations
    hashes = shingle_hashes(text, settings.shingle)
    empty = numpy.uint64(1 << 32)
    values = numpy.full(bins, empty, dtype=numpy.uint64)
    numpy.minimum.at(values, (hashes >> numpy.uint64(32)) % numpy.uint64(bins), hashes & numpy.uint64(0xFFFFFFFF))
    filled = values != empty
    if not filled.all():
        index = numpy.arange(2 * bins)
        nearest = numpy.where(numpy.concatenate((filled, filled)), index, 2 * bins)
        nearest = numpy.minimum.accumulate(nearest[::-1])[::-1][:bins]  # next filled bin, wrapping round
        distance = (nearest - index[:bins]).astype(numpy.uint64)
        values = values[nearest % bins] + distance * numpy.uint64(_ROTATION)
    return (values & numpy.uint64(0xFFFFFFFF)).astype(numpy.uint32)


def encode(settings: DedupSettings, values) -> str:
    """A signature as a short string for the validate cache, tagged with the settings that made it."""
    return f"{settings.shingle}:{settings.permutations}:" + base64.b64encode(values.astype("<u4").tobytes()).decode()


def decode(settings: DedupSettings, value) -> object | None:
    """The signature ``encode`` wrote, or None when other settings made it (it must be computed again)."""
    import numpy

    tag = f"{settings.shingle}:{settings.permutations}:"
    if not isinstance(value, str) or not value.startswith(tag):
        return None
    try:
        values = numpy.frombuffer(base64.b64decode(value[len(tag):], validate=True), dtype="<u4")
    except ValueError:
        return None
    return values.astype(numpy.uint32) if len(values) == settings.permutations else None


def similarity(a, b) -> float:
    """The estimated Jaccard similarity of two texts' shingle sets: the share of equal signature values."""
    return float((a == b).mean())


# Banding that favours recall: a pair at the threshold becomes a candidate with probability 0.94 (0.56
# with equal weights), and every candidate is then checked against its estimated similarity.
LSH_WEIGHTS = (0.1, 0.9)  # (false positive, false negative)


def _lsh(settings: DedupSettings):
    from datasketch import MinHashLSH

    return MinHashLSH(threshold=settings.threshold, num_perm=settings.permutations, weights=LSH_WEIGHTS)


@cache
def bands(settings: DedupSettings) -> tuple[int, int]:
    """(bands, rows per band) of the LSH index for these settings (computing them takes datasketch a
    while, so once per process)."""
    lsh = _lsh(settings)
    return lsh.b, lsh.r


class NearDuplicateIndex:
    """Articles by MinHash signature in datasketch's LSH index; ``similar(text)`` gives the ids of indexed
    articles whose estimated Jaccard similarity with ``text`` reaches the threshold."""

    def __init__(self, settings: DedupSettings = DedupSettings()):
        self.settings = settings
        self.lsh = _lsh(settings)
        self.signatures: dict[str, object] = {}

    def _minhash(self, values):
        from datasketch import MinHash

        # scheme only says how values would be updated; these are never updated, only compared and banded
        return MinHash(num_perm=self.settings.permutations, hashvalues=values.astype("uint64"), scheme="affine32")

    def add(self, key: str, text: str, values=None) -> None:
        values = values if values is not None else signature(text, self.settings)
        self.lsh.insert(key, self._minhash(values))
        self.signatures[key] = values

    def similar(self, text: str, values=None) -> list[str]:
        values = values if values is not None else signature(text, self.settings)
        candidates = self.lsh.query(self._minhash(values))
        # LSH gives candidates; keep those whose estimated similarity really reaches the threshold.
        return sorted(key for key in candidates
                      if similarity(self.signatures[key], values) >= self.settings.threshold)


def near_duplicate_pairs(keys: list[str], signatures, settings: DedupSettings) -> list[tuple[str, str, float]]:
    """Every pair of ``keys`` (rows of the ``signatures`` matrix) that are near-duplicates, with their
    estimated similarity: the banding of the index above, done for all rows at once with numpy, for the
    whole-corpus check in ``validate``. Candidates are checked band by band, so memory holds one band's
    candidates and the pairs found, however similar the corpus's articles are to each other."""
    import numpy

    if len(keys) < 2:
        return []
    band_count, rows = bands(settings)
    found: dict[tuple[int, int], float] = {}

    def keep(first, second) -> None:
        low, high = numpy.minimum(first, second), numpy.maximum(first, second)
        for start in range(0, len(low), _CHUNK):
            a, b = low[start:start + _CHUNK], high[start:start + _CHUNK]
            estimates = (signatures[a] == signatures[b]).mean(axis=1)
            hits = estimates >= settings.threshold
            found.update(zip(zip(a[hits].tolist(), b[hits].tolist()), estimates[hits].tolist()))

    for band in range(band_count):
        block = numpy.ascontiguousarray(signatures[:, band * rows:(band + 1) * rows])
        band_keys = block.view(numpy.dtype((numpy.void, block.dtype.itemsize * rows))).ravel()
        order = numpy.argsort(band_keys, kind="stable")
        ordered = band_keys[order]
        same = numpy.flatnonzero(ordered[1:] == ordered[:-1])  # i where rows order[i], order[i+1] collide
        if not len(same):
            continue
        # runs of colliding rows; a run of two (the usual case) is one candidate pair
        starts = same[numpy.r_[True, same[1:] != same[:-1] + 1]]
        ends = same[numpy.r_[same[1:] != same[:-1] + 1, True]] + 1  # index of a run's last row in ``order``
        pairs = ends - starts == 1
        keep(order[starts[pairs]], order[ends[pairs]])
        for start, end in zip(starts[~pairs].tolist(), ends[~pairs].tolist()):
            members = order[start:end + 1]
            for i in range(len(members) - 1):  # one row against the rest: memory stays linear in the run
                keep(numpy.full(len(members) - i - 1, members[i]), members[i + 1:])
    return [(keys[a], keys[b], estimate) for (a, b), estimate in sorted(found.items())]


def read_settings(root: Path) -> DedupSettings:
    """The near-duplicate settings of ``[tool.newsmark]`` (``dedup_shingle``, ``dedup_permutations``,
    ``dedup_threshold``), each defaulting to the documented value."""
    try:
        tool = tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8")).get("tool", {}).get("newsmark", {})
    except (OSError, ValueError):
        tool = {}
    defaults = DedupSettings()
    try:
        return DedupSettings(int(tool.get("dedup_shingle", defaults.shingle)),
                             int(tool.get("dedup_permutations", defaults.permutations)),
                             float(tool.get("dedup_threshold", defaults.threshold)))
    except (TypeError, ValueError):
        return defaults


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
