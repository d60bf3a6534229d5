"""newsmark export, read back the way each format's users read it: spaCy's own DocBin, a CoNLL reader,
brat standoff offsets against the .txt, JSONL lines; all compared with the dataset through load_dataset."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import REPO, SEED_ID, copy_seed, run_cli
from datasets import load_dataset

from newsmark.pipeline.assemble import outermost


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """The seed and 30 synthetic articles, built once."""
    from newsmark.contributor.synth import synthesize

    root = copy_seed(tmp_path_factory.mktemp("export") / "corpus")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    synthetic = synthesize(tmp_path_factory.mktemp("synthetic") / "corpus", 30)
    for folder in ("corpus", "annotations"):
        for path in (synthetic / folder).iterdir():
            shutil.copy(path, root / folder / path.name)
    out = tmp_path_factory.mktemp("export-out") / "dist"
    assert run_cli("build", "--root", str(root), "--out", str(out)).returncode == 0
    return out


def _articles(out):
    rows = {}
    for split in load_dataset(str(out)).values():
        features = split.features
        for row in split:
            row["entities"] = [
                dict(e, type=features["entities"].feature["type"].int2str(e["type"])) for e in row["entities"]
            ]
            rows[row["id"]] = row
    return rows


def _export(out, tmp_path, fmt, *extra):
    target = tmp_path / fmt
    result = run_cli("export", "--dataset", str(out), "--to", fmt, "--out", str(target), *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def test_spacy_docbin_reads_back_with_spacy(dataset, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    target = _export(dataset, tmp_path, "spacy")
    articles = _articles(dataset)
    nlp = spacy.blank("en")
    docs = []
    for path in sorted(target.glob("*.spacy")):
        docs += list(DocBin().from_disk(path).get_docs(nlp.vocab))
    assert {doc.user_data["id"] for doc in docs} == set(articles)
    ner = {}
    for split in load_dataset(str(dataset), "ner").values():
        for row in split:
            ner.setdefault(row["article_id"], []).extend(row["tokens"])
    for doc in docs:
        article = articles[doc.user_data["id"]]
        assert doc.text == article["text"]
        assert [t.text for t in doc if not t.is_space] == ner[article["id"]]
        mentions = [(m["start"], m["end"], e["type"]) for e in article["entities"] for m in e["mentions"]]
        assert sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["mentions"]) == sorted(mentions)
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == outermost(mentions)
        claims = {c["id"]: c for c in article["claims"]}
        assert [s.id_ for s in doc.spans["claims"]] == list(claims)
        for span in doc.spans["claims"]:
            assert span.start_char <= claims[span.id_]["start"] and claims[span.id_]["end"] <= span.end_char
        assert [c["id"] for c in doc.user_data["claims"]] == list(claims)
        assert {topic for topic, value in doc.cats.items() if value} == {
            load_dataset(str(dataset))["train"].features["topics"].feature.int2str(t) for t in article["topics"]
        }


def read_conll(path):
    """Documents of sentences of (token, tag), as a CoNLL-2003 reader splits them."""
    documents, sentence = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            documents.append([])
        elif not line:
            if sentence:
                documents[-1].append(sentence)
                sentence = []
        else:
            token, tag = line.split(" ")
            sentence.append((token, tag))
    return documents


def test_conll_reads_back_as_the_ner_config(dataset, tmp_path):
    target = _export(dataset, tmp_path, "conll", "--split", "train")
    assert sorted(p.name for p in target.iterdir()) == ["export.json", "train.conll"]
    ner = load_dataset(str(dataset), "ner", split="train")
    names = ner.features["ner_tags"].feature.names
    expected: dict[str, list] = {}
    for row in ner:
        expected.setdefault(row["article_id"], []).append(list(zip(row["tokens"], (names[t] for t in row["ner_tags"]))))
    assert read_conll(target / "train.conll") == list(expected.values())


def test_brat_offsets_slice_the_text_exactly(dataset, tmp_path):
    target = _export(dataset, tmp_path, "brat")
    articles = _articles(dataset)
    conf = (target / "annotation.conf").read_text()
    assert "[entities]" in conf and "ClaimType\tArg:Claim" in conf
    seen = set()
    for ann in target.glob("*/*.ann"):
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        article = articles[ann.stem]
        assert text == article["text"]
        seen.add(ann.stem)
        bound, types = {}, []
        for line in ann.read_text(encoding="utf-8").splitlines():
            ident, rest = line.split("\t", 1)
            if ident.startswith("T"):
                label_and_offsets, shown = rest.split("\t")
                label, offsets = label_and_offsets.split(" ", 1)
                pieces = [tuple(map(int, piece.split())) for piece in offsets.split(";")]
                assert " ".join(text[a:b] for a, b in pieces) == shown
                bound[ident] = label
                types.append(label)
            elif ident.startswith("A"):
                assert rest.split()[1] in bound and bound[rest.split()[1]] == "Claim"
            elif ident.startswith("R"):
                kind, arg1, arg2 = rest.split()
                assert kind == "Claimer" and bound[arg1.split(":")[1]] == "Claim" and arg2.split(":")[1] in bound
            else:
                assert ident == "*" and rest.startswith("Coref ") and all(t in bound for t in rest.split()[1:])
        assert types.count("Claim") == len(article["claims"])
        assert len(types) - types.count("Claim") == sum(len(e["mentions"]) for e in article["entities"])
    assert seen == set(articles)


def test_jsonl_has_every_annotation_with_label_names(dataset, tmp_path):
    target = _export(dataset, tmp_path, "jsonl")
    articles = _articles(dataset)
    lines = [json.loads(line) for path in target.glob("*.jsonl") for line in path.read_text().splitlines()]
    assert {line["id"] for line in lines} == set(articles)
    seed = next(line for line in lines if line["id"] == SEED_ID)
    assert seed["entities"] == articles[SEED_ID]["entities"] and seed["topics"][0].startswith("medtop:")
    assert seed["claims"][0]["type"] in (
        "event",
        "property",
        "numerical",
        "causal",
        "position",
        "prediction",
        "opinion",
    )


def test_export_never_replaces_a_folder_it_did_not_write(dataset, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    result = run_cli("export", "--dataset", str(dataset), "--to", "jsonl", "--out", str(precious))
    assert result.returncode == 1 and "exists and is not an export" in result.stderr
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    target = _export(dataset, tmp_path, "conll")
    _export(dataset, tmp_path, "conll")  # an earlier export is replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conll", "precious"]
    assert (target / "export.json").is_file()


@pytest.mark.parametrize("folder", ["corpus", "annotations", "schema", ".git"])
def test_export_never_writes_into_the_corpus(dataset, tmp_path, folder):
    root = tmp_path / "project"
    (root / folder).mkdir(parents=True)
    result = run_cli(
        "export",
        "--dataset",
        str(dataset),
        "--to",
        "conll",
        "--out",
        f"{folder}/conll",
        "--root",
        str(root),
        cwd=root,
    )
    assert result.returncode == 1 and f"lies inside {folder}/ of the corpus" in result.stderr
    assert list((root / folder).iterdir()) == []


def test_a_claim_across_a_line_break_becomes_brat_fragments():
    from newsmark.release.export import brat_annotations

    text = "Officials said the plan works.\n\nIt will cost more.\n"
    claim = {
        "id": "c1",
        "start": 10,
        "end": 49,
        "text": text[10:49],
        "claimer": "author",
        "type": "prediction",
        "attribution": "authorial",
        "checkworthy": True,
    }
    lines = brat_annotations({"text": text, "entities": [], "claims": [claim]}).splitlines()
    assert lines[0] == "T1\tClaim 10 30;32 49\tsaid the plan works. It will cost more"
    assert lines[1:] == ["A1\tClaimType T1 prediction", "A2\tAttribution T1 authorial", "A3\tCheckworthy T1"]
