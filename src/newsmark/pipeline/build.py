"""``newsmark build``: check, assemble and write in one streaming pass.

Each article is read and checked once (in worker processes) and, when valid, turned into rows that are
written straight into a staging folder. If any error turns up, the staging folder is deleted and the
findings are raised: nothing reaches the output folder, and a previous build stays as it was. Memory
stays bounded by the row batches, whatever the corpus size.
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
from functools import partial
from pathlib import Path

import pyarrow as pa

from newsmark.errors import NewsmarkError, ValidationFailed
from newsmark.files import check_output_folder, output_slot, write_atomic
from newsmark.findings import Report
from newsmark.licenses import allows_redistribution
from newsmark.pipeline.assemble import pack_words, text_digest
from newsmark.pipeline.buildcache import BuildCache, chunk_ids, row_fingerprint
from newsmark.pipeline.card import attribution_markdown, bibtex, card_markdown, label_tables, license_markdown
from newsmark.pipeline.check.corpus import check_datasheet_markers, check_released_labels
from newsmark.pipeline.check.duplicates import check_near_duplicate_splits, dedup_settings
from newsmark.pipeline.check.layers import agreement_summary, check_layer
from newsmark.pipeline.check.runner import check_chunk, select, slots_of, with_presence
from newsmark.pipeline.columns import chunk_rows
from newsmark.pipeline.croissant import croissant
from newsmark.pipeline.parallel import PARALLEL_FROM, counter, in_worker, map_lists
from newsmark.pipeline.read.project import BASELINES, read_baselines, read_citation
from newsmark.pipeline.stats import Tally, with_stats_block
from newsmark.pipeline.write import (
    MAX_SHARD_BYTES,
    DatasetWriter,
    fingerprint,
    finish,
    is_previous_build,
    sha256_file,
    to_table,
)
from newsmark.settings import read_settings
from newsmark.text import load_tokenizer

# DATASHEET.md is not among them: the build rewrites its statistics, and its copy is among the outputs.
INPUT_FILES = (
    "pyproject.toml",
    "CITATION.cff",
    "schema/labels.json",
    "schema/released-labels.json",
    "schema/article.schema.json",
    "schema/annotation.schema.json",
    BASELINES,
)


def chunk_tables(settings, known: dict[str, bytes] | None, articles) -> tuple[dict, dict, dict]:
    """A chunk's rows as one Arrow table per (config, split), in key order, per-article info, and (unless
    ``known`` is None: no cache) each article's text digest and packed word tokens for the next build."""
    batches, info, prepared = chunk_rows(settings, articles, known)
    parts: dict[tuple[str, str], list] = {}
    for config, split, rows in batches:
        parts.setdefault((config, split), []).append(to_table(config, rows))
    tables = {key: pa.concat_tables(parts[key]) for key in sorted(parts)}
    if known is None:
        return tables, info, {}
    return tables, info, {item.id: (text_digest(item.text), pack_words(item)) for item in prepared}


def build_chunk(root: Path, settings, signatures: bool, spill: Path, items: list[tuple]) -> list:
    """Check and assemble one chunk of ``(id, slots, known word tokens)``. In a worker process the tables
    go to the writer through a file in ``spill`` (``spill_tables``), not through the pipe; but not on
    Windows, which cannot remove a file while it is mapped (pickled tables cross the pipe there)."""
    known = items[0][2] if items else None
    [(results, (tables, info, words))] = check_chunk(
        root, partial(chunk_tables, settings, known), signatures, [(i, slots) for i, slots, _ in items]
    )
    through_file = in_worker() and os.name == "posix"
    return [(results, (spill_tables(spill, tables) if through_file else tables, info, words))]


def spill_tables(folder: Path, tables: dict) -> tuple[str, list]:
    """Write ``tables`` as Arrow IPC streams, one after another, into a new file in ``folder``; returns its
    path and each stream's ``(config, split, offset, length)``. The tables of a whole build (about 30 KB
    an article) sent through the pool's pipe were copied five times on the way (to bytes, into the pickle,
    through the pipe, out of it, out of the pickle); through a file, once, and the writer maps it. Each
    stream starts at a multiple of the page size, so that each can be mapped on its own."""
    fd, path = tempfile.mkstemp(dir=folder, suffix=".arrow")
    os.close(fd)
    index = []
    with pa.OSFile(path, "wb") as sink:
        for (config, split), table in tables.items():
            offset = sink.tell()
            _write_stream(sink, table)
            index.append((config, split, offset, sink.tell() - offset))
            sink.write(bytes(-sink.tell() % mmap.ALLOCATIONGRANULARITY))
    return path, index


def unspill(spilled: tuple[str, list]) -> list[tuple[str, str, mmap.mmap]]:
    """The streams of a file of ``spill_tables``, each mapped into memory on its own (no copy), and the
    file removed. A mapping keeps its pages for as long as a table holds it; one mapping of the whole
    file would keep every stream of the chunk for as long as its last table waits in the writer (the
    test split's articles wait for a thousand of them: most of the build)."""
    path, index = spilled
    with open(path, "rb") as handle:
        streams = [
            (config, split, mmap.mmap(handle.fileno(), length, offset=offset, access=mmap.ACCESS_READ))
            for config, split, offset, length in index
        ]
    os.unlink(path)
    return streams


def _write_stream(sink, table: pa.Table) -> None:
    # Uncompressed: LZ4 made cached rows a third of the size but 15 times slower to read back.
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)


def ipc_stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    _write_stream(sink, table)
    return sink.getvalue().to_pybytes()


def read_streams(streams) -> dict[tuple[str, str], pa.Table]:
    return {(config, split): pa.ipc.open_stream(pa.py_buffer(data)).read_all() for config, split, data in streams}


REUSE_WORDS_UP_TO = 16  # chunks to build


def built_chunks(
    root: Path,
    listing,
    ids: list[str],
    settings,
    cache: BuildCache | None,
    jobs=None,
    progress=None,
    signatures: bool = False,
    staging: Path | None = None,
):
    """``(results, tables, info)`` per chunk of articles, in id order: from the cache when none of the
    chunk's files changed, else checked and assembled in worker processes (and then cached). Worker
    processes hand their tables over through files in a folder made in ``staging`` (default: the
    system's temporary folder), removed before this returns."""
    chunks = chunk_ids(ids)
    keys = [cache.key([slots_of(listing, i) for i in chunk]) if cache is not None else None for chunk in chunks]
    hit = [cache is not None and key in cache.chunks for key in keys]
    spill = Path(tempfile.mkdtemp(dir=staging, prefix=".newsmark-chunks-"))
    work = partial(build_chunk, root, settings, signatures, spill)

    # After a few edits, an article whose text did not change gets its word tokens from the last build
    # and no chunk needs spaCy; after many, spaCy is loaded anyway and the workers share it.
    reuse = cache is not None and hit.count(False) <= REUSE_WORDS_UP_TO

    def items(chunk):
        known = None if cache is None else cache.earlier_words(chunk) if reuse else {}
        return [(i, slots_of(listing, i), known) for i in chunk]  # one dict, pickled once

    misses = [items(chunk) for chunk, cached in zip(chunks, hit) if not cached]
    if len(misses) >= PARALLEL_FROM:
        load_tokenizer()  # before worker processes fork, so that they share it instead of each loading it
    advance = counter(progress, len(ids))
    try:
        # A few chunks to build (after an edit) go to a worker at once: it loads spaCy and builds them while
        # this process reads the cached chunks and writes Parquet.
        fresh = map_lists(
            work, misses, jobs=jobs, progress=advance, parallel_from=1 if cache is not None else PARALLEL_FROM
        )
        for chunk, key, cached in zip(chunks, keys, hit):
            entry = cache.read(key) if cached else None
            if entry is not None:
                results, info, streams, _ = entry
                tables = read_streams(streams)
                advance(len(chunk))
            else:
                # a miss, or a cached file that turned out damaged: build the chunk here and now
                results, (tables, info, words) = next(fresh) if not cached else work(items(chunk))[0]
                if isinstance(tables, tuple):  # from a worker, through a file
                    streams = unspill(tables)
                    tables = read_streams(streams)
                else:
                    streams = None
                if cache is not None:
                    streams = streams or [
                        (config, split, ipc_stream(table)) for (config, split), table in tables.items()
                    ]
                    cache.store([slots_of(listing, i) for i in chunk], results, info, streams, words)
            yield [with_presence(result, listing) for result in results], tables, info
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def without_articles(tables: dict[tuple[str, str], pa.Table], ids: set[str]) -> dict[tuple[str, str], pa.Table]:
    """A chunk's tables without the rows of the articles ``ids`` (the articles config keys rows by ``id``,
    the others by ``article_id``)."""
    import pyarrow.compute as pc

    dropped = pa.array(sorted(ids), pa.string())
    return {
        (config, split): table.filter(
            pc.invert(pc.is_in(table["id" if config == "articles" else "article_id"], dropped))
        )
        for (config, split), table in tables.items()
    }


def build(
    root: str | Path = ".",
    out: str | Path | None = None,
    max_shard_bytes: int = MAX_SHARD_BYTES,
    jobs: int | None = None,
    progress=None,
    cache: bool = False,
    public: bool = False,
) -> dict:
    """Build the dataset folder ``out`` (default ``<root>/dist/newsmark``) from the corpus at ``root``.
    ``cache`` reuses the checked results and rows of unchanged chunks of articles from
    ``<root>/.newsmark-cache`` (and updates it); the output is the same either way. ``public`` leaves out
    every article whose text's licence is unknown or does not allow redistribution (the manifest names
    them as withheld), so that the folder may be published openly; the repository's DATASHEET.md, which
    describes the whole corpus, is then left as it is.

    Raises ValidationFailed (with the report) when the corpus has errors; then nothing is written."""
    root = Path(root)
    out = Path(out) if out is not None else root / "dist" / "newsmark"
    check_output_folder(root, out, "a newsmark build", is_previous_build)
    settings = read_settings(root)
    listing, ids = select(root, None)
    report = Report(findings=list(listing.findings))
    # Everything the build will write is checked before anything is: the datasheet it will update too.
    report.findings.extend(check_datasheet_markers(root))
    citation = read_citation(root, settings.version)
    baselines = read_baselines(root)
    with output_slot(out) as tmp:
        writer = DatasetWriter(tmp, max_shard_bytes)
        try:
            corpus, manifest = _write_rows(root, ids, listing, settings, report, writer, jobs, progress, cache, public)
            summary, outputs = writer.close()
        except BaseException:
            writer.abort()
            raise
        summary["version"] = settings.version
        summary["fingerprint"] = manifest["fingerprint"] = fingerprint(outputs)
        corpus["bibtex"] = bibtex(citation, settings.version, settings.repo_id)
        corpus["baselines"] = baselines
        corpus["released"] = str(citation["date-released"]) if citation and "date-released" in citation else None
        datasheet_text = datasheet_with_stats(root, corpus["stats"])
        documents = {
            "README.md": card_markdown(summary, corpus, settings),
            "croissant.json": croissant(summary, corpus, settings),
            "LICENSE.md": license_markdown(corpus),
            "ATTRIBUTION.md": attribution_markdown(corpus),
            **({"DATASHEET.md": datasheet_text} if datasheet_text is not None else {}),
            **{f"labels/{name}.csv": table for name, table in label_tables().items()},
        }
        finish(tmp, out, outputs, documents, manifest)
    datasheet = update_datasheet(root, datasheet_text) if not public else None
    return {
        **summary,
        "out": str(out),
        "left_out": manifest["left_out"],
        "withheld": manifest["withheld"],
        "warnings": report.warnings,
        "datasheet": datasheet,
        "stats": corpus["stats"],
    }


def _write_rows(root, ids, listing, settings, report, writer, jobs, progress, use_cache, public=False):
    """Check every article and stream the rows of valid ones into ``writer`` (with ``public``, only those
    whose text may be redistributed); raises ValidationFailed when anything is wrong. Returns what the card
    needs of the corpus and the manifest (without outputs)."""
    from newsmark.neardup import SignatureFile

    inputs: dict[str, str] = {}
    built: dict[str, str] = {}  # article id -> split
    article_licenses: dict[str, str] = {}
    credits: dict[str, dict] = {}  # article id -> what the attribution notice says of it
    withheld: dict[str, str] = {}  # article id -> the licence that keeps it out of a public build
    licenses, languages = set(), set()
    tally = Tally(settings)
    keys: dict[str, str] = {}  # article id -> split key, and its signature, for the near-duplicate rule
    with_signatures = len(ids) > 1
    signatures = SignatureFile(dedup_settings(root)) if with_signatures else None
    cache = (
        BuildCache.load(root, row_fingerprint(settings, dedup_settings(root), with_signatures)) if use_cache else None
    )
    chunks = built_chunks(root, listing, ids, settings, cache, jobs, progress, with_signatures, writer.tmp)
    for results, tables, info in chunks:
        for result in results:
            report.files += result.files
            report.findings.extend(result.findings)
            # Only the id: a build keeps no per-article data beyond what the manifest needs.
            report.articles[result.id] = None
        if not report.ok:
            continue  # keep checking, so that every finding is reported; write no more
        closed = {i for i, entry in info.items() if public and not allows_redistribution(entry["license"])}
        writer.add(without_articles(tables, closed) if closed else tables)
        for result in results:
            if result.id in closed:
                withheld[result.id] = info[result.id]["license"]
            elif result.id in info:
                tally.add(result.contribution)
                keys[result.id] = result.contribution["key"]
                if signatures is not None and "minhash" in result.contribution:
                    signatures.add(result.id, result.contribution["minhash"])
                built[result.id] = info[result.id]["split"]
                inputs.update(result.digests)
                licenses.add(info[result.id]["license"])
                article_licenses[result.id] = info[result.id]["license"]
                credits[result.id] = info[result.id]["credit"]
                languages.add(info[result.id]["language"].split("-")[0])
            elif result.contribution is not None:  # not yet annotated: counted as such, not built
                tally.add(result.contribution)
    # The independent layers are never built, but a build validates what validate does: a broken layer
    # refuses the build as it fails validate (and would mislead the card's agreement figures).
    for (annotator, article_id), path in sorted(listing.layers.items()):
        report.files += 1
        report.findings.extend(check_layer(root, annotator, article_id, path, listing))
    report.findings.extend(check_released_labels(root))
    if report.ok:
        found_pairs, pairs = check_near_duplicate_splits(root, keys, signatures, cache.pairs if cache else None)
        report.findings.extend(found_pairs)
        if cache is not None:
            cache.remember_pairs(pairs)
    if cache is not None:
        cache.save()
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
        "split_rule": {
            "salt": settings.salt,
            "test_fraction": settings.test_fraction,
            "validation_fraction": settings.validation_fraction,
        },
        "inputs": dict(sorted(inputs.items())),
        "splits": dict(sorted(built.items())),
        "licenses": dict(sorted(article_licenses.items())),
        "credits": {article_id: credits[article_id]["authors"] for article_id in sorted(credits)},
        "left_out": sorted(set(ids) - set(built)),
        "withheld": dict(sorted(withheld.items())),
    }
    stats = {**tally.stats(), "agreement": agreement_summary(root, listing)}
    return {
        "stats": stats,
        "licenses": licenses,
        "languages": languages,
        "withheld": manifest["withheld"],
        "credits": [{"id": article_id, **credits[article_id]} for article_id in sorted(credits)],
    }, manifest


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
