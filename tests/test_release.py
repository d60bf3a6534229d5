"""Release-grade metadata, checked as a Hub user and a Croissant consumer would: the card read back with
huggingface_hub, every Croissant record set loaded with mlcroissant, licences and citation."""
from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, copy_corpus, run_cli

HUB_TEMPLATE_SECTIONS = ["## Dataset Details", "### Dataset Description", "### Dataset Sources", "## Uses",
                         "### Direct Use", "### Out-of-Scope Use", "## Dataset Structure", "## Dataset Creation",
                         "### Curation Rationale", "### Source Data", "### Annotations",
                         "#### Personal and Sensitive Information", "## Bias, Risks, and Limitations",
                         "## Citation", "## Dataset Card Contact"]
HUB_KEYS = {"license", "license_name", "license_link", "language", "language_creators", "annotations_creators",
            "multilinguality", "size_categories", "source_datasets", "task_categories", "task_ids", "pretty_name",
            "configs", "dataset_info", "tags"}


def _project(tmp_path, name="project"):
    root = copy_corpus(REPO, tmp_path / name)
    for file in ("pyproject.toml", "DATASHEET.md", "CITATION.cff"):
        shutil.copy(REPO / file, root / file)
    return root


def _build(root, out):
    result = run_cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("release")
    return _build(_project(tmp), tmp / "dist")


def test_card_loads_with_huggingface_hub_and_has_every_applicable_field(seed_build):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(seed_build / "README.md")
    data = card.data.to_dict()
    assert set(data) <= HUB_KEYS
    assert data["license"] == "unknown"  # the seed's text licence is unknown
    assert data["language"] == ["en"] and data["language_creators"] == ["found"]
    assert data["annotations_creators"] == ["machine-generated"]  # the seed was annotated by a model
    assert data["multilinguality"] == "monolingual" and data["size_categories"] == ["n<1K"]
    assert data["source_datasets"] == ["original"]
    assert data["task_categories"] == ["token-classification", "text-classification"]
    assert "fact-checking" not in data["task_ids"] and "named-entity-recognition" in data["task_ids"]
    assert data["pretty_name"] == "newsmark"
    assert {c["config_name"] for c in data["configs"]} == {i["config_name"] for i in data["dataset_info"]}
    for heading in HUB_TEMPLATE_SECTIONS:
        assert f"\n{heading}\n" in card.text, heading
    assert "[DATASHEET.md](DATASHEET.md)" in card.text and (seed_build / "DATASHEET.md").is_file()
    assert "newsmark-maintainers (model)" in card.text and "no person reviewed them" in card.text
    assert "@misc{newsmark_0_1_0" in card.text and "The newsmark maintainers" in card.text
    assert (seed_build / "DATASHEET.md").read_text() == (REPO / "DATASHEET.md").read_text()


def _set_licences(root, licence, verdict=False):
    for meta in (root / "corpus").glob("*.yaml"):
        meta.write_text(meta.read_text().replace("license: unknown", f"license: {licence}"))
    if verdict:
        annotation = next((root / "annotations").glob("*.yaml"))
        text = annotation.read_text()
        annotation.write_text(text.replace("    checkworthy: true\n", "    checkworthy: true\n    verdict: supported\n"
                                           "    evidence: [\"https://example.org/check\"]\n", 1))


@pytest.mark.parametrize("licence,expected", [("CC-BY-4.0", {"license": "cc-by-4.0"}),
                                              ("CC0-1.0", {"license": "other", "license_name": "newsmark-mixed",
                                                           "license_link": "LICENSE.md"})])
def test_card_licence_follows_the_texts(tmp_path, licence, expected):
    from huggingface_hub import DatasetCard

    root = _project(tmp_path)
    _set_licences(root, licence, verdict=True)
    out = _build(root, tmp_path / "dist")
    data = DatasetCard.load(out / "README.md").data.to_dict()
    assert {key: data[key] for key in expected} == expected
    assert "fact-checking" in data["task_ids"]  # one claim now has a verdict
    licences = (out / "LICENSE.md").read_text()
    assert f"{licence} (1 article)" in licences and "CC-BY-4.0" in licences and "Apache-2.0" in licences
    assert "may not be shared further" not in licences


@pytest.fixture(scope="module")
def mlcroissant_cli():
    path = shutil.which("mlcroissant", path=os.path.dirname(sys.executable))
    assert path, "mlcroissant is a test dependency"
    return path


def test_every_croissant_record_set_loads(seed_build, mlcroissant_cli):
    import mlcroissant

    document = json.loads((seed_build / "croissant.json").read_text())
    dataset = mlcroissant.Dataset(jsonld=str(seed_build / "croissant.json"))
    for record_set in document["recordSet"]:
        records = list(itertools.islice(dataset.records(record_set=record_set["@id"]), 3))
        assert records, record_set["@id"]
        assert all(f"{record_set['@id']}/{field['name'].split('/')[-1]}" in records[0]
                   for field in record_set["field"])
    articles = next(iter(dataset.records(record_set="articles")))
    assert [entity["articles/entities/id"] for entity in articles["articles/entities"]][:2] == [b"israeli",
                                                                                                b"netanyahu"]
    result = subprocess.run([mlcroissant_cli, "validate", "--jsonld", str(seed_build / "croissant.json")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "warning" not in (result.stdout + result.stderr).lower(), result.stderr


def test_croissant_metadata_fields(seed_build, tmp_path):
    document = json.loads((seed_build / "croissant.json").read_text())
    assert document["citeAs"].startswith("@misc{newsmark_0_1_0")
    assert document["datePublished"] == yaml.safe_load((REPO / "CITATION.cff").read_text())["date-released"]
    assert document["license"] == ["https://spdx.org/licenses/CC-BY-4.0.html"]
    for field in ("rai:dataCollection", "rai:dataAnnotationProtocol", "rai:annotatorDemographics",
                  "rai:dataLimitations", "rai:dataBiases", "rai:personalSensitiveInformation"):
        assert document[field], field
    assert "url" not in document  # no repository id configured: none is invented
    root = _project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('salt = "newsmark-v1"', 'salt = "newsmark-v1"\nrepo_id = "acme/newsmark"'))
    out = _build(root, tmp_path / "dist")
    document = json.loads((out / "croissant.json").read_text())
    assert document["url"] == "https://huggingface.co/datasets/acme/newsmark"
    card = (out / "README.md").read_text()
    assert 'load_dataset("acme/newsmark")' in card and "https://huggingface.co/datasets/acme/newsmark" in card


def test_citation_must_cite_the_version_being_built(tmp_path):
    root = _project(tmp_path)
    citation = root / "CITATION.cff"
    citation.write_text(citation.read_text().replace("version: 0.1.0", "version: 0.0.9"))
    result = run_cli("build", "--root", str(root), "--out", str(tmp_path / "dist"))
    assert result.returncode == 1 and "CITATION.cff:5:10: cites version '0.0.9'" in result.stderr, result.stderr
    assert not (tmp_path / "dist").exists()


def test_the_project_declares_its_licences():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0" and "Apache License" in (REPO / "LICENSE").read_text()
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["version"] == project["version"]
    assert citation["license"] == "CC-BY-4.0"
