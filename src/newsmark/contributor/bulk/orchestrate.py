"""``import_sources``: the options checked, then, under the corpus's writer lock, the check pass and, when
it finds no problem, the write pass."""

from __future__ import annotations

import re
from pathlib import Path

from newsmark.contributor.bulk.check import check_items
from newsmark.contributor.bulk.items import Options
from newsmark.contributor.bulk.sources import FIELDS, read_records
from newsmark.contributor.bulk.write import Staging, write_items
from newsmark.contributor.cleaning import RULES as CLEANING_RULES
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock
from newsmark.licenses import not_spdx
from newsmark.settings import read_dedup_settings


def import_sources(
    root: str | Path,
    sources: list[str | Path],
    options: Options | None = None,
    dry_run: bool = False,
    progress=None,
    jobs: int | None = None,
) -> dict:
    """Import every item of ``sources`` into the corpus at ``root``; raises NewsmarkError listing every
    problem (and writes nothing) when any item has one. ``progress(done, total)`` is told of each item
    checked (total None) and each article written. The work on each item is done in ``jobs`` worker
    processes (default: one per core; 1, or an import too small to pay for them: in this process)."""
    root, options = Path(root), options or Options()
    unknown = set(options.mapping) - set(FIELDS)
    if unknown:
        raise NewsmarkError(f"--map {', '.join(sorted(unknown))}: the fields are {', '.join(FIELDS)}")
    unknown_rules = [name for name in options.clean if name not in CLEANING_RULES]
    if unknown_rules:
        raise NewsmarkError(f"--clean {', '.join(unknown_rules)}: the rules are {', '.join(CLEANING_RULES)}")
    if options.skip_title:
        try:
            re.compile(options.skip_title)
        except re.error as err:
            raise NewsmarkError(f"--skip-title {options.skip_title!r}: not a regular expression ({err})") from None
    problem = not_spdx(options.license, "--license") if options.license else None
    if problem:
        raise NewsmarkError(problem)
    paths = [Path(source) for source in sources]
    for path in paths:
        if not path.exists():
            raise NewsmarkError(f"{path}: no such file or folder")
        if not (path.is_file() or path.is_dir()):  # the import reads its sources twice (check, then write)
            raise NewsmarkError(f"{path}: not a regular file or a folder (a pipe can be read once); save it to a file")
    settings = read_dedup_settings(root)
    # One writer at a time per corpus, from the import's check pass to its last rename: two imports deciding
    # ids against the same corpus would give one id to two texts. Under the lock, what a killed import left
    # is removed first (no other import can be writing it).
    with corpus_lock(root) as removed:
        # a dry run goes through both passes too, writing nothing: what it passes, the import writes
        staging = None if dry_run else Staging(root)
        try:
            decisions, problems, warnings = check_items(
                root,
                (record for path in paths for record in read_records(path, options.mapping)),
                options,
                settings,
                progress,
                staging,
                jobs,
            )
            if problems:
                shown = problems[:50] + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
                raise NewsmarkError("the import has problems; nothing was written:\n" + "\n".join(shown))
            imported = [d for d in decisions if d.skipped is None]
            result = {
                "imported": [{"where": d.where, "id": d.id, "story": d.story} for d in imported],
                "skipped": [{"where": d.where, "reason": d.skipped} for d in decisions if d.skipped],
                "warnings": warnings,
                "written": [],
                "removed": removed,
            }
            if imported:
                result["written"] = write_items(root, paths, options, decisions, staging, progress, jobs)
        except BaseException:
            if staging is not None:
                staging.discard()
            raise
    return result
