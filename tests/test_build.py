"""newsmark build, checked the way users consume it: datasets.load_dataset, streaming, DuckDB, Croissant."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import REPO, SEED_ID, copy_seed, run_cli
from datasets import load_dataset
from datasets.distributed import split_dataset_by_node

import newsmark
from newsmark.errors import ValidationFailed
from newsmark.labels import names
from newsmark.pipeline.features import CONFIGS, features
from newsmark.pipeline.splits import assign_split, bucket
from newsmark.settings import Settings

VERSION = "0.1.0"


def _files(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def repo_root(tmp_path):
    """The project with its first article only (the seed), its settings and its DATASHEET (whose
    statistics block then describes another corpus: a build rewrites it)."""
    root = copy_seed(tmp_path / "repo")
    for name in ("pyproject.toml", "DATASHEET.md"):
        shutil.copy(REPO / name, root / name)
    return root


@pytest.fixture(scope="session")
def synthetic(synthetic_corpus, tmp_path_factory):
    """The session's synthetic corpus, built once with a small shard cap so that splits have shards."""
    out = tmp_path_factory.mktemp("synthetic-build") / "dist"
    newsmark.build(synthetic_corpus, out, max_shard_bytes=256 * 1024)
    return synthetic_corpus, out


def test_seed_builds_and_loads(repo_root, tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", "--root", str(repo_root), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"built newsmark {VERSION}" in result.stdout
    assert "note: empty, so left out of the card" in result.stdout and "articles/test" in result.stdout
    assert f"load_dataset('{out}')" in result.stdout
    text = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    annotation = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())
    for config in CONFIGS:
        ds = load_dataset(str(out), config, split="train")
        assert ds.features == features(config)
        assert str(ds.info.version) == VERSION
    articles = load_dataset(str(out), split="train")
    row = articles[0]
    assert row["id"] == SEED_ID and row["text"] == text and row["title"] is None and row["license"] == "unknown"
    topic_names = articles.features["topics"].feature.names
    assert [topic_names[i] for i in row["topics"]] == annotation["topics"]
    type_names = articles.features["entities"].feature["type"].names
    assert type_names == names("entity_types")
    assert [type_names[e["type"]] for e in row["entities"]] == [e["type"] for e in annotation["entities"]]
    mentions = load_dataset(str(out), "mentions", split="train")
    assert len(mentions) == sum(len(e["mentions"]) for e in annotation["entities"])
    for mention in mentions:
        assert text[mention["start"] : mention["end"]] == mention["text"]
        offset = mention["start"] - mention["sentence_start"]
        assert mention["sentence"][offset : offset + len(mention["text"])] == mention["text"]
    claims = load_dataset(str(out), "claims", split="train")
    assert [c["id"] for c in claims] == [c["id"] for c in annotation["claims"]]
    assert all(c["date"] == "2024-03-19" and c["verdict"] is None for c in claims)


def test_ner_tokens_never_cut_a_mention_of_the_seed(repo_root, tmp_path):
    out = tmp_path / "out"
    newsmark.build(repo_root, out)
    ner = load_dataset(str(out), "ner", split="train")
    tag_names = ner.features["ner_tags"].feature.names
    text = (REPO / "corpus" / f"{SEED_ID}.txt").read_text(encoding="utf-8")
    starts = {s for row in ner for s in row["token_starts"]}
    ends = {e for row in ner for e in row["token_ends"]}
    annotation = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())
    for entity in annotation["entities"]:
        for mention in entity["mentions"]:
            assert mention["start"] in starts and mention["end"] in ends, mention
    for row in ner:
        assert row["tokens"] == [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"])]
    tagged = [(tok, tag_names[t]) for row in ner for tok, t in zip(row["tokens"], row["ner_tags"])]
    assert ("Benjamin", "B-PERSON") in tagged and ("Netanyahu", "I-PERSON") in tagged
    assert ("Knesset", "B-ORG") in tagged and ("Committee", "I-ORG") in tagged
    assert ("'s", "O") in tagged
    # Rafah inside "Rafah Crossing" is nested: the outermost FAC span is what the BIO layer shows.
    assert ("Crossing", "I-FAC") in tagged


def test_synthetic_corpus_loads_every_config_with_all_three_splits(synthetic):
    root, out = synthetic
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["splits"].values()) == {"train", "validation", "test"}
    for config in CONFIGS:
        ds = load_dataset(str(out), config)
        assert set(ds) == {"train", "validation", "test"}
        assert ds["train"].features == features(config)
        assert str(ds["train"].info.version) == "0.0.1"
    articles = load_dataset(str(out))
    for split in ("train", "validation", "test"):
        assert {row["id"]: split for row in articles[split]}.items() <= manifest["splits"].items()
    assert len(load_dataset(str(out), "ner")["validation"]) > 0


def test_split_rule_by_hand():
    """The rule as the card states it, computed without newsmark's code, on keys in each range."""
    settings = Settings("1.0.0", "s", 0.1, 0.1)
    seen = set()
    for number in range(200):
        key = f"article-{number}"
        value = int(hashlib.sha256(f"s:{key}".encode()).hexdigest()[:8], 16) % 10000
        assert bucket(key, "s") == value
        expected = "test" if value < 1000 else "validation" if value < 2000 else "train"
        assert assign_split(key, settings) == expected
        seen.add(expected)
    assert seen == {"train", "validation", "test"}


def test_split_rule_and_story_groups(synthetic):
    root, out = synthetic
    manifest = json.loads((out / "manifest.json").read_text())
    stories = {}
    for article_id, split in manifest["splits"].items():
        meta = yaml.safe_load((root / "corpus" / f"{article_id}.yaml").read_text())
        key = meta.get("story") or article_id
        assert split == assign_split(key, Settings("0.0.1", "synthetic", 0.1, 0.1))
        stories.setdefault(key, set()).add(split)
    assert any(len(members) == 1 for members in stories.values())
    assert all(len(splits) == 1 for splits in stories.values())
    grouped = [k for k in stories if k.startswith("synthetic-story-")]
    assert grouped


def test_streaming_yields_the_same_rows(synthetic):
    _, out = synthetic
    for config in ("articles", "ner"):
        plain = load_dataset(str(out), config, split="train")
        streamed = list(load_dataset(str(out), config, split="train", streaming=True))
        assert streamed == list(plain)


def test_shards_distribute_across_workers(synthetic):
    _, out = synthetic
    shards = sorted((out / "data" / "articles").glob("train-*.parquet"))
    assert len(shards) >= 2
    stream = load_dataset(str(out), "articles", split="train", streaming=True)
    assert stream.num_shards == len(shards)
    seen = [[row["id"] for row in split_dataset_by_node(stream, rank=r, world_size=2)] for r in (0, 1)]
    assert not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == sorted(row["id"] for row in load_dataset(str(out), split="train"))


def test_two_builds_are_byte_identical(synthetic, tmp_path):
    root, out = synthetic
    again = tmp_path / "again"
    newsmark.build(root, again, max_shard_bytes=256 * 1024)
    assert _files(again) == _files(out)


def test_adding_articles_never_moves_an_existing_one(tmp_path):
    from newsmark.contributor.synth import synthesize

    root = synthesize(tmp_path / "corpus", 120)
    before = newsmark.build(root, tmp_path / "a")
    splits_before = json.loads((tmp_path / "a" / "manifest.json").read_text())["splits"]
    synthesize(root, 60, first=120)
    newsmark.build(root, tmp_path / "b")
    splits_after = json.loads((tmp_path / "b" / "manifest.json").read_text())["splits"]
    assert len(splits_after) == 180
    assert {k: splits_after[k] for k in splits_before} == splits_before
    assert before["fingerprint"] != json.loads((tmp_path / "b" / "manifest.json").read_text())["fingerprint"]


def test_rebuild_after_edit_is_not_served_from_cache(repo_root, tmp_path):
    out = tmp_path / "out"
    newsmark.build(repo_root, out)
    assert load_dataset(str(out), split="train")[0]["keywords"][0] == "Rafah"
    path = repo_root / "annotations" / f"{SEED_ID}.yaml"
    # Same length, so row counts and byte sizes in the card stay equal: only the content fingerprint in the
    # card's config descriptions can change load_dataset's cache key (docs/design.md, stale-cache trap).
    path.write_text(path.read_text().replace("keywords: [Rafah,", "keywords: [Gazah,"))
    newsmark.build(repo_root, out)
    assert load_dataset(str(out), split="train")[0]["keywords"][0] == "Gazah"


def test_failed_build_leaves_previous_output_untouched(repo_root, tmp_path):
    out = tmp_path / "out"
    newsmark.build(repo_root, out)
    before = _files(out)
    path = repo_root / "annotations" / f"{SEED_ID}.yaml"
    path.write_text(path.read_text().replace("type: NORP", "type: NATIONALITY"))
    result = run_cli("build", "--root", str(repo_root), "--out", str(out))
    assert result.returncode == 1
    assert "NM304" in result.stdout and "nothing was written" in result.stderr
    assert _files(out) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_build_refuses_changed_released_labels(repo_root, tmp_path):
    released = repo_root / "schema" / "released-labels.json"
    data = json.loads(released.read_text())
    data["claim_types"] = ["property", "event"] + data["claim_types"][2:]
    released.write_text(json.dumps(data))
    with pytest.raises(ValidationFailed) as failed:
        newsmark.build(repo_root, tmp_path / "out")
    assert [f.code for f in failed.value.report.errors] == ["NM601"]
    assert not (tmp_path / "out").exists()


def test_build_refuses_to_replace_a_folder_that_is_not_a_build(repo_root, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    result = run_cli("build", "--root", str(repo_root), "--out", str(precious))
    assert result.returncode == 1 and "not a newsmark build" in result.stderr
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_manifest_and_card(repo_root, tmp_path):
    out = tmp_path / "out"
    newsmark.build(repo_root, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["version"] == VERSION and manifest["splits"] == {SEED_ID: "train"}
    for rel, digest in manifest["outputs"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    assert (
        manifest["inputs"][f"corpus/{SEED_ID}.txt"]
        == hashlib.sha256((REPO / "corpus" / f"{SEED_ID}.txt").read_bytes()).hexdigest()
    )
    card = (out / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["license"] == ["cc-by-4.0", "unknown"] and front["language"] == ["en"]
    assert front["size_categories"] == ["n<1K"]
    assert [c["config_name"] for c in front["configs"]] == list(CONFIGS)
    assert all(c["version"] == VERSION and manifest["fingerprint"] in c["description"] for c in front["configs"])
    assert all(d["split"] == "train" for c in front["configs"] for d in c["data_files"])
    assert "| mentions | 37 (GPE 22, PERSON 7" in card
    assert str(tmp_path) not in card and str(tmp_path) not in (out / "manifest.json").read_text()


def test_datasheet_block_regenerated_and_validate_warns_when_stale(repo_root, tmp_path):
    datasheet = repo_root / "DATASHEET.md"
    newsmark.build(repo_root, tmp_path / "first")  # the block now describes this corpus
    datasheet.write_text(datasheet.read_text().replace("| entities | 15 |", "| entities | 99 |"))
    stale = newsmark.validate(repo_root)
    assert [(f.code, f.path) for f in stale.findings] == [("NM602", "DATASHEET.md")]
    assert stale.ok
    newsmark.build(repo_root, tmp_path / "out")
    assert "| entities | 15 |" in datasheet.read_text()
    assert newsmark.validate(repo_root).findings == []


def test_duckdb_reads_the_parquet(synthetic):
    duckdb = pytest.importorskip("duckdb")
    _, out = synthetic
    con = duckdb.connect()
    articles = con.execute(f"select count(*) from read_parquet('{out}/data/articles/*.parquet')").fetchone()[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert articles == len(manifest["splits"])
    per_article = con.execute(
        f"select article_id, count(*) from read_parquet('{out}/data/mentions/*.parquet') group by 1"
    ).fetchall()
    assert len(per_article) == articles


def test_croissant_is_valid(synthetic):
    _, out = synthetic
    mlcroissant = shutil.which("mlcroissant", path=os.path.dirname(sys.executable))
    if mlcroissant is None:
        pytest.skip("mlcroissant is not installed")
    result = subprocess.run(
        [mlcroissant, "validate", "--jsonld", str(out / "croissant.json")], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "error" not in result.stderr.lower().replace("errors", "")
    document = json.loads((out / "croissant.json").read_text())
    assert [r["name"] for r in document["recordSet"]] == list(CONFIGS)
