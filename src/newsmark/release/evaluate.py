"""``newsmark evaluate``: score a model's predictions on one split of a built dataset.

Predictions are JSONL. An article line has ``id`` and any of ``mentions`` (``[{start, end, type}]``),
``claims`` (``[{start, end}]``), ``checkworthy_sentences`` (sentence indices) and ``topics`` (QCodes); a
sentence line has ``id`` (``<article id>/<sentence index>``, as in the ``ner`` config) and ``ner_tags`` (tag
names or ClassLabel ids, one per token of that row; mention types may be ids too). A task is scored when any line holds its key; every article (or
sentence) of the split counts, and one without a prediction predicted nothing. Problems in the file are
located errors (``predictions.jsonl:LINE: ...``); nothing is scored while there is one.

Definitions (also in the README and the dataset card):

- mentions: exact span (offsets equal) and exact span + type, precision/recall/F1, micro and per type;
  nervaluate's strict, exact, partial and ent_type schemes beside them (spans passed with inclusive ends).
- ner: seqeval's entity-level precision/recall/F1 in strict IOB2 mode, micro and per type.
- claims: exact span, and overlap with a one-to-one matching (pairs taken greatest overlap first).
- checkworthy: precision/recall/F1 of the positive class over sentences.
- topics: micro and macro F1 over the IPTC labels that occur in the gold or the predictions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from newsmark import jsondata
from newsmark.errors import NewsmarkError
from newsmark.pipeline.metrics import match_overlapping, prf
from newsmark.release.dataset import config_rows, require_build

TASKS = {
    "mentions": "mentions",
    "claims": "claims",
    "checkworthy_sentences": "checkworthy",
    "topics": "topics",
    "ner_tags": "ner",
}
MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass
class Gold:
    """One split of a built dataset, as plain values, with label names instead of indices."""

    articles: dict[str, dict] = field(default_factory=dict)  # id -> {"mentions", "claims", "topics", "sentences"}
    ner: dict[str, dict] = field(default_factory=dict)  # sentence id -> {"tokens", "tags"}
    entity_types: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    ner_tags: list[str] = field(default_factory=list)


def load_gold(dataset: Path, split: str) -> Gold:
    articles, features = config_rows(require_build(dataset), "articles", split)
    if features is None:
        raise NewsmarkError(f"--dataset {dataset}: the split '{split}' has no articles (empty splits are left out)")
    gold = Gold(entity_types=features["entities"].feature["type"].names, topics=features["topics"].feature.names)
    for row in articles:
        gold.articles[row["id"]] = {
            "mentions": {
                (m["start"], m["end"], gold.entity_types[e["type"]]) for e in row["entities"] for m in e["mentions"]
            },
            "claims": [(c["start"], c["end"]) for c in row["claims"]],
            "topics": {gold.topics[t] for t in row["topics"]},
            "sentences": {},
        }
    sentences, _ = config_rows(dataset, "sentences", split)
    for row in sentences:
        gold.articles[row["article_id"]]["sentences"][row["sentence_index"]] = row["checkworthy"]
    ner, ner_features = config_rows(dataset, "ner", split)
    if ner_features is not None:
        gold.ner_tags = ner_features["ner_tags"].feature.names
        gold.ner = {
            row["id"]: {"tokens": row["tokens"], "tags": [gold.ner_tags[t] for t in row["ner_tags"]]} for row in ner
        }
    return gold


# -- reading predictions ------------------------------------------------------------------------------


def _problem(problems: list[str], name: str, line: int, message: str) -> None:
    problems.append(f"{name}:{line}: {message}")


def _spans(value, with_type: bool, where: str, allowed_types: list[str]) -> tuple[set | None, str]:
    if not isinstance(value, list):
        return None, f"{where} must be a list of {{start, end{', type' if with_type else ''}}}"
    spans = set()
    for index, item in enumerate(value):
        keys = {"start", "end", "type"} if with_type else {"start", "end"}
        if not isinstance(item, dict) or set(item) != keys:
            return None, f"{where}[{index}] must have exactly the keys {', '.join(sorted(keys))}"
        start, end = item["start"], item["end"]
        if type(start) is not int or type(end) is not int or not 0 <= start < end:
            return None, f"{where}[{index}]: start and end must be whole numbers with 0 <= start < end"
        label = item.get("type")
        if with_type and type(label) is int:  # a ClassLabel id, as models emit them
            if not 0 <= label < len(allowed_types):
                return None, (
                    f"{where}[{index}]: type id {label} is out of range; ids are 0 to "
                    f"{len(allowed_types) - 1} ({allowed_types[0]} ... {allowed_types[-1]})"
                )
            label = allowed_types[label]
        if with_type and label not in allowed_types:
            return None, f"{where}[{index}]: type {label!r} is not one of {', '.join(allowed_types)}"
        key = (start, end, label) if with_type else (start, end)
        if key in spans:  # counted once, a repeat would hide a false positive (precision stays 1.0)
            return None, f"{where}[{index}] repeats an earlier {where[:-1]} ({start}:{end}); list each once"
        spans.add(key)
    return spans, ""


def tag_names(tags: list, names: list[str]) -> tuple[list, str]:
    """``tags`` as names: ClassLabel ids (what a model fine-tuned on the dataset emits) become the names of
    the same index; an id out of range is an error, never a silent O."""
    out_of_range = sorted({tag for tag in tags if type(tag) is int and not 0 <= tag < len(names)})
    if out_of_range:
        return tags, (
            f"tag id(s) {', '.join(map(str, out_of_range))} out of range; ids are 0 to {len(names) - 1} "
            f"({names[0]} ... {names[-1]})"
        )
    return [names[tag] if type(tag) is int else tag for tag in tags], ""


def read_predictions(path: Path, gold: Gold) -> tuple[dict[str, dict], set[str]]:
    """Predictions by article (and by ner sentence id), and the tasks present. Raises NewsmarkError
    listing every problem, located by line."""
    name = str(path)
    problems: list[str] = []
    by_article: dict[str, dict] = {}
    tasks: set[str] = set()
    seen: dict[str, int] = {}
    try:
        handle = open(path, "rb")
    except OSError as err:
        raise NewsmarkError(f"{name}: {err.strerror}") from None
    with handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                _problem(problems, name, number, f"line longer than {MAX_LINE_BYTES} bytes")
                break
            if not raw.strip():
                continue
            try:
                item = jsondata.loads(raw)
            except jsondata.BadJSON as err:
                _problem(problems, name, number, str(err))
                continue
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                _problem(problems, name, number, 'each line is a JSON object with a string "id"')
                continue
            unknown = set(item) - {"id", *TASKS}
            if unknown:
                _problem(
                    problems,
                    name,
                    number,
                    f"unknown key(s) {', '.join(sorted(unknown))}; the keys are id, " + ", ".join(TASKS),
                )
                continue
            if item["id"] in seen:
                _problem(problems, name, number, f"id {item['id']!r} again (first on line {seen[item['id']]})")
                continue
            seen[item["id"]] = number
            if "ner_tags" in item:
                message = _read_ner_line(item, gold)
                if message:
                    _problem(problems, name, number, message)
                else:
                    by_article.setdefault(item["id"], {})["ner_tags"] = item["ner_tags"]
                    tasks.add("ner")
                continue
            if item["id"] not in gold.articles:
                _problem(problems, name, number, f"id {item['id']!r} is not an article of this split")
                continue
            prediction, message = _read_article_line(item, gold)
            if message:
                _problem(problems, name, number, message)
                continue
            by_article[item["id"]] = prediction
            tasks.update(TASKS[key] for key in prediction)
    if problems:
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise NewsmarkError("the predictions have problems; nothing was scored:\n" + "\n".join(shown))
    if not tasks:
        raise NewsmarkError(
            f"{name}: no predictions (no line has mentions, claims, checkworthy_sentences, topics or ner_tags)"
        )
    return by_article, tasks


def _read_ner_line(item: dict, gold: Gold) -> str:
    if set(item) != {"id", "ner_tags"}:
        return "a ner line has only id and ner_tags"
    row = gold.ner.get(item["id"])
    if row is None:
        return f"id {item['id']!r} is not a sentence of this split's ner config (<article id>/<sentence index>)"
    tags = item["ner_tags"]
    if not isinstance(tags, list) or len(tags) != len(row["tokens"]):
        return f"ner_tags must be a list of {len(row['tokens'])} tags, one per token of {item['id']}"
    tags, message = tag_names(tags, gold.ner_tags)
    if message:
        return message
    item["ner_tags"] = tags
    # repr, not the values: a tag may be any JSON value (a list is not hashable)
    unknown = sorted({repr(tag) for tag in tags if not isinstance(tag, str) or tag not in gold.ner_tags})
    if unknown:
        return f"unknown tag(s) {', '.join(unknown)}; tags are names or ids of {', '.join(gold.ner_tags)}"
    return ""


def _read_article_line(item: dict, gold: Gold) -> tuple[dict, str]:
    prediction: dict = {}
    if "mentions" in item:
        spans, message = _spans(item["mentions"], True, "mentions", gold.entity_types)
        if message:
            return {}, message
        prediction["mentions"] = spans
    if "claims" in item:
        spans, message = _spans(item["claims"], False, "claims", [])
        if message:
            return {}, message
        prediction["claims"] = sorted(spans)
    if "checkworthy_sentences" in item:
        indices = item["checkworthy_sentences"]
        sentences = gold.articles[item["id"]]["sentences"]
        if not isinstance(indices, list) or any(type(i) is not int or i not in sentences for i in indices):
            return {}, (
                f"checkworthy_sentences must be a list of sentence indices of this article (0 to {len(sentences) - 1})"
            )
        prediction["checkworthy_sentences"] = set(indices)
    if "topics" in item:
        topics = item["topics"]
        if not isinstance(topics, list) or any(topic not in gold.topics for topic in topics):
            return {}, "topics must be a list of IPTC QCodes (medtop:01000000 ... medtop:17000000)"
        prediction["topics"] = set(topics)
    return prediction, ""


# -- metrics ------------------------------------------------------------------------------------------


def score_mentions(gold: Gold, predictions: dict) -> dict:
    from nervaluate import Evaluator

    ids = sorted(gold.articles)
    true = [gold.articles[i]["mentions"] for i in ids]
    pred = [predictions.get(i, {}).get("mentions", set()) for i in ids]
    typed = prf(sum(len(t & p) for t, p in zip(true, pred)), sum(map(len, pred)), sum(map(len, true)))
    untyped_true = [{(s, e) for s, e, _ in spans} for spans in true]
    untyped_pred = [{(s, e) for s, e, _ in spans} for spans in pred]
    span = prf(
        sum(len(t & p) for t, p in zip(untyped_true, untyped_pred)),
        sum(map(len, untyped_pred)),
        sum(map(len, untyped_true)),
    )
    per_type = {}
    for kind in gold.entity_types:
        t = [{x for x in spans if x[2] == kind} for spans in true]
        p = [{x for x in spans if x[2] == kind} for spans in pred]
        if any(t) or any(p):
            per_type[kind] = prf(sum(len(a & b) for a, b in zip(t, p)), sum(map(len, p)), sum(map(len, t)))

    def as_dicts(documents):
        return [[{"label": kind, "start": s, "end": e - 1} for s, e, kind in sorted(spans)] for spans in documents]

    results = Evaluator(as_dicts(true), as_dicts(pred), tags=gold.entity_types, loader="dict").evaluate()
    schemes = {
        scheme: {
            "precision": r.precision,
            "recall": r.recall,
            "f1": r.f1,
            "correct": r.correct,
            "incorrect": r.incorrect,
            "partial": r.partial,
            "missed": r.missed,
            "spurious": r.spurious,
        }
        for scheme, r in results["overall"].items()
    }
    return {
        **{k: typed[k] for k in ("precision", "recall", "f1")},
        "exact_span_and_type": typed,
        "exact_span": span,
        "per_type": per_type,
        "nervaluate": schemes,
    }


def score_ner(gold: Gold, predictions: dict) -> dict:
    from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    ids = sorted(gold.ner)
    true = [gold.ner[i]["tags"] for i in ids]
    pred = [predictions.get(i, {}).get("ner_tags") or ["O"] * len(gold.ner[i]["tags"]) for i in ids]
    options = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    report = classification_report(true, pred, output_dict=True, **options)
    per_type = {
        kind: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1-score"], "support": int(v["support"])}
        for kind, v in report.items()
        if not kind.endswith(" avg")
    }
    return {
        "precision": precision_score(true, pred, **options),
        "recall": recall_score(true, pred, **options),
        "f1": f1_score(true, pred, **options),
        "per_type": per_type,
        "sentences": len(ids),
    }


def one_to_one_overlaps(true: list[tuple[int, int]], pred: list[tuple[int, int]]) -> int:
    """How many pairs a one-to-one matching of overlapping spans makes, taking pairs greatest overlap
    first (ties: earliest gold, then earliest prediction)."""
    return len(match_overlapping(true, pred))


def score_claims(gold: Gold, predictions: dict) -> dict:
    ids = sorted(gold.articles)
    true = [gold.articles[i]["claims"] for i in ids]
    pred = [predictions.get(i, {}).get("claims", []) for i in ids]
    predicted, expected = sum(map(len, pred)), sum(map(len, true))
    exact = prf(sum(len(set(t) & set(p)) for t, p in zip(true, pred)), predicted, expected)
    overlap = prf(sum(one_to_one_overlaps(t, p) for t, p in zip(true, pred)), predicted, expected)
    return {**{k: exact[k] for k in ("precision", "recall", "f1")}, "exact_span": exact, "overlap": overlap}


def score_checkworthy(gold: Gold, predictions: dict) -> dict:
    true_positives = predicted = expected = 0
    for article_id, article in gold.articles.items():
        chosen = predictions.get(article_id, {}).get("checkworthy_sentences", set())
        positive = {index for index, worthy in article["sentences"].items() if worthy}
        true_positives += len(chosen & positive)
        predicted += len(chosen)
        expected += len(positive)
    result = prf(true_positives, predicted, expected)
    return {
        **{k: result[k] for k in ("precision", "recall", "f1")},
        "positive_class": result,
        "sentences": sum(len(a["sentences"]) for a in gold.articles.values()),
    }


def score_topics(gold: Gold, predictions: dict) -> dict:
    counts = {label: Counter() for label in gold.topics}
    for article_id, article in gold.articles.items():
        chosen = predictions.get(article_id, {}).get("topics", set())
        for label in article["topics"] | chosen:
            counts[label]["tp"] += label in article["topics"] and label in chosen
            counts[label]["fp"] += label in chosen and label not in article["topics"]
            counts[label]["fn"] += label in article["topics"] and label not in chosen
    micro = prf(
        sum(c["tp"] for c in counts.values()),
        sum(c["tp"] + c["fp"] for c in counts.values()),
        sum(c["tp"] + c["fn"] for c in counts.values()),
    )
    per_label = {label: prf(c["tp"], c["tp"] + c["fp"], c["tp"] + c["fn"]) for label, c in counts.items() if c}
    macro = sum(v["f1"] for v in per_label.values()) / len(per_label) if per_label else 0.0
    return {
        **{k: micro[k] for k in ("precision", "recall", "f1")},
        "micro": micro,
        "macro_f1": macro,
        "per_label": per_label,
    }


SCORERS = {
    "mentions": score_mentions,
    "ner": score_ner,
    "claims": score_claims,
    "checkworthy": score_checkworthy,
    "topics": score_topics,
}


def evaluate(predictions: str | Path, dataset: str | Path, split: str = "test") -> dict:
    """Scores of ``predictions`` against ``split`` of the built dataset folder ``dataset``, by task."""
    gold = load_gold(Path(dataset), split)
    by_article, tasks = read_predictions(Path(predictions), gold)
    scores = {task: SCORERS[task](gold, by_article) for task in SCORERS if task in tasks}
    article_tasks = tasks - {"ner"}
    missing = len(set(gold.articles) - set(by_article)) if article_tasks else 0
    return {"split": split, "articles": len(gold.articles), "articles_without_predictions": missing, **scores}


def text_report(result: dict) -> str:
    lines = [
        f"split {result['split']}: {result['articles']} articles"
        + (
            f" ({result['articles_without_predictions']} without a prediction line: scored as predicting nothing)"
            if result["articles_without_predictions"]
            else ""
        )
    ]
    headline = {
        "mentions": "exact span + type, micro",
        "ner": "seqeval strict IOB2, micro",
        "claims": "exact span",
        "checkworthy": "positive class",
        "topics": "micro",
    }
    for task in SCORERS:
        if task not in result:
            continue
        score = result[task]
        lines.append(
            f"{task:<12} P {score['precision']:.4f}  R {score['recall']:.4f}  F1 {score['f1']:.4f}  ({headline[task]})"
        )
        if task == "mentions":
            lines.append(
                f"{'':<12} exact span F1 {score['exact_span']['f1']:.4f}; nervaluate "
                + ", ".join(f"{scheme} F1 {value['f1']:.4f}" for scheme, value in score["nervaluate"].items())
            )
        if task == "claims":
            lines.append(
                f"{'':<12} overlap (one-to-one) P {score['overlap']['precision']:.4f}  "
                f"R {score['overlap']['recall']:.4f}  F1 {score['overlap']['f1']:.4f}"
            )
        if task == "topics":
            lines.append(f"{'':<12} macro F1 {score['macro_f1']:.4f}")
        for kind, value in score.get("per_type", {}).items():
            lines.append(
                f"{'':<12} {kind:<12} P {value['precision']:.4f}  R {value['recall']:.4f}  F1 {value['f1']:.4f}"
            )
    return "\n".join(lines) + "\n"
