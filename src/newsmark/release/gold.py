"""The gold side of ``newsmark evaluate``: one split of a built dataset read from its Parquet files a record
batch at a time into compact plain values (no texts or tokens; ner tags as bytes), with label names instead
of ClassLabel indices."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsmark.errors import NewsmarkError
from newsmark.release.dataset import require_build

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
