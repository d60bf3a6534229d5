"""The scores of ``newsmark evaluate``, as counts added a batch of predictions at a time: every figure is a
function of the summed counts, so a streamed run gives exactly what one batch holding every line gives
(the definitions are in evaluate.py's docstring)."""

from __future__ import annotations

from collections import Counter

from newsmark.pipeline.metrics import match_overlapping, prf
from newsmark.release.gold import Gold

ARTICLE_TASKS = ("mentions", "claims", "checkworthy", "topics")


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
    return len(match_overlapping(true, pred))


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
