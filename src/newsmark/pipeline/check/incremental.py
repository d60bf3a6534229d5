"""The incremental path: what a whole run keeps for the next one (``lastrun``), and the report of a whole
run after a few edits, from the last run, with only the edited articles checked again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from newsmark.errors import NewsmarkError
from newsmark.findings import ArticleResult, Finding, Report
from newsmark.pipeline.cache import Joined
from newsmark.pipeline.check.corpus import check_datasheet, check_released_labels, check_settings, check_surface_types
from newsmark.pipeline.check.duplicates import near_duplicate_findings
from newsmark.pipeline.check.runner import check_one, slots_of, with_presence
from newsmark.pipeline.read.inventory import Inventory, corpus_rel, pending_counts
from newsmark.pipeline.stats import Tally
from newsmark.settings import read_settings

if TYPE_CHECKING:  # imported where used: a pre-commit run over a few files needs neither
    from newsmark.pipeline import lastrun


def _as_lists(findings: list[Finding]) -> list[list]:
    return [[f.path, f.line, f.col, f.code, f.message] for f in findings]


def remember(
    root: Path,
    now: lastrun.Scan,
    report: Report,
    listing: Inventory,
    corpus: list,
    pairs: dict | None,
    lines: lastrun.Lines,
) -> None:
    """Keep what a whole run found, for the next run to start from (``lastrun``): ``lines`` holds what it
    kept of each article as the articles came (``article_record``, ``article_line``)."""
    from newsmark.pipeline import lastrun

    lastrun.save(
        root,
        lastrun.LastRun(
            now.state,
            now.stamps,
            report.files,
            _as_lists(listing.findings),
            Joined({}, lines.records),
            report.surfaces,
            report.tally.state() if report.tally is not None else None,
            pairs,
            len(listing.layers),
            _as_lists(corpus),
        ),
        lines,
        summary=lastrun.Summary(list(report.articles), report.pending, report.findings),
    )


def article_record(listing: Inventory, result: ArticleResult) -> dict:
    """An article's record in the last run (``LastRun.articles``): its files, findings, split key (None
    when not built) and status (None when annotated)."""
    part = result.contribution
    return {
        "slots": [None if s is None else corpus_rel(s) for s in slots_of(listing, result.id)],
        "findings": _as_lists(result.findings),
        "key": part["key"] if part else None,
        "status": (part or {}).get("status"),
    }


REVALIDATE_UP_TO = 64  # edited articles; beyond, a full run (with the per-article cache) is as quick


def revalidate(root: Path, now: lastrun.Scan, last: lastrun.LastRun) -> Report | None:
    """The report of a whole run after a few edits, from the last run: the edited articles are checked
    again, each one's old contribution to the totals taken out and its new one put in, and the corpus-wide
    rules run on the totals. None when a full run is needed: files added, removed or renamed, anything
    but an article edited, a text edited (NM605 then compares every text again), independent layers,
    or many edits."""
    from newsmark.pipeline import lastrun

    try:
        changed = lastrun.edited(lastrun.read_stamps(root, last), now.stamps) if not last.layers else None
    except OSError:  # not the stamps the last run wrote
        return None
    if changed is None or len(changed) > REVALIDATE_UP_TO or any(i not in last.articles for i in changed):
        return None
    olds = lastrun.read_lines(root, last, changed)
    if olds is None:
        return None
    lines = {}
    try:
        tally = Tally(read_settings(root), last.tally) if last.tally is not None else None
    except NewsmarkError:
        return None
    listing, surfaces_changed = Inventory(), False
    for article_id in changed:
        slots = tuple(None if rel is None else root / rel for rel in last.articles[article_id]["slots"])
        listing.texts.update({article_id: slots[0]} if slots[0] else {})
        listing.metas.update({article_id: slots[1]} if slots[1] else {})
        listing.annotations.update({article_id: slots[2]} if slots[2] else {})
        result = with_presence(check_one(root, article_id, slots)[0], listing)
        (old, signed), new = olds[article_id], result.contribution
        if new is not None and not signed and len(last.articles) > 1:
            return None  # its text was never signed (not valid in the last whole run): NM605 needs it
        if tally is not None:
            tally.add(old, -1)
            tally.add(new)
        if (old or {}).get("surfaces") != (new or {}).get("surfaces"):
            _move_surfaces(last.surfaces, article_id, old, new)
            surfaces_changed = True
        last.articles[article_id].update(
            findings=_as_lists(result.findings),
            key=new["key"] if new else None,
            status=new.get("status") if new else None,
        )
        lines[article_id] = article_line(new, signed)
    corpus = check_released_labels(root) + check_settings(root)
    if tally is not None:  # (None: no readable split rule, so no statistics to compare)
        corpus.extend(check_datasheet(root, lambda settings, agreement: {**tally.stats(), "agreement": agreement}))
    corpus.extend(check_surface_types(root, last.surfaces))
    if last.pairs is not None:  # (NM605 looks up the split keys of the articles in pairs only)
        members = {article_id for pair in last.pairs["pairs"] for article_id in pair[:2]}
        keys = {
            i: last.articles[i]["key"] for i in members if i in last.articles and last.articles[i]["key"] is not None
        }
        corpus.extend(near_duplicate_findings(root, keys, last.pairs["pairs"]))
    last.state, last.stamps, last.corpus = now.state, now.stamps, _as_lists(corpus)
    last.tally = tally.state() if tally else None
    summary = lastrun.Summary(list(last.articles), pending_counts(last.articles.values()), sorted(last.findings()))
    if lastrun.append_lines(root, last, lines):
        lastrun.save(root, last, None, surfaces_changed, summary)
    return Report(
        findings=summary.findings, files=last.files, articles=dict.fromkeys(summary.ids), pending=summary.pending
    )


def article_line(contribution: dict | None, signed: bool) -> bytes:
    """An article's line in last-run.jsonl: its contribution without the signature, and whether the
    whole run had its signature (a text does not change in a run that starts from the last)."""
    part = None if contribution is None else {k: v for k, v in contribution.items() if k != "minhash"}
    return json.dumps([part, signed], separators=(",", ":")).encode("utf-8")


def _move_surfaces(surfaces: dict, article_id: str, old: dict | None, new: dict | None) -> None:
    """Take an article's old mention texts out of the corpus index and put its new ones in."""
    for text, entity_type in (old or {}).get("surfaces", {}).items():
        ids = surfaces.get(text, {}).get(entity_type, [])
        if article_id in ids:
            ids.remove(article_id)
            if not ids:
                del surfaces[text][entity_type]
                if not surfaces[text]:
                    del surfaces[text]
    for text, entity_type in (new or {}).get("surfaces", {}).items():
        surfaces.setdefault(text, {}).setdefault(entity_type, []).append(article_id)
