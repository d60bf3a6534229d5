"""newsmark evaluate on a real build: gold scores 1.0 everywhere, figures match seqeval called directly and
small cases computed by hand, and bad predictions are located errors with nothing scored."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli
from datasets import load_dataset

from newsmark.pipeline.metrics import prf
from newsmark.release.gold import Gold
from newsmark.release.scoring import one_to_one_overlaps, score_claims, score_topics

TASK_KEYS = ("mentions", "ner", "claims", "checkworthy", "topics")


@pytest.fixture(scope="module")
def dataset(synthetic_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluate") / "dist"
    assert run_cli("build", "--root", str(synthetic_corpus), "--out", str(out)).returncode == 0
    return out


def gold_predictions(out, split="test") -> list[dict]:
    """What a perfect model would write, made from the dataset through load_dataset, as a user would."""
    articles = load_dataset(str(out), "articles", split=split)
    types = articles.features["entities"].feature["type"].names
    topics = articles.features["topics"].feature.names
    sentences = load_dataset(str(out), "sentences", split=split)
    worthy: dict[str, list[int]] = {}
    for row in sentences:
        if row["checkworthy"]:
            worthy.setdefault(row["article_id"], []).append(row["sentence_index"])
    lines = [
        {
            "id": row["id"],
            "mentions": [
                {"start": m["start"], "end": m["end"], "type": types[e["type"]]}
                for e in row["entities"]
                for m in e["mentions"]
            ],
            "claims": [{"start": c["start"], "end": c["end"]} for c in row["claims"]],
            "checkworthy_sentences": worthy.get(row["id"], []),
            "topics": [topics[t] for t in row["topics"]],
        }
        for row in articles
    ]
    ner = load_dataset(str(out), "ner", split=split)
    tags = ner.features["ner_tags"].feature.names
    lines += [{"id": row["id"], "ner_tags": [tags[t] for t in row["ner_tags"]]} for row in ner]
    return lines


def write(path, lines) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def test_gold_scores_one_everywhere(dataset, tmp_path):
    predictions = write(tmp_path / "gold.jsonl", gold_predictions(dataset))
    result = run_cli("evaluate", predictions, "--dataset", str(dataset), "--split", "test", "--format", "json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    for task in TASK_KEYS:
        assert (scores[task]["precision"], scores[task]["recall"], scores[task]["f1"]) == (1.0, 1.0, 1.0), task
    assert scores["mentions"]["exact_span"]["f1"] == 1.0
    assert all(value["f1"] == 1.0 for value in scores["mentions"]["nervaluate"].values())
    assert all(value["f1"] == 1.0 for value in scores["mentions"]["per_type"].values())
    assert scores["claims"]["overlap"]["f1"] == 1.0 and scores["topics"]["macro_f1"] == 1.0
    text = run_cli("evaluate", predictions, "--dataset", str(dataset))
    assert text.returncode == 0 and "mentions     P 1.0000  R 1.0000  F1 1.0000" in text.stdout


def test_ner_figures_equal_seqeval_called_directly(dataset, tmp_path):
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    lines = gold_predictions(dataset)
    ner_lines = [line for line in lines if "ner_tags" in line]
    true = [list(line["ner_tags"]) for line in ner_lines]
    for number, line in enumerate(ner_lines):  # damage every third sentence: drop its first entity's B-
        if number % 3 == 0:
            line["ner_tags"] = ["O" if tag.startswith("B-") else tag for tag in line["ner_tags"]]
    pred = [line["ner_tags"] for line in ner_lines]
    result = run_cli("evaluate", write(tmp_path / "p.jsonl", ner_lines), "--dataset", str(dataset), "--format", "json")
    assert result.returncode == 0, result.stderr
    ner = json.loads(result.stdout)["ner"]
    options = {"mode": "strict", "scheme": IOB2}
    assert ner["precision"] == pytest.approx(precision_score(true, pred, **options))
    assert ner["recall"] == pytest.approx(recall_score(true, pred, **options))
    assert ner["f1"] == pytest.approx(f1_score(true, pred, **options))
    assert 0 < ner["f1"] < 1


def test_mentions_by_hand(dataset, tmp_path):
    lines = [line for line in gold_predictions(dataset) if "mentions" in line]
    gold_count = sum(len(line["mentions"]) for line in lines)
    first = lines[0]
    removed = first["mentions"].pop()  # one missed
    retyped = dict(first["mentions"][0], type="LAW" if first["mentions"][0]["type"] != "LAW" else "LANGUAGE")
    first["mentions"][0] = retyped  # one right span with the wrong type
    first["mentions"].append({"start": 0, "end": 1, "type": "ORG"})  # one spurious (no gold span starts 0:1)
    result = run_cli(
        "evaluate",
        write(tmp_path / "m.jsonl", [{"id": line["id"], "mentions": line["mentions"]} for line in lines]),
        "--dataset",
        str(dataset),
        "--format",
        "json",
    )
    scores = json.loads(result.stdout)
    predicted = gold_count  # one removed, one added
    assert scores["mentions"]["exact_span_and_type"]["true_positives"] == gold_count - 2
    assert scores["mentions"]["precision"] == pytest.approx((gold_count - 2) / predicted)
    assert scores["mentions"]["recall"] == pytest.approx((gold_count - 2) / gold_count)
    assert scores["mentions"]["exact_span"]["true_positives"] == gold_count - 1
    assert set(scores) == {"split", "articles", "articles_without_predictions", "mentions"}
    assert removed not in first["mentions"]


def test_claims_overlap_is_one_to_one_greatest_first():
    # gold 0-10 and 10-20; predictions 5-15 (overlaps both by 5) and 8-20 (overlaps 0-10 by 2, 10-20 by 10)
    assert one_to_one_overlaps([(0, 10), (10, 20)], [(5, 15), (8, 20)]) == 2
    assert one_to_one_overlaps([(0, 10)], [(0, 5), (5, 10)]) == 1
    assert one_to_one_overlaps([(0, 10)], [(10, 20)]) == 0
    gold = Gold(articles={"a": {"claims": [(0, 10), (20, 30)], "mentions": set(), "topics": set(), "sentences": {}}})
    scores = score_claims(gold, {"a": {"claims": [(0, 10), (22, 40), (50, 60)]}})
    assert scores["exact_span"] == prf(1, 3, 2)
    assert scores["overlap"]["true_positives"] == 2
    assert scores["overlap"]["precision"] == pytest.approx(2 / 3) and scores["overlap"]["recall"] == 1.0


def test_topics_micro_and_macro_by_hand():
    gold = Gold(
        topics=["t1", "t2", "t3"],
        articles={
            "a": {"topics": {"t1", "t2"}, "claims": [], "mentions": set(), "sentences": {}},
            "b": {"topics": {"t1"}, "claims": [], "mentions": set(), "sentences": {}},
        },
    )
    scores = score_topics(gold, {"a": {"topics": {"t1"}}, "b": {"topics": {"t1", "t3"}}})
    # t1: tp 2; t2: fn 1; t3: fp 1 -> micro P 2/3, R 2/3; macro over t1 (1.0), t2 (0), t3 (0) = 1/3
    assert scores["micro"]["precision"] == pytest.approx(2 / 3) and scores["micro"]["recall"] == pytest.approx(2 / 3)
    assert scores["macro_f1"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "line,message",
    [
        ("not json", "not valid JSON"),
        ('{"id": "no-such-article", "topics": []}', "id 'no-such-article' is not an article of this split"),
        ('["a list"]', 'each line is a JSON object with a string "id"'),
        (
            '{"id": "ARTICLE", "mentions": [{"start": 3, "end": 1, "type": "ORG"}]}',
            "mentions[0]: start and end must be whole numbers with 0 <= start < end",
        ),
        (
            '{"id": "ARTICLE", "mentions": [{"start": 0, "end": 1, "type": "CITY"}]}',
            "mentions[0]: type 'CITY' is not one of",
        ),
        ('{"id": "ARTICLE", "topics": ["politics"]}', "topics must be a list of IPTC QCodes"),
        ('{"id": "ARTICLE", "scores": 1}', "unknown key(s) scores"),
        ('{"id": "ARTICLE/0", "ner_tags": ["O"]}', "ner_tags must be a list of"),
        (
            '{"id": "ARTICLE", "checkworthy_sentences": [999]}',
            "checkworthy_sentences must be a list of sentence indices",
        ),
    ],
)
def test_bad_predictions_are_located_errors(dataset, tmp_path, line, message):
    article = gold_predictions(dataset)[0]["id"]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n" + line.replace("ARTICLE", article) + "\n")  # a blank first line: the problem is on line 2
    result = run_cli("evaluate", str(path), "--dataset", str(dataset))
    assert result.returncode == 1 and result.stdout == ""
    assert f"\n{path}:2: {message}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_repeated_id_and_an_empty_file(dataset, tmp_path):
    article = gold_predictions(dataset)[0]["id"]
    path = write(tmp_path / "twice.jsonl", [{"id": article, "topics": []}, {"id": article, "topics": []}])
    result = run_cli("evaluate", path, "--dataset", str(dataset))
    assert result.returncode == 1 and f"{path}:2: id '{article}' again (first on line 1)" in result.stderr
    empty = write(tmp_path / "empty.jsonl", [])
    assert run_cli("evaluate", empty, "--dataset", str(dataset)).returncode == 1
    assert run_cli("evaluate", empty, "--dataset", str(tmp_path)).returncode == 1  # not a build


def test_class_label_ids_score_like_names(dataset, tmp_path):
    # What a model fine-tuned on the dataset emits: ner_tags and mention types as ClassLabel ids.
    articles = load_dataset(str(dataset), "articles", split="test")
    types = articles.features["entities"].feature["type"].names
    ner = load_dataset(str(dataset), "ner", split="test")
    by_name = gold_predictions(dataset)
    by_id = [{"id": row["id"], "ner_tags": list(row["ner_tags"])} for row in ner]
    by_id += [
        {"id": line["id"], "mentions": [{**m, "type": types.index(m["type"])} for m in line["mentions"]]}
        for line in by_name
        if "mentions" in line
    ]
    scores = json.loads(
        run_cli("evaluate", write(tmp_path / "ids.jsonl", by_id), "--dataset", str(dataset), "--format", "json").stdout
    )
    assert scores["ner"]["f1"] == 1.0 and scores["mentions"]["f1"] == 1.0
    perturbed = [dict(line) for line in by_id]
    first = next(line for line in perturbed if "ner_tags" in line and any(line["ner_tags"]))
    first["ner_tags"] = [0] * len(first["ner_tags"])  # every tag O: the gold entities of that row are missed
    worse = json.loads(
        run_cli(
            "evaluate", write(tmp_path / "worse.jsonl", perturbed), "--dataset", str(dataset), "--format", "json"
        ).stdout
    )
    assert worse["ner"]["f1"] < 1.0
    first["ner_tags"] = [99] + [0] * (len(first["ner_tags"]) - 1)
    bad = run_cli("evaluate", write(tmp_path / "bad.jsonl", perturbed), "--dataset", str(dataset))
    assert bad.returncode == 1 and "tag id(s) 99 out of range; ids are 0 to 36 (O ... I-LANGUAGE)" in bad.stderr


def test_hostile_prediction_lines_are_located_errors(dataset, tmp_path):
    path = tmp_path / "hostile.jsonl"
    path.write_text('{"id": "x\\udc00"}\n' + "[" * 50_000 + "]" * 50_000 + "\n")
    result = run_cli("evaluate", str(path), "--dataset", str(dataset))
    assert result.returncode == 1 and "internal error" not in result.stderr
    assert f"{path}:1: a string holds a lone surrogate U+DC00" in result.stderr
    assert f"{path}:2: nested more than 64 levels deep" in result.stderr


def test_tags_of_any_json_type_are_located_errors(dataset, tmp_path):
    ner = load_dataset(str(dataset), "ner", split="test")
    row = ner[0]
    tags = [["B-PERSON"]] + ["O"] * (len(row["tokens"]) - 1)  # a list where a tag belongs
    path = write(tmp_path / "lists.jsonl", [{"id": row["id"], "ner_tags": tags}])
    result = run_cli("evaluate", path, "--dataset", str(dataset))
    assert result.returncode == 1 and "internal error" not in result.stderr
    assert f"{path}:1: unknown tag(s) ['B-PERSON']" in result.stderr


def test_a_prediction_listed_twice_is_a_located_error(dataset, tmp_path):
    line = next(line for line in gold_predictions(dataset) if line.get("mentions"))
    path = write(tmp_path / "twice.jsonl", [{"id": line["id"], "mentions": line["mentions"] + line["mentions"][:1]}])
    result = run_cli("evaluate", path, "--dataset", str(dataset))
    assert (
        result.returncode == 1
        and f"{path}:1: mentions[{len(line['mentions'])}] repeats an earlier mention" in result.stderr
    )
    # a topic or a check-worthy sentence listed twice in one line was read into a set and scored
    topic = write(tmp_path / "topic.jsonl", [{"id": line["id"], "topics": ["medtop:02000000", "medtop:02000000"]}])
    result = run_cli("evaluate", topic, "--dataset", str(dataset))
    assert result.returncode == 1 and f"{topic}:1: topics lists medtop:02000000 more than once" in result.stderr
    sentence = write(tmp_path / "sentence.jsonl", [{"id": line["id"], "checkworthy_sentences": [0, 0]}])
    result = run_cli("evaluate", sentence, "--dataset", str(dataset))
    assert (
        result.returncode == 1
        and f"{sentence}:1: checkworthy_sentences lists sentence 0 more than once" in result.stderr
    )


def test_streamed_scores_equal_every_line_at_once(dataset, tmp_path):
    """evaluate reads the gold a record batch at a time and scores the predictions a few lines at a time
    (bounded memory); every figure must be exactly what one batch holding every line gives. The lines mix
    hits, misses, wrong types, partial overlaps, articles and sentences left out, shuffled order (one
    article's sentences in many batches) and a task that appears only on the last line."""
    import random

    from newsmark.release.evaluate import evaluate

    rng = random.Random(7)
    lines = gold_predictions(dataset, split="train")
    articles = [line for line in lines if "mentions" in line]
    sentences = [line for line in lines if "ner_tags" in line]
    for number, line in enumerate(articles):
        del line["topics"]
        if number % 4 == 0:
            line["mentions"] = line["mentions"][1:]  # missed
        if number % 5 == 0 and line["mentions"]:
            first = line["mentions"][0]
            line["mentions"][0] = {**first, "type": "LAW" if first["type"] != "LAW" else "ORG"}  # wrong type
        if number % 6 == 0 and line["mentions"]:
            first = line["mentions"][-1]
            line["mentions"][-1] = {**first, "end": first["end"] + 1}  # a partial overlap
        if number % 3 == 0:
            line["claims"] = [{"start": c["start"] + 1, "end": c["end"]} for c in line["claims"]]
        if number % 2:
            del line["checkworthy_sentences"]
    for number, line in enumerate(sentences):
        if number % 3 == 0:
            line["ner_tags"] = ["O" if tag.startswith("B-") else tag for tag in line["ner_tags"]]
    kept = [line for number, line in enumerate(articles) if number % 9] + sentences[: len(sentences) * 4 // 5]
    rng.shuffle(kept)
    last = articles[0]  # left out above; the only line with topics
    kept.append({"id": last["id"], "topics": ["medtop:04000000"]})
    path = write(tmp_path / "mixed.jsonl", kept)

    plain = evaluate(path, dataset, "train", batch_lines=None)
    assert set(plain) > {"mentions", "ner", "claims", "checkworthy", "topics"}
    assert 0 < plain["mentions"]["f1"] < 1 and 0 < plain["ner"]["f1"] < 1 and plain["articles_without_predictions"]
    assert plain["mentions"]["nervaluate"]["partial"]["partial"] > 0
    for batch_lines in (1, 7, 500):
        streamed = evaluate(path, dataset, "train", batch_lines=batch_lines)
        assert json.dumps(streamed) == json.dumps(plain), batch_lines
    cli = run_cli("evaluate", path, "--dataset", str(dataset), "--split", "train", "--format", "json")
    assert cli.returncode == 0 and json.loads(cli.stdout) == json.loads(json.dumps(plain))
