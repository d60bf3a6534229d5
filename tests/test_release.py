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
from conftest import REPO, SEED_ID, commit_all, copy_seed, run_cli

HUB_TEMPLATE_SECTIONS = [
    "## Dataset Details",
    "### Dataset Description",
    "### Dataset Sources",
    "## Uses",
    "### Direct Use",
    "### Out-of-Scope Use",
    "## Dataset Structure",
    "## Dataset Creation",
    "### Curation Rationale",
    "### Source Data",
    "### Annotations",
    "#### Personal and Sensitive Information",
    "## Bias, Risks, and Limitations",
    "## Citation",
    "## Dataset Card Contact",
]
HUB_KEYS = {
    "license",
    "license_name",
    "license_link",
    "language",
    "language_creators",
    "annotations_creators",
    "multilinguality",
    "size_categories",
    "source_datasets",
    "task_categories",
    "task_ids",
    "pretty_name",
    "configs",
    "dataset_info",
    "tags",
}


def _project(tmp_path, name="project"):
    root = copy_seed(tmp_path / name)
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
    assert data["license"] == ["cc-by-4.0", "unknown"]  # the annotations', and the seed text's (unknown)
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
    assert "- `newsmark-maintainers` (model: " in card.text and "no person reviewed them" in card.text
    assert "@misc{newsmark_0_1_0" in card.text and "The newsmark maintainers" in card.text
    datasheet = (seed_build / "DATASHEET.md").read_text()  # the repository's, its statistics block for this build
    assert "| articles | 1 annotated (train 1, validation 0, test 0) |" in datasheet
    assert (
        datasheet.split("<!-- newsmark:stats:start -->")[0]
        == (REPO / "DATASHEET.md").read_text().split("<!-- newsmark:stats:start -->")[0]
    )


def _set_licences(root, licence, verdict=False):
    for meta in (root / "corpus").glob("*.yaml"):
        meta.write_text(meta.read_text().replace("license: unknown", f"license: {licence}"))
    if verdict:
        annotation = next((root / "annotations").glob("*.yaml"))
        text = annotation.read_text()
        annotation.write_text(
            text.replace(
                "    checkworthy: true\n",
                '    checkworthy: true\n    verdict: supported\n    evidence: ["https://example.org/check"]\n',
                1,
            )
        )


@pytest.mark.parametrize(
    "licence,expected",
    [
        ("CC-BY-4.0", {"license": "cc-by-4.0"}),  # texts and annotations agree: one id
        ("CC0-1.0", {"license": ["cc-by-4.0", "cc0-1.0"]}),  # several: the Hub's list form
        (
            "CC-BY-3.0-AT",
            {"license": ["cc-by-4.0", "other"], "license_name": "newsmark-mixed", "license_link": "LICENSE.md"},
        ),  # one the Hub does not list: other, linked to LICENSE.md
    ],
)
def test_card_licence_follows_the_texts(tmp_path, licence, expected):
    from huggingface_hub import DatasetCard

    root = _project(tmp_path)
    _set_licences(root, licence, verdict=True)
    out = _build(root, tmp_path / "dist")
    data = DatasetCard.load(out / "README.md").data.to_dict()
    assert {key: data[key] for key in expected} == expected
    assert "fact-checking" in data["task_ids"]  # one claim now has a verdict
    licences = (out / "LICENSE.md").read_text()
    assert f"{licence}](" in licences and "(1 article)" in licences and "CC-BY-4.0" in licences
    assert "Apache-2.0" in licences
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
        assert all(f"{record_set['@id']}/{field['name'].split('/')[-1]}" in records[0] for field in record_set["field"])
    articles = next(iter(dataset.records(record_set="articles")))
    assert [entity["articles/entities/id"] for entity in articles["articles/entities"]][:2] == [
        b"israeli",
        b"netanyahu",
    ]
    result = subprocess.run(
        [mlcroissant_cli, "validate", "--jsonld", str(seed_build / "croissant.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "warning" not in (result.stdout + result.stderr).lower(), result.stderr


def test_croissant_metadata_fields(seed_build, tmp_path):
    document = json.loads((seed_build / "croissant.json").read_text())
    assert document["citeAs"].startswith("@misc{newsmark_0_1_0")
    assert document["datePublished"] == yaml.safe_load((REPO / "CITATION.cff").read_text())["date-released"]
    assert document["license"] == ["https://spdx.org/licenses/CC-BY-4.0.html"]
    for field in (
        "rai:dataCollection",
        "rai:dataAnnotationProtocol",
        "rai:annotatorDemographics",
        "rai:dataLimitations",
        "rai:dataBiases",
        "rai:personalSensitiveInformation",
    ):
        assert document[field], field
    assert "url" not in document  # no repository id configured: none is invented
    root = _project(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('salt = "newsmark-v1"', 'salt = "newsmark-v1"\nrepo_id = "acme/newsmark"')
    )
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


# -- publish --------------------------------------------------------------------------------------------------


def test_publish_refuses_a_public_push_of_texts_it_may_not_redistribute(seed_build, tmp_path):
    root = _project(tmp_path)
    args = ["publish", "--root", str(root), "--dataset", str(seed_build), "--repo-id", "acme/newsmark", "--dry-run"]
    result = run_cli(*args)
    assert result.returncode == 1 and "refusing a public push" in result.stderr
    assert "000-833129a6a27d8038 (unknown)" in result.stderr and "--gated" in result.stderr
    for way_around in ("--gated", "--private"):
        result = run_cli(*args, way_around)
        assert result.returncode == 0, result.stderr
        assert f"to the {way_around[2:]} dataset repository acme/newsmark" in result.stdout
        assert "tag it v0.1.0" in result.stdout and "  README.md (" in result.stdout
        assert "  data/articles/train-00000-of-00001.parquet (" in result.stdout
    assert run_cli(*args, "--gated", "--private").returncode == 2


def test_publish_dry_run_of_an_open_corpus_builds_and_plans(tmp_path):
    root = _project(tmp_path)
    _set_licences(root, "CC-BY-4.0")
    uncredited = run_cli("publish", "--root", str(root), "--repo-id", "acme/news", "--dry-run")
    assert uncredited.returncode == 1  # CC BY asks for credit, and the metadata names none
    assert f"asks for credit, but their metadata names none (source.authors): {SEED_ID}" in uncredited.stderr
    for meta in (root / "corpus").glob("*.yaml"):
        meta.write_text(meta.read_text().replace("source: null", "source: {name: null, url: null, authors: [Ada]}"))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('salt = "newsmark-v1"', 'salt = "newsmark-v1"\nrepo_id = "acme/news"')
    )
    result = run_cli("publish", "--root", str(root), "--dry-run")  # builds into <root>/dist/newsmark
    assert result.returncode == 0, result.stderr
    assert "to the public dataset repository acme/news" in result.stdout
    assert (root / "dist" / "newsmark" / "manifest.json").is_file()


@pytest.mark.parametrize(
    "problem,message",
    [
        ("no-repo", "no repository: pass --repo-id"),
        ("no-changelog-entry", "CHANGELOG.md has no entry for 0.1.0"),
        ("stale-build", "holds version 0.0.9 but pyproject.toml says 0.1.0"),
    ],
)
def test_publish_refusals(seed_build, tmp_path, problem, message):
    root = _project(tmp_path)
    dataset = tmp_path / "built"
    shutil.copytree(seed_build, dataset)
    args = ["publish", "--root", str(root), "--dataset", str(dataset), "--gated", "--dry-run"]
    if problem != "no-repo":
        args += ["--repo-id", "acme/newsmark"]
    if problem == "no-changelog-entry":
        (root / "CHANGELOG.md").write_text("# Changelog\n\n## 0.0.9\n\n- older\n")
    if problem == "stale-build":
        manifest = json.loads((dataset / "manifest.json").read_text())
        (dataset / "manifest.json").write_text(json.dumps({**manifest, "version": "0.0.9"}))
    result = run_cli(*args)
    assert result.returncode == 1 and message in result.stderr, result.stderr


# -- diff ---------------------------------------------------------------------------------------------------


@pytest.fixture
def two_releases(tmp_path):
    """A synthetic corpus in git, built; then one article removed, one added and one edited, built again."""
    from newsmark.contributor.synth import synthesize

    root = synthesize(tmp_path / "corpus", 20)
    commit_all(root, "first release")
    old = _build(root, tmp_path / "old")
    for path in [
        root / "corpus" / "synthetic-000003.txt",
        root / "corpus" / "synthetic-000003.yaml",
        root / "annotations" / "synthetic-000003.yaml",
    ]:
        path.unlink()
    synthesize(root, 1, first=30)
    edited = root / "annotations" / "synthetic-000005.yaml"
    edited.write_text(edited.read_text().replace("checkworthy: true", "checkworthy: false", 1))
    return root, old, _build(root, tmp_path / "new")


def test_diff_of_two_builds(two_releases):
    root, old, new = two_releases
    result = run_cli("diff", str(old), str(new), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == ["synthetic-000030"] and report["removed"] == ["synthetic-000003"]
    assert report["changed"] == {"synthetic-000005": ["annotation"]}
    assert report["moved"] == {} and report["errors"] == [] and report["label_sets"] == {}
    before, after = (json.loads((folder / "manifest.json").read_text())["splits"] for folder in (old, new))
    for split in ("train", "validation", "test"):
        assert report["rows"]["articles"][split] == [
            list(before.values()).count(split),
            list(after.values()).count(split),
        ]
    text = run_cli("diff", str(old), str(new)).stdout
    assert text.startswith("## 0.0.1 (draft, compared with 0.0.1)")
    assert "1 added (`synthetic-000030`), 1 removed (`synthetic-000003`), 1 changed" in text
    assert "annotation changed: `synthetic-000005`" in text and "- Splits: no article moved." in text


def test_diff_against_a_git_revision(two_releases):
    root, old, new = two_releases
    result = run_cli("diff", "HEAD", str(new), "--root", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["removed"] == ["synthetic-000003"]


def test_diff_of_a_revision_with_a_link_out_is_a_located_error(two_releases):
    root, _, new = two_releases
    (root / "corpus" / "passwd.txt").symlink_to("/etc/passwd")
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git + ["add", "corpus/passwd.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "a link"], check=True)
    result = run_cli("diff", "HEAD", str(new), "--root", str(root))
    assert result.returncode == 1 and "internal error" not in result.stderr
    assert "revision HEAD: corpus/passwd.txt is a link to '/etc/passwd', outside the corpus" in result.stderr


def test_diff_reads_a_revision_as_committed_whatever_its_gitattributes_say(tmp_path):
    # git archive obeys the revision's own .gitattributes: export-ignore would hide an article and
    # export-subst rewrite a title, so the revision would seem to differ from the same files built here.
    from newsmark.contributor.synth import synthesize

    root = synthesize(tmp_path / "corpus", 6)
    meta = root / "corpus" / "synthetic-000002.yaml"
    meta.write_text(meta.read_text().replace("title: ", "title: $Format:%H$ ", 1))
    (root / ".gitattributes").write_text(
        "corpus/synthetic-000001.* export-ignore\nannotations/synthetic-000001.yaml export-ignore\n"
        "corpus/*.yaml export-subst\nannotations/* export-subst\n"
    )
    commit_all(root, "a revision with export attributes")
    here = _build(root, tmp_path / "here")
    result = run_cli("diff", "HEAD", str(here), "--root", str(root), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert (report["added"], report["removed"], report["changed"], report["moved"]) == ([], [], {}, {})


def test_a_split_move_is_an_error_unless_the_rule_changed(two_releases, tmp_path):
    from newsmark.pipeline.splits import split_of
    from newsmark.settings import read_settings

    root, old, _ = two_releases
    settings = read_settings(root)
    meta_path = root / "corpus" / "synthetic-000000.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    was = split_of("synthetic-000000", meta, settings)
    story = next(f"story-{n}" for n in range(1000) if split_of("x", {"story": f"story-{n}"}, settings) != was)
    meta_path.write_text(meta_path.read_text() + f"story: {story}\n")  # joining a story moves it
    now = split_of("x", {"story": story}, settings)
    moved = _build(root, tmp_path / "moved")
    result = run_cli("diff", str(old), str(moved))
    assert (
        result.returncode == 1 and "ERROR: 1 article(s) changed split although the split rule did not" in result.stdout
    )
    # the draft names each moved article, with the split it left and the one it joined
    assert "- Splits: 1 article(s) moved (the split rule did not change):" in result.stdout
    assert f"  - `synthetic-000000`: {was} -> {now}" in result.stdout


def test_a_split_rule_change_needs_a_major_version(two_releases, tmp_path):
    # A new salt moves articles between splits: without a new major version it is an error located at the
    # setting (in the working tree's pyproject.toml, or in a revision's), and every moved article is named.
    root, old, _ = two_releases
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('salt = "synthetic"', 'salt = "synthetic-v2"'))
    line = next(n for n, text in enumerate(pyproject.read_text().splitlines(), 1) if text.startswith("salt"))
    error = (
        f":{line}:1: [tool.newsmark] salt changed ('synthetic' -> 'synthetic-v2') without a new major version "
        "(0.0.1 -> 0.0.1)"
    )
    rebuilt = _build(root, tmp_path / "new-rule")
    result = run_cli("diff", str(old), str(rebuilt), "--root", str(root))
    assert result.returncode == 1 and f"- ERROR: {pyproject}{error}" in result.stdout, result.stdout
    report = json.loads(run_cli("diff", str(old), str(rebuilt), "--root", str(root), "--format", "json").stdout)
    assert report["split_rule"] == {"salt": ["synthetic", "synthetic-v2"]} and len(report["moved"]) > 1
    assert "moved (the split rule changed: salt 'synthetic' -> 'synthetic-v2'):" in result.stdout
    for article, (was, now) in report["moved"].items():
        assert f"  - `{article}`: {was} -> {now}" in result.stdout
    git = commit_all(root, "new salt")
    result = run_cli("diff", str(old), "HEAD", "--root", str(root))
    assert result.returncode == 1 and f"- ERROR: HEAD:pyproject.toml{error}" in result.stdout, result.stdout
    pyproject.write_text(pyproject.read_text().replace('version = "0.0.1"', 'version = "1.0.0"'))
    subprocess.run(git + ["commit", "-qam", "1.0.0"], check=True)
    result = run_cli("diff", str(old), "HEAD", "--root", str(root), "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["split_rule_changed"] and report["moved"] and report["errors"] == []


def test_a_revision_that_cannot_be_built_is_named_not_its_temporary_copy(two_releases):
    # diff builds a revision in a temporary folder; a problem with its files is said of the revision
    # (HEAD:pyproject.toml, HEAD:annotations/...), not of that folder, which is gone when the user reads it.
    root, old, _ = two_releases
    pyproject = root / "pyproject.toml"
    settings = pyproject.read_text()
    pyproject.write_text(settings.replace('version = "0.0.1"\n', ""))
    commit_all(root, "no version")
    result = run_cli("diff", str(old), "HEAD", "--root", str(root))
    assert result.returncode == 1 and "newsmark-diff-" not in result.stderr, result.stderr
    assert "HEAD:pyproject.toml:1:1: [project] has no version" in result.stderr
    pyproject.write_text(settings)
    annotation = sorted((root / "annotations").glob("*.yaml"))[0]
    annotation.write_text(annotation.read_text().replace("type: PERSON", "type: PERSN", 1))
    commit_all(root, "a type that is no label")
    result = run_cli("diff", str(old), "HEAD", "--root", str(root))
    assert result.returncode == 1 and "revision HEAD does not validate, so it cannot be built:" in result.stderr
    assert f"HEAD:annotations/{annotation.name}:" in result.stderr and "NM304" in result.stderr


def test_the_datasheet_answers_what_the_datasheet_questions_ask():
    datasheet = (REPO / "DATASHEET.md").read_text()
    for answer in (
        "**Curation policy**",
        "**Annotation**: every article was annotated by a model, Claude",
        "**No person reviewed these annotations**",
        "**Agreement**",
        "**External resources**: Wikidata",
        "**Consent and notification**",
        "**Contact point**",
        "**Release date**",
        "CC-BY-4.0",
        "Apache-2.0",
        "CC BY 2.5",
    ):
        assert answer in datasheet, answer
