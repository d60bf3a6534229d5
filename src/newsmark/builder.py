"""``newsmark build``: check, assemble and write in one streaming pass.

Each article is read and checked once (in worker processes) and, when valid, turned into rows that are
written straight into a staging folder. If any error turns up, the staging folder is deleted and the
findings are raised: nothing reaches the output folder, and a previous build stays as it was. Memory
stays bounded by the row batches, whatever the corpus size.
"""
from __future__ import annotations

import shutil
from functools import partial
from pathlib import Path

from newsmark.assemble import chunk_rows
from newsmark.card import card_markdown, croissant
from newsmark.check import Report, check_released_labels, run_articles, select
from newsmark.errors import NewsmarkError, ValidationFailed
from newsmark.files import write_atomic
from newsmark.splits import read_settings
from newsmark.stats import Tally, with_stats_block
from newsmark.write import (MAX_SHARD_BYTES, DatasetWriter, finish, fingerprint, sha256_file, staging_folder,
                            to_table)

INPUT_FILES = ("pyproject.toml", "schema/labels.json", "schema/released-labels.json",
               "schema/article.schema.json", "schema/annotation.schema.json")


def chunk_tables(settings, articles) -> tuple[dict, dict]:
    """Run in a worker: a chunk's rows as Arrow tables by (config, split), and per-article info. Arrow
    tables cross the process boundary as buffers, far cheaper than pickled rows."""
    rows, info = chunk_rows(settings, articles)
    return {(config, split): to_table(config, config_rows) for (config, split), config_rows in rows.items()}, info


def build(root: str | Path = ".", out: str | Path | None = None, max_shard_bytes: int = MAX_SHARD_BYTES,
          jobs: int | None = None, progress=None) -> dict:
    """Build the dataset folder ``out`` (default ``<root>/dist/newsmark``) from the corpus at ``root``.

    Raises ValidationFailed (with the report) when the corpus has errors; then nothing is written."""
    root = Path(root)
    out = Path(out) if out is not None else root / "dist" / "newsmark"
    settings = read_settings(root)
    found, ids = select(root, None)
    report = Report(findings=list(found.findings))
    tmp = staging_folder(out)
    try:
        writer = DatasetWriter(tmp, max_shard_bytes)
        inputs: dict[str, str] = {}
        built: dict[str, str] = {}  # article id -> split
        licenses, languages = set(), set()
        tally = Tally(settings)
        for results, payload in run_articles(root, found, ids, extra=partial(chunk_tables, settings), jobs=jobs,
                                             progress=progress):
            for result in results:
                report.files += result.files
                report.findings.extend(result.findings)
                # Only the id: a build keeps no per-article data beyond what the manifest needs.
                report.articles[result.id] = None
            if not report.ok:
                continue  # keep checking, so that every finding is reported; write no more
            tables, info = payload
            writer.add(tables)
            for result in results:
                if result.id in info:
                    tally.add(result.contribution)
                    built[result.id] = info[result.id]["split"]
                    inputs.update(result.digests)
                    licenses.add(info[result.id]["license"])
                    languages.add(info[result.id]["language"].split("-")[0])
        report.findings.extend(check_released_labels(root))
        report.findings.sort()
        if not report.ok:
            raise ValidationFailed(report)
        if not built:
            raise NewsmarkError("no annotated article to build; add annotations/<id>.yaml files first")
        summary, outputs = writer.close()
        summary["version"] = settings.version
        summary["fingerprint"] = fingerprint(outputs)
        stats = tally.stats()
        corpus = {"stats": stats, "licenses": licenses, "languages": languages}
        for name in INPUT_FILES:
            if (root / name).is_file() and not (root / name).is_symlink():
                inputs[name] = sha256_file(root / name)
        manifest = {
            "name": "newsmark",
            "version": settings.version,
            "fingerprint": summary["fingerprint"],
            "split_rule": {"salt": settings.salt, "test_fraction": settings.test_fraction},
            "inputs": dict(sorted(inputs.items())),
            "splits": dict(sorted(built.items())),
            "left_out": sorted(set(ids) - set(built)),
        }
        documents = {"README.md": card_markdown(summary, corpus, settings),
                     "croissant.json": croissant(summary, corpus)}
        finish(tmp, out, summary, outputs, documents, manifest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    datasheet = update_datasheet(root, stats)
    return {**summary, "out": str(out), "left_out": manifest["left_out"], "warnings": report.warnings,
            "datasheet": datasheet, "stats": stats}


def update_datasheet(root: Path, stats: dict) -> str | None:
    """Regenerate the statistics block of DATASHEET.md; returns 'updated', 'unchanged' or None (no block)."""
    path = root / "DATASHEET.md"
    if not path.is_file() or path.is_symlink():
        return None
    current = path.read_text(encoding="utf-8")
    updated = with_stats_block(current, stats)
    if updated is None:
        return None
    if updated == current:
        return "unchanged"
    write_atomic(path, updated)
    return "updated"
