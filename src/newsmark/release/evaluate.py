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
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsmark import jsondata
from newsmark.errors import NewsmarkError
from newsmark.release.dataset import require_build

TASKS = {
    "mentions": "mentions",
    "claims": "claims",
    "checkworthy_sentences": "checkworthy",
    "topics": "topics",
    "ner_tags": "ner",
}
ARTICLE_TASKS = ("mentions", "claims", "checkworthy", "topics")
MAX_LINE_BYTES = 16 * 1024 * 1024
BATCH_LINES = 2000  # prediction lines held before they are scored and dropped
ROWS_PER_BATCH = 1024  # gold rows converted to Python values at a time


@dataclass
class Gold:
    """One split of a built dataset, as compact plain values, with label names instead of indices."""

    articles: dict[str, dict] = field(default_factory=dict)  # id -> {"mentions", "claims", "topics", "sentences"}
    # sentence id -> its gold tags as indices into ner_tags, one byte each (a tuple past 256 names)
    ner: dict[str, bytes | tuple] = field(default_factory=dict)
    entity_types: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    ner_tags: list[str] = field(default_factory=list)

    def tags(self, sentence_id: str) -> list[str]:
        return [self.ner_tags[tag] for tag in self.ner[sentence_id]]


def _parquet_files(dataset: Path, config: str, split: str) -> list[Path]:
    return sorted((dataset / "data" / config).glob(f"{split}-*.parquet"))


def _features(paths: list[Path]):
    """The Features of a config's files (None without files): the label names the files were built with."""
    import pyarrow.parquet as pq
    from datasets import Features

    return Features.from_arrow_schema(pq.read_schema(paths[0])) if paths else None


def _rows(paths: list[Path], columns: list[str]) -> Iterator[dict]:
    """The rows of ``paths``, only ``columns``, one record batch at a time: never the whole table in memory."""
    import pyarrow.parquet as pq

    for path in paths:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=ROWS_PER_BATCH, columns=columns):
            yield from batch.to_pylist()


def load_gold(dataset: Path, split: str) -> Gold:
    paths = _parquet_files(require_build(dataset), "articles", split)
    features = _features(paths)
    if features is None:
        raise NewsmarkError(f"--dataset {dataset}: the split '{split}' has no articles (empty splits are left out)")
    gold = Gold(entity_types=features["entities"].feature["type"].names, topics=features["topics"].feature.names)
    for row in _rows(paths, ["id", "entities", "claims", "topics"]):
        gold.articles[row["id"]] = {
            "mentions": {
                (m["start"], m["end"], gold.entity_types[e["type"]]) for e in row["entities"] for m in e["mentions"]
            },
            "claims": [(c["start"], c["end"]) for c in row["claims"]],
            "topics": {gold.topics[t] for t in row["topics"]},
            "sentences": {},
        }
    for row in _rows(_parquet_files(dataset, "sentences", split), ["article_id", "sentence_index", "checkworthy"]):
        gold.articles[row["article_id"]]["sentences"][row["sentence_index"]] = row["checkworthy"]
    paths = _parquet_files(dataset, "ner", split)
    ner_features = _features(paths)
    if ner_features is not None:
        gold.ner_tags = ner_features["ner_tags"].feature.names
        pack = bytes if len(gold.ner_tags) <= 256 else tuple
        gold.ner = {row["id"]: pack(row["ner_tags"]) for row in _rows(paths, ["id", "ner_tags"])}
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
        prediction["checkworthy_sentences"] = set(indices)
    if "topics" in item:
        topics = item["topics"]
        if not isinstance(topics, list) or any(topic not in gold.topics for topic in topics):
            return {}, "topics must be a list of IPTC QCodes (medtop:01000000 ... medtop:17000000)"
        prediction["topics"] = set(topics)
    return prediction, ""


# -- metrics ------------------------------------------------------------------------------------------


def prf(true_positives: int, predicted: int, gold: int) -> dict:
    precision = true_positives / predicted if predicted else 0.0
    recall = true_positives / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "true_positives": true_positives,
        "predicted": predicted,
        "gold": gold,
    }


def _add(counts: list[int], *values: int) -> None:
    for index, value in enumerate(values):
        counts[index] += value


class MentionCounts:
    """The mentions task's counts, added a batch of articles at a time: true positives, predicted and gold
    (exact span + type, exact span, per type), and nervaluate's per-scheme counts."""

    def __init__(self, entity_types: list[str]):
        self.entity_types = entity_types
        self.typed, self.span = [0, 0, 0], [0, 0, 0]
        self.per_type = {kind: [0, 0, 0] for kind in entity_types}
        self.schemes: dict = {}  # nervaluate scheme -> its EvaluationResult, summed over the batches

    def add(self, true: list[set], pred: list[set]) -> None:
        from nervaluate import Evaluator

        _add(self.typed, sum(len(t & p) for t, p in zip(true, pred)), sum(map(len, pred)), sum(map(len, true)))
        untyped_true = [{(s, e) for s, e, _ in spans} for spans in true]
        untyped_pred = [{(s, e) for s, e, _ in spans} for spans in pred]
        _add(
            self.span,
            sum(len(t & p) for t, p in zip(untyped_true, untyped_pred)),
            sum(map(len, untyped_pred)),
            sum(map(len, untyped_true)),
        )
        for kind in self.entity_types:
            t = [{x for x in spans if x[2] == kind} for spans in true]
            p = [{x for x in spans if x[2] == kind} for spans in pred]
            _add(self.per_type[kind], sum(len(a & b) for a, b in zip(t, p)), sum(map(len, p)), sum(map(len, t)))

        def as_dicts(documents):
            return [[{"label": kind, "start": s, "end": e - 1} for s, e, kind in sorted(spans)] for spans in documents]

        if not true:
            return
        results = Evaluator(as_dicts(true), as_dicts(pred), tags=self.entity_types, loader="dict").evaluate()
        for scheme, result in results["overall"].items():
            if scheme in self.schemes:  # summed as nervaluate sums its documents, the figures computed again
                Evaluator._merge_results(self.schemes[scheme], result, scheme)
            else:
                self.schemes[scheme] = result

    def result(self) -> dict:
        typed = prf(*self.typed)
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
            for scheme, r in self.schemes.items()
        }
        return {
            **{k: typed[k] for k in ("precision", "recall", "f1")},
            "exact_span_and_type": typed,
            "exact_span": prf(*self.span),
            # a type neither annotated nor predicted is left out
            "per_type": {kind: prf(*counts) for kind, counts in self.per_type.items() if counts[1] or counts[2]},
            "nervaluate": schemes,
        }


class NerCounts:
    """seqeval's entity counts (strict IOB2) per type, added a batch of sentences at a time; the figures are
    seqeval's own, computed from the summed counts as seqeval computes them from one list of sentences."""

    def __init__(self):
        self.per_type: dict[str, list[int]] = {}  # type -> [true positives, predicted, gold]
        self.sentences = 0

    def add(self, true: list[list[str]], pred: list[list[str]]) -> None:
        from seqeval.scheme import IOB2, Entities

        entities_true, entities_pred = Entities(true, IOB2), Entities(pred, IOB2)
        for kind in entities_true.unique_tags | entities_pred.unique_tags:
            t, p = entities_true.filter(kind), entities_pred.filter(kind)
            _add(self.per_type.setdefault(kind, [0, 0, 0]), len(t & p), len(p), len(t))
        self.sentences += len(true)

    def result(self) -> dict:
        import numpy as np
        from seqeval.metrics.v1 import _precision_recall_fscore_support
        from seqeval.scheme import IOB2

        names = sorted(self.per_type)
        # the arrays seqeval's own extraction builds (np.append from empty int32 arrays), in its order
        tp_sum = pred_sum = true_sum = np.array([], dtype=np.int32)
        for kind in names:
            tp, predicted, expected = self.per_type[kind]
            tp_sum, pred_sum, true_sum = (
                np.append(tp_sum, tp),
                np.append(pred_sum, predicted),
                np.append(true_sum, expected),
            )

        def scores(average):
            return _precision_recall_fscore_support(
                [[]],
                [[]],
                average=average,
                zero_division=0,
                scheme=IOB2,
                extract_tp_actual_correct=lambda *_: (pred_sum, tp_sum, true_sum),
            )

        precision, recall, f1, support = scores(None)
        micro = scores("micro")
        return {
            "precision": micro[0],
            "recall": micro[1],
            "f1": micro[2],
            "per_type": {
                kind: {"precision": p, "recall": r, "f1": f, "support": int(n)}
                for kind, p, r, f, n in zip(names, precision, recall, f1, support)
            },
            "sentences": self.sentences,
        }


def score_mentions(gold: Gold, predictions: dict) -> dict:
    ids = sorted(gold.articles)
    counts = MentionCounts(gold.entity_types)
    counts.add(
        [gold.articles[i]["mentions"] for i in ids], [predictions.get(i, {}).get("mentions", set()) for i in ids]
    )
    return counts.result()


def score_ner(gold: Gold, predictions: dict) -> dict:
    counts = NerCounts()
    counts.add(*_ner_lists(gold, sorted(gold.ner), predictions))
    return counts.result()


def _ner_lists(gold: Gold, ids: list[str], predictions: dict) -> tuple[list, list]:
    true = [gold.tags(i) for i in ids]
    return true, [predictions.get(i, {}).get("ner_tags") or ["O"] * len(t) for i, t in zip(ids, true)]


def one_to_one_overlaps(true: list[tuple[int, int]], pred: list[tuple[int, int]]) -> int:
    """How many pairs a one-to-one matching of overlapping spans makes, taking pairs greatest overlap
    first (ties: earliest gold, then earliest prediction)."""
    pairs = sorted(
        (
            (min(te, pe) - max(ts, ps), i, j)
            for i, (ts, te) in enumerate(true)
            for j, (ps, pe) in enumerate(pred)
            if min(te, pe) > max(ts, ps)
        ),
        key=lambda pair: (-pair[0], pair[1], pair[2]),
    )
    used_true, used_pred = set(), set()
    for _, i, j in pairs:
        if i not in used_true and j not in used_pred:
            used_true.add(i)
            used_pred.add(j)
    return len(used_true)


class ClaimCounts:
    def __init__(self, _gold: Gold):
        self.exact = self.overlap = self.predicted = self.expected = 0

    def add(self, gold: Gold, ids: list[str], predictions: dict) -> None:
        true = [gold.articles[i]["claims"] for i in ids]
        pred = [predictions.get(i, {}).get("claims", []) for i in ids]
        self.predicted += sum(map(len, pred))
        self.expected += sum(map(len, true))
        self.exact += sum(len(set(t) & set(p)) for t, p in zip(true, pred))
        self.overlap += sum(one_to_one_overlaps(t, p) for t, p in zip(true, pred))

    def result(self) -> dict:
        exact = prf(self.exact, self.predicted, self.expected)
        overlap = prf(self.overlap, self.predicted, self.expected)
        return {**{k: exact[k] for k in ("precision", "recall", "f1")}, "exact_span": exact, "overlap": overlap}


class CheckworthyCounts:
    def __init__(self, _gold: Gold):
        self.true_positives = self.predicted = self.expected = self.sentences = 0

    def add(self, gold: Gold, ids: list[str], predictions: dict) -> None:
        for article_id in ids:
            article = gold.articles[article_id]
            chosen = predictions.get(article_id, {}).get("checkworthy_sentences", set())
            positive = {index for index, worthy in article["sentences"].items() if worthy}
            self.true_positives += len(chosen & positive)
            self.predicted += len(chosen)
            self.expected += len(positive)
            self.sentences += len(article["sentences"])

    def result(self) -> dict:
        result = prf(self.true_positives, self.predicted, self.expected)
        return {
            **{k: result[k] for k in ("precision", "recall", "f1")},
            "positive_class": result,
            "sentences": self.sentences,
        }


class TopicCounts:
    def __init__(self, gold: Gold):
        self.counts = {label: Counter() for label in gold.topics}

    def add(self, gold: Gold, ids: list[str], predictions: dict) -> None:
        for article_id in ids:
            true = gold.articles[article_id]["topics"]
            chosen = predictions.get(article_id, {}).get("topics", set())
            for label in true | chosen:
                self.counts[label]["tp"] += label in true and label in chosen
                self.counts[label]["fp"] += label in chosen and label not in true
                self.counts[label]["fn"] += label in true and label not in chosen

    def result(self) -> dict:
        counts = self.counts
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


def _whole(kind):
    def score(gold: Gold, predictions: dict) -> dict:
        counts = kind(gold)
        counts.add(gold, list(gold.articles), predictions)
        return counts.result()

    return score


score_claims = _whole(ClaimCounts)
score_checkworthy = _whole(CheckworthyCounts)
score_topics = _whole(TopicCounts)
SCORERS = {
    "mentions": score_mentions,
    "ner": score_ner,
    "claims": score_claims,
    "checkworthy": score_checkworthy,
    "topics": score_topics,
}


class Scoring:
    """The counts of every task, fed predictions a batch at a time. A task counts from the batch in which
    its key first appears; the articles (or sentences) of earlier batches had no prediction for it, so
    ``finish`` scores them, and those never predicted, as predicting nothing."""

    def __init__(self, gold: Gold):
        self.gold = gold
        self.counts: dict = {}  # task -> its counts, made when the task first appears
        self.scored: dict[str, set[str]] = {}  # task -> the ids already counted for it
        self.articles_predicted = 0

    def add(self, batch: dict[str, dict], tasks: set[str]) -> None:
        for task in tasks - set(self.counts):
            self.counts[task] = (
                MentionCounts(self.gold.entity_types)
                if task == "mentions"
                else NerCounts()
                if task == "ner"
                else {"claims": ClaimCounts, "checkworthy": CheckworthyCounts, "topics": TopicCounts}[task](self.gold)
            )
            self.scored[task] = set()
        articles = [i for i in batch if i in self.gold.articles]
        sentences = [i for i in batch if i not in self.gold.articles]
        self.articles_predicted += len(articles)
        for task in self.counts:
            self._count(task, sentences if task == "ner" else articles, batch)

    def _count(self, task: str, ids: list[str], predictions: dict) -> None:
        if not ids:
            return
        counts = self.counts[task]
        if task == "mentions":
            counts.add(
                [self.gold.articles[i]["mentions"] for i in ids],
                [predictions.get(i, {}).get("mentions", set()) for i in ids],
            )
        elif task == "ner":
            counts.add(*_ner_lists(self.gold, ids, predictions))
        else:
            counts.add(self.gold, ids, predictions)
        self.scored[task].update(ids)

    def finish(self, batch_lines: int) -> dict:
        for task in self.counts:
            every = self.gold.ner if task == "ner" else self.gold.articles
            rest = [i for i in every if i not in self.scored[task]]
            for start in range(0, len(rest), batch_lines):
                self._count(task, rest[start : start + batch_lines], {})
        return {task: self.counts[task].result() for task in SCORERS if task in self.counts}


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
