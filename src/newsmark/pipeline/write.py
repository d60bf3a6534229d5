"""Stage 4: write the dataset folder: Parquet shards, dataset card, Croissant metadata, manifest.

Everything goes into a temporary folder beside the target, which replaces the target only when
complete, so a failed build never leaves half a dataset. No timestamps or absolute paths go inside:
the same inputs give byte-identical output.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections import deque
from functools import cache
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import ClassLabel, List

from newsmark.files import holds_only, read_json_bounded, swap_in
from newsmark.pipeline.features import CONFIGS, features
from newsmark.pipeline.splits import SPLITS

MAX_SHARD_BYTES = 256 * 1024 * 1024  # in-memory Arrow size of one shard; Parquet files are smaller


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encoder(feature):
    """A function turning plain values (label names) into what the Arrow schema stores (label indices).
    Rows are changed in place: they are built for this one use."""
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

        def encode_struct(row: dict) -> dict:
            for key, enc in fields.items():
                row[key] = enc(row[key])
            return row

        return encode_struct
    return None


@cache
def _arrow_schema(config: str) -> pa.Schema:
    # Features.arrow_schema is made afresh on every call (metadata JSON included): 0.18 ms a table
    return features(config).arrow_schema


@cache
def _config_encoder(config: str):
    return encoder(dict(features(config)))


def to_table(config: str, rows: list[dict] | dict) -> pa.Table:
    """An Arrow table with the config's schema (Features metadata included), from row dicts or from
    columns (``columns.CONFIG_COLUMNS``). Built column by column, which is about twice as fast as
    ``Table.from_pylist`` on these nested rows."""
    schema = _arrow_schema(config)
    if isinstance(rows, dict):
        return _from_columns(schema, rows)
    encode = _config_encoder(config)
    if encode is not None:
        rows = [encode(row) for row in rows]
    columns = [pa.array([row[name] for row in rows], type=schema.field(name).type) for name in schema.names]
    return pa.Table.from_arrays(columns, schema=schema)


def _from_columns(schema: pa.Schema, columns: dict) -> pa.Table:
    """A table from plain columns (``columns.CONFIG_COLUMNS``), values already as stored (label indices)."""
    return pa.Table.from_arrays([to_array(field.type, columns[field.name]) for field in schema], schema=schema)


class Repeated(NamedTuple):
    """A column of ``values[i]`` repeated ``counts[i]`` times, one after another (an article's id on
    each of its rows): made from the few values in Arrow, ten times faster than from a list of them all."""

    values: list
    counts: list[int]


def to_array(kind: pa.DataType, column) -> pa.Array:
    """One column as an Arrow array of type ``kind``: a list (or numpy array) of values; for a list type a
    pair ``(offsets, values)``; for a struct type a dict of its fields' columns; for strings also a pair
    of numpy arrays ``(UTF-8 bytes, offsets)``; or ``Repeated`` values; or an Arrow array already."""
    if isinstance(column, pa.Array):
        return column
    if isinstance(column, Repeated):
        import numpy as np

        taken = pa.array(column.values, type=kind).take(np.repeat(np.arange(len(column.values)), column.counts))
        if taken.null_count or taken.buffers()[0] is None:
            return taken
        # take() gives every array a validity bitmap; without nulls, Arrow IPC (what worker processes and
        # the build cache pass tables through) drops it. Dropped here too, a table's nbytes (the card's
        # num_bytes) is the same however it reached the writer.
        return pa.Array.from_buffers(kind, len(taken), [None, *taken.buffers()[1:]])
    if pa.types.is_list(kind):
        offsets, values = column
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), to_array(kind.value_type, values), type=kind)
    if pa.types.is_struct(kind):
        return pa.StructArray.from_arrays(
            [to_array(field.type, column[field.name]) for field in kind], fields=list(kind)
        )
    if isinstance(column, tuple):  # strings as their UTF-8 bytes and offsets into them
        data, offsets = column
        return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype("int32")), pa.py_buffer(data))
    return pa.array(column, type=kind)


# Rows buffered per config before they are written as one Parquet row group (or part of one).
BATCH_ROWS = {"articles": 1_000, "mentions": 20_000, "claims": 10_000, "ner": 5_000, "sentences": 20_000}


class SplitWriter:
    """Streams the tables of one config and split into Parquet shards of at most ``max_shard_bytes`` of
    Arrow data, in row groups of about ``BATCH_ROWS`` rows. Shards are named ``<split>-NNNNN-of-MMMMM.parquet``
    once their number is known. Row groups are encoded by ``submit`` (a thread of the DatasetWriter's),
    one after another: each waits for the one before it, so the file is the same as written in line."""

    def __init__(self, folder: Path, config: str, split: str, max_shard_bytes: int, submit):
        self.folder, self.config, self.split, self.max_bytes = folder, config, split, max_shard_bytes
        self.submit = submit
        self.pending = None  # the Future of the last row group handed to the thread
        self.buffer: list[pa.Table] = []
        self.buffered_rows = 0
        self.paths: list[Path] = []
        self.writer: pq.ParquetWriter | None = None
        self.shard_bytes = 0
        self.num_examples = 0
        self.num_bytes = 0

    def add(self, table: pa.Table) -> None:
        self.buffer.append(table)
        self.buffered_rows += table.num_rows
        if self.buffered_rows >= BATCH_ROWS[self.config]:
            self._flush()

    def _flush(self) -> None:
        if not self.buffered_rows:
            return
        table = pa.concat_tables(self.buffer)
        self.buffer, self.buffered_rows = [], 0
        # Table.nbytes walks every chunk of every column (0.3 ms a chunk of a table): taken once here
        nbytes = table.nbytes
        self.num_examples += table.num_rows
        self.num_bytes += nbytes
        self.pending = self.submit(self._write_after, self.pending, table, nbytes)

    def _write_after(self, previous, table: pa.Table, nbytes: int) -> None:
        if previous is not None:
            previous.result()  # in order; and an earlier failure (a full disk) stops the rest
        per_row = max(nbytes / table.num_rows, 1)
        while table.num_rows:
            room = self.max_bytes - self.shard_bytes
            if nbytes <= room:
                self._write(table, nbytes)
                break
            # Fill this shard with whole rows, then start the next (a shard holds at least one row).
            fit = int(room // per_row) or (1 if self.writer is None else 0)
            if fit:
                part = table.slice(0, fit)
                self._write(part, part.nbytes)
                table = table.slice(fit)
                nbytes = table.nbytes
            self._close_shard()

    def _write(self, table: pa.Table, nbytes: int) -> None:
        if self.writer is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f".{self.split}-{len(self.paths):05d}.parquet.part"
            self.paths.append(path)
            self.writer = pq.ParquetWriter(path, table.schema)
        self.writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self.shard_bytes += nbytes

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer, self.shard_bytes = None, 0

    def abort(self) -> None:
        """Close an open shard after a failure (a full disk), so that nothing complains later."""
        if self.pending is not None:
            self.pending.exception()  # wait for the thread; its error is the caller's already
        writer, self.writer = self.writer, None
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.close()

    def close(self) -> list[Path]:
        """Finish the last shard and give every shard its final name; returns the final paths."""
        self._flush()
        if self.pending is not None:
            self.pending.result()
        self._close_shard()
        final = []
        for index, path in enumerate(self.paths):
            target = self.folder / f"{self.split}-{index:05d}-of-{len(self.paths):05d}.parquet"
            os.replace(path, target)
            final.append(target)
        return final


class DatasetWriter:
    """All configs and splits of one build, written into the staging folder ``tmp``. Parquet encoding
    runs in two threads (pyarrow releases the GIL), so writing one config overlaps reading and writing
    the others; at most WRITES_AHEAD row groups wait, so memory stays bounded."""

    THREADS = 2
    WRITES_AHEAD = 8

    def __init__(self, tmp: Path, max_shard_bytes: int = MAX_SHARD_BYTES):
        from concurrent.futures import ThreadPoolExecutor

        self.tmp = tmp
        self.pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="newsmark-parquet")
        self.queued: deque = deque()
        self.writers = {
            (config, split): SplitWriter(tmp / "data" / config, config, split, max_shard_bytes, self._submit)
            for config in CONFIGS
            for split in SPLITS
        }

    def _submit(self, function, *args):
        while len(self.queued) >= self.WRITES_AHEAD:
            self.queued.popleft().exception()  # wait; errors surface in order, from close()
        future = self.pool.submit(function, *args)
        self.queued.append(future)
        return future

    def add(self, tables: dict[tuple[str, str], pa.Table]) -> None:
        """Append one chunk's tables, keyed by (config, split)."""
        for key in sorted(tables):
            self.writers[key].add(tables[key])

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()
        self.pool.shutdown()

    def close(self) -> tuple[dict, dict[str, str]]:
        """The per-config split summary and the sha256 of every Parquet file written."""
        configs: dict[str, dict] = {config: {} for config in CONFIGS}
        empty, outputs = [], {}
        for writer in self.writers.values():
            writer._flush()  # every last row group into the threads at once, then wait for each
        for (config, split), writer in self.writers.items():
            paths = writer.close()
            if not paths:
                empty.append(f"{config}/{split}")
                continue
            configs[config][split] = {
                "num_examples": writer.num_examples,
                "num_bytes": writer.num_bytes,
                "files": [p.relative_to(self.tmp).as_posix() for p in paths],
            }
            for path in paths:
                outputs[path.relative_to(self.tmp).as_posix()] = sha256_file(path)
        self.pool.shutdown()
        return {"configs": configs, "empty_splits": empty}, outputs


def is_previous_build(out: Path) -> bool:
    """Whether ``out`` is provably an earlier build: its manifest says so and lists every file it holds."""
    manifest = read_json_bounded(out / "manifest.json")
    if not isinstance(manifest, dict) or manifest.get("name") != "newsmark":
        return False
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or not all(isinstance(rel, str) for rel in outputs):
        return False
    return holds_only(out, set(outputs) | {"manifest.json"})


def finish(tmp: Path, out: Path, outputs: dict[str, str], documents: dict[str, str], manifest: dict) -> None:
    """Write the card, Croissant and manifest into ``tmp`` and swap it into place as ``out``."""
    for name, content in documents.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(content, encoding="utf-8")
        outputs[name] = sha256_file(tmp / name)
    manifest = {**manifest, "outputs": dict(sorted(outputs.items()))}
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    swap_in(tmp, out)


def fingerprint(outputs: dict[str, str]) -> str:
    """A short hash of the data files' contents: changes whenever any row changes."""
    return hashlib.sha256(json.dumps(sorted(outputs.items())).encode("utf-8")).hexdigest()[:16]
