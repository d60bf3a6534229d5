"""The import's second pass: the sources read again, each imported item's files staged in the corpus's
staging folder (files.STAGING) and renamed into place together."""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from pathlib import Path

from newsmark.contributor.bulk.items import Decision, Options, item_digest, item_metadata, prepare_text
from newsmark.contributor.bulk.sources import read_items
from newsmark.contributor.intake import article_plan
from newsmark.errors import NewsmarkError
from newsmark.files import STAGED_SUFFIX, current_umask, staging_folder


def write_items(
    root: Path, paths: list[Path], options: Options, decisions: list[Decision], progress=None, write: bool = True
) -> list[str]:
    """Second pass: write each imported item's files beside their targets, then rename them all into place.
    Without ``write`` (a dry run), every file is planned and checked and nothing is written. Returns the
    files (to be) written."""
    staged: list[tuple[str, Path]] = []
    planned: list[Path] = []
    total, done = sum(decision.skipped is None for decision in decisions), 0
    mode, folders, staging = 0o666 & ~current_umask(), set(), None
    # (a linked corpus/ or annotations/ is refused by the writer lock, held since the check pass)
    try:
        items = (item for path in paths for item in read_items(path, options.mapping))
        for item, decision in itertools.zip_longest(items, decisions):
            if (
                isinstance(item, str)
                or item is None
                or decision is None
                or item.where != decision.where
                or item_digest(item) != decision.digest
            ):
                where = decision.where if decision is not None else item if isinstance(item, str) else item.where
                raise NewsmarkError(
                    f"{where}: the source changed while it was being imported (it is not what was "
                    "checked); nothing was written: import it again"
                )
            if decision.skipped is not None:
                continue
            try:
                prepared = prepare_text(item, options)
                meta = item_metadata(root, item, prepared, options, decision.id, decision.story)
                plan = article_plan(root, prepared.body, meta)
            except NewsmarkError as err:  # the check pass should have found it: said at the item all the same
                raise NewsmarkError(f"the import has problems; nothing was written:\n{decision.where}: {err}") from None
            planned += plan
            for target, content in plan.items() if write else ():
                if target.parent not in folders:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    folders.add(target.parent)
                staging = staging or staging_folder(root)
                fd, temporary = tempfile.mkstemp(
                    dir=staging, prefix=f"{target.parent.name}.{target.name}.", suffix=STAGED_SUFFIX
                )
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    os.fchmod(handle.fileno(), mode)
                    handle.write(content)
                staged.append((temporary, target))
            done += 1
            if progress:
                progress(done, total)
        for temporary, target in staged:
            os.replace(temporary, target)
        if staging is not None:
            staging.rmdir()  # empty now; nothing is left for git to list
    except BaseException:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)
        if staging is not None:
            with contextlib.suppress(OSError):
                staging.rmdir()
        raise
    return sorted(str(target.relative_to(root)) for target in planned)
