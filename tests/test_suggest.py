"""Completeness through the real CLI: a forgotten occurrence is one NM410 warning at its place in the text,
`newsmark suggest` puts it back byte-identically, names annotated in other articles are suggested
from the corpus gazetteer (whose Aho-Corasick matching equals a plain search), and Label Studio gets the
suggestions as predictions."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from conftest import CASES, SEED_ID, copy_corpus, run_cli

FORGOTTEN = '      - {start: 735, end: 744, text: "Netanyahu"}\n'


def _findings(root):
    result = run_cli("validate", "--root", str(root), "--format", "json", "--no-cache")
    return [f"{f['path']}:{f['line']}:{f['col']}: {f['code']}" for f in json.loads(result.stdout)["findings"]]


def test_a_forgotten_mention_is_one_warning_and_suggest_apply_restores_it(repo_copy):
    path = repo_copy / "annotations" / f"{SEED_ID}.yaml"
    seed = path.read_bytes()
    assert _findings(repo_copy) == []
    path.write_text(seed.decode().replace(FORGOTTEN, ""))
    assert _findings(repo_copy) == [f"corpus/{SEED_ID}.txt:5:227: NM410"]
    listed = run_cli("suggest", SEED_ID, "--dry-run", "--root", str(repo_copy))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"corpus/{SEED_ID}.txt:5:227: 'Netanyahu' 735:744 joins entity 'netanyahu'")
    assert path.read_bytes() != seed  # listing changes nothing
    applied = run_cli("suggest", SEED_ID, "--root", str(repo_copy))
    assert applied.returncode == 0 and "(1 added)" in applied.stdout
    assert path.read_bytes() == seed
    assert _findings(repo_copy) == []
    again = run_cli("suggest", SEED_ID, "--root", str(repo_copy))
    assert "0 suggestion(s)" in again.stdout and path.read_bytes() == seed


@pytest.fixture
def two_articles(tmp_path):
    """The tiny article, and a second one that names Charles Babbage and London without annotating them."""
    root = copy_corpus(CASES / "valid", tmp_path / "two")
    text = "The engine that Charles Babbage designed was shown in London. Babbage spoke on Monday."
    (root / "corpus" / "second.txt").write_text(text + "\n")
    (root / "corpus" / "second.yaml").write_text((root / "corpus" / "tiny.yaml").read_text().replace("tiny", "second"))
    start = text.index("Monday")
    claim_end = text.index(".")
    (root / "annotations" / "second.yaml").write_text(f"""article: second
guidelines: "1.0"
annotators:
  - id: newsmark-tests
    kind: human
topics:
  - medtop:13000000
entities:
  - id: monday
    type: DATE
    name: Monday
    mentions:
      - {{start: {start}, end: {start + 6}, text: Monday}}
claims:
  - id: c1
    start: 0
    end: {claim_end}
    text: {text[:claim_end]}
    claimer: author
    type: event
    attribution: authorial
    checkworthy: false
""")
    assert run_cli("validate", "--root", str(root)).returncode == 0
    return root


def test_names_annotated_elsewhere_are_suggested_but_not_applied(two_articles):
    result = run_cli("suggest", "second", "--dry-run", "--format", "json", "--root", str(two_articles))
    assert result.returncode == 0, result.stderr
    found = [(s["text"], s["type"], s["entity"], s["example"]) for s in json.loads(result.stdout)["suggestions"]]
    # the longest match wins: "Charles Babbage", not "Charles" or "Babbage" inside it; "Babbage" alone is
    # not a mention text anywhere, so it is not suggested
    assert found == [("Charles Babbage", "PERSON", None, "tiny"), ("London", "GPE", None, "tiny")]
    before = (two_articles / "annotations" / "second.yaml").read_bytes()
    applied = run_cli("suggest", "second", "--root", str(two_articles))
    assert applied.returncode == 0 and "0 in-article (0 added), 2 from the corpus" in applied.stdout
    assert (two_articles / "annotations" / "second.yaml").read_bytes() == before
    local = run_cli("suggest", "second", "--no-corpus", "--dry-run", "--root", str(two_articles))
    assert "0 suggestion(s)" in local.stdout


def test_labelstudio_export_offers_the_suggestions_as_predictions(two_articles):
    out = two_articles / "ls"
    assert (
        run_cli(
            "labelstudio", "export", "second", "--suggest", "--out", str(out), "--root", str(two_articles)
        ).returncode
        == 0
    )
    (task,) = json.loads((out / "tasks.json").read_text())
    suggested = [r for r in task["predictions"][0]["result"] if r.get("id", "").startswith("s-")]
    assert [(r["value"]["text"], r["value"]["labels"]) for r in suggested] == [
        ("Charles Babbage", ["PERSON"]),
        ("London", ["GPE"]),
    ]


def test_gazetteer_matching_equals_a_plain_search(synthetic_corpus):
    """The fast path (one Aho-Corasick pass) finds exactly what searching every name in turn finds."""
    from newsmark.contributor.suggest import Gazetteer
    from newsmark.pipeline.check.spans import cuts_word

    gazetteer = Gazetteer.of_corpus(shutil.copytree(synthetic_corpus, synthetic_corpus.parent / "gaz"))
    entries = gazetteer.entries()
    assert len(entries) > 20
    for path in sorted((synthetic_corpus / "corpus").glob("*.txt"))[:25]:
        text = path.read_text()
        plain = sorted(
            (m.start(), m.start() + len(name), entry)
            for name, entry in entries.items()
            for m in re.finditer(f"(?={re.escape(name)})", text)
            if not cuts_word(text, m.start(), m.start() + len(name))
        )
        assert sorted(gazetteer.matches(text)) == plain


def test_claims_cutting_a_word_are_warned_about(tiny):
    path = tiny / "annotations" / "tiny.yaml"
    path.write_text(
        path.read_text().replace(
            "    start: 0\n    end: 57\n    text: Ada Lovelace wrote to Charles Babbage from London in 1843",
            "    start: 1\n    end: 57\n    text: da Lovelace wrote to Charles Babbage from London in 1843",
        )
    )
    assert _findings(tiny) == ["annotations/tiny.yaml:31:5: NM405"]


def test_suggest_refuses_what_it_cannot_work_on(repo_copy):
    missing = run_cli("suggest", "no-such-article", "--root", str(repo_copy))
    assert missing.returncode == 1 and "no corpus/no-such-article.txt" in missing.stderr
    outside = run_cli("suggest", "../../outside/x", "--root", str(repo_copy))
    assert outside.returncode == 1 and "'../../outside/x' is not an article id" in outside.stderr
    path = repo_copy / "annotations" / f"{SEED_ID}.yaml"
    path.write_text(path.read_text().replace("{start: 56, end: 74,", "{start: 57, end: 74,"))
    broken = run_cli("suggest", SEED_ID, "--root", str(repo_copy))
    assert broken.returncode == 1 and "NM401" in broken.stderr and "Traceback" not in broken.stderr
    assert run_cli("suggest", "--root", str(repo_copy)).returncode == 2


def test_the_gazetteer_kept_from_the_last_run_equals_a_fresh_one(synthetic_corpus, tmp_path):
    """`suggest` takes the corpus's names from the last whole validation, brought up to date after an
    edit by re-checking only the edited article; the gazetteer must equal one gathered afresh."""
    import os
    import time

    import newsmark
    from newsmark.contributor.suggest import Gazetteer
    from newsmark.pipeline.cache import CACHE_DIR, CACHE_FILE

    root = shutil.copytree(synthetic_corpus, tmp_path / "corpus", ignore=shutil.ignore_patterns(CACHE_DIR))
    past = time.time_ns() - 60 * 10**9
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(past, past))

    def fresh():
        return Gazetteer(newsmark.validate(root).surfaces).entries()

    assert Gazetteer.of_corpus(root).entries() == fresh()
    path = root / "annotations" / "synthetic-000031.yaml"
    text = path.read_text()
    entity_type = re.search(r"type: (PERSON|ORG|GPE)", text).group(1)
    path.write_text(text.replace(f"type: {entity_type}", "type: NORP", 1))  # every mention of it changes type
    os.utime(path, ns=(past, past))
    per_article = root / CACHE_DIR / CACHE_FILE
    before = per_article.stat().st_mtime_ns
    kept = Gazetteer.of_corpus(root).entries()
    assert per_article.stat().st_mtime_ns == before  # brought up to date, not validated afresh
    assert kept == fresh()


def _one_article(root, text: str, entities_and_claims: str) -> None:
    """The tiny corpus with ``text`` and an annotation of these entities and claims (YAML)."""
    (root / "corpus" / "tiny.txt").write_text(text)
    (root / "annotations" / "tiny.yaml").write_text(
        'article: tiny\nguidelines: "1.2"\nannotators:\n'
        "  - {id: newsmark-tests, kind: human}\ntopics: [medtop:11000000]\n"
        "entities:\n" + entities_and_claims
    )


def test_suggest_never_proposes_part_of_a_longer_missed_name(tiny):
    # "Soviet Union" (GPE) and "Soviet" (NORP) are each annotated once; the second "Soviet Union" is missed.
    # The longest unannotated occurrence wins: it is proposed whole, and no "Soviet" is added inside it.
    text = "The Soviet Union fell. Soviet tanks left. The Soviet Union was gone, and so were Soviet flags.\n"
    first, second = text.index("Soviet Union"), text.index("Soviet Union", 10)
    adjective, missed_adjective = text.index("Soviet tanks"), text.index("Soviet flags")
    _one_article(
        tiny,
        text,
        f"""  - id: ussr
    type: GPE
    name: Soviet Union
    mentions:
      - {{start: {first}, end: {first + 12}, text: Soviet Union}}
  - id: soviet
    type: NORP
    name: Soviet
    mentions:
      - {{start: {adjective}, end: {adjective + 6}, text: Soviet}}
claims: []
""",
    )
    listed = json.loads(
        run_cli("suggest", "tiny", "--no-corpus", "--dry-run", "--format", "json", "--root", str(tiny)).stdout
    )
    assert [(s["start"], s["text"], s["entity"]) for s in listed["suggestions"]] == [
        (second, "Soviet Union", "ussr"),
        (missed_adjective, "Soviet", "soviet"),
    ]
    applied = run_cli("suggest", "tiny", "--no-corpus", "--root", str(tiny))
    assert applied.returncode == 0 and "(2 added)" in applied.stdout, applied.stdout
    assert _findings(tiny) == []  # no NM410 left, and nothing nested inside the added "Soviet Union"
    entities = yaml.safe_load((tiny / "annotations" / "tiny.yaml").read_text())["entities"]
    spans = [(m["start"], m["end"]) for e in entities for m in e["mentions"]]
    assert not [s for s in spans if second <= s[0] and s[1] <= second + 12 and s != (second, second + 12)]


def test_a_longer_name_is_missed_even_when_a_name_inside_it_is_marked(tiny):
    # The second "Thames Valley Police" is not marked, though the "Thames Valley" inside it is: the ORG
    # occurrence is still missed (a shorter mention inside does not cover a longer name).
    text = "Thames Valley Police said so. Later Thames Valley Police added more.\n"
    first, second = text.index("Thames Valley Police"), text.index("Thames Valley Police", 5)
    _one_article(
        tiny,
        text,
        f"""  - id: police
    type: ORG
    name: Thames Valley Police
    mentions:
      - {{start: {first}, end: {first + 20}, text: Thames Valley Police}}
  - id: valley
    type: LOC
    name: Thames Valley
    mentions:
      - {{start: {first}, end: {first + 13}, text: Thames Valley}}
      - {{start: {second}, end: {second + 13}, text: Thames Valley}}
claims: []
""",
    )
    assert _findings(tiny) == [f"corpus/tiny.txt:1:{second + 1}: NM410"]
    applied = run_cli("suggest", "tiny", "--no-corpus", "--root", str(tiny))
    assert "(1 added)" in applied.stdout and _findings(tiny) == []


def test_the_fast_cover_test_equals_the_rule_as_written():
    # NM410 asks, for every occurrence of a mention's text, whether a mention covers it; the fast answer
    # (sorted starts, running maximum of ends) must equal the rule as written, on the real corpus's mentions
    # and on random spans that nest, cross, touch and repeat.
    import random

    from conftest import REPO

    from newsmark.pipeline.check.spans import _covering

    def covered_plainly(spans, start, end):  # the rule as the docstring of missed_mentions states it
        return any(s <= start and end <= e or s < start < e < end or start < s < end < e for s, e in spans)

    cases = []
    for path in sorted((REPO / "annotations").glob("*.yaml"))[:60]:
        data = yaml.safe_load(path.read_text())
        spans = [(m["start"], m["end"]) for e in data["entities"] for m in e["mentions"]]
        shifted = [(s + d, e + f) for s, e in spans for d in (-3, 0, 2) for f in (-2, 0, 4)]
        cases.append((spans, [(s, e) for s, e in shifted if s < e]))  # a mention's text is never empty
    chance = random.Random(7)
    for _ in range(300):
        spans = [(s, s + chance.randint(0, 9)) for s in (chance.randint(0, 40) for _ in range(chance.randint(0, 12)))]
        cases.append((spans, [(s, s + chance.randint(1, 9)) for s in range(-2, 45)]))
    compared = 0
    for spans, occurrences in cases:
        covered = _covering(spans)
        for start, end in occurrences:
            assert covered(start, end) == covered_plainly(spans, start, end), (spans, start, end)
            compared += 1
    assert compared > 10_000


def test_the_gazetteer_kept_in_its_own_file_equals_a_fresh_one_and_nothing_else_is_trusted(synthetic_corpus, tmp_path):
    """While no file changed, `suggest` loads the gazetteer kept in the cache folder (no validation at all);
    after an edit it is made again and kept for the new state; a kept file that is damaged, forged or
    names anything but the automaton is not used. Every time, the gazetteer equals one made afresh."""
    import hashlib
    import hmac
    import os
    import pickle
    import time

    import newsmark
    from newsmark.contributor.suggest import GAZETTEER_FILE, GAZETTEER_INDEX, Gazetteer
    from newsmark.pipeline.cache import CACHE_DIR, machine_key
    from newsmark.pipeline.lastrun import DETAIL

    root = shutil.copytree(synthetic_corpus, tmp_path / "corpus", ignore=shutil.ignore_patterns(CACHE_DIR))
    past = time.time_ns() - 60 * 10**9
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(past, past))
    cache = root / CACHE_DIR
    target = "synthetic-000040"

    def fresh():
        return Gazetteer(newsmark.validate(root).surfaces).entries()

    def suggested():
        result = run_cli("suggest", target, "--root", str(root), "--format", "json")
        assert result.returncode == 0, result.stderr
        return result.stdout

    cold = suggested()  # makes and keeps the gazetteer
    assert (cache / GAZETTEER_INDEX).is_file() and (cache / GAZETTEER_FILE).is_file()
    expected = fresh()
    (cache / DETAIL).unlink()  # the last run can no longer give the names: only the kept file can
    assert Gazetteer.of_corpus(root).entries() == expected
    assert not (cache / DETAIL).exists()  # nothing was validated
    assert suggested() == cold

    # a change (an article removed: its names count once less): made again, equal to a fresh one, and kept
    # for the new state
    for path in [*root.glob("corpus/synthetic-000004.*"), root / "annotations" / "synthetic-000004.yaml"]:
        path.unlink()
    for folder in (root / "corpus", root / "annotations"):
        os.utime(folder, ns=(past, past))
    index = (cache / GAZETTEER_INDEX).read_bytes()
    edited = Gazetteer.of_corpus(root).entries()
    assert edited == fresh() != expected
    assert (cache / GAZETTEER_INDEX).read_bytes() != index

    # kept files not to be trusted: each is ignored, and the gazetteer is made afresh
    good = (cache / GAZETTEER_FILE).read_bytes()
    mac, _, body = (cache / GAZETTEER_INDEX).read_bytes().partition(b"\n")
    other = Gazetteer({"Zzyzx Qorvath": {"PERSON": ["synthetic-000001"]}})
    hostile = b"cos\nsystem\n(S'touch " + str(tmp_path / "owned").encode() + b"'\ntR."
    payload = json.loads(body)

    def signed(data):
        return hmac.new(machine_key(), data, hashlib.sha256).hexdigest().encode() + b"\n" + data

    for name, pickled, index in [
        ("another automaton, the index unchanged", pickle.dumps(other.automaton), mac + b"\n" + body),
        ("the index forged to vouch for it without the key", pickle.dumps(other.automaton), None),
        ("a pickle that calls os.system, vouched for with the key", hostile, "signed"),
    ]:
        (cache / GAZETTEER_FILE).write_bytes(pickled)
        vouching = json.dumps({**payload, "sha256": hashlib.sha256(pickled).hexdigest()}).encode()
        if index is None:
            index = hashlib.sha256(vouching).hexdigest().encode() + b"\n" + vouching
        elif index == "signed":
            index = signed(vouching)
        (cache / GAZETTEER_INDEX).write_bytes(index)
        assert Gazetteer.of_corpus(root).entries() == edited, name
        assert not (tmp_path / "owned").exists(), name
    (cache / GAZETTEER_FILE).write_bytes(good)


def test_the_kept_gazetteer_follows_edits_to_texts_and_metadata_too(synthetic_corpus, tmp_path):
    """Only annotations name mentions, but whether an article's names count depends on its text and
    metadata too (an article that is not built gives none): a text or metadata file edited in place, with
    no annotation and no folder touched, must change the gazetteer as it changes a fresh one."""
    import os
    import time

    import newsmark
    from newsmark.contributor.suggest import Gazetteer
    from newsmark.pipeline.cache import CACHE_DIR

    root = shutil.copytree(synthetic_corpus, tmp_path / "corpus", ignore=shutil.ignore_patterns(CACHE_DIR))
    past = time.time_ns() - 60 * 10**9
    for path in [root, *root.rglob("*")]:
        os.utime(path, ns=(past, past))

    def kept_and_fresh():
        kept = Gazetteer.of_corpus(root).entries()
        assert Gazetteer.of_corpus(root).entries() == kept  # the second time from the kept file
        return kept, Gazetteer(newsmark.validate(root).surfaces).entries()

    def edit_in_place(rel, change):
        path = root / rel
        with open(path, "r+b") as handle:  # same inode, the folder untouched
            data = change(handle.read())
            handle.seek(0)
            handle.write(data)
            handle.truncate()
        os.utime(path, ns=(past, past))
        os.utime(path.parent, ns=(past, past))

    kept, fresh = kept_and_fresh()
    assert kept == fresh
    meta, text = "corpus/synthetic-000021.yaml", "corpus/synthetic-000022.txt"
    original_meta = (root / meta).read_bytes()
    for rel, change in [
        (meta, lambda data: data.replace(b"license:", b"licence:")),  # no longer schema-valid: not built
        (text, lambda data: b"\xff" + data),  # no longer UTF-8
        (meta, lambda data: original_meta),  # built again
    ]:
        edit_in_place(rel, change)
        before, (kept, fresh) = kept, kept_and_fresh()
        assert kept == fresh != before, rel
