"""The import's first pass: every item checked against the corpus and the items before it, deciding each
one's id and story (or why it is skipped) and collecting every problem, with nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from newsmark.contributor.bulk.items import (
    Decision,
    Options,
    Prepared,
    batches,
    item_digest,
    item_license,
    item_metadata,
    item_warnings,
    prepared_items,
)
from newsmark.contributor.bulk.sources import Item
from newsmark.contributor.bulk.stories import join_stories
from newsmark.contributor.bulk.write import Staging
from newsmark.contributor.intake import article_plan
from newsmark.errors import NewsmarkError
from newsmark.licenses import UNKNOWN, not_spdx
from newsmark.neardup import BATCH, signatures, text_key
from newsmark.pipeline.read.files import read_article_text
from newsmark.pipeline.read.inventory import inventory
from newsmark.settings import DedupSettings


def check_items(
    root: Path,
    items: Iterator[Item | str],
    options: Options,
    settings: DedupSettings,
    progress=None,
    staging: Staging | None = None,
):
    """First pass: every item checked; returns the decisions, the problems (located messages, every one an
    item has) and warnings. Exact duplicates are skipped as they come; near-duplicates are grouped once
    every item is read. A licence that is not an SPDX id is reported once, with the items that give it.
    Each article's files are planned as it is accepted and, into ``staging`` while no item has had a
    problem, staged: the write pass only renames them (and restages the metadata of those the grouping
    gives a story)."""
    listing = inventory(root)
    existing_keys: dict[str, str] = {}
    ids, rows = [], []  # every article's id and MinHash signature: the corpus's, then the import's
    existing = ((article_id, read_article_text(path, root)[0]) for article_id, path in sorted(listing.texts.items()))
    for batch in batches((pair for pair in existing if pair[1] is not None), BATCH):
        for (article_id, text), values in zip(batch, signatures([text for _, text in batch], settings)):
            existing_keys.setdefault(text_key(text), article_id)
            ids.append(article_id)
            rows.append(values)
    # every id on disk, and those this import gives: new ids are made unique without a look at the disk
    occupied = _occupied(root, listing)
    decisions, problems, warnings, taken = [], [], [], set(occupied)
    bad_licenses: dict[str, list[str]] = {}
    given_by: dict[str, str] = {}  # id -> the item of this import that has it
    for count, (item, prepared, values) in enumerate(prepared_items(items, options, settings), 1):
        if progress:
            progress(count, None)
        if isinstance(item, str):
            problems.append(item)
            continue
        if isinstance(prepared, str):
            decisions.append(Decision(item.where, skipped=prepared, digest=item_digest(item)))
            continue
        license = item_license(item, options)
        if not_spdx(license):
            bad_licenses.setdefault(license, []).append(item.where)
            item.values["license"] = UNKNOWN  # reported once for all its items; the other fields still checked
        errors = [str(prepared)] if isinstance(prepared, NewsmarkError) else []
        meta = None
        try:
            meta = item_metadata(
                root,
                item,
                prepared if not errors else Prepared("x\n", [], "0" * 64),
                options,
                item.values.get("id"),
                item.values.get("story"),
                taken,
                everything_taken=True,
            )
        except NewsmarkError as err:
            errors.append(str(err))
        if errors or item.where in bad_licenses.get(license, ()):
            if errors:
                problems.append(f"{item.where}: " + "; ".join(errors))
            continue
        key = text_key(prepared.body)
        if key in existing_keys:
            decisions.append(
                Decision(item.where, skipped=f"same text as {existing_keys[key]}", digest=item_digest(item))
            )
            continue
        if item.values.get("id") and meta["id"] in taken:  # a generated id is made unique; a given one must be
            problems.append(
                f"{item.where}: id {meta['id']!r} is already taken by "
                f"{given_by.get(meta['id'], occupied.get(meta['id']))}; give each item its own id"
            )
            continue
        try:
            plan = article_plan(root, prepared.body, meta)
        except NewsmarkError as err:  # a file where the article's would go, that the inventory does not list
            problems.append(f"{item.where}: {err}")
            continue
        if staging is not None and not problems:
            staging.add(plan)
        warnings += item_warnings(item, prepared)
        given_by[meta["id"]] = item.where
        taken.add(meta["id"])
        existing_keys[key] = meta["id"]
        ids.append(meta["id"])
        rows.append(values)
        decisions.append(Decision(item.where, meta["id"], meta.get("story"), digest=item_digest(item)))
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
