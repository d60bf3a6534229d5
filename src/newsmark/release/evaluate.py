"""``newsmark evaluate``: score a model's predictions on one split of a built dataset.

Predictions are JSONL. An article line has ``id`` and any of ``mentions`` (``[{start, end, type}]``),
``claims`` (``[{start, end}]``), ``checkworthy_sentences`` (sentence indices) and ``topics`` (QCodes); a
sentence line has ``id`` (``<article id>/<sentence index>``, as in the ``ner`` config) and ``ner_tags`` (tag
names or ClassLabel ids, one per token of that row; mention types may be ids too). A task is scored when any line holds its key; every article (or
sentence) of the split counts, and one without a prediction predicted nothing. Problems in the file are
located errors (``predictions.jsonl:LINE: ...``); nothing is scored while there is one.

Memory stays bounded whatever the split's size: the gold is read from Parquet a record batch at a time
into compact values (no texts or tokens, ner tags as bytes), and the predictions are scored as they are
read, ``BATCH_LINES`` lines at a time, into counts (the nervaluate and seqeval ones summed as those
libraries sum them over documents). Every figure is a function of the summed counts, so a streamed run
gives exactly what one batch holding every line gives.

Definitions (also in the README and the dataset card):

- mentions: exact span (offsets equal) and exact span + type, precision/recall/F1, micro and per type;
  nervaluate's strict, exact, partial and ent_type schemes beside them (spans passed with inclusive ends).
- ner: seqeval's entity-level precision/recall/F1 in strict IOB2 mode, micro and per type.
- claims: exact span, and overlap with a one-to-one matching (pairs taken greatest overlap first).
- checkworthy: precision/recall/F1 of the positive class over sentences.
- topics: micro and macro F1 over the IPTC labels that occur in the gold or the predictions.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

from newsmark import jsondata
from newsmark.errors import NewsmarkError
from newsmark.release.gold import Gold, load_gold
from newsmark.release.scoring import ARTICLE_TASKS, SCORERS, Scoring

TASKS = {
    "mentions": "mentions",
    "claims": "claims",
    "checkworthy_sentences": "checkworthy",
    "topics": "topics",
    "ner_tags": "ner",
}
MAX_LINE_BYTES = 16 * 1024 * 1024
BATCH_LINES = 2000  # prediction lines held before they are scored and dropped


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


def read_predictions(path: Path, gold: Gold, problems: list[str]) -> Iterator[tuple[str, dict]]:
    """Each good line's prediction in file order, with its id (an article's, or a ner sentence's with
    ``{"ner_tags": names}``); each problem is added to ``problems``, located by line, and its line skipped.
    Raises NewsmarkError when the file cannot be opened."""
    name = str(path)
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
                    yield item["id"], {"ner_tags": item["ner_tags"]}
                continue
            if item["id"] not in gold.articles:
                _problem(problems, name, number, f"id {item['id']!r} is not an article of this split")
                continue
            prediction, message = _read_article_line(item, gold)
            if message:
                _problem(problems, name, number, message)
                continue
            yield item["id"], prediction


def _read_ner_line(item: dict, gold: Gold) -> str:
    if set(item) != {"id", "ner_tags"}:
        return "a ner line has only id and ner_tags"
    row = gold.ner.get(item["id"])
    if row is None:
        return f"id {item['id']!r} is not a sentence of this split's ner config (<article id>/<sentence index>)"
    tags = item["ner_tags"]
    if not isinstance(tags, list) or len(tags) != len(row):
        return f"ner_tags must be a list of {len(row)} tags, one per token of {item['id']}"
    tags, message = tag_names(tags, gold.ner_tags)
    if message:
        return message
    # repr, not the values: a tag may be any JSON value (a list is not hashable)
    unknown = sorted({repr(tag) for tag in tags if not isinstance(tag, str) or tag not in gold.ner_tags})
    if unknown:
        return f"unknown tag(s) {', '.join(unknown)}; tags are names or ids of {', '.join(gold.ner_tags)}"
    item["ner_tags"] = [sys.intern(tag) for tag in tags]  # one string per name, not one per token
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
        if len(set(indices)) < len(indices):  # a set would hide it, as a duplicate line would be hidden
            return {}, f"checkworthy_sentences lists sentence {_first_repeat(indices)} more than once"
        prediction["checkworthy_sentences"] = set(indices)
    if "topics" in item:
        topics = item["topics"]
        if not isinstance(topics, list) or any(topic not in gold.topics for topic in topics):
            return {}, "topics must be a list of IPTC QCodes (medtop:01000000 ... medtop:17000000)"
        if len(set(topics)) < len(topics):
            return {}, f"topics lists {_first_repeat(topics)} more than once"
        prediction["topics"] = set(topics)
    return prediction, ""


def _first_repeat(values: list):
    seen = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def evaluate(
    predictions: str | Path, dataset: str | Path, split: str = "test", batch_lines: int | None = BATCH_LINES
) -> dict:
    """Scores of ``predictions`` against ``split`` of the built dataset folder ``dataset``, by task, scored
    ``batch_lines`` prediction lines at a time (None: every line at once, the plain path)."""
    gold = load_gold(Path(dataset), split)
    path = Path(predictions)
    problems: list[str] = []
    scoring = Scoring(gold)
    batch: dict[str, dict] = {}
    tasks: set[str] = set()
    for key, prediction in read_predictions(path, gold, problems):
        batch[key] = prediction
        tasks.update(TASKS[name] for name in prediction)
        if batch_lines is not None and len(batch) >= batch_lines:
            if not problems:  # with one, nothing will be scored: only the reading goes on, for the others
                scoring.add(batch, tasks)
            batch = {}
    if problems:
        shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise NewsmarkError("the predictions have problems; nothing was scored:\n" + "\n".join(shown))
    if not tasks:
        raise NewsmarkError(
            f"{path}: no predictions (no line has mentions, claims, checkworthy_sentences, topics or ner_tags)"
        )
    scoring.add(batch, tasks)
    scores = scoring.finish(batch_lines or max(len(gold.articles), len(gold.ner), 1))
    missing = len(gold.articles) - scoring.articles_predicted if tasks & set(ARTICLE_TASKS) else 0
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
