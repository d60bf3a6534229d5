"""The contributor's path, driven through the real CLI: new -> quote-only annotation -> anchor -> validate
-> build; refusals leave files untouched."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml
from conftest import REPO, copy_seed, run_cli
from datasets import load_dataset

ARTICLE = """\
Harbour talks resume in Ostmere

Mayor Lena Brask said on Monday that Ostmere will reopen the north pier.
Brask told the Harbour Council that the repairs cost $4 million. Critics in Ostmere disagreed.
"""

ANNOTATION = """\
# Annotated by hand in the contributor test.
article: {id}
guidelines: "1.0"
annotators:
  - {{id: test-contributor, kind: human}}   # a real handle in real life
topics:
  - medtop:11000000
entities:
  - id: brask
    type: PERSON
    name: Lena Brask
    mentions:
      - {{text: Lena Brask}}
      - text: Brask
        prefix: "\\n"          # the sentence-initial one, not the one inside "Lena Brask"
  - id: ostmere
    type: GPE
    name: Ostmere
    mentions:
      - {{text: Ostmere, occurrence: 1}}
      - {{text: Ostmere, occurrence: 2}}
      - {{text: Ostmere, occurrence: 3}}
  - id: council
    type: ORG
    name: Harbour Council
    mentions:
      - {{text: Harbour Council}}
  - id: monday
    type: DATE
    name: Monday
    mentions:
      - {{text: Monday}}
  - id: cost
    type: MONEY
    name: $4 million
    mentions:
      - {{text: $4 million}}
claims:
  - id: c1
    text: the repairs cost $4 million
    claimer: brask
    type: numerical
    attribution: reported_speech
    checkworthy: true
"""


@pytest.fixture
def corpus(tmp_path):
    root = copy_seed(tmp_path / "corpus")
    (root / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    source = tmp_path / "article.txt"
    source.write_text(ARTICLE.replace("\n", "\r\n"))
    return root, source


def _new(root, source):
    result = run_cli(
        "new",
        "--text",
        str(source),
        "--date",
        "2024-06-03",
        "--title",
        "Harbour talks resume",
        "--source-name",
        "Ostmere Courier",
        "--license",
        "CC-BY-4.0",
        "--root",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    article_id = "2024-06-03-harbour-talks-resume"
    assert f"article id: {article_id}" in result.stdout and f"newsmark anchor {article_id}" in result.stdout
    return article_id


def test_new_anchor_validate_build(corpus, tmp_path):
    root, source = corpus
    article_id = _new(root, source)
    text = (root / "corpus" / f"{article_id}.txt").read_text()
    assert text == ARTICLE  # CRLF normalised, one final newline
    meta = yaml.safe_load((root / "corpus" / f"{article_id}.yaml").read_text())
    assert meta["source"] == {"name": "Ostmere Courier", "url": None} and meta["license"] == "CC-BY-4.0"
    # provenance: the file as given (outside the corpus: its name only) and the hash of its bytes
    assert meta["provenance"] == {"file": source.name, "sha256": hashlib.sha256(source.read_bytes()).hexdigest()}
    assert meta["changes"] == ["line endings made LF"]

    skeleton = run_cli("validate", "--root", str(root))  # the skeleton is a status, not an error
    assert skeleton.returncode == 0 and "(1 annotated, 1 not yet annotated)" in skeleton.stdout

    annotation = root / "annotations" / f"{article_id}.yaml"
    annotation.write_text(ANNOTATION.format(id=article_id))
    unanchored = run_cli("validate", "--root", str(root))
    assert unanchored.returncode == 1 and "run `newsmark anchor`" in unanchored.stdout

    anchored = run_cli("anchor", article_id, "--root", str(root))
    assert anchored.returncode == 0, anchored.stdout
    assert "anchored 9 span(s)" in anchored.stdout
    after = annotation.read_text()
    assert "# Annotated by hand in the contributor test." in after
    assert "# a real handle in real life" in after
    assert "# the sentence-initial one" in after
    data = yaml.safe_load(after)
    for entity in data["entities"]:
        for mention in entity["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]
    brask = [m["start"] for m in data["entities"][0]["mentions"]]
    assert brask == [text.index("Lena Brask"), text.index("\nBrask") + 1]
    assert [m["start"] for m in data["entities"][1]["mentions"]] == [
        i for i in range(len(text)) if text.startswith("Ostmere", i)
    ]
    assert list(data["entities"][0]["mentions"][1]) == ["start", "end", "text", "prefix"]

    again = run_cli("anchor", f"annotations/{article_id}.yaml", cwd=root)
    assert again.returncode == 0 and "every span already anchored" in again.stdout
    assert annotation.read_text() == after

    valid = run_cli("validate", "--root", str(root))
    assert valid.returncode == 0, valid.stdout

    out = tmp_path / "out"
    built = run_cli("build", "--root", str(root), "--out", str(out))
    assert built.returncode == 0, built.stdout + built.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    split = manifest["splits"][article_id]
    rows = load_dataset(str(out), split=split)
    assert article_id in rows["id"]
    claims = load_dataset(str(out), "claims", split=split)
    claim = [c for c in claims if c["article_id"] == article_id][0]
    assert claim["claimer_name"] == "Lena Brask" and claim["sentence"].startswith("Brask told")


@pytest.mark.parametrize(
    ("mention", "message"),
    [
        ("{text: Ostmere}", "the quote matches 3 times (line 1:25, line 3:38, line 4:77)"),
        ("{text: Oslo}", "the quote does not occur in the text"),
        ("{text: Ostmere, occurrence: 4}", "occurrence 4 asked for, but the quote matches 3 time(s)"),
    ],
)
def test_anchor_refuses_and_leaves_the_file_unchanged(corpus, mention, message):
    root, source = corpus
    article_id = _new(root, source)
    annotation = root / "annotations" / f"{article_id}.yaml"
    annotation.write_text(ANNOTATION.format(id=article_id).replace("{text: Ostmere, occurrence: 2}", mention))
    before = annotation.read_bytes()
    result = run_cli("anchor", article_id, "--root", str(root))
    assert result.returncode == 1
    line = ANNOTATION.splitlines().index("      - {{text: Ostmere, occurrence: 2}}") + 1
    assert result.stdout.startswith(f"annotations/{article_id}.yaml:{line}:9: NM406 entities[1].mentions[1] ")
    assert message in result.stdout
    assert "left unchanged" in result.stdout
    assert annotation.read_bytes() == before


def test_anchor_repairs_offsets_after_a_text_edit(corpus):
    root, source = corpus
    article_id = _new(root, source)
    annotation = root / "annotations" / f"{article_id}.yaml"
    annotation.write_text(ANNOTATION.format(id=article_id))
    assert run_cli("anchor", article_id, "--root", str(root)).returncode == 0
    text_path = root / "corpus" / f"{article_id}.txt"
    text_path.write_text(text_path.read_text().replace("Mayor Lena", "The mayor, Lena"))
    stale = run_cli("validate", "--root", str(root))
    assert stale.returncode == 1 and "NM401" in stale.stdout
    repaired = run_cli("anchor", article_id, "--root", str(root))
    assert repaired.returncode == 0, repaired.stdout
    assert run_cli("validate", "--root", str(root)).returncode == 0


def test_anchor_is_not_stopped_by_a_warning_about_the_text(corpus):
    # A zero-width space in the text is an NM112 warning: every offset is still well defined.
    root, source = corpus
    article_id = _new(root, source)
    text_path = root / "corpus" / f"{article_id}.txt"
    text_path.write_text(text_path.read_text() + "Rain\u200b fell.\n")
    annotation = root / "annotations" / f"{article_id}.yaml"
    annotation.write_text(ANNOTATION.format(id=article_id))
    result = run_cli("anchor", article_id, "--root", str(root))
    assert result.returncode == 0, result.stdout
    checked = run_cli("validate", "--root", str(root))
    assert checked.returncode == 0 and "NM112" in checked.stdout


def test_anchor_refuses_unsafe_yaml(corpus):
    root, source = corpus
    article_id = _new(root, source)
    annotation = root / "annotations" / f"{article_id}.yaml"
    annotation.write_text(ANNOTATION.format(id=article_id).replace("name: Lena Brask", "name: &n Lena Brask"))
    before = annotation.read_bytes()
    result = run_cli("anchor", article_id, "--root", str(root))
    assert result.returncode == 1 and "NM203" in result.stdout
    assert annotation.read_bytes() == before


def test_new_from_stdin_without_title_and_unique_ids(tmp_path):
    root = tmp_path / "c"
    first = run_cli("new", "--text", "-", "--date", "2024-06-03", "--root", str(root), stdin="Rain fell on Ostmere.\n")
    second = run_cli("new", "--text", "-", "--date", "2024-06-03", "--root", str(root), stdin="Rain fell on Ostmere.\n")
    assert "article id: 2024-06-03-rain-fell-on-ostmere\n" in first.stdout
    assert "article id: 2024-06-03-rain-fell-on-ostmere-2\n" in second.stdout
    meta = yaml.safe_load((root / "corpus" / "2024-06-03-rain-fell-on-ostmere.yaml").read_text())
    assert meta["title"] is None and meta["source"] is None and meta["license"] == "unknown"


def test_new_refuses_an_oversized_text(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 500_000)
    result = run_cli("new", "--text", str(big), "--date", "2024-06-03", "--root", str(tmp_path / "c"))
    assert result.returncode == 1 and "byte limit" in result.stderr
    assert not (tmp_path / "c").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-13-01"], "not a calendar date"),
        (["--date", "2024-06-03", "--license", "CC BY"], "license"),
        (["--date", "2024-06-03", "--url", "www.example.org"], "url"),
        (["--date", "2024-06-03", "--language", "English"], "language"),
    ],
)
def test_new_rejects_bad_metadata_and_writes_nothing(tmp_path, args, message):
    result = run_cli("new", "--text", "-", *args, "--root", str(tmp_path / "c"), stdin="Some text.\n")
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "c").exists()


def test_stats_table(tmp_path):
    result = run_cli("stats", "--root", str(REPO))
    assert result.returncode == 0
    annotations = [yaml.safe_load(path.read_text()) for path in (REPO / "annotations").glob("*.yaml")]
    mentions = sum(len(e["mentions"]) for a in annotations for e in a["entities"])
    assert f"articles         {len(annotations)} annotated (train " in result.stdout
    assert f"mentions         {mentions} (" in result.stdout


def test_anchor_without_the_article_text(corpus):
    root, source = corpus
    article_id = _new(root, source)
    (root / "annotations" / f"{article_id}.yaml").write_text(ANNOTATION.format(id=article_id))
    (root / "corpus" / f"{article_id}.txt").unlink()
    result = run_cli("anchor", article_id, "--root", str(root))
    assert result.returncode == 1
    assert result.stdout.startswith(f"corpus/{article_id}.txt:1:1: NM506 the article's text is missing")


@pytest.mark.parametrize("article_id", ["2024", "09", "1e3"])
def test_an_id_of_digits_gives_a_skeleton_that_validates(tmp_path, article_id):
    # Unquoted, "2024" would be read as the number 2024, "09" reported for its leading zero (NM210) and
    # "1e3" read as the float 1000.0: the skeleton would fail its own first validate.
    root = tmp_path / "c"
    result = run_cli(
        "new",
        "--text",
        "-",
        "--date",
        "2024-06-03",
        "--id",
        article_id,
        "--root",
        str(root),
        stdin="Rain fell on Ostmere all week.\n",
    )
    assert result.returncode == 0, result.stderr
    checked = run_cli("validate", "--root", str(root))
    assert checked.returncode == 0 and "(0 annotated, 1 not yet annotated)" in checked.stdout, checked.stdout


def test_a_command_that_writes_the_corpus_waits_for_its_writer(tmp_path):
    import fcntl
    import subprocess
    import time

    from conftest import NEWSMARK

    root = tmp_path / "c"
    root.mkdir()
    text = tmp_path / "article.txt"
    text.write_text("Rain fell on Ostmere all week.\n")
    with open(root / ".newsmark-import.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # an import is writing
        waiting = subprocess.Popen(
            [str(NEWSMARK), "new", "--text", str(text), "--date", "2024-06-03", "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert waiting.poll() is None and not (root / "corpus").exists()
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert (root / "corpus" / "2024-06-03-rain-fell-on-ostmere-all-week.txt").is_file()
