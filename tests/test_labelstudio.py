"""The Label Studio round trip through the real CLI, offline: the generated config, export then import
unchanged is byte-identical (the seed, and synthetic articles with emoji before their spans), edits land
in the YAML with comments kept, and every kind of bad export is a located error that changes no file.
The same round trip against a real Label Studio server is in test_labelstudio_server.py."""

from __future__ import annotations

import ast
import copy
import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SEED_ID, run_cli

EMOJI = "🙂🚀 "


def export(root: Path, *ids: str, extra: tuple = ()) -> list[dict]:
    out = root / "ls"
    result = run_cli("labelstudio", "export", *ids, "--out", str(out), *extra, "--root", str(root))
    assert result.returncode == 0, result.stderr
    return json.loads((out / "tasks.json").read_text())


def as_label_studio_export(tasks: list[dict]) -> list[dict]:
    """What Label Studio exports after an annotator accepted every prediction unchanged (as measured on
    1.23: results keep id and meta, gain origin "prediction", relations move to the end)."""
    exported = []
    for number, task in enumerate(copy.deepcopy(tasks), 1):
        results = [dict(result, origin="prediction") for result in task.pop("predictions")[0]["result"]]
        results.sort(key=lambda result: result["type"] == "relation")
        exported.append(
            {
                "id": number,
                **task,
                "annotations": [
                    {
                        "id": 100 + number,
                        "result": results,
                        "was_cancelled": False,
                        "updated_at": "2026-11-26T10:00:00Z",
                        "completed_by": {"id": 1, "email": "ann.lee@example.org"},
                    }
                ],
                "predictions": [],
            }
        )
    return exported


def write(path: Path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1))
    return str(path)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "ls" not in p.parts and not p.name.startswith("export")
    }


def results_of(exported: list[dict], index: int = 0) -> list[dict]:
    return exported[index]["annotations"][0]["result"]


@pytest.fixture
def emoji_corpus(tmp_path) -> Path:
    """Three synthetic articles with emoji (astral characters, one a ZWJ sequence) before and between
    their spans, every offset shifted to match."""
    root = tmp_path / "emoji"
    assert run_cli("synth", "--out", str(root), "--articles", "3").returncode == 0
    for text_path in sorted((root / "corpus").glob("*.txt")):
        text = text_path.read_text()
        annotation_path = root / "annotations" / f"{text_path.stem}.yaml"
        data = yaml.safe_load(annotation_path.read_text())
        cut = text.index(". ") + 2  # a second emoji after the first sentence
        new_text = EMOJI + text[:cut] + "👩‍🔬 " + text[cut:]

        def shift(offset: int, cut: int = cut) -> int:
            return offset + len(EMOJI) + (len("👩‍🔬 ") if offset >= cut else 0)

        for span in [m for e in data["entities"] for m in e["mentions"]] + data["claims"]:
            span["start"], span["end"] = shift(span["start"]), shift(span["end"])
            assert new_text[span["start"] : span["end"]] == span["text"]
        text_path.write_text(new_text)
        annotation_path.write_text(
            "# synthetic, with emoji\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        )
    assert run_cli("validate", "--root", str(root)).returncode == 0
    return root


def test_config_is_generated_from_the_label_sets(repo_copy):
    export(repo_copy)
    config = ElementTree.parse(repo_copy / "ls" / "label_config.xml").getroot()
    labels = json.loads((REPO / "schema" / "labels.json").read_text())
    entity_labels = [label.get("value") for label in config.find("Labels[@name='entity']")]
    assert entity_labels == [entry["name"] for entry in labels["entity_types"]]
    per_region = {
        choices.get("name"): [c.get("value") for c in choices]
        for choices in config.iter("Choices")
        if choices.get("perRegion") == "true"
    }
    assert per_region["claim_type"] == [entry["name"] for entry in labels["claim_types"]]
    assert per_region["attribution"] == [entry["name"] for entry in labels["attributions"]]
    assert per_region["checkworthy"] == ["yes", "no"] and per_region["claimer"] == ["author"]
    topics = config.find("Choices[@name='topics']")
    assert topics.get("choice") == "multiple"
    assert [re.search(r"\((medtop:\d+)\)$", c.get("value")).group(1) for c in topics] == [
        entry["name"] for entry in labels["topics"]
    ]
    assert config.find("Relations/Relation").get("value") == "claimer"


def test_tasks_carry_the_annotation_with_stable_region_ids(repo_copy):
    first, second = export(repo_copy), export(repo_copy)
    assert first == second
    (task,) = first
    assert task["data"]["article"] == SEED_ID
    assert task["data"]["text"] == (repo_copy / "corpus" / f"{SEED_ID}.txt").read_text()
    results = task["predictions"][0]["result"]
    mention = next(r for r in results if r.get("id") == "m-netanyahu-2")
    assert mention["value"] == {"start": 509, "end": 518, "text": "Netanyahu", "labels": ["PERSON"]}
    assert mention["meta"] == {"text": ["netanyahu"]}
    claim = [r for r in results if r.get("id") == "c-c1"]
    assert {r["from_name"]: r["value"].get("choices") for r in claim} == {
        "claim": None,
        "claim_type": ["position"],
        "attribution": ["reported_speech"],
        "checkworthy": ["yes"],
    }
    relation = next(r for r in results if r["type"] == "relation" and r["from_id"] == "c-c1")
    assert relation["to_id"].startswith("m-netanyahu-")
    author_claim = [r for r in results if r.get("id") == "c-c2" and r["from_name"] == "claimer"]
    assert author_claim[0]["value"]["choices"] == ["author"]
    completed = export(repo_copy, extra=("--as-annotations",))
    assert "predictions" not in completed[0] and completed[0]["annotations"][0]["result"] == results


def test_unchanged_round_trip_is_byte_identical_on_the_seed(repo_copy):
    before = snapshot(repo_copy)
    exported = as_label_studio_export(export(repo_copy))
    result = run_cli("labelstudio", "import", write(repo_copy / "export.json", exported), "--root", str(repo_copy))
    assert result.returncode == 0, result.stderr
    assert "0 changed, 1 unchanged" in result.stdout
    assert snapshot(repo_copy) == before


def test_unchanged_round_trip_is_byte_identical_with_emoji_before_spans(emoji_corpus):
    before = snapshot(emoji_corpus)
    exported = as_label_studio_export(export(emoji_corpus))
    assert len(exported) == 3
    result = run_cli(
        "labelstudio", "import", write(emoji_corpus / "export.json", exported), "--root", str(emoji_corpus)
    )
    assert result.returncode == 0, result.stderr
    assert "0 changed, 3 unchanged" in result.stdout
    assert snapshot(emoji_corpus) == before


def utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def test_drifted_offsets_are_re_anchored_by_the_quote(emoji_corpus):
    """Older Label Studio versions count an emoji as two (UTF-16 units); other paths shift offsets. The
    region's text decides, so the files still come back unchanged."""
    before = snapshot(emoji_corpus)
    exported = as_label_studio_export(export(emoji_corpus))
    for task in exported:
        text = task["data"]["text"]
        for result in results_of([task]):
            value = result.get("value", {})
            if "start" in value:
                value["start"], value["end"] = utf16(text, value["start"]), utf16(text, value["end"])
    assert any(r["value"].get("start") != r["value"].get("end") for r in results_of(exported))
    result = run_cli(
        "labelstudio", "import", write(emoji_corpus / "export.json", exported), "--root", str(emoji_corpus)
    )
    assert result.returncode == 0, result.stderr
    assert snapshot(emoji_corpus) == before


def _region(region_id, name, text, quote, label=None, occurrence=1, **extra):
    start = -1
    for _ in range(occurrence):
        start = text.index(quote, start + 1)
    value = {"start": start, "end": start + len(quote), "text": quote}
    if label is not None:
        value["labels"] = [label]
    return {
        "id": region_id,
        "from_name": name,
        "to_name": "text",
        "type": "labels" if label else "choices",
        "value": value,
        "origin": "manual",
        **extra,
    }


def test_edits_are_merged_keeping_comments_and_everything_else(repo_copy):
    path = repo_copy / "annotations" / f"{SEED_ID}.yaml"
    original = path.read_text()
    exported = as_label_studio_export(export(repo_copy))
    text, results = exported[0]["data"]["text"], results_of(exported)
    # a mention re-drawn in the page (random id, no note) joins the entity with its type and text
    redrawn = next(r for r in results if r.get("id") == "m-netanyahu-3")
    results.remove(redrawn)
    results.append({**redrawn, "id": "Xy12AbCd34", "origin": "manual", "meta": {}})
    # the annotator decides the second "Gaza" is the territory, not the city: a new entity by its note
    gaza = next(r for r in results if r.get("id") == "m-gaza-2")
    gaza["value"]["labels"], gaza["meta"] = ["LOC"], {"text": ["gaza-strip"]}
    # a new claim with its choices and a claimer relation drawn to a mention of Netanyahu
    quote = "Netanyahu agreed to dispatch a team of officials to Washington"
    claim_region = _region("Cl1", "claim", text, quote, "claim")
    results.append(claim_region)
    for name, choice in (("claim_type", "event"), ("attribution", "authorial"), ("checkworthy", "no")):
        results.append(
            {
                **claim_region,
                "from_name": name,
                "type": "choices",
                "value": {**{k: claim_region["value"][k] for k in ("start", "end", "text")}, "choices": [choice]},
            }
        )
    mention = next(
        r["id"]
        for r in results
        if r.get("from_name") == "entity" and r["value"]["start"] == claim_region["value"]["start"]
    )
    results.append({"type": "relation", "from_id": "Cl1", "to_id": mention, "direction": "right"})
    # a topic ticked (Label Studio rewrites the whole list in config order), a claim removed
    topics = next(r for r in results if r.get("from_name") == "topics")
    topics["value"]["choices"] = ["economy, business and finance (medtop:04000000)", *topics["value"]["choices"]]
    results[:] = [r for r in results if r.get("id") != "c-c3" and r.get("from_id") != "c-c3"]
    result = run_cli("labelstudio", "import", write(repo_copy / "export.json", exported), "--root", str(repo_copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"changed annotations/{SEED_ID}.yaml")
    new = path.read_text()
    data = yaml.safe_load(new)
    assert data["annotators"][-1] == {"id": "ann.lee", "kind": "human"}
    assert data["topics"] == ["medtop:16000000", "medtop:11000000", "medtop:04000000"]
    assert "medtop:16000000  # conflict, war and peace" in new  # comments on kept items survive
    entities = {e["id"]: e for e in data["entities"]}
    assert [m["start"] for m in entities["netanyahu"]["mentions"]] == [56, 509, 735, 959, 1209, 1478]
    assert entities["gaza-strip"] == {
        "id": "gaza-strip",
        "type": "LOC",
        "name": "Gaza",
        "mentions": [{"start": 929, "end": 933, "text": "Gaza"}],
    }
    assert [m["start"] for m in entities["gaza"]["mentions"]] == [171, 1607]
    new_claim = next(c for c in data["claims"] if c["text"] == quote)
    assert new_claim["claimer"] == "netanyahu" and new_claim["type"] == "event" and new_claim["checkworthy"] is False
    assert new_claim["id"] == "c22"
    ids = [c["id"] for c in data["claims"]]
    assert ids[ids.index("c11") + 1] == "c22"  # placed in text order
    assert "c3" not in {c["id"] for c in data["claims"]}
    # everything the export did not change keeps its bytes
    for unchanged in ("  - id: c1\n    start: 100\n", '      - {start: 100, end: 106, text: "Israel"}\n'):
        assert unchanged in original and unchanged in new
    assert run_cli("validate", "--root", str(repo_copy)).returncode == 0
    again = run_cli("labelstudio", "import", str(repo_copy / "export.json"), "--root", str(repo_copy))
    assert again.returncode == 0 and "0 changed" in again.stdout and path.read_text() == new


BAD_EXPORTS = {
    "unknown label": (
        lambda ex, text: results_of(ex).append(_region("Bad1", "entity", text, "Rafah", "PLACE")),
        r"region 'Bad1': unknown entity label 'PLACE'",
    ),
    "two regions with one id": (
        lambda ex, text: (
            results_of(ex).append(_region("Dup1", "entity", text, "Rafah", "GPE"))
            or results_of(ex).append(_region("Dup1", "entity", text, "Gaza", "GPE"))
        ),
        r"region 'Dup1': two labelled regions share this id",
    ),
    "claim without its choices": (
        lambda ex, text: results_of(ex).append(_region("Bad2", "claim", text, "Netanyahu agreed", "claim")),
        r"region 'Bad2': the claim needs one claim_type choice",
    ),
    "claim without a claimer": (
        lambda ex, text: _claim_without_claimer(ex, text),
        r"region 'Bad3': the claim needs exactly one claimer",
    ),
    "article not in the corpus": (
        lambda ex, text: ex[0]["data"].update(article="999-not-here"),
        r"article 999-not-here is not in the corpus",
    ),
    "quote not in the text": (
        lambda ex, text: results_of(ex).append(
            {
                "id": "Bad4",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 5, "end": 12, "text": "Atlantis", "labels": ["GPE"]},
            }
        ),
        r"region 'Bad4': its text 'Atlantis' does not occur",
    ),
    "ambiguous quote": (
        lambda ex, text: results_of(ex).append(
            {
                "id": "Bad5",
                "from_name": "entity",
                "to_name": "text",
                "type": "labels",
                "value": {"start": 0, "end": 6, "text": "Israel", "labels": ["GPE"]},
            }
        ),
        r"region 'Bad5': its offsets 0:6 do not match its text 'Israel', which occurs \d+ times",
    ),
    "note that is no entity id": (
        lambda ex, text: results_of(ex).append(
            _region("Bad6", "entity", text, "Knesset", "ORG", meta={"text": ["The Knesset!"]})
        ),
        r"region 'Bad6': the region's note 'The Knesset!' is not an entity id",
    ),
    "one entity, two types": (
        lambda ex, text: results_of(ex).append(
            _region("Bad7", "entity", text, "Knesset", "ORG", meta={"text": ["netanyahu"]})
        ),
        r"region 'Bad7': entity 'netanyahu' is labelled ORG here but PERSON",
    ),
    "claimer relation to a claim": (
        lambda ex, text: results_of(ex).append(
            {"type": "relation", "from_id": "c-c1", "to_id": "c-c2", "labels": ["claimer"]}
        ),
        r"region 'c-c1': the claimer relation points at 'c-c2', which is not an entity mention",
    ),
    "labels that are an object": (
        lambda ex, text: results_of(ex).append(
            {**_region("Bad9", "entity", text, "Knesset", "ORG"), "value": {"text": "Knesset", "labels": {"a": 1}}}
        ),
        r"region 'Bad9': unknown entity label \{'a': 1\}",
    ),
    "a topic that is a list": (
        lambda ex, text: next(r for r in results_of(ex) if r.get("from_name") == "topics")["value"].update(
            choices=[["politics"]]
        ),
        r"region 'topics': unknown topic \['politics'\]",
    ),
    "a claim type that is a number": (
        lambda ex, text: next(r for r in results_of(ex) if r.get("id") == "c-c1" and r["from_name"] == "claim_type")[
            "value"
        ].update(choices=7),
        r"region 'c-c1': the claim needs one claim_type choice \([^)]*\); it has \[7\]",
    ),
    "claimer relation to a list": (
        lambda ex, text: results_of(ex).append(
            {"type": "relation", "from_id": "c-c1", "to_id": [1], "labels": ["claimer"]}
        ),
        r"region 'c-c1': the claimer relation points at \[1\], which is not an entity mention",
    ),
    "field not in the config": (
        lambda ex, text: results_of(ex).append(
            {"id": "Bad8", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["+"]}}
        ),
        r"region 'Bad8': a result of 'sentiment' \(choices\) is not part of newsmark's labeling config",
    ),
    "no topics": (
        lambda ex, text: results_of(ex).__setitem__(
            slice(None), [r for r in results_of(ex) if r.get("from_name") != "topics"]
        ),
        r"the annotation has no topics result",
    ),
    "task text changed": (
        lambda ex, text: ex[0]["data"].update(text=text + " More."),
        r"the task's text differs from corpus/",
    ),
    "annotator unknown": (
        lambda ex, text: ex[0]["annotations"][0].update(completed_by=7),
        r"its annotator is not known; give --annotator HANDLE",
    ),
}


def _claim_without_claimer(exported, text):
    region = _region("Bad3", "claim", text, "Netanyahu agreed", "claim")
    results_of(exported).append(region)
    for name, choice in (("claim_type", "event"), ("attribution", "authorial"), ("checkworthy", "no")):
        results_of(exported).append(
            {**region, "from_name": name, "type": "choices", "value": {**region["value"], "choices": [choice]}}
        )


@pytest.mark.parametrize("case", sorted(BAD_EXPORTS))
def test_bad_exports_are_located_errors_and_change_nothing(repo_copy, case):
    exported = as_label_studio_export(export(repo_copy))
    breaker, expected = BAD_EXPORTS[case]
    # a good edit in the same export must not land either: all or nothing
    text = exported[0]["data"]["text"]
    next(r for r in results_of(exported) if r.get("id") == "c-c1" and r["from_name"] == "checkworthy")["value"][
        "choices"
    ] = ["no"]
    breaker(exported, text)
    before = snapshot(repo_copy)
    result = run_cli("labelstudio", "import", write(repo_copy / "export.json", exported), "--root", str(repo_copy))
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert re.search(r"export\.json:\d+:\d+: task 1 \(article [^)]+\)" + ".*" + expected, result.stderr), result.stderr
    assert "no file was changed" in result.stderr
    assert snapshot(repo_copy) == before


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", r"export\.json:1:2: not valid JSON"),
        ('[{"id": 1, "data": {"article": "x\\ud800"}}]', r"export\.json:1:1: a string holds a lone surrogate U\+D800"),
        ("[" * 50_000 + "]" * 50_000, r"export\.json:1:1: nested more than 64 levels deep"),
        ('{"a": 1}', r"export\.json:1:1: a Label Studio JSON export is a list of tasks"),
        ("[1]", r"task \?: the task has no data.article"),
        ('[{"id": 4, "data": ["not", "an", "object"]}]', r"export\.json:1:3: task 4: the task has no data.article"),
    ],
)
def test_unreadable_exports(repo_copy, content, message):
    (repo_copy / "export.json").write_text(content)
    result = run_cli("labelstudio", "import", str(repo_copy / "export.json"), "--root", str(repo_copy))
    assert result.returncode == 1 and re.search(message, result.stderr), result.stderr
    assert "Traceback" not in result.stderr


def test_bad_annotator_handle_and_missing_files_are_refused(repo_copy):
    (repo_copy / "export.json").write_text("[]")
    result = run_cli(
        "labelstudio", "import", str(repo_copy / "export.json"), "--annotator", "a b", "--root", str(repo_copy)
    )
    assert result.returncode == 1 and "--annotator 'a b'" in result.stderr
    result = run_cli("labelstudio", "import", str(repo_copy / "missing.json"), "--root", str(repo_copy))
    assert result.returncode == 1 and "missing.json: cannot read" in result.stderr
    result = run_cli(
        "labelstudio", "export", "no-such-article", "--out", str(repo_copy / "ls"), "--root", str(repo_copy)
    )
    assert result.returncode == 1 and "no annotations/<id>.yaml for: no-such-article" in result.stderr


def test_export_refuses_an_article_that_does_not_validate(repo_copy):
    path = repo_copy / "annotations" / f"{SEED_ID}.yaml"
    path.write_text(path.read_text().replace("{start: 56, end: 74,", "{start: 57, end: 74,"))
    result = run_cli("labelstudio", "export", "--out", str(repo_copy / "ls"), "--root", str(repo_copy))
    assert result.returncode == 1 and "NM401" in result.stderr and "nothing was done" in result.stderr
    assert not (repo_copy / "ls").exists()


def test_a_skipped_task_and_a_task_without_annotation_change_nothing(repo_copy):
    before = snapshot(repo_copy)
    exported = as_label_studio_export(export(repo_copy))
    exported[0]["annotations"][0]["was_cancelled"] = True
    result = run_cli("labelstudio", "import", write(repo_copy / "export.json", exported), "--root", str(repo_copy))
    assert result.returncode == 0 and "1 without an annotation" in result.stdout
    assert snapshot(repo_copy) == before


def test_a_new_article_is_annotated_from_its_skeleton(tmp_path):
    """The usual path for a new article: `newsmark new` writes a skeleton (no annotator, no topic yet),
    Label Studio supplies everything, the import fills the skeleton in and the article validates."""
    root = tmp_path / "fresh"
    (root / "corpus").mkdir(parents=True)
    (root / "annotations").mkdir()
    text = "Mary Somerville met Ada Lovelace in London on Monday. Somerville later wrote to Lovelace."
    (tmp_path / "a.txt").write_text(text)
    assert (
        run_cli(
            "new",
            "--text",
            str(tmp_path / "a.txt"),
            "--date",
            "2024-06-03",
            "--title",
            "Two scientists",
            "--root",
            str(root),
        ).returncode
        == 0
    )
    (task,) = export(root)
    assert task["predictions"][0]["result"] == []
    regions = [
        _region("r1", "entity", text, "Mary Somerville", "PERSON"),
        _region("r2", "entity", text, "Ada Lovelace", "PERSON"),
        _region("r3", "entity", text, "London", "GPE"),
        _region("r4", "entity", text, "Somerville", "PERSON", occurrence=2, meta={"text": ["mary-somerville"]}),
        _region("r5", "claim", text, "Mary Somerville met Ada Lovelace in London on Monday", "claim"),
    ]
    claim_value = {k: regions[-1]["value"][k] for k in ("start", "end", "text")}
    regions += [
        {
            "id": "r5",
            "from_name": name,
            "to_name": "text",
            "type": "choices",
            "value": {**claim_value, "choices": [choice]},
        }
        for name, choice in (
            ("claim_type", "event"),
            ("attribution", "authorial"),
            ("checkworthy", "yes"),
            ("claimer", "author"),
        )
    ]
    regions.append(
        {
            "id": "t",
            "from_name": "topics",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["science and technology (medtop:13000000)"]},
        }
    )
    exported = [{"id": 7, "data": task["data"], "annotations": [{"id": 1, "result": regions, "completed_by": 3}]}]
    result = run_cli(
        "labelstudio", "import", write(tmp_path / "export.json", exported), "--annotator", "jdoe", "--root", str(root)
    )
    assert result.returncode == 0, result.stderr
    validated = run_cli("validate", "--root", str(root))
    assert validated.returncode == 0, validated.stdout
    (path,) = (root / "annotations").glob("*.yaml")
    data = yaml.safe_load(path.read_text())
    assert data["annotators"] == [{"id": "jdoe", "kind": "human"}] and data["topics"] == ["medtop:13000000"]
    assert {e["id"]: [m["text"] for m in e["mentions"]] for e in data["entities"]} == {
        "mary-somerville": ["Mary Somerville", "Somerville"],
        "ada-lovelace": ["Ada Lovelace"],
        "london": ["London"],
    }
    assert "# Who annotated" in path.read_text()  # the skeleton's comments stay
    assert "  - id: jdoe\n    kind: human\n" in path.read_text()  # lists written as `newsmark new` writes them
    assert "NM410" not in validated.stdout  # "Lovelace" alone is not a mention text, so nothing is missed


def test_export_never_writes_into_the_corpus_or_over_other_files(repo_copy):
    for out, message in (
        (repo_copy / "annotations", "lies inside annotations/"),
        (repo_copy, "is the corpus root"),
        (repo_copy / "notes", "holds files that newsmark did not write"),
    ):
        (repo_copy / "notes").mkdir(exist_ok=True)
        (repo_copy / "notes" / "todo.txt").write_text("keep me")
        before = snapshot(repo_copy)
        result = run_cli("labelstudio", "export", "--out", str(out), "--root", str(repo_copy))
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert snapshot(repo_copy) == before
    export(repo_copy)  # its own earlier output is replaced
    export(repo_copy)


def test_a_blind_second_annotation_becomes_an_independent_layer(repo_copy, tmp_path):
    """Export without the annotation, annotate, import as the annotator's own layer; `agree` compares it."""
    (task,) = export(repo_copy, extra=("--blind",))
    assert "predictions" not in task and "annotations" not in task
    text = task["data"]["text"]
    regions = [
        _region("r1", "entity", text, "Benjamin Netanyahu", "PERSON"),
        _region("r2", "entity", text, "Netanyahu", "PERSON", occurrence=2, meta={"text": ["benjamin-netanyahu"]}),
        _region(
            "r3", "claim", text, "Israel will push forward with its planned military operation in Rafah, Gaza", "claim"
        ),
    ]
    value = {k: regions[-1]["value"][k] for k in ("start", "end", "text")}
    regions += [
        {"id": "r3", "from_name": name, "to_name": "text", "type": "choices", "value": {**value, "choices": [c]}}
        for name, c in (("claim_type", "position"), ("attribution", "reported_speech"), ("checkworthy", "yes"))
    ]
    regions.append({"type": "relation", "from_id": "r3", "to_id": "r1"})
    regions.append(
        {
            "id": "t",
            "from_name": "topics",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": ["conflict, war and peace (medtop:16000000)"]},
        }
    )
    exported = [{"id": 1, "data": task["data"], "annotations": [{"id": 1, "result": regions, "completed_by": 2}]}]
    adjudicated = snapshot(repo_copy)
    refused = run_cli(
        "labelstudio", "import", write(tmp_path / "export.json", exported), "--independent", "--root", str(repo_copy)
    )
    assert refused.returncode == 1 and "--independent needs --annotator" in refused.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo_copy / "annotations" / "independent").mkdir()
    (repo_copy / "annotations" / "independent" / "ann-b").symlink_to(elsewhere)  # would write outside
    linked = run_cli(
        "labelstudio",
        "import",
        str(tmp_path / "export.json"),
        "--independent",
        "--annotator",
        "ann-b",
        "--root",
        str(repo_copy),
    )
    assert linked.returncode == 1 and "annotations/independent/ann-b is a link" in linked.stderr
    assert list(elsewhere.iterdir()) == []
    (repo_copy / "annotations" / "independent" / "ann-b").unlink()
    result = run_cli(
        "labelstudio",
        "import",
        str(tmp_path / "export.json"),
        "--independent",
        "--annotator",
        "ann-b",
        "--root",
        str(repo_copy),
    )
    assert result.returncode == 0, result.stderr
    layer = repo_copy / "annotations" / "independent" / "ann-b" / f"{SEED_ID}.yaml"
    assert result.stdout.startswith(f"changed annotations/independent/ann-b/{SEED_ID}.yaml")
    assert {k: v for k, v in snapshot(repo_copy).items() if "independent" not in k} == adjudicated
    data = yaml.safe_load(layer.read_text())
    assert data["annotators"] == [{"id": "ann-b", "kind": "human"}] and data["topics"] == ["medtop:16000000"]
    assert data["claims"][0]["claimer"] == "benjamin-netanyahu"
    shutil.copy(REPO / "pyproject.toml", repo_copy / "pyproject.toml")
    assert run_cli("validate", "--root", str(repo_copy)).returncode == 0
    agreed = run_cli("agree", "--format", "json", "--root", str(repo_copy))
    assert agreed.returncode == 0 and json.loads(agreed.stdout)["annotators"] == ["ann-b", "adjudicated"]


# -- cost: the fast paths equal the plain ones ----------------------------------------------------------

REAL_TEXTS = [
    "",
    "plain ASCII",
    "café, 中文 and \uffff at the edge of the basic plane",
    "😀",
    "👩‍👩‍👧 a family (a ZWJ sequence of astral characters) at the start",
    "flags are two astral characters each: 🇮🇱🇺🇸 and a name at the end 🚀 Zorblatt",
    "\U00010000\U0010ffff\ud7ff\ue000 the first and last astral characters",
    "a name at the very end after an emoji 🙂 Netanyahu",
]


def test_utf16_table_equals_counting_units(emoji_corpus):
    """One table per text turns UTF-16 offsets into code points: it equals counting the units of every
    prefix, at every unit offset (between the halves of an astral character there is none)."""
    from newsmark.contributor.labelstudio.offsets import Utf16Offsets

    texts = REAL_TEXTS + [path.read_text() for path in sorted((emoji_corpus / "corpus").glob("*.txt"))]
    for text in texts:
        plain = {utf16(text, index): index for index in range(len(text) + 1)}
        table = Utf16Offsets(text)
        for unit in range(-2, utf16(text, len(text)) + 3):
            assert table.code_point(unit) == plain.get(unit), (text[:40], unit)


def test_a_region_at_the_text_end_after_emoji_is_placed_by_its_utf16_offsets(emoji_corpus):
    """A region drawn in an older Label Studio (UTF-16 offsets) after emoji, ending where the text ends,
    lands on its code points; its text occurs twice, so only the offsets can place it."""
    text_path = sorted((emoji_corpus / "corpus").glob("*.txt"))[0]
    text = text_path.read_text().rstrip("\n") + " Zorblatt 🙂 Zorblatt"
    text_path.write_text(text)
    assert run_cli("validate", "--root", str(emoji_corpus)).returncode == 0
    exported = as_label_studio_export(export(emoji_corpus))
    task = next(task for task in exported if task["data"]["text"] == text)
    region = _region("End1", "entity", text, "Zorblatt", "ORG", occurrence=2)
    assert region["value"]["end"] == len(text)
    region["value"].update(start=utf16(text, len(text) - 8), end=utf16(text, len(text)))
    results_of([task]).append(region)
    result = run_cli(
        "labelstudio", "import", write(emoji_corpus / "export.json", exported), "--root", str(emoji_corpus)
    )
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((emoji_corpus / "annotations" / f"{text_path.stem}.yaml").read_text())
    assert {"start": len(text) - 8, "end": len(text), "text": "Zorblatt"} in [
        mention for entity in data["entities"] for mention in entity["mentions"]
    ]


def plain_place(raw: str, task_id: str, region) -> tuple[int, int]:
    """Where a problem belongs, found the plain way in an export written with ``indent=1``: at the task's
    own id (a key of a task is indented by two spaces), then at its region's first id after that; line
    and column counted from the start."""
    at = raw.index(f'\n  "id": {task_id},') + 3
    if region is not None:
        at = (
            re.compile(r'"id": ' + re.escape(json.dumps(region, ensure_ascii=False)) + "(?![0-9])")
            .search(raw, at)
            .start()
        )
    return raw.count("\n", 0, at) + 1, at - (raw.rfind("\n", 0, at) + 1) + 1


PROBLEM = re.compile(r"export\.json:(\d+):(\d+): task (\S+)(?: \(article [^)]*\))?(?:, region (.+?))?: ")


def test_problems_are_placed_at_their_own_task_and_region(repo_copy):
    """Problems are located in one pass over the export, only those shown: each at its own task's id
    (not at an earlier result with the same number) and its region's id (written as it is,
    "é" as well as "\\u00e9"), in the task's own lines."""
    exported = as_label_studio_export(export(repo_copy))
    text = exported[0]["data"]["text"]
    results_of(exported).append(
        {"id": "Bad-é", "from_name": "entity", "to_name": "text", "type": "labels", "value": {"labels": ["GPE"]}}
    )
    results_of(exported).append(_region("Bad2", "entity", text, "Knesset", "ORG", meta={"text": ["The Knesset!"]}))
    results_of(exported).append({"id": 7, "from_name": "sentiment", "to_name": "text", "type": "choices"})
    unknown = copy.deepcopy(exported[0])
    for number in range(2, 62):  # 60 tasks for articles that are not in the corpus: 50 shown, 10 counted
        exported.append({**copy.deepcopy(unknown), "id": number, "data": {"article": f"gone-{number}", "text": "x"}})
    raw = json.dumps(exported, ensure_ascii=False, indent=1)
    (repo_copy / "export.json").write_text(raw)
    result = run_cli("labelstudio", "import", str(repo_copy / "export.json"), "--root", str(repo_copy))
    assert result.returncode == 1, result.stdout
    placed = [PROBLEM.search(line) for line in result.stderr.splitlines() if line.startswith(str(repo_copy))]
    assert len(placed) == 50 and all(placed), result.stderr
    assert result.stderr.rstrip().endswith(f"... and {3 + 60 - 50} more")
    regions = [match.group(4) for match in placed if match.group(4)]
    assert regions == ["'Bad-é'", "7", "'Bad2'"], result.stderr
    for match in placed:
        region = None if match.group(4) is None else ast.literal_eval(match.group(4))  # as the message shows it
        line, col = int(match.group(1)), int(match.group(2))
        assert (line, col) == plain_place(raw, match.group(3), region), match.group(0)
