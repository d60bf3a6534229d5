"""The per-item work of an import, a chunk of records at a time, in worker processes (``parallel``'s pool,
which validate uses): decoding each JSONL line, cleaning and checking the text, checking the metadata,
the MinHash signature and exact-duplicate key, the digest, the files' contents. All of it depends on the
item alone. What depends on the items before it (ids made unique, exact duplicates, staging, the grouping)
stays in the importing process, which takes the results in the sources' order: the outcome, findings and
files are those of doing it all in one process (``-j 1``, and any import too small for a pool to pay)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from newsmark.contributor.bulk.items import (
    Options,
    Prepared,
    batches,
    item_license,
    item_metadata,
    item_warnings,
    prepare_text,
    record_digest,
    skip_reason,
)
from newsmark.contributor.bulk.sources import Item, Line, item_of
from newsmark.contributor.intake import article_plan
from newsmark.errors import NewsmarkError
from newsmark.licenses import UNKNOWN, not_spdx
from newsmark.neardup import BATCH, keys_and_signatures
from newsmark.pipeline.parallel import PARALLEL_FROM, map_lists
from newsmark.pipeline.read.files import read_article_text
from newsmark.settings import DedupSettings


@dataclass
class Checked:
    """What the check pass's per-item work found for one record. ``meta`` and ``plan`` carry the id the item
    gives or, when it gives none, the one made from its date and title before it is made unique against the
    ids before it (the importing process does that, and plans the files again if the id changes)."""

    where: str = ""
    problem: str | None = None  # the record is no item: the located message saying why
    skipped: str | None = None  # why the options leave it out
    digest: bytes | None = None  # record_digest
    errors: list[str] = field(default_factory=list)  # what is wrong with its text or metadata
    bad_license: str | None = None  # a licence that is not an SPDX id (reported once, for all its items)
    generated: bool = False  # its id was made from its date and title
    meta: dict | None = None
    body: str | None = None
    key: str | None = None  # neardup.text_key of the body
    signature: bytes | None = None  # its MinHash signature's values (uint32)
    plan: dict[str, str] | str | None = None  # its files and their contents, or why they cannot be written
    warnings: list[str] = field(default_factory=list)


def check_records(root: Path, options: Options, settings: DedupSettings, records: list) -> list[Checked]:
    """The check pass's per-item work for a chunk of records (a worker process runs it), in order."""
    results, accepted = [], []
    for record in records:
        item = item_of(record, options.mapping)
        if isinstance(item, str):
            results.append(Checked(problem=item))
            continue
        result = Checked(item.where, digest=record_digest(record))
        results.append(result)
        result.skipped = skip_reason(item, options)
        if result.skipped:
            continue
        try:
            prepared = prepare_text(item, options)
        except NewsmarkError as err:
            prepared, result.errors = None, [str(err)]
        license = item_license(item, options)
        if not_spdx(license):
            result.bad_license = license
            item.values["license"] = UNKNOWN  # reported once for all its items; the other fields still checked
        try:
            meta = item_metadata(
                root,
                item,
                prepared or Prepared("x\n", [], "0" * 64),
                options,
                item.values.get("id"),
                item.values.get("story"),
                everything_taken=True,  # and nothing taken: a made id is made unique by the importing process
            )
        except NewsmarkError as err:
            result.errors.append(str(err))
        if result.errors or result.bad_license:
            continue
        result.meta, result.generated, result.body = meta, item.values.get("id") is None, prepared.body
        result.warnings = item_warnings(item, prepared)
        result.plan = planned(root, prepared.body, meta)
        accepted.append(result)
    if accepted:
        keys, rows = keys_and_signatures([result.body for result in accepted], settings)
        for result, key, row in zip(accepted, keys, rows):
            result.key, result.signature = key, row.tobytes()
    return results


def planned(root: Path, body: str, meta: dict) -> dict[str, str] | str:
    """``article_plan`` with its paths as strings (smaller to send between processes), or its error."""
    try:
        return {os.fspath(path): content for path, content in article_plan(root, body, meta).items()}
    except NewsmarkError as err:  # a file where the article's would go, that the inventory does not list
        return str(err)


def restage_records(root: Path, options: Options, jobs: list[tuple[Item | Line, str, str]]) -> list:
    """The write pass's per-item work: each record's files again, with the id and story the check pass gave
    it; ``(where, plan)`` for each, the plan as ``planned`` gives it."""
    results = []
    for record, article_id, story in jobs:
        item = item_of(record, options.mapping)
        try:
            prepared = prepare_text(item, options)
            meta = item_metadata(root, item, prepared, options, article_id, story)
        except NewsmarkError as err:
            results.append((item.where, str(err)))
            continue
        results.append((item.where, planned(root, prepared.body, meta)))
    return results


def sign_articles(root: Path, settings: DedupSettings, articles: list[tuple[str, Path]]) -> list:
    """The corpus's articles' ``(id, text_key, signature)``, for those whose text can be read."""
    texts = [(article_id, read_article_text(path, root)[0]) for article_id, path in articles]
    texts = [(article_id, text) for article_id, text in texts if text is not None]
    if not texts:
        return []
    keys, rows = keys_and_signatures([text for _, text in texts], settings)
    return [(article_id, key, row) for (article_id, _), key, row in zip(texts, keys, rows)]


def in_workers(function, records, jobs: int | None, size: int = BATCH):
    """``function``'s results for ``records``, in order, computed ``size`` records at a time in worker
    processes (in this one when the records make fewer than ``parallel.PARALLEL_FROM`` chunks: a small
    import pays for no pool). Records are read as the workers need them, a few chunks ahead."""
    from concurrent.futures import BrokenExecutor

    chunks = batches(records, size)
    ahead = list(islice(chunks, PARALLEL_FROM))
    if len(ahead) < PARALLEL_FROM:
        jobs = 1
    try:
        yield from map_lists(function, _Chunks(ahead, chunks), jobs=jobs)
    except BrokenExecutor:  # a worker killed (out of memory, or by a signal): the pool cannot go on
        raise NewsmarkError(
            "a worker process of the import stopped before its work was done (killed, or out of memory); "
            "nothing was written: import again (-j 1 imports in this process alone)"
        ) from None


class _Chunks:
    """The chunks read ahead, then the rest as they are read. Its length is the number read ahead: all that
    ``map_lists`` asks, to decide whether a pool pays."""

    def __init__(self, ahead: list, rest):
        self.ahead, self.rest = ahead, rest

    def __len__(self) -> int:
        return len(self.ahead)

    def __iter__(self):
        yield from self.ahead
        yield from self.rest
