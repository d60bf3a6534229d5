"""The import's first pass: every item checked against the corpus and the items before it, deciding each
one's id and story (or why it is skipped) and collecting every problem, with nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from newsmark.contributor.bulk.items import Decision, Options
from newsmark.contributor.bulk.sources import Item, Line
from newsmark.contributor.bulk.stories import join_stories
from newsmark.contributor.bulk.workers import check_records, in_workers, planned, sign_articles
from newsmark.contributor.bulk.write import Staging
from newsmark.contributor.intake import unique_id
from newsmark.licenses import not_spdx
from newsmark.pipeline.read.inventory import inventory
from newsmark.settings import DedupSettings


def check_items(
    root: Path,
    records: Iterator[Item | Line | str],
    options: Options,
    settings: DedupSettings,
    progress=None,
    staging: Staging | None = None,
    jobs: int | None = None,
):
    """First pass: every item checked; returns the decisions, the problems (located messages, every one an
    item has) and warnings. Exact duplicates are skipped as they come; near-duplicates are grouped once
    every item is read. A licence that is not an SPDX id is reported once, with the items that give it.
    Each article's files are planned as it is accepted and, into ``staging`` while no item has had a
    problem, staged: the write pass only renames them (and restages the metadata of those the grouping
    gives a story). What each item is on its own is found in ``jobs`` worker processes (workers.py); what
    it is next to the items before it, here, in the sources' order."""
    import numpy

    listing = inventory(root)
    existing_keys: dict[str, str] = {}
    ids, rows = [], []  # every article's id and MinHash signature: the corpus's, then the import's
    corpus = sorted(listing.texts.items())
    for article_id, key, values in in_workers(partial(sign_articles, root, settings), corpus, jobs):
        existing_keys.setdefault(key, article_id)
        ids.append(article_id)
        rows.append(values)
    # every id on disk, and those this import gives: new ids are made unique without a look at the disk
    occupied = _occupied(root, listing)
    decisions, problems, warnings, taken = [], [], [], set(occupied)
    bad_licenses: dict[str, list[str]] = {}
    given_by: dict[str, str] = {}  # id -> the item of this import that has it
    checked = in_workers(partial(check_records, root, options, settings), records, jobs)
    try:
        for count, result in enumerate(checked, 1):
            if progress:
                progress(count, None)
            if result.problem is not None:
                problems.append(result.problem)
                continue
            where = result.where
            if result.skipped is not None:
                decisions.append(Decision(where, skipped=result.skipped, digest=result.digest))
                continue
            if result.bad_license is not None:
                bad_licenses.setdefault(result.bad_license, []).append(where)
            if result.errors or result.bad_license is not None:
                if result.errors:
                    problems.append(f"{where}: " + "; ".join(result.errors))
                continue
            if result.key in existing_keys:
                decisions.append(
                    Decision(where, skipped=f"same text as {existing_keys[result.key]}", digest=result.digest)
                )
                continue
            meta, plan = result.meta, result.plan
            if not result.generated and meta["id"] in taken:  # a made id is made unique; a given one must be
                problems.append(
                    f"{where}: id {meta['id']!r} is already taken by "
                    f"{given_by.get(meta['id'], occupied.get(meta['id']))}; give each item its own id"
                )
                continue
            if result.generated and meta["id"] in taken:  # the id was made without the ids before it
                meta["id"] = unique_id(root, meta["id"], taken, everything_taken=True)  # a valid id stays valid
                plan = planned(root, result.body, meta)
            if isinstance(plan, str):
                problems.append(f"{where}: {plan}")
                continue
            if staging is not None and not problems:
                staging.add(plan)
            warnings += result.warnings
            given_by[meta["id"]] = where
            taken.add(meta["id"])
            existing_keys[result.key] = meta["id"]
            ids.append(meta["id"])
            rows.append(numpy.frombuffer(result.signature, dtype=numpy.uint32))
            decisions.append(Decision(where, meta["id"], meta.get("story"), digest=result.digest))
    finally:  # the worker processes end here, not whenever the generator is collected (after an error: Ctrl-C)
        checked.close()
    for license, where in bad_licenses.items():
        problems.append(
            f"{where[0]}: {not_spdx(license)}"
            + (
                f" ({len(where)} items give it: {', '.join(where[:3])}{', …' if len(where) > 3 else ''})"
                if len(where) > 1
                else ""
            )
        )
    if not problems:
        problems += join_stories(root, decisions, ids, rows, settings)
    return decisions, problems, warnings


def _occupied(root: Path, listing) -> dict[str, str]:
    """Every id an import cannot give, and what holds it: the corpus's articles, and the names in corpus/ and
    annotations/ that a link, a folder or another non-file holds (the inventory leaves those out, for
    validate to report; an article written there would go through the link or fail)."""
    occupied = dict.fromkeys([*listing.texts, *listing.metas, *listing.annotations], "an article of the corpus")
    for folder, suffixes in (("corpus", (".txt", ".yaml")), ("annotations", (".yaml",))):
        if not (root / folder).is_dir() or (root / folder).is_symlink():
            continue  # a linked folder is refused before anything is written
        for entry in os.scandir(root / folder):
            stem, suffix = os.path.splitext(entry.name)
            if suffix in suffixes and stem not in occupied:
                kind = (
                    "a link"
                    if entry.is_symlink()
                    else "a folder"
                    if entry.is_dir(follow_symlinks=False)
                    else "a file of another name shape"
                    if entry.is_file(follow_symlinks=False)
                    else "not a regular file"
                )
                occupied[stem] = f"{folder}/{entry.name} ({kind})"
    return occupied
