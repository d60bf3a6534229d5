"""An annotation's status through the real CLI: a skeleton or a file marked in progress is not yet annotated
(checked, counted, never built, never an all-O `ner` row); a finished file without annotator or topic is
NM507; and a release credits what its licences ask for (ATTRIBUTION.md, build --public, publish)."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import empty_project, run_cli
from datasets import load_dataset

TEXT = "Lena Brask opened the Karn Bridge in Ostmere on Monday.\n"
FINISHED = """article: {id}
guidelines: "1.2"
annotators:
  - {{id: newsmark-tests, kind: human}}
topics: [medtop:11000000]
entities:
  - id: brask
    type: PERSON
    name: Lena Brask
    mentions:
      - {{start: 0, end: 10, text: Lena Brask}}
claims:
  - id: c1
    start: 0
    end: 54
    text: Lena Brask opened the Karn Bridge in Ostmere on Monday
    claimer: author
    type: event
    attribution: authorial
    checkworthy: true
"""


@pytest.fixture
def corpus(tmp_path):
    """Three articles: one finished (CC BY, credited), one skeleton, one in progress (unknown licence)."""
    root = empty_project(tmp_path / "corpus")
    feed = tmp_path / "feed.jsonl"
    # the same first line (the annotation's spans) and a line of its own each, so none is a duplicate
    feed.write_text(
        "".join(
            json.dumps(
                {
                    "id": i,
                    "date": "2024-06-03",
                    "title": f"Bridge {i}",
                    "text": TEXT + f"The {i} article of three says more.\n",
                    "url": f"https://news.example/{i}",
                }
            )
            + "\n"
            for i in ("done", "fresh", "half")
        )
    )
    result = run_cli(
        "import",
        str(feed),
        "--source-name",
        "Ostmere News",
        "--author",
        "Ostmere News staff",
        "--license",
        "CC-BY-4.0",
        "--root",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    (root / "annotations" / "done.yaml").write_text(FINISHED.format(id="done"))
    half = FINISHED.format(id="half").replace('guidelines: "1.2"', 'status: in-progress\nguidelines: "1.2"')
    (root / "annotations" / "half.yaml").write_text(half.replace("topics: [medtop:11000000]", "topics: []"))
    meta = root / "corpus" / "half.yaml"
    meta.write_text(meta.read_text().replace("license: CC-BY-4.0", "license: unknown"))
    return root


def test_not_yet_annotated_is_a_status_not_an_error(corpus):
    result = run_cli("validate", "--root", str(corpus), "--no-cache")
    assert result.returncode == 0, result.stdout
    assert result.stdout.endswith(
        "PASSED: 3 articles (1 annotated, 2 not yet annotated, 1 of them in progress), 9 files\n"
    )
    report = json.loads(run_cli("validate", "--root", str(corpus), "--format", "json").stdout)
    assert report["not_annotated"] == {"in-progress": 1, "not-started": 1} and report["findings"] == []
    # the cached run (last-run summary) says the same
    again = run_cli("validate", "--root", str(corpus))
    assert again.stdout == result.stdout


def test_an_in_progress_file_is_still_checked(corpus):
    path = corpus / "annotations" / "half.yaml"
    path.write_text(
        path.read_text().replace("{start: 0, end: 10, text: Lena Brask}", "{start: 0, end: 10, text: Lena Brusk}")
    )
    result = run_cli("validate", "--root", str(corpus))
    assert result.returncode == 1 and "annotations/half.yaml" in result.stdout and "NM401" in result.stdout


def test_a_finished_file_names_an_annotator_and_a_topic(corpus):
    path = corpus / "annotations" / "half.yaml"
    path.write_text(path.read_text().replace("status: in-progress\n", ""))
    result = run_cli("validate", "--root", str(corpus))
    assert result.returncode == 1
    assert "annotations/half.yaml:5:9: NM507 topics is empty, but the file is a finished annotation" in result.stdout
    path.write_text(path.read_text().replace("topics: []", "topics: [medtop:11000000]"))
    assert run_cli("validate", "--root", str(corpus)).returncode == 0


def test_build_leaves_out_what_is_not_annotated_and_credits_the_rest(corpus, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", "--root", str(corpus), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "note: 2 article(s) not yet annotated, left out" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert list(manifest["splits"]) == ["done"] and manifest["left_out"] == ["fresh", "half"]
    assert manifest["credits"] == {"done": ["Ostmere News staff"]} and manifest["withheld"] == {}
    ner = load_dataset(str(out), "ner")
    assert {row["id"].split("/")[0] for split in ner.values() for row in split} == {"done"}  # no all-O rows
    card = (out / "README.md").read_text()
    assert "| articles | 1 annotated (" in card and "2 not yet annotated (1 in progress), not built |" in card
    attribution = (out / "ATTRIBUTION.md").read_text()
    assert "## Creative Commons Attribution 4.0 International (CC-BY-4.0)" in attribution
    assert "https://creativecommons.org/licenses/by/4.0/" in attribution
    assert (
        '- "Bridge done" by Ostmere News staff, Ostmere News, <https://news.example/done>, CC-BY-4.0. '
        "Changes: none. (`done`)"
    ) in attribution


def test_public_build_withholds_texts_that_may_not_be_shared(corpus, tmp_path):
    path = corpus / "annotations" / "half.yaml"  # finish the article whose licence is unknown
    path.write_text(
        path.read_text().replace("status: in-progress\n", "").replace("topics: []", "topics: [medtop:11000000]")
    )
    datasheet = corpus / "DATASHEET.md"
    datasheet.write_text("# Datasheet\n")
    pyproject = corpus / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('salt = "newsmark-v1"', 'salt = "newsmark-v1"\nrepo_id = "acme/news"')
    )
    everything, public = tmp_path / "all", tmp_path / "public"
    assert run_cli("build", "--root", str(corpus), "--out", str(everything)).returncode == 0
    refused = run_cli("publish", "--root", str(corpus), "--dataset", str(everything), "--dry-run")
    assert refused.returncode == 1 and "half (unknown)" in refused.stderr
    result = run_cli("build", "--public", "--root", str(corpus), "--out", str(public))
    assert result.returncode == 0, result.stderr
    assert "note: half withheld from this public build (licence unknown)" in result.stdout
    manifest = json.loads((public / "manifest.json").read_text())
    assert list(manifest["splits"]) == ["done"] and manifest["withheld"] == {"half": "unknown"}
    assert {row["id"] for split in load_dataset(str(public)).values() for row in split} == {"done"}
    for config in ("mentions", "claims", "ner", "sentences"):
        ds = load_dataset(str(public), config)
        assert {row["article_id"] for split in ds.values() for row in split} == {"done"}, config
    card = yaml.safe_load((public / "README.md").read_text().split("---\n")[1])
    assert card["license"] == "cc-by-4.0"
    assert "1 article of the repository whose text's licence is unknown" in (public / "LICENSE.md").read_text()
    assert datasheet.read_text() == "# Datasheet\n"  # the repository's datasheet describes the whole corpus
    (corpus / "CHANGELOG.md").write_text("# Changelog\n\n## 0.1.0\n\n- first\n")
    planned = run_cli("publish", "--root", str(corpus), "--dataset", str(public), "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert "to the public dataset repository acme/news" in planned.stdout


def test_publish_refuses_a_build_older_than_the_corpus(corpus, tmp_path):
    # A licence turned unknown after the build: the manifest's input hashes show the folder is stale.
    pyproject = corpus / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('salt = "newsmark-v1"', 'salt = "newsmark-v1"\nrepo_id = "acme/news"')
    )
    (corpus / "CHANGELOG.md").write_text("# Changelog\n\n## 0.1.0\n\n- first\n")
    out = tmp_path / "public"
    assert run_cli("build", "--public", "--root", str(corpus), "--out", str(out)).returncode == 0
    assert run_cli("publish", "--root", str(corpus), "--dataset", str(out), "--dry-run").returncode == 0
    meta = corpus / "corpus" / "done.yaml"
    meta.write_text(meta.read_text().replace("license: CC-BY-4.0", "license: unknown"))
    stale = run_cli("publish", "--root", str(corpus), "--dataset", str(out), "--dry-run")
    assert stale.returncode == 1
    assert "was built from other files than the corpus holds now (corpus/done.yaml changed or are gone)" in stale.stderr
