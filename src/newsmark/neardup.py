"""Near-duplicate articles (the same story republished with a new headline, a trimmed paragraph or a few
words changed): MinHash signatures of word shingles, and locality-sensitive hashing over all of them at
once to find the groups (in time linear in a group's size; its pairs are quadratic). Exact duplicates are found by the hash of the normalised text. datasketch, the
field's MinHash library, is the tests' reference: it finds the same pairs from the same signatures, one
article at a time, at five times the cost (docs/design.md, "Near-duplicates and stories").

The shingle size, number of permutations and Jaccard threshold are settings (``[tool.newsmark]``
``dedup_shingle``, ``dedup_permutations``, ``dedup_threshold``, read by ``newsmark.settings``); the
defaults are documented in docs/design.md.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from functools import cache

from newsmark.settings import DedupSettings

_WORD = re.compile(r"\w+")
_MULTIPLIER = 0x100000001B3  # the 64-bit FNV prime: any large odd number mixes the words' hashes
_MAX_WORD = 64  # bytes of a word that count for its hash
_ROTATION = 0x9E3779B1  # the offset per bin of densification (any large odd constant)
_CHUNK = 100_000  # candidate pairs compared at once
_SMALL_RUN = 64  # rows sharing a band key whose pairs are listed at once (a longer run goes row by row)
BATCH = 256  # texts whose signatures are computed together: numpy's cost per call is shared, memory small


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


def _mix(values):
    """splitmix64's finaliser: spreads every input bit over all output bits."""
    import numpy

    values = values ^ (values >> numpy.uint64(30))
    values = values * numpy.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> numpy.uint64(27))
    values = values * numpy.uint64(0x94D049BB133111EB)
    return values ^ (values >> numpy.uint64(31))


class _Tokens:
    """The words of texts, found on the lowercased texts' UTF-8 bytes with numpy, all texts at once: no
    Python loop over words. A word is a run of ASCII letters, digits and '_' and of non-ASCII characters, so
    "café" is one word. ``data`` holds the texts' bytes, each followed by a NUL (no word byte: texts stay
    apart); ``inside`` marks word bytes, ``starts``/``ends`` each word's first byte and the byte after
    it, ``owner`` the index of its text, ``hashes`` its 64-bit hash."""

    def __init__(self, texts: list[str]):
        import numpy

        is_word, powers = _tables()
        encoded = [text.lower().encode("utf-8") for text in texts]
        data = numpy.frombuffer(b"\0".join(encoded), dtype=numpy.uint8)
        inside = is_word[data]
        edges = numpy.diff(numpy.concatenate(([False], inside, [False])).astype(numpy.int8))
        starts, ends = numpy.flatnonzero(edges == 1), numpy.flatnonzero(edges == -1)
        # each byte weighs powers[its position in the word]; a word's hash is the sum of its bytes' weights,
        # read off a running sum (differences of sums modulo 2**64 are exact)
        first = numpy.zeros(len(data), dtype=numpy.int64)
        first[starts] = starts
        first = numpy.maximum.accumulate(first)
        position = numpy.minimum(numpy.arange(len(data)) - first, _MAX_WORD - 1)
        weights = (data.astype(numpy.uint64) + numpy.uint64(1)) * powers[position] * inside
        running = numpy.concatenate(([numpy.uint64(0)], numpy.cumsum(weights, dtype=numpy.uint64)))
        self.lengths = numpy.array([len(raw) for raw in encoded], dtype=numpy.int64)
        self.text_ends = numpy.cumsum(self.lengths + 1)
        self.data, self.inside, self.starts, self.ends = data, inside, starts, ends
        self.hashes = _mix(running[ends] - running[starts])
        self.owner = numpy.searchsorted(self.text_ends, starts, side="right")

    def joined(self) -> list[bytes]:
        """Each text's words joined by single spaces (the words of ``_WORD`` too, for an ASCII text)."""
        import numpy

        keep, spaced = self.inside.copy(), self.data.copy()
        # the byte after a word becomes one space when another word of the same text follows
        gaps = self.ends[:-1][self.owner[1:] == self.owner[:-1]]
        keep[gaps], spaced[gaps] = True, ord(" ")
        kept = spaced[keep].tobytes()
        counts = numpy.concatenate(([0], numpy.cumsum(keep)))
        firsts = self.text_ends - self.lengths - 1
        bounds = zip(counts[firsts].tolist(), counts[firsts + self.lengths].tolist())
        return [kept[start:stop] for start, stop in bounds]


def keys_and_signatures(texts: list[str], settings: DedupSettings):
    """``text_key`` of each text and their ``signatures``, from one tokenisation where that gives the same
    keys. For an ASCII text it does: lowercased, its word bytes for the signatures are [a-z0-9_], which are
    ``\\w``'s characters there, so the words ``text_key`` joins are the signatures' words. In another text
    they differ (a curly quote or a dash is part of a word for the signatures, not for ``\\w``): its key is
    ``text_key``'s."""
    import numpy

    keys, rows = [], []
    for at in range(0, len(texts), BATCH):
        batch = texts[at : at + BATCH]
        tokens = _Tokens(batch)
        rows.append(_minhash(tokens, len(batch), settings))
        keys += [
            hashlib.sha256(words).hexdigest() if text.isascii() else text_key(text)
            for text, words in zip(batch, tokens.joined())
        ]
    permutations = settings.permutations
    return keys, numpy.concatenate(rows) if rows else numpy.zeros((0, permutations), dtype=numpy.uint32)


def signatures(texts: list[str], settings: DedupSettings):
    """The MinHash signatures of ``texts`` (see ``_signatures``), computed ``BATCH`` texts at a time."""
    import numpy

    if len(texts) <= BATCH:
        return _signatures(texts, settings)
    return numpy.concatenate([_signatures(texts[i : i + BATCH], settings) for i in range(0, len(texts), BATCH)])


def _signatures(texts: list[str], settings: DedupSettings):
    """The MinHash signatures of ``texts``, one row of ``settings.permutations`` 32-bit values each (numpy
    uint32), by one permutation hashing over word shingles:

    - a shingle is ``settings.shingle`` consecutive words (a text with fewer words is one shingle), its
      hash a polynomial of its words' hashes;
    - each shingle's hash picks a bin and the smallest value in each bin is kept; an empty bin takes the
      value of the next filled bin to its right, shifted by the distance (densification by rotation).

    One pass over the shingles instead of one per permutation, with the same estimate of Jaccard
    similarity (the share of equal values). All texts are done together, so numpy's cost per call is
    paid once per batch, not once per article."""
    return _minhash(_Tokens(texts), len(texts), settings)


def _minhash(tokens: _Tokens, count: int, settings: DedupSettings):
    """The signatures of the ``count`` texts whose words are ``tokens``."""
    import numpy

    words, owner = tokens.hashes, tokens.owner
    bins, size = settings.permutations, settings.shingle
    per_text = numpy.bincount(owner, minlength=count)
    windows = max(len(words) - size + 1, 0)
    combined = numpy.zeros(windows, dtype=numpy.uint64)
    for offset in range(size if windows else 0):
        combined = combined * numpy.uint64(_MULTIPLIER) + words[offset : offset + windows]  # wraps modulo 2**64
    whole = owner[:windows] == owner[size - 1 : size - 1 + windows]  # windows inside one text
    hashes, rows = _mix(combined[whole]), owner[:windows][whole]
    short = numpy.flatnonzero((per_text > 0) & (per_text < size))
    if len(short):  # a text of fewer words than a shingle is one shingle of all its words
        firsts = numpy.concatenate(([0], numpy.cumsum(per_text)))[short]
        extra = numpy.zeros(len(short), dtype=numpy.uint64)
        for offset in range(size - 1):
            present = offset < per_text[short]
            taken = words[numpy.minimum(firsts + offset, len(words) - 1)]
            extra = numpy.where(present, extra * numpy.uint64(_MULTIPLIER) + taken, extra)
        hashes, rows = numpy.concatenate((hashes, _mix(extra))), numpy.concatenate((rows, short))
    empty = numpy.uint64(1 << 32)
    values = numpy.full(count * bins, empty, dtype=numpy.uint64)
    slots = rows.astype(numpy.uint64) * numpy.uint64(bins) + (hashes >> numpy.uint64(32)) % numpy.uint64(bins)
    numpy.minimum.at(values, slots, hashes & numpy.uint64(0xFFFFFFFF))
    values = values.reshape(count, bins)
    filled = values != empty
    if not filled.all():
        index = numpy.arange(2 * bins)
        nearest = numpy.where(numpy.concatenate((filled, filled), axis=1), index, 2 * bins)
        nearest = numpy.minimum.accumulate(nearest[:, ::-1], axis=1)[:, ::-1][:, :bins]  # next filled bin
        nearest[nearest == 2 * bins] = 0  # a text without words: every bin stays "empty", alike for all
        distance = (nearest - index[:bins]) % (2 * bins)
        values = numpy.take_along_axis(values, nearest % bins, axis=1) + distance.astype(numpy.uint64) * numpy.uint64(
            _ROTATION
        )
    return (values & numpy.uint64(0xFFFFFFFF)).astype(numpy.uint32)


def signature(text: str, settings: DedupSettings):
    """The MinHash signature of one text (see ``signatures``)."""
    return signatures([text], settings)[0]


def encode_signature(settings: DedupSettings, values) -> str:
    """A signature as a short string for the validate cache, tagged with the settings that made it."""
    return f"{settings.shingle}:{settings.permutations}:" + base64.b64encode(values.astype("<u4").tobytes()).decode()


def decode_signature(settings: DedupSettings, value) -> object | None:
    """The signature ``encode_signature`` wrote, or None when other settings made it (it must be computed again)."""
    import numpy

    tag = f"{settings.shingle}:{settings.permutations}:"
    if not isinstance(value, str) or not value.startswith(tag):
        return None
    try:
        values = numpy.frombuffer(base64.b64decode(value[len(tag) :], validate=True), dtype="<u4")
    except ValueError:
        return None
    return values.astype(numpy.uint32) if len(values) == settings.permutations else None


class SignatureFile:
    """The MinHash signatures of a whole corpus, kept in a temporary file rather than in memory: a
    validation or build adds each article's signature (as ``encode_signature`` wrote it) as the article is
    checked, so what it holds per article stays a pointer to its id, whatever the number of articles.
    ``rows`` gives them back as a ``RowFile`` in the order asked for (NM605 compares them in id order)."""

    def __init__(self, settings: DedupSettings):
        self.settings = settings
        self.width = settings.permutations * 4  # bytes of a row
        self._handle = tempfile.TemporaryFile()
        self._ids: list[str] = []  # the article of each row, in the order added
        self._others: dict[str, object] = {}  # what an article gave that is no signature of these settings

    def __len__(self) -> int:
        return len(self._ids) + len(self._others)

    def add(self, article_id: str, value) -> None:
        values = decode_signature(self.settings, value)
        if values is None:  # none computed, or under other settings: the text is signed again if needed
            self._others[article_id] = value
        else:
            self._handle.write(values.astype("<u4").tobytes())
            self._ids.append(article_id)

    def lookup(self, ids: list[str]) -> Iterator[tuple[str, bytes | None, object]]:
        """For each of ``ids`` (sorted): the id, its signature's bytes (None when it has none of these
        settings) and what was added for it as ``encode_signature`` writes it (None: nothing)."""
        self._handle.flush()
        order = sorted(range(len(self._ids)), key=self._ids.__getitem__)
        tag, at = f"{self.settings.shingle}:{self.settings.permutations}:", 0
        for article_id in ids:
            while at < len(order) and self._ids[order[at]] < article_id:
                at += 1
            if at < len(order) and self._ids[order[at]] == article_id:
                raw = os.pread(self._handle.fileno(), self.width, order[at] * self.width)
                yield article_id, raw, tag + base64.b64encode(raw).decode()
            else:
                yield article_id, None, self._others.get(article_id)


class RowFile:
    """A matrix of signatures (one row each) in a file, read with plain reads, never mapped (a mapping
    brings every page touched into this process's memory: the whole file, when the candidate pairs are
    spread over it). ``matrix[index]`` gives rows as numpy would (a row, or rows in the order asked),
    ``columns`` one band of every row; both read a block of rows at a time, or only the rows asked for
    when they are few."""

    BLOCK = 4096  # rows read at once

    def __init__(self, handle, count: int, permutations: int):
        handle.flush()
        self.fd, self.shape = handle.fileno(), (count, permutations)

    def __len__(self) -> int:
        return self.shape[0]

    def _rows(self, first: int, count: int):
        import numpy

        width = self.shape[1] * 4
        return numpy.frombuffer(os.pread(self.fd, count * width, first * width), dtype="<u4").reshape(count, -1)

    def __getitem__(self, index):
        import numpy

        index = numpy.asarray(index)
        if index.ndim == 0:
            return self._rows(int(index), 1)[0]
        wanted, inverse = numpy.unique(index, return_inverse=True)
        out = numpy.empty((len(wanted), self.shape[1]), dtype=numpy.uint32)
        blocks = wanted // self.BLOCK
        for block in numpy.unique(blocks).tolist():
            low, high = numpy.searchsorted(blocks, [block, block + 1])
            first = block * self.BLOCK
            if (high - low) * 64 < self.BLOCK:  # a few rows of this block: read just them
                for at in range(low, high):
                    out[at] = self._rows(int(wanted[at]), 1)[0]
            else:
                out[low:high] = self._rows(first, min(self.BLOCK, self.shape[0] - first))[wanted[low:high] - first]
        return out[inverse.reshape(index.shape)]

    def columns(self, start: int, stop: int):
        import numpy

        count = self.shape[0]
        out = numpy.empty((count, stop - start), dtype=numpy.uint32)
        for first in range(0, count, self.BLOCK):
            out[first : first + self.BLOCK] = self._rows(first, min(self.BLOCK, count - first))[:, start:stop]
        return out


def similarity(a, b) -> float:
    """The estimated Jaccard similarity of two texts' shingle sets: the share of equal signature values."""
    return float((a == b).mean())


# Banding that favours recall: a pair at the threshold becomes a candidate with probability 0.94 (0.56
# with equal weights), and every candidate is then checked against its estimated similarity.
LSH_WEIGHTS = (0.1, 0.9)  # (false positive, false negative)


@cache
def bands(settings: DedupSettings) -> tuple[int, int]:
    """(bands, rows per band) of the LSH: of all b*r <= permutations, the one whose S-curve, the chance
    1 - (1 - s**r)**b that a pair of similarity s shares a band, best separates the two sides of the
    threshold: least LSH_WEIGHTS-weighted area of false candidates below it and missed pairs above it."""
    import numpy

    grid = numpy.linspace(0.0, 1.0, 2001)
    below, above = grid <= settings.threshold, grid >= settings.threshold
    best, choice = float("inf"), (1, 1)
    for rows in range(1, settings.permutations + 1):
        counts = numpy.arange(1, settings.permutations // rows + 1)[:, None]  # every band count at once
        chance = 1.0 - (1.0 - grid**rows) ** counts
        error = LSH_WEIGHTS[0] * numpy.trapezoid(chance[:, below], grid[below], axis=1) + LSH_WEIGHTS[
            1
        ] * numpy.trapezoid(1.0 - chance[:, above], grid[above], axis=1)
        at = int(error.argmin())
        if error[at] < best:
            best, choice = float(error[at]), (at + 1, rows)
    return choice


def _band_runs(matrix, band: int, rows: int):
    """The rows that share all values of ``band``: the rows in band order, and the first and last position
    of each run of two or more equal band keys in it."""
    import numpy

    start, stop = band * rows, (band + 1) * rows
    block = (
        matrix.columns(start, stop) if isinstance(matrix, RowFile) else numpy.ascontiguousarray(matrix[:, start:stop])
    )
    band_keys = block.view(numpy.dtype((numpy.void, block.dtype.itemsize * rows))).ravel()
    order = numpy.argsort(band_keys, kind="stable")
    ordered = band_keys[order]
    same = numpy.flatnonzero(ordered[1:] == ordered[:-1])  # i where rows order[i], order[i+1] collide
    starts = same[numpy.r_[True, same[1:] != same[:-1] + 1]] if len(same) else same
    ends = same[numpy.r_[same[1:] != same[:-1] + 1, True]] + 1 if len(same) else same  # a run's last position
    return order, starts, ends


def near_duplicate_pairs(keys: list[str], matrix, settings: DedupSettings) -> list[tuple[str, str, float]]:
    """Every pair of ``keys`` (rows of the signature ``matrix``) that are near-duplicates, with their
    estimated similarity: locality-sensitive hashing (rows sharing all values of one band are candidates),
    done for all rows at once with numpy, then each candidate kept if its estimate reaches the threshold.
    Candidates are checked band by band, so memory holds one band's candidates and the pairs found.

    The plain path: a group of n copies has n(n-1)/2 pairs, so the tool groups with
    ``near_duplicate_clusters``, whose groups the tests and benchmarks check against these pairs'."""
    import numpy

    if len(keys) < 2:
        return []
    band_count, rows = bands(settings)
    found: dict[tuple[int, int], float] = {}

    def keep(first, second) -> None:
        low, high = numpy.minimum(first, second), numpy.maximum(first, second)
        for start in range(0, len(low), _CHUNK):
            a, b = low[start : start + _CHUNK], high[start : start + _CHUNK]
            estimates = (matrix[a] == matrix[b]).mean(axis=1)
            hits = estimates >= settings.threshold
            found.update(zip(zip(a[hits].tolist(), b[hits].tolist()), estimates[hits].tolist()))

    for band in range(band_count):
        order, starts, ends = _band_runs(matrix, band, rows)
        if not len(starts):
            continue
        # runs of colliding rows; a run of two (the usual case) is one candidate pair
        sizes = ends - starts + 1
        small = sizes <= _SMALL_RUN
        pairs = [(order[starts[sizes == 2]], order[ends[sizes == 2]])]
        for start, end in zip(starts[small & (sizes > 2)].tolist(), ends[small & (sizes > 2)].tolist()):
            members = order[start : end + 1]
            first, second = numpy.triu_indices(len(members), 1)
            pairs.append((members[first], members[second]))
        keep(numpy.concatenate([p[0] for p in pairs]), numpy.concatenate([p[1] for p in pairs]))
        for start, end in zip(starts[~small].tolist(), ends[~small].tolist()):
            members = order[start : end + 1]
            for i in range(len(members) - 1):  # one row against the rest: memory stays linear in the run
                keep(numpy.full(len(members) - i - 1, members[i]), members[i + 1 :])
    return [(keys[a], keys[b], estimate) for (a, b), estimate in sorted(found.items())]


class _Groups:
    """Union-find over row numbers that keeps every row's group in a numpy array (``group``), so that the
    groups of a run of rows are one lookup. A merge relabels the smaller group's rows (union by size:
    each row is relabelled at most log2(n) times)."""

    def __init__(self, count: int):
        import numpy

        self.group = numpy.arange(count)
        self.rows: dict[int, list[int]] = {}  # group -> its rows, for groups of two or more
        self.best = numpy.zeros(count)  # each row's highest estimate with a near-duplicate found

    def join(self, pivot: int, hits, estimates) -> None:
        """Put ``pivot`` and every row of ``hits`` (near-duplicates of it, with ``estimates``) in one group."""
        import numpy

        numpy.maximum.at(self.best, hits, estimates)
        self.best[pivot] = max(self.best[pivot], float(estimates.max()))
        labels = set(numpy.unique(self.group[hits]).tolist()) | {int(self.group[pivot])}
        if len(labels) == 1:
            return
        # a group's label is the row it started from; the largest group keeps its label and takes the others
        target = max(sorted(labels), key=lambda label: len(self.rows.get(label, ())))
        members = self.rows.setdefault(target, [target])
        for label in labels - {target}:
            moved = self.rows.pop(label, [label])
            self.group[moved] = target
            members.extend(moved)


def near_duplicate_clusters(keys: list[str], matrix, settings: DedupSettings) -> list[tuple[str, str, float]]:
    """The groups of near-duplicates among ``keys`` (rows of the signature ``matrix``): the connected groups
    of ``near_duplicate_pairs``, found without listing every pair. Returned as links ``(first, member,
    estimate)``: each group's first key (in sorted order) with every other member and that member's highest
    estimated similarity to a near-duplicate found; a group of two is its pair. ``clusters`` of the links
    gives the groups.

    Cost linear in a group's size, where the pairs are quadratic (2,000 copies of one text are 2 million
    pairs): within a run of rows sharing a band, each row is compared only with the rows of the run not
    yet in its group, and a run whose rows are all in one group already is passed over. Skipping a pair
    of one group never changes the groups, so they are exactly those of the pairs."""
    import numpy

    if len(keys) < 2:
        return []
    band_count, rows = bands(settings)
    groups = _Groups(len(keys))

    def compare(first, second):
        """The estimates of the row pairs (first[i], second[i]), a chunk at a time."""
        return numpy.concatenate(
            [
                (matrix[first[start : start + _CHUNK]] == matrix[second[start : start + _CHUNK]]).mean(axis=1)
                for start in range(0, len(first), _CHUNK)
            ]
        )

    for band in range(band_count):
        order, starts, ends = _band_runs(matrix, band, rows)
        if not len(starts):
            continue
        # runs whose rows all share one group already: nothing in them can join anything
        labels = numpy.append(groups.group[order], -1)  # -1: reduceat needs an index past every run's end
        bounds = numpy.ravel(numpy.column_stack((starts, ends + 1)))
        open_runs = numpy.minimum.reduceat(labels, bounds)[::2] != numpy.maximum.reduceat(labels, bounds)[::2]
        starts, ends = starts[open_runs], ends[open_runs]
        pairs = (ends - starts) == 1  # a run of two (the usual case): all compared at once
        first, second = order[starts[pairs]], order[ends[pairs]]
        if len(first):
            estimates = compare(first, second)
            for a, b, estimate in zip(
                *(values[estimates >= settings.threshold].tolist() for values in (first, second, estimates))
            ):
                groups.join(a, numpy.array([b]), numpy.array([estimate]))
        for start, end in zip(starts[~pairs].tolist(), ends[~pairs].tolist()):
            members = order[start : end + 1]
            for i in range(len(members) - 1):
                labels = groups.group[members[i:]]
                others = members[i + 1 :][labels[1:] != labels[0]]
                if not len(others):
                    break  # every row left is in this row's group
                estimates = (matrix[others] == matrix[members[i]]).mean(axis=1)
                hits = estimates >= settings.threshold
                if hits.any():
                    groups.join(int(members[i]), others[hits], estimates[hits])
    links = []
    for rows_of_group in groups.rows.values():
        members = sorted(rows_of_group, key=keys.__getitem__)
        links += [(keys[members[0]], keys[row], float(groups.best[row])) for row in members[1:]]
    return sorted(links)


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
