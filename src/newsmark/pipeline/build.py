"""``newsmark build``: check, assemble and write in one streaming pass.

Each article is read and checked once (in worker processes) and, when valid, turned into rows that are
written straight into a staging folder. If any error turns up, the staging folder is deleted and the
findings are raised: nothing reaches the output folder, and a previous build stays as it was. Memory
stays bounded by the row batches, whatever the corpus size.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

import pyarrow as pa

from newsmark.errors import NewsmarkError, ValidationFailed
from newsmark.files import check_output_folder, output_slot, write_atomic
from newsmark.pipeline.assemble import chunk_rows
from newsmark.pipeline.card import bibtex, card_markdown, label_tables, license_markdown
from newsmark.pipeline.check import (Report, agreement_summary, check_datasheet_markers, check_near_duplicate_splits,
                                     check_released_labels, run_articles, select)
from newsmark.pipeline.croissant import croissant
from newsmark.pipeline.read import read_citation
from newsmark.pipeline.splits import read_settings
from newsmark.pipeline.stats import Tally, with_stats_block
from newsmark.pipeline.write import (MAX_SHARD_BYTES, DatasetWriter, finish, fingerprint, is_previous_build, sha256_file,
                            to_table)
from newsmark.text import load_tokenizer

# DATASHEET.md is not among them: the build rewrites its statistics, and its copy is among the outputs.
INPUT_FILES = ("pyproject.toml", "CITATION.cff", "schema/labels.json", "schema/released-labels.json",
               "schema/article.schema.json", "schema/annotation.schema.json")


def chunk_tables(settings, articles) -> tuple[dict, dict]:
    """Run in a worker: a chunk's rows as Arrow tables by (config, split), and per-article info. Arrow
    tables cross the process boundary as buffers, far cheaper than pickled rows."""
    batches, info = chunk_rows(settings, articles)
    tables: dict[tuple[str, str], list] = {}
    for config, split, rows in batches:
        tables.setdefault((config, split), []).append(to_table(config, rows))
    return {key: pa.concat_tables(parts) for key, parts in tables.items()}, info


def build(root: str | Path = ".", out: str | Path | None = None, max_shard_bytes: int = MAX_SHARD_BYTES,
          jobs: int | None = None, progress=None) -> dict:
    """Build the dataset folder ``out`` (default ``<root>/dist/newsmark``) from the corpus at ``root``.

    Raises ValidationFailed (with the report) when the corpus has errors; then nothing is written."""
    root = Path(root)
    out = Path(out) if out is not None else root / "dist" / "newsmark"
    check_output_folder(root, out, "a newsmark build", is_previous_build)
    settings = read_settings(root)
    found, ids = select(root, None)
    report = Report(findings=list(found.findings))
    # Everything the build will write is checked before anything is: the datasheet it will update too.
    report.findings.extend(check_datasheet_markers(root))
    citation = read_citation(root, settings.version)
    load_tokenizer()
    with output_slot(out) as tmp:
        writer = DatasetWriter(tmp, max_shard_bytes)
        try:
            corpus, manifest = _write_rows(root, ids, found, settings, report, writer, jobs, progress)
            summary, outputs = writer.close()
        except BaseException:
            writer.abort()
            raise
        summary["version"] = settings.version
        summary["fingerprint"] = manifest["fingerprint"] = fingerprint(outputs)
        corpus["bibtex"] = bibtex(citation, settings.version, settings.repo_id)
        corpus["released"] = str(citation["date-released"]) if citation and "date-released" in citation else None
        datasheet_text = datasheet_with_stats(root, corpus["stats"])
        documents = {"README.md": card_markdown(summary, corpus, settings),
                     "croissant.json": croissant(summary, corpus, settings),
                     "LICENSE.md": license_markdown(corpus),
                     **({"DATASHEET.md": datasheet_text} if datasheet_text is not None else {}),
                     **{f"labels/{name}.csv": table for name, table in label_tables().items()}}
        finish(tmp, out, outputs, documents, manifest)
    datasheet = update_datasheet(root, datasheet_text)
    return {**summary, "out": str(out), "left_out": manifest["left_out"], "warnings": report.warnings,
            "datasheet": datasheet, "stats": corpus["stats"]}


def _write_rows(root, ids, found, settings, report, writer, jobs, progress):
    """Check every article and stream the rows of valid ones into ``writer``; raises ValidationFailed
    when anything is wrong. Returns what the card needs of the corpus and the manifest (without outputs)."""
    inputs: dict[str, str] = {}
    built: dict[str, str] = {}  # article id -> split
    article_licenses: dict[str, str] = {}
    licenses, languages = set(), set()
    tally = Tally(settings)
    keys: dict[str, str] = {}  # article id -> split key, and its signature, for the near-duplicate rule
    signatures: dict[str, str] = {}
    for results, payload in run_articles(root, found, ids, extra=partial(chunk_tables, settings), jobs=jobs,
                                         progress=progress, signatures=len(ids) > 1):
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
                keys[result.id] = result.contribution["key"]
                signatures[result.id] = result.contribution.get("minhash")
                built[result.id] = info[result.id]["split"]
                inputs.update(result.digests)
                licenses.add(info[result.id]["license"])
                article_licenses[result.id] = info[result.id]["license"]
                languages.add(info[result.id]["language"].split("-")[0])
    report.findings.extend(check_released_labels(root))
    if report.ok:
        report.findings.extend(check_near_duplicate_splits(root, keys, signatures)[0])
    report.findings.sort()
    if not report.ok:
        raise ValidationFailed(report)
    if not built:
        raise NewsmarkError("no annotated article to build; add annotations/<id>.yaml files first")
    for name in INPUT_FILES:
        if (root / name).is_file() and not (root / name).is_symlink():
            inputs[name] = sha256_file(root / name)
    manifest = {
        "name": "newsmark",
        "version": settings.version,
        "fingerprint": None,
        "split_rule": {"salt": settings.salt, "test_fraction": settings.test_fraction,
                       "validation_fraction": settings.validation_fraction},
        "inputs": dict(sorted(inputs.items())),
        "splits": dict(sorted(built.items())),
        "licenses": dict(sorted(article_licenses.items())),
        "left_out": sorted(set(ids) - set(built)),
    }
    stats = {**tally.stats(), "agreement": agreement_summary(root, found)}
    return {"stats": stats, "licenses": licenses, "languages": languages}, manifest


def datasheet_with_stats(root: Path, stats: dict) -> str | None:
    """DATASHEET.md with its statistics block regenerated (None without a datasheet); checked beforehand
    by ``check_datasheet_markers``."""
    path = root / "DATASHEET.md"
    if not path.is_file() or path.is_symlink():
        return None
    current = path.read_text(encoding="utf-8")
    return with_stats_block(current, stats) or current


def update_datasheet(root: Path, text: str | None) -> str | None:
    """Write the regenerated DATASHEET.md; returns 'updated', 'unchanged' or None (no datasheet)."""
    if text is None:
        return None
    path = root / "DATASHEET.md"
    if path.read_text(encoding="utf-8") == text:
        return "unchanged"
    write_atomic(path, text)
    return "updated"
