"""The repository's own corpus, built as a release would be: every config has train, validation and test,
load_dataset opens them offline with the declared Features, the rows are the annotations', evaluate runs on
test, the texts are credited as CC BY asks, and the public build withholds the seed so that a public
publish plan passes."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import REPO, SEED_ID, copy_corpus, run_cli
from datasets import load_dataset
from test_evaluate import gold_predictions, write

from newsmark.pipeline.features import CONFIGS, features

SPLITS = ("train", "validation", "test")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_corpus(REPO, tmp_path_factory.mktemp("real") / "repo")
    for name in ("pyproject.toml", "DATASHEET.md", "CITATION.cff", "CHANGELOG.md"):
        shutil.copy(REPO / name, root / name)
    return root


@pytest.fixture(scope="module")
def public_build(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("real-build") / "public"
    result = run_cli("build", "--public", "--root", str(project), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"note: {SEED_ID} withheld from this public build (licence unknown)" in result.stdout
    return out


def _annotations():
    return {path.stem: yaml.safe_load(path.read_text()) for path in sorted((REPO / "annotations").glob("*.yaml"))}


def test_the_repository_validates_with_every_article_annotated():
    result = run_cli("validate", "--root", str(REPO), "--no-cache", "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"], result.stdout[:2000]
    assert report["not_annotated"] == {}
    assert [f for f in report["findings"] if f["severity"] == "error"] == []
    assert report["articles"] >= 251  # the Wikinews articles and the seed
    assert all(a["guidelines"] == "1.2" and a["annotators"] for a in _annotations().values())


def test_every_config_has_three_splits_that_load(public_build):
    manifest = json.loads((public_build / "manifest.json").read_text())
    annotations = {i: a for i, a in _annotations().items() if i in manifest["splits"]}
    assert SEED_ID not in manifest["splits"] and manifest["withheld"] == {SEED_ID: "unknown"}
    for config in CONFIGS:
        ds = load_dataset(str(public_build), config)
        assert set(ds) == set(SPLITS), config
        assert all(len(ds[split]) > 0 for split in SPLITS), config
        assert ds["train"].features == features(config)
    mentions = load_dataset(str(public_build), "mentions")
    assert sum(len(mentions[s]) for s in SPLITS) == sum(
        len(e["mentions"]) for a in annotations.values() for e in a["entities"]
    )
    claims = load_dataset(str(public_build), "claims")
    assert sum(len(claims[s]) for s in SPLITS) == sum(len(a["claims"]) for a in annotations.values())
    for split in SPLITS:
        assert {row["article_id"] for row in mentions[split]} <= {
            i for i, s in manifest["splits"].items() if s == split
        }


def test_the_texts_are_credited(public_build):
    card = (public_build / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    assert front["license"] == ["cc-by-2.5", "cc-by-4.0"]
    attribution = (public_build / "ATTRIBUTION.md").read_text()
    assert "## Creative Commons Attribution 2.5 Generic (CC-BY-2.5)" in attribution
    assert "Licence text: https://creativecommons.org/licenses/by/2.5/" in attribution
    manifest = json.loads((public_build / "manifest.json").read_text())
    assert attribution.count("by Wikinews contributors, Wikinews, <https://en.wikinews.org/") == len(manifest["splits"])
    assert "Changes: removed the dateline" in attribution


def test_evaluate_runs_on_test_and_gold_scores_one(public_build, tmp_path):
    predictions = write(tmp_path / "gold.jsonl", gold_predictions(public_build, "test"))
    result = run_cli("evaluate", predictions, "--dataset", str(public_build), "--format", "json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    for task in ("mentions", "ner", "claims", "checkworthy", "topics"):
        assert scores[task]["f1"] == 1.0, task


def test_a_public_publish_plan_passes(project, public_build):
    result = run_cli(
        "publish", "--root", str(project), "--dataset", str(public_build), "--repo-id", "newsmark/newsmark", "--dry-run"
    )
    assert result.returncode == 0, result.stderr
    assert "to the public dataset repository newsmark/newsmark" in result.stdout


def test_the_croissant_metadata_reports_the_measured_agreement(public_build):
    # The corpus has independent layers, so Croissant's annotation analysis gives their agreement, as the card
    # does, rather than saying it was not measured.
    document = json.loads((public_build / "croissant.json").read_text())
    analysis = document["rai:dataAnnotationAnalysis"]
    assert analysis.startswith("Inter-annotator agreement: ") and "double-annotated article(s)" in analysis
    assert "private individuals as the article names them" in document["rai:personalSensitiveInformation"]
