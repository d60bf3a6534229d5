"""Stage 4: write the dataset folder: Parquet shards, dataset card, Croissant metadata, manifest.

Everything goes into a temporary folder beside the target, which replaces the target only when
complete, so a failed build never leaves half a dataset. No timestamps or absolute paths go inside:
the same inputs give byte-identical output.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import ClassLabel, List

from newsmark.assemble import Assembled
from newsmark.splits import SPLITS, Settings
from newsmark.errors import NewsmarkError
from newsmark.features import CONFIGS, features

MAX_SHARD_BYTES = 256 * 1024 * 1024  # in-memory Arrow size of one shard; Parquet files are smaller
ROW_GROUP_ROWS = 10_000


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encoder(feature):
    """A function turning plain values (label names) into what the Arrow schema stores (label indices)."""
    if isinstance(feature, ClassLabel):
        index = {name: i for i, name in enumerate(feature.names)}
        return lambda value: None if value is None else index[value]
    if isinstance(feature, List):
        inner = encoder(feature.feature)
        if inner is None:
            return None
        return lambda values: [inner(v) for v in values]
    if isinstance(feature, dict):
        fields = {key: enc for key, sub in feature.items() if (enc := encoder(sub)) is not None}
        if not fields:
            return None
        return lambda row: {**row, **{key: enc(row[key]) for key, enc in fields.items()}}
    return None


def to_table(config: str, rows: list[dict]) -> pa.Table:
    encode = encoder(dict(features(config)))
    encoded = [encode(row) for row in rows] if encode else rows
    return pa.Table.from_pylist(encoded, schema=features(config).arrow_schema)


def write_shards(table: pa.Table, folder: Path, split: str, max_shard_bytes: int) -> list[Path]:
    """``<split>-NNNNN-of-MMMMM.parquet`` files of at most ``max_shard_bytes`` of Arrow data each."""
    count = max(1, math.ceil(table.nbytes / max_shard_bytes))
    per_shard = math.ceil(table.num_rows / count)
    count = max(1, math.ceil(table.num_rows / per_shard))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"{split}-{index:05d}-of-{count:05d}.parquet"
        pq.write_table(table.slice(index * per_shard, per_shard), path, row_group_size=ROW_GROUP_ROWS)
        paths.append(path)
    return paths


def write_dataset(assembled: Assembled, out: Path, settings: Settings, card: callable,
                  inputs: dict[str, str], max_shard_bytes: int = MAX_SHARD_BYTES) -> dict:
    """Write the whole dataset into ``out`` (replacing a previous build). Returns the build summary.

    ``card`` renders README.md and croissant.json from the summary (see ``card.py``)."""
    out = Path(out)
    if out.exists() and not (out / "manifest.json").is_file():
        raise NewsmarkError(f"{out}: exists and is not a newsmark build (no manifest.json); refusing to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    try:
        summary = _write_into(tmp, assembled, settings, card, inputs, max_shard_bytes)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return summary


def _write_into(tmp: Path, assembled: Assembled, settings: Settings, card, inputs: dict[str, str],
                max_shard_bytes: int) -> dict:
    summary = {"version": settings.version, "configs": {}, "empty_splits": []}
    outputs: dict[str, str] = {}
    for config in CONFIGS:
        summary["configs"][config] = {}
        for split in SPLITS:
            rows = assembled.rows[config][split]
            if not rows:
                summary["empty_splits"].append(f"{config}/{split}")
                continue
            table = to_table(config, rows)
            paths = write_shards(table, tmp / "data" / config, split, max_shard_bytes)
            summary["configs"][config][split] = {
                "num_examples": table.num_rows,
                "num_bytes": table.nbytes,
                "files": [p.relative_to(tmp).as_posix() for p in paths],
            }
            for path in paths:
                outputs[path.relative_to(tmp).as_posix()] = sha256_file(path)
    summary["fingerprint"] = hashlib.sha256(
        json.dumps(sorted(outputs.items())).encode("utf-8")).hexdigest()[:16]
    for name, content in card(summary, assembled).items():
        (tmp / name).write_text(content, encoding="utf-8")
        outputs[name] = sha256_file(tmp / name)
    manifest = {
        "name": "newsmark",
        "version": settings.version,
        "fingerprint": summary["fingerprint"],
        "split_rule": {"salt": settings.salt, "test_fraction": settings.test_fraction},
        "inputs": dict(sorted(inputs.items())),
        "outputs": dict(sorted(outputs.items())),
        "splits": dict(sorted(assembled.splits.items())),
        "left_out": assembled.left_out,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def _replace(tmp: Path, out: Path) -> None:
    """Move the finished folder into place; the old build is removed only after the new one is there."""
    os.chmod(tmp, 0o755)
    if not out.exists():
        os.rename(tmp, out)
        return
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    os.rename(out, old / "build")
    try:
        os.rename(tmp, out)
    except BaseException:
        os.rename(old / "build", out)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
