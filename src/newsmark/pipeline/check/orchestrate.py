"""Stage 2 as a whole: which articles to check, the runner over them, the corpus-wide rules after, one
``Report``; a cached whole run starts from the last one (``incremental``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from newsmark.errors import NewsmarkError
from newsmark.findings import Report
from newsmark.pipeline.cache import ValidateCache
from newsmark.pipeline.check.article import check_article
from newsmark.pipeline.check.corpus import check_datasheet, check_released_labels, check_settings, check_surface_types
from newsmark.pipeline.check.duplicates import check_near_duplicate_splits, dedup_settings
from newsmark.pipeline.check.incremental import article_line, article_record, remember, revalidate
from newsmark.pipeline.check.layers import agreement_summary, check_layer
from newsmark.pipeline.check.runner import run_articles, select
from newsmark.pipeline.read.inventory import Article
from newsmark.pipeline.stats import Tally, corpus_stats
from newsmark.reporters import finding_line
from newsmark.settings import read_settings

if TYPE_CHECKING:  # imported where used: a pre-commit run over a few files needs neither
    from newsmark.pipeline import lastrun


def validate(
    root: str | Path = ".",
    paths: list[str | Path] | None = None,
    *,
    cache: bool = False,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    details: bool = True,
) -> Report:
    """Check the corpus at ``root``: every file, or only the articles that ``paths`` belong to (a text,
    metadata or annotation file stands for its whole article). Corpus-wide rules always run.

    ``cache`` reuses the results of unchanged articles from ``<root>/.newsmark-cache`` (and updates it);
    ``jobs`` worker processes check the rest (default: one per core). Without ``details`` (findings and
    counts are all the caller needs) a whole-corpus run starts from the last one (``lastrun``): with no
    file changed it returns that run's findings, after a few edits it checks only the edited articles;
    the report's ``articles`` then hold no statistics. Never raises on bad input: problems are findings."""
    root = Path(root)
    if not (cache and paths is None):
        return _validate(root, paths, cache, jobs, progress)
    from newsmark.pipeline import lastrun  # only a cached whole run starts from the last one

    now = lastrun.scan(root)
    if now is not None and not details:
        summary = lastrun.load_summary(root, now.state)
        if summary is not None:  # nothing changed since the last run
            findings, files, ids, pending = summary
            return Report(findings=findings, files=files, articles=dict.fromkeys(ids), pending=pending)
        last = lastrun.load(root)
        if last is not None:
            try:
                report = revalidate(root, now, last)
            except (KeyError, TypeError, ValueError, AttributeError):
                report = None  # a last run of another shape: start afresh
            if report is not None:
                return report
    return _validate(root, paths, cache, jobs, progress, now)


def corpus_surfaces(root: Path) -> dict[str, dict[str, list[str]]]:
    """Each mention text of the corpus with, per entity type, the articles that annotate it: kept from
    the last whole run when no file changed since (``lastrun``), else gathered by validating now."""
    from newsmark.pipeline import lastrun

    now = lastrun.scan(root)
    if now is not None:
        validate(root, cache=True, details=False)  # brings the last run up to date (after edits, only they are read)
        last = lastrun.load(root)
        if last is not None and last.state == now.state:
            return last.surfaces
    return validate(root, cache=True).surfaces


def _validate(root: Path, paths, cache: bool, jobs, progress, now: lastrun.Scan | None = None) -> Report:
    listing, ids = select(root, paths)
    report = Report(findings=list(listing.findings))
    store = ValidateCache.load(root) if cache else None
    whole = paths is None
    if whole:
        # What a whole run keeps per article is its id, split key and place in the mention-text index:
        # statistics as running totals, signatures in a temporary file, findings in one list.
        with suppress(NewsmarkError):  # (no readable split rule: no statistics, which need it)
            report.tally = Tally(read_settings(root))
        if len(ids) > 1:
            from newsmark.neardup import SignatureFile

            report.minhashes = SignatureFile(dedup_settings(root))
    lines = None
    if now is not None:  # (a run that will be kept for the next one to start from)
        from newsmark.pipeline.lastrun import Lines

        lines = Lines()
    # Signatures only serve NM605, a whole-corpus rule: a run over a few files (pre-commit) or a corpus of
    # one article does not compute them (nor import numpy); a later whole run computes what it lacks.
    for results, _ in run_articles(
        root, listing, ids, jobs=jobs, progress=progress, cache=store, signatures=report.minhashes is not None
    ):
        for result in results:
            report.files += result.files
            report.findings.extend(result.findings)
            _gather(report, result.id, result.contribution)
            if now is not None:  # what the next run needs to start from this one
                signed = "minhash" in (result.contribution or {})
                lines.add(result.id, article_line(result.contribution, signed), article_record(listing, result))
    report.pending = dict(sorted(report.pending.items()))
    corpus = []
    for (annotator, article_id), path in sorted(listing.layers.items()):
        if article_id in ids or whole:
            report.files += 1
            corpus.extend(check_layer(root, annotator, article_id, path, listing))
    corpus.extend(check_released_labels(root))
    corpus.extend(check_settings(root))
    pairs = None
    if whole:
        tally = report.tally
        corpus.extend(
            check_datasheet(
                root, lambda settings, agreement: corpus_stats(tally, agreement), agreement_summary(root, listing)
            )
        )
        corpus.extend(check_surface_types(root, report.surfaces))
        keys = {article_id: key for article_id, key in report.articles.items() if key is not None}
        near, pairs = check_near_duplicate_splits(
            root, keys, report.minhashes, store.pairs if store is not None else None
        )
        corpus.extend(near)
        if store is not None:
            store.remember_pairs(pairs)
    if store is not None:
        store.save(prune=whole)
    report.findings.extend(corpus)
    report.findings.sort()
    if now is not None:
        remember(root, now, report, listing, corpus, pairs, lines)
    return report


def _gather(report: Report, article_id: str, part: dict | None) -> None:
    """Count an article's contribution into the report and keep of it only its split key: its mention
    texts go into the corpus-wide ``report.surfaces`` (one entry per text, however many articles use it),
    its signature into ``report.minhashes``, the rest into the running ``report.tally``."""
    report.articles[article_id] = part["key"] if part else None
    if not part:
        return
    if "status" in part:
        report.pending[part["status"]] = report.pending.get(part["status"], 0) + 1
    if report.tally is not None:
        report.tally.add(part)
    for text, entity_type in part.get("surfaces", {}).items():
        report.surfaces.setdefault(text, {}).setdefault(entity_type, []).append(article_id)
    if report.minhashes is not None and "minhash" in part:
        report.minhashes.add(article_id, part["minhash"])


def checked_articles(root: Path, ids: list[str]) -> list[Article]:
    """The articles ``ids`` as read, for a tool that edits or exports them; raises NewsmarkError listing
    the errors when any of them does not validate (its spans must be right before a tool builds on them).
    An article not yet annotated (a skeleton, or a file in progress) is taken like any other."""
    report = validate(root, [root / "annotations" / f"{article_id}.yaml" for article_id in ids])
    errors = [f for f in report.errors if not f.path.startswith("schema/")]
    if errors:
        raise NewsmarkError(
            "fix these first (newsmark validate); nothing was done:\n" + "\n".join(finding_line(f) for f in errors[:20])
        )
    # With no error, whatever exists under an article's three names is its file: a link, a folder or a
    # reserved name there is an error (NM108-NM110). So the names are looked up, not the folders listed.
    return [check_article(root, article_id, _own_files(root, article_id), positions=False)[0] for article_id in ids]


def _own_files(root: Path, article_id: str) -> tuple[Path | None, Path | None, Path | None]:
    """An article's text, metadata and annotation paths, None for a name that nothing is under."""
    paths = (
        root / "corpus" / f"{article_id}.txt",
        root / "corpus" / f"{article_id}.yaml",
        root / "annotations" / f"{article_id}.yaml",
    )
    return tuple(path if os.path.lexists(path) else None for path in paths)
