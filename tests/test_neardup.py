"""The leakage rule NM605 through the real CLI, on a synthetic corpus with planted republications: every
copy in another split than its original is an error at both, `dedup` clears them, the build
refuses until then; the all-rows numpy banding finds exactly the pairs datasketch's LSH index finds from
the same signatures, and signatures are the same in every process and from the cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import run_cli


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """80 synthetic articles, 30% of them with a republished copy `<id>-copy` that has no story."""
    root = tmp_path_factory.mktemp("planted") / "corpus"
    assert run_cli("synth", "--out", str(root), "--articles", "80", "--near-duplicates", "0.3").returncode == 0
    return root


def _nm605(root, *extra):
    result = run_cli("validate", "--root", str(root), "--format", "json", *extra)
    return sorted((f["path"], f["message"]) for f in json.loads(result.stdout)["findings"] if f["code"] == "NM605")


def datasketch_pairs(keys, rows, settings) -> set[tuple[str, str]]:
    """The plain path: datasketch's MinHashLSH, with the same bands, one article at a time; each candidate
    kept when its estimated similarity reaches the threshold."""
    from datasketch import LeanMinHash, MinHashLSH

    from newsmark.neardup import bands, similarity

    lsh, found = MinHashLSH(num_perm=settings.permutations, params=bands(settings)), set()
    for key, values in zip(keys, rows):
        minhash = LeanMinHash(seed=1, hashvalues=values.astype("uint64"), scheme="affine32")
        found.update(
            (other, key)
            for other in lsh.query(minhash)
            if similarity(rows[keys.index(other)], values) >= settings.threshold
        )
        lsh.insert(key, minhash)
    return found


def _copy(source, target):
    import shutil

    return shutil.copytree(source, target)


def test_copies_in_other_splits_are_errors_until_dedup_gives_them_one_story(planted, tmp_path):
    root = _copy(planted, tmp_path / "corpus")
    copies = sorted(p.stem for p in (root / "corpus").glob("*-copy.txt"))
    assert len(copies) >= 15
    found = _nm605(root, "--no-cache")
    assert found, "some copies must land in another split than their original"
    flagged = set()
    for path, message in found:
        article = re.fullmatch(r"corpus/(.+)\.yaml", path).group(1)
        other = re.search(r"near-duplicate of corpus/(.+?)\.txt", message).group(1)
        assert {article, other} == {article.removesuffix("-copy"), article.removesuffix("-copy") + "-copy"}
        flagged.add(article)
    assert all(f"{a.removesuffix('-copy')}-copy" in flagged and a.removesuffix("-copy") in flagged for a in flagged)
    before = run_cli("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert before.returncode == 1 and "NM605" in before.stdout and not (tmp_path / "out").exists()
    applied = run_cli("dedup", "--root", str(root))
    assert applied.returncode == 0
    # every planted copy was found (recall 1 here), and nothing else was grouped
    groups = re.findall(r"^(synthetic-\d+), (synthetic-\d+-copy): story set to", applied.stdout, re.M)
    already = re.findall(r"^(synthetic-\d+), (synthetic-\d+-copy): already share", applied.stdout, re.M)
    assert sorted(copy for _, copy in groups + already) == copies
    assert all(copy == f"{original}-copy" for original, copy in groups + already)
    assert _nm605(root, "--no-cache") == []
    assert run_cli("build", "--root", str(root), "--out", str(tmp_path / "out")).returncode == 0


def test_cached_signatures_give_the_same_findings_and_other_settings_recompute_them(planted, tmp_path):
    root = _copy(planted, tmp_path / "corpus")
    cold = _nm605(root, "--no-cache")
    assert _nm605(root) == cold  # fills the cache
    assert _nm605(root) == cold  # answered from it
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "dedup_shingle = 3\n")
    assert _nm605(root) == _nm605(root, "--no-cache")


def test_the_numpy_banding_finds_what_the_datasketch_index_finds(planted):
    from newsmark.neardup import near_duplicate_pairs, signatures
    from newsmark.settings import DedupSettings

    settings = DedupSettings(threshold=0.06)  # low, so that unrelated articles pair up too
    texts = {p.stem: p.read_text() for p in sorted((planted / "corpus").glob("*.txt"))}
    keys = list(texts)
    rows = signatures(list(texts.values()), settings)
    plain = datasketch_pairs(keys, rows, settings)
    fast = {(a, b) for a, b, _ in near_duplicate_pairs(keys, rows, settings)}
    copies = sum(key.endswith("-copy") for key in texts)
    assert len(plain) > copies + 20
    assert fast == plain


def test_signatures_are_the_same_in_every_process(planted):
    """The validate cache keeps signatures across runs and workers: nothing may depend on the process
    (Python's string hashing is salted per process; the signature must not use it)."""
    from newsmark.neardup import encode_signature, signature
    from newsmark.settings import DedupSettings

    path = sorted((planted / "corpus").glob("*.txt"))[0]
    here = encode_signature(DedupSettings(), signature(path.read_text(), DedupSettings()))
    probe = (
        "import sys; from newsmark.neardup import encode_signature, signature; from newsmark.settings import DedupSettings; "
        "print(encode_signature(DedupSettings(), signature(open(sys.argv[1]).read(), DedupSettings())))"
    )
    for seed in ("1", "2"):
        other = subprocess.run(
            [sys.executable, "-c", probe, str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        assert other == here


def test_signature_estimates_similarity():
    """Identical texts agree everywhere, unrelated ones almost nowhere, and a text with a quarter of its
    words changed in between."""
    import random

    from newsmark.neardup import signature, similarity
    from newsmark.settings import DedupSettings

    rng = random.Random(1)
    words = [f"w{rng.randrange(5000)}" for _ in range(400)]
    other = [f"w{rng.randrange(5000)}" for _ in range(400)]
    edited = list(words)
    for i in range(0, 400, 40):
        edited[i] = "changed"
    settings = DedupSettings()
    a, b, c = (signature(" ".join(w), settings) for w in (words, other, edited))
    assert similarity(a, a) == 1.0
    assert similarity(a, b) < 0.05
    assert 0.6 < similarity(a, c) < 0.9  # true Jaccard of the 5-shingles: about 0.68


def test_a_corpus_of_near_identical_articles_is_handled_pair_by_pair():
    """Templated news (results, bulletins) puts many articles into one LSH bucket: every pair is still
    found, and compared a row at a time rather than all at once."""
    from newsmark.neardup import near_duplicate_pairs, signatures
    from newsmark.settings import DedupSettings

    words = [f"word{i}" for i in range(200)]
    texts = {f"bulletin-{n:03d}": " ".join(words[:n] + [f"changed{n}"] + words[n + 1 :]) for n in range(120)}
    settings = DedupSettings()
    keys, rows = list(texts), signatures(list(texts.values()), settings)
    fast = near_duplicate_pairs(keys, rows, settings)
    assert len(fast) == 120 * 119 // 2
    assert {(a, b) for a, b, _ in fast} == datasketch_pairs(keys, rows, settings)


def test_articles_cached_by_a_run_over_a_few_files_are_still_compared(planted, tmp_path):
    """A run over some files (pre-commit) computes no signature; the next whole run computes the missing
    ones from the texts, so its findings are those of a run without any cache."""
    root = _copy(planted, tmp_path / "corpus")
    some = sorted((root / "annotations").glob("*-copy.yaml"))[:5]
    assert run_cli("validate", *map(str, some), "--root", str(root)).returncode in (0, 1)
    assert _nm605(root) == _nm605(root, "--no-cache")


def test_the_groups_found_without_every_pair_are_those_of_every_pair(planted):
    """The fast path (near_duplicate_clusters: a row compared only with rows not yet in its group) gives
    exactly the groups of the plain path (every pair, then union-find), on unrelated articles paired by a
    low threshold, on templated bulletins that all share a bucket, and on chains of edits where the ends
    are no near-duplicates of each other; and a group of n is n - 1 links, not n(n-1)/2 pairs."""
    import random

    from newsmark.neardup import DedupSettings, clusters, near_duplicate_clusters, near_duplicate_pairs, signatures

    rng = random.Random(5)
    texts = {p.stem: p.read_text() for p in sorted((planted / "corpus").glob("*.txt"))}
    words = [f"word{i}" for i in range(200)]
    texts.update({f"bulletin-{n:03d}": " ".join(words[:n] + [f"changed{n}"] + words[n + 1 :]) for n in range(120)})
    chain = [f"link{rng.randrange(5000)}" for _ in range(200)]
    for n in range(30):
        for _ in range(8):
            chain[rng.randrange(200)] = f"edit{rng.randrange(10**6)}"
        texts[f"chain-{n:02d}"] = " ".join(chain)
    keys = list(texts)
    rng.shuffle(keys)
    groups = {}
    for threshold in (0.06, 0.4, 0.7):
        settings = DedupSettings(threshold=threshold)
        rows = signatures([texts[key] for key in keys], settings)
        plain = clusters([(a, b) for a, b, _ in near_duplicate_pairs(keys, rows, settings)])
        links = near_duplicate_clusters(keys, rows, settings)
        assert clusters([(a, b) for a, b, _ in links]) == plain
        assert len(links) == sum(len(group) - 1 for group in plain)
        assert all(estimate >= threshold for _, _, estimate in links)
        groups[threshold] = plain
    assert [f"bulletin-{n:03d}" for n in range(120)] in groups[0.4]
    # the chain is one group at 0.4 though its ends share nothing: a group need not be all pairs
    assert [f"chain-{n:02d}" for n in range(30)] in groups[0.4]
    assert similarity_of(texts, "chain-00", "chain-29") < 0.1


def similarity_of(texts, a, b) -> float:
    from newsmark.neardup import DedupSettings, signature, similarity

    return similarity(signature(texts[a], DedupSettings()), signature(texts[b], DedupSettings()))


def test_a_group_of_copies_in_several_splits_is_one_located_finding_per_article(tmp_path):
    """Copies of one text without a story fall into every split: each copy gets one NM605 naming its
    group (the first few members and how many), where the pairs made one finding per pair and side."""
    from conftest import empty_project

    from newsmark.pipeline.splits import split_of
    from newsmark.settings import read_settings

    root = empty_project(tmp_path / "corpus")
    words = " ".join(f"w{(i * 7919) % 5000}" for i in range(300))
    feed = tmp_path / "copies.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"text": f"{words} copy{n}.", "title": f"Copy {n}", "date": "2024-03-04"}) + "\n"
            for n in range(12)
        )
    )
    assert run_cli("import", str(feed), "--root", str(root)).returncode == 0
    for meta in (root / "corpus").glob("*.yaml"):  # what a pull request adding copies by hand looks like
        meta.write_text(re.sub(r"(?m)^story: .*\n", "", meta.read_text()))
    ids = sorted(p.stem for p in (root / "corpus").glob("*.txt"))
    settings = read_settings(root)
    splits = {article: split_of(article, {}, settings) for article in ids}
    assert len(ids) == 12 and len(set(splits.values())) > 1
    result = run_cli("validate", "--root", str(root), "--no-cache")
    lines = [line for line in result.stdout.splitlines() if "NM605" in line]
    assert result.returncode == 1 and len(lines) == 12
    for article in ids:
        others = [f"corpus/{other}.txt" for other in ids if other != article]
        assert (
            f"corpus/{article}.yaml:1:1: NM605 one of 12 near-duplicates ({', '.join(others[:3])} and 8 more) "
            f"that fall into different splits"
        ) in result.stdout
        assert f"this article is in {splits[article]}: give them all one story" in result.stdout
    assert _nm605(root) == _nm605(root, "--no-cache") == _nm605(root)  # the cache gives the same


def test_signatures_kept_in_a_file_give_what_the_matrix_in_memory_gives(planted):
    """The signatures a whole run keeps in a temporary file (``SignatureFile``, banded from a ``RowFile``
    a few rows at a time) give exactly the links of the same signatures in memory, and back the strings
    they were added as, in id order, whatever order they came in; an article without a signature of
    these settings is given back as it came."""
    import random
    import tempfile

    from newsmark.neardup import (
        DedupSettings,
        RowFile,
        SignatureFile,
        encode_signature,
        near_duplicate_clusters,
        signatures,
    )

    texts = {p.stem: p.read_text() for p in sorted((planted / "corpus").glob("*.txt"))}
    keys = sorted(texts)
    for threshold in (0.06, 0.7):
        settings = DedupSettings(threshold=threshold)
        rows = signatures([texts[key] for key in keys], settings)
        with tempfile.TemporaryFile() as handle:
            handle.write(rows.astype("<u4").tobytes())
            in_file = RowFile(handle, len(keys), settings.permutations)
            in_file.BLOCK = 7  # several blocks, the last one short
            assert (in_file.columns(3, 9) == rows[:, 3:9]).all()
            picks = [len(keys) - 1, 0, 0, 8, 3, 9] + list(range(14, 42))  # rows read one by one, and whole blocks
            assert (in_file[picks] == rows[picks]).all() and (in_file[5] == rows[5]).all()
            assert near_duplicate_clusters(keys, in_file, settings) == near_duplicate_clusters(keys, rows, settings)
    settings = DedupSettings()
    rows = signatures([texts[key] for key in keys], settings)
    encoded = {key: encode_signature(settings, row) for key, row in zip(keys, rows)}
    encoded[keys[1]] = encode_signature(DedupSettings(shingle=3), rows[1])  # made under other settings
    encoded[keys[2]] = None  # none computed
    kept = SignatureFile(settings)
    for key in random.Random(3).sample(keys, len(keys)):
        kept.add(key, encoded[key])
    looked_up = list(kept.lookup([*keys[:-1], "absent"]))
    assert [(key, value) for key, _, value in looked_up] == [
        *((key, encoded[key]) for key in keys[:-1]),
        ("absent", None),
    ]
    assert [raw is None for _, raw, _ in looked_up[:4]] == [False, True, True, False]
    assert looked_up[0][1] == rows[0].astype("<u4").tobytes()


def test_keys_and_signatures_from_one_tokenisation_equal_text_key_and_signatures(planted):
    """The import's fast path: keys read off the signatures' tokenisation for ASCII texts, text_key for the
    others, in batches of every size: the same keys and signatures as the plain functions, text by text."""
    import random

    import numpy

    from newsmark.neardup import BATCH, keys_and_signatures, signatures, text_key
    from newsmark.settings import DedupSettings

    rng = random.Random(7)
    alphabet = ["a", "B", "z", "_", "0", "9", " ", "  ", "\n", "\t", ".", "-", "’", "é", "\u00a0", "\u0307", "İ", "ß"]
    texts = [path.read_text() for path in sorted((planted / "corpus").glob("*.txt"))]
    texts += ["", "   ", "...", "Hello, World!", "a_b __ 9x\tY\nZ", "\0a\0b", "x" * 300, "ﬁne café", "don’t — stop"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(600)]
    assert sum(text.isascii() for text in texts) > 100 and sum(not text.isascii() for text in texts) > 100
    for settings in (DedupSettings(), DedupSettings(shingle=2, permutations=16, threshold=0.5)):
        for batch in (texts, texts[: BATCH + 1], texts[-40:], texts[:1], []):
            keys, rows = keys_and_signatures(batch, settings)
            assert keys == [text_key(text) for text in batch]
            assert rows.dtype == numpy.uint32 and rows.shape == (len(batch), settings.permutations)
            if batch:
                assert numpy.array_equal(rows, signatures(batch, settings))
