"""Reading a dataset folder that ``newsmark build`` wrote, for the tools that work on a release: rows of a
config and split as plain values, with ClassLabel names taken from the files' own Features (so an older
release with fewer labels reads correctly)."""

from __future__ import annotations

from pathlib import Path

from newsmark.errors import NewsmarkError
from newsmark.pipeline.splits import SPLITS


def require_build(dataset: Path) -> Path:
    if not (dataset / "manifest.json").is_file():
        raise NewsmarkError(f"--dataset {dataset}: not a newsmark build (no manifest.json); run newsmark build")
    return dataset


def present_splits(dataset: Path) -> list[str]:
    """The splits the dataset has rows for, in train/validation/test order."""
    return [split for split in SPLITS if any((dataset / "data" / "articles").glob(f"{split}-*.parquet"))]


def config_rows(dataset: Path, config: str, split: str):
    """The rows of one config and split (a list of dicts, ClassLabels as indices) and its Features (None
    when the split has no rows)."""
    import pyarrow.parquet as pq
    from datasets import Features

    paths = sorted((dataset / "data" / config).glob(f"{split}-*.parquet"))
    if not paths:
        return [], None
    tables = [pq.read_table(path) for path in paths]
    features = Features.from_arrow_schema(tables[0].schema)
    return [row for table in tables for row in table.to_pylist()], features


def decoded_rows(dataset: Path, config: str, split: str) -> list[dict]:
    """The rows of one config and split with every ClassLabel index replaced by its name."""
    rows, features = config_rows(dataset, config, split)
    if features is None:
        return []
    return [names_for(dict(features), row) for row in rows]


def names_for(feature, value):
    """``value`` with the ClassLabel indices inside it (by ``feature``) replaced by label names."""
    from datasets import ClassLabel, List

    if value is None:
        return None
    if isinstance(feature, ClassLabel):
        return feature.int2str(value)
    if isinstance(feature, List):
        return [names_for(feature.feature, item) for item in value]
    if isinstance(feature, dict):
        return {key: names_for(feature[key], item) if key in feature else item for key, item in value.items()}
    return value
