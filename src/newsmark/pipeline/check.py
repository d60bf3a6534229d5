"""Stage 2: check what was read. Schema first, then the semantic rules; every problem is a Finding.

Levels gate each other as in the UD validator: a file that fails to parse is not schema-checked, and an
annotation that fails its schema is not span-checked, so every finding is about data of the right shape.
Each ``check_*`` function names in its docstring the codes it can raise.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import suppress
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from newsmark.chars import CONTROL_RE, codepoint
from newsmark.errors import NewsmarkError
from newsmark.findings import ERROR, ArticleResult, Finding, Report, finding
from newsmark.labels import COMPLETE, LABEL_SETS, VALUE_TYPES, names, schema_dir
from newsmark.licenses import UNKNOWN, is_spdx, suggestion
from newsmark.pipeline.cache import ValidateCache, signature
from newsmark.pipeline.parallel import counter, map_chunks
from newsmark.pipeline.read import (
    INDEPENDENT,
    Article,
    Document,
    Inventory,
    annotation_status,
    corpus_rel,
    decode,
    inventory,
    invisible_findings,
    pending_counts,
    position,
    read_article_text,
    read_bytes,
    read_bytes_and_stat,
    read_yaml,
    relpath,
    text_from_bytes,
    yaml_from_bytes,
)
from newsmark.pipeline.schemas import PATTERN_HINTS, compiled_validator, validator
from newsmark.pipeline.splits import assign_split, read_settings
from newsmark.pipeline.stats import (
    BLOCK_START,
    Tally,
    contribution,
    corpus_stats,
    stats_block_problem,
    with_stats_block,
)
from newsmark.reporters import finding_line

if TYPE_CHECKING:  # imported where used: a pre-commit run over a few files needs neither
    from newsmark.neardup import DedupSettings
    from newsmark.pipeline import lastrun
    from newsmark.pipeline.agreement import Layer

Slots = tuple  # (text path, metadata path, annotation path), each a Path or None


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
                report = _revalidate(root, now, last)
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
    found, ids = select(root, paths)
    report = Report(findings=list(found.findings))
    store = ValidateCache.load(root) if cache else None
    lines, per_article = {}, {}
    # Signatures only serve NM605, a whole-corpus rule: a run over a few files (pre-commit) or a corpus of
    # one article does not compute them (nor import numpy); a later whole run computes what it lacks.
    for results, _ in run_articles(
        root, found, ids, jobs=jobs, progress=progress, cache=store, signatures=paths is None and len(ids) > 1
    ):
        for result in results:
            report.files += result.files
            report.findings.extend(result.findings)
            report.articles[result.id] = _gather(report, result.id, result.contribution)
            if now is not None:  # what the next run needs to start from this one
                per_article[result.id] = result.findings
                lines[result.id] = _line(result.contribution, "minhash" in (result.contribution or {}))
    report.pending = pending_counts(report.articles.values())
    corpus = []
    for (annotator, article_id), path in sorted(found.layers.items()):
        if article_id in ids or paths is None:
            report.files += 1
            corpus.extend(check_layer(root, annotator, article_id, path, found))
    corpus.extend(check_released_labels(root))
    corpus.extend(check_settings(root))
    pairs = None
    if paths is None:
        corpus.extend(check_datasheet(root, partial(corpus_stats, report.articles), agreement_summary(root, found)))
        corpus.extend(check_surface_types(root, report.surfaces))
        keys = {article_id: part["key"] for article_id, part in report.articles.items() if part}
        near, pairs = check_near_duplicate_splits(
            root, keys, report.signatures, store.pairs if store is not None else None
        )
        corpus.extend(near)
        if store is not None:
            store.remember_pairs(pairs)
    if store is not None:
        store.save(prune=paths is None)
    report.findings.extend(corpus)
    report.findings.sort()
    if now is not None:
        _remember(root, now, report, found, per_article, corpus, pairs, lines)
    return report


def _as_lists(findings: list[Finding]) -> list[list]:
    return [[f.path, f.line, f.col, f.code, f.message] for f in findings]


def _remember(
    root: Path,
    now: lastrun.Scan,
    report: Report,
    found: Inventory,
    per_article: dict,
    corpus: list,
    pairs: dict | None,
    lines: dict[str, bytes],
) -> None:
    """Keep what a whole run found, for the next run to start from (``lastrun``)."""
    from newsmark.pipeline import lastrun

    tally = None
    with suppress(NewsmarkError):
        tally = Tally(read_settings(root))
        for part in report.articles.values():
            tally.add(part)
    articles = {}
    for article_id, findings in per_article.items():
        slots = (found.texts.get(article_id), found.metas.get(article_id), found.annotations.get(article_id))
        part = report.articles[article_id]
        articles[article_id] = {
            "slots": [None if s is None else corpus_rel(s) for s in slots],
            "findings": _as_lists(findings),
            "key": part["key"] if part else None,
            "status": part.get("status") if part else None,
        }
    lastrun.save(
        root,
        lastrun.LastRun(
            now.state,
            now.stamps,
            report.files,
            _as_lists(found.findings),
            articles,
            report.surfaces,
            tally.state() if tally else None,
            pairs,
            len(found.layers),
            _as_lists(corpus),
        ),
        lines,
    )


REVALIDATE_UP_TO = 64  # edited articles; beyond, a full run (with the per-article cache) is as quick


def _revalidate(root: Path, now: lastrun.Scan, last: lastrun.LastRun) -> Report | None:
    """The report of a whole run after a few edits, from the last run: the edited articles are checked
    again, each one's old contribution to the totals taken out and its new one put in, and the corpus-wide
    rules run on the totals. None when a full run is needed: files added, removed or renamed, anything
    but an article edited, a text edited (NM605 then compares every text again), independent layers,
    or many edits."""
    from newsmark.pipeline import lastrun

    changed = lastrun.edited(last.stamps, now.stamps) if not last.layers else None
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
    found, surfaces_changed = Inventory(), False
    for article_id in changed:
        slots = tuple(None if rel is None else root / rel for rel in last.articles[article_id]["slots"])
        found.texts.update({article_id: slots[0]} if slots[0] else {})
        found.metas.update({article_id: slots[1]} if slots[1] else {})
        found.annotations.update({article_id: slots[2]} if slots[2] else {})
        result = with_presence(check_one(root, article_id, slots)[0], found)
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
        lines[article_id] = _line(new, signed)
    corpus = check_released_labels(root) + check_settings(root)
    if tally is not None:  # (None: no readable split rule, so no statistics to compare)
        corpus.extend(check_datasheet(root, lambda settings, agreement: {**tally.stats(), "agreement": agreement}))
    corpus.extend(check_surface_types(root, last.surfaces))
    keys = {article_id: entry["key"] for article_id, entry in last.articles.items() if entry["key"] is not None}
    if last.pairs is not None:
        corpus.extend(near_duplicate_findings(root, keys, last.pairs["pairs"]))
    last.state, last.stamps, last.corpus = now.state, now.stamps, _as_lists(corpus)
    last.tally = tally.state() if tally else None
    if lastrun.append_lines(root, last, lines):
        lastrun.save(root, last, None, surfaces_changed)
    return Report(
        findings=sorted(last.findings()),
        files=last.files,
        articles=dict.fromkeys(last.articles),
        pending=pending_counts(last.articles.values()),
    )


def _line(contribution: dict | None, signed: bool) -> bytes:
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
    found = inventory(root)
    return [
        check_article(
            root,
            article_id,
            (found.texts.get(article_id), found.metas.get(article_id), found.annotations.get(article_id)),
            positions=False,
        )[0]
        for article_id in ids
    ]


def _gather(report: Report, article_id: str, part: dict | None) -> dict | None:
    """Move an article's mention texts into the corpus-wide ``report.surfaces`` (one entry per text,
    however many articles use it) and its signature into ``report.signatures``; return the rest of its
    contribution. Memory grows with the distinct names, not with articles times names."""
    if not part:
        return part
    for text, entity_type in part.get("surfaces", {}).items():
        report.surfaces.setdefault(text, {}).setdefault(entity_type, []).append(article_id)
    if "minhash" in part:
        report.signatures[article_id] = part["minhash"]
    return {key: value for key, value in part.items() if key not in ("surfaces", "minhash")}


@cache
def dedup_settings(root: Path) -> DedupSettings:
    from newsmark.neardup import read_settings

    return read_settings(root)


def _add_signatures(root: Path, built: list[tuple[ArticleResult, Article]]) -> None:
    """Add each article's MinHash signature (rule NM605) to its contribution: computed in the worker that
    read the texts, for the whole chunk at once, and cached with the rest of the article's result."""
    if not built:
        return
    settings = dedup_settings(root)
    from newsmark.neardup import encode as encode_signature
    from newsmark.neardup import signatures as minhashes

    rows = minhashes([article.text for _, article in built], settings)
    for (result, _), row in zip(built, rows):
        result.contribution["minhash"] = encode_signature(settings, row)


def select(root: Path, paths) -> tuple[Inventory, list[str]]:
    """The inventory and the article ids to check (all, or those ``paths`` belong to)."""
    found = inventory(root)
    ids = sorted(set(found.texts) | set(found.metas) | set(found.annotations))
    if paths is not None:
        wanted = {article_id_of(root, path) for path in paths}
        ids = [article_id for article_id in ids if article_id in wanted]
        found.findings = [f for f in found.findings if article_id_of(root, root / f.path) in wanted]
    return found, ids


def run_articles(
    root: Path,
    found: Inventory,
    ids: list[str],
    extra: Callable | None = None,
    jobs=None,
    progress=None,
    cache=None,
    signatures: bool = False,
) -> Iterator[tuple[list[ArticleResult], object]]:
    """Check the articles in chunks (in worker processes), yielding ``(results, payload)`` per chunk in id
    order. ``extra(articles)``, run in the worker, turns a chunk's valid parsed articles into the chunk's
    payload (the report's pages). ``cache`` (validate only) answers unchanged articles first."""
    slots = {i: (found.texts.get(i), found.metas.get(i), found.annotations.get(i)) for i in ids}
    cached = cache.lookup(slots) if cache is not None else {}
    advance = counter(progress, len(ids))

    if cached:
        advance(len(cached))
        yield [with_presence(result, found) for result in cached.values()], None
    todo = [(i, slots[i]) for i in ids if i not in cached]
    for results, payload in map_chunks(
        partial(check_chunk, root, extra, signatures), todo, jobs=jobs, progress=advance
    ):
        for result in results:
            if cache is not None:
                cache.store(slots[result.id], result)
            with_presence(result, found)
        yield results, payload


def with_presence(result: ArticleResult, found: Inventory) -> ArticleResult:
    result.findings = check_presence(result.id, found) + result.findings
    return result


def check_chunk(root: Path, extra: Callable | None, signatures: bool, items: list[tuple[str, Slots]]):
    """Check a chunk of articles; one ``(results, payload)`` pair (a list of one, for ``map_chunks``)."""
    results, valid, built = [], [], []
    for article_id, slots in items:
        result, article = check_one(root, article_id, slots)
        results.append(result)
        if article is not None and result.contribution is not None:
            built.append((result, article))
            if article.status == COMPLETE and not any(f.severity == ERROR for f in result.findings):
                valid.append(article)
    if signatures:
        _add_signatures(root, built)
    return [(results, extra(valid) if extra is not None else None)]


def check_one(root: Path, article_id: str, slots: Slots) -> tuple[ArticleResult, Article | None]:
    files = sum(path is not None for path in slots)
    try:
        # Most articles are valid: check them without recording YAML positions, and only when something
        # is found check again with positions, so that every finding points at its node.
        article, findings, reads = check_article(root, article_id, slots, positions=False)
        if findings:
            article, findings, reads = check_article(root, article_id, slots, positions=True)
        digests = {rel: digest for rel, (digest, _) in reads.items()}
        signatures = {rel: signature for rel, (_, signature) in reads.items() if signature is not None}
        return ArticleResult(article_id, files, findings, digests, contribution(article), signatures), article
    except Exception as err:  # an internal error is itself a finding, never a traceback
        first = next(path for path in slots if path is not None)
        return ArticleResult(
            article_id, files, [finding("NM001", relpath(first, root), f"{type(err).__name__}: {err}")]
        ), None


def article_id_of(root: Path, path: str | Path) -> str | None:
    """The article a corpus/ or annotations/ path belongs to (its file stem), else None."""
    parts = Path(relpath(Path(os.path.abspath(path)), Path(os.path.abspath(root)))).parts
    if len(parts) >= 4 and parts[0] == "annotations" and parts[1] == INDEPENDENT:
        return parts[3].partition(".")[0]
    if len(parts) >= 2 and parts[0] in ("corpus", "annotations"):
        return parts[1].partition(".")[0]
    return None


def check_article(
    root: Path, article_id: str, slots: Slots, positions: bool = True
) -> tuple[Article, list[Finding], dict[str, tuple]]:
    """Read and check one article's files; returns the article (parts None where missing or invalid),
    the findings, and for every file read the sha256 of its bytes and its stat before reading (None
    when it changed while being read)."""
    text_path, meta_path, annotation_path = slots
    article = Article(article_id)
    findings: list[Finding] = []
    reads: dict[str, tuple] = {}

    def load(path: Path, parse):
        rel = corpus_rel(path)
        raw, problems, info = read_bytes_and_stat(path, rel)
        if raw is None:
            return None, problems
        reads[rel] = (hashlib.sha256(raw).hexdigest(), None if info is None else signature(info))
        return parse(raw, rel)

    if text_path is not None:
        article.text, text_problems = load(text_path, text_from_bytes)
        findings += text_problems
    for kind, path in (("article", meta_path), ("annotation", annotation_path)):
        if path is None:
            continue
        doc, doc_findings = load(path, partial(yaml_from_bytes, positions=positions))
        if doc is not None:
            doc_findings = check_strings(doc) + check_schema(doc, kind)
        findings += doc_findings
        if doc is not None and not any(f.severity == ERROR for f in doc_findings):
            setattr(article, "meta" if kind == "article" else "annotation", doc)
    if article.meta is not None:
        findings += check_metadata(article.meta, article_id)
    if article.annotation is not None:
        findings += check_annotation(article.annotation, article_id, article.text)
    return article, findings, reads


def load_layer(root: Path, found: Inventory, path: Path, article_id: str | None = None) -> Layer:
    """An annotation file to compare (``newsmark agree``), refused unless it validates: a comparison of
    broken data means nothing."""
    doc, problems = read_yaml(path, root)
    if doc is not None:
        problems = check_strings(doc) + check_schema(doc, "annotation")
        article_id = article_id or (doc.data.get("article") if isinstance(doc.data, dict) else None)
        text_path = found.texts.get(article_id) if isinstance(article_id, str) else None
        if not any(f.severity == ERROR for f in problems) and text_path is not None:
            text, _ = read_article_text(text_path, root)
            problems += check_annotation(doc, article_id, text) if text is not None else []
    errors = [f for f in problems if f.severity == ERROR]
    if doc is None or errors:
        raise NewsmarkError(
            f"{path}: does not validate; fix it first:\n" + "\n".join(finding_line(f) for f in errors[:20])
        )
    from newsmark.pipeline.agreement import Layer  # only a corpus with independent layers needs it

    return Layer(doc.path, doc)


def agreement_summary(root: Path, found: Inventory) -> dict | None:
    """The agreement of the corpus's independent layers, for the card and the datasheet."""
    if not found.layers:
        return None  # not measured (and the metrics are not even imported)
    from newsmark.pipeline.agreement import summary

    return summary(found, partial(load_layer, root, found))


def check_layer(root: Path, annotator: str, article_id: str, path: Path, found: Inventory) -> list[Finding]:
    """An independent annotation layer gets every rule an annotation gets (NM503 when its article is not
    in the corpus); it is compared by `newsmark agree` and never built into the dataset."""
    rel = relpath(path, root)
    raw, problems = read_bytes(path, rel)
    if raw is None:
        return problems
    doc, problems = yaml_from_bytes(raw, rel)
    if doc is None:
        return problems
    problems = check_strings(doc) + check_schema(doc, "annotation")
    if any(f.severity == ERROR for f in problems):
        return problems
    text_path = found.texts.get(article_id)
    if text_path is None:
        return problems + [
            finding(
                "NM503",
                rel,
                f"independent layer of {annotator} for {article_id}, which is not "
                f"in the corpus (no corpus/{article_id}.txt); remove it or add the article",
            )
        ]
    text, _ = read_article_text(text_path, root)  # its own problems are reported with the article
    return problems + ([] if text is None else check_annotation(doc, article_id, text))


def check_presence(article_id: str, found) -> list[Finding]:
    """NM503 orphan annotation, NM504 missing annotation, NM506 text without metadata or the reverse."""
    has_text, has_meta = article_id in found.texts, article_id in found.metas
    findings = []
    if article_id in found.annotations and not (has_text or has_meta):
        findings.append(
            finding(
                "NM503",
                f"annotations/{article_id}.yaml",
                f"no article '{article_id}' in corpus/; "
                "add corpus/<id>.txt and .yaml, or rename this file to the article's id",
            )
        )
    if has_text and not has_meta:
        findings.append(
            finding(
                "NM506",
                f"corpus/{article_id}.txt",
                f"add corpus/{article_id}.yaml with the article's metadata (newsmark new writes both)",
            )
        )
    if has_meta and not has_text:
        findings.append(
            finding("NM506", f"corpus/{article_id}.yaml", f"add corpus/{article_id}.txt with the article's text")
        )
    if (has_text or has_meta) and article_id not in found.annotations:
        findings.append(
            finding(
                "NM504",
                f"corpus/{article_id}.yaml" if has_meta else f"corpus/{article_id}.txt",
                f"not annotated yet; add annotations/{article_id}.yaml",
            )
        )
    return findings


# -- strings ------------------------------------------------------------------------------------------


def check_strings(doc: Document) -> list[Finding]:
    """NM105 control character, NM111 bidirectional control, NM112 zero-width character, in any key or
    string value of a YAML file. Only files whose source holds an escape or such a character are walked."""
    if not doc.may_hide:
        return []
    findings: list[Finding] = []

    def visit(value, path):
        if isinstance(value, dict):
            for key, item in value.items():
                look(key, path + (key,), key=True)
                visit(item, path + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                visit(item, path + (index,))
        elif isinstance(value, str):
            look(value, path)

    def look(value: str, path, key: bool = False):
        where = f"the key of {show_path(path)}" if key else show_path(path)
        at = doc.at(path, key=key)
        control = CONTROL_RE.search(value)
        if control:
            findings.append(
                finding(
                    "NM105", doc.path, f"{where} holds control character {codepoint(control.group())}; remove it", *at
                )
            )
        findings.extend(invisible_findings(value, doc.path, lambda _index: at, where))

    visit(doc.data, ())
    return findings


# -- schema -------------------------------------------------------------------------------------------

_SCHEMA_CODES = {
    "additionalProperties": "NM301",
    "required": "NM302",
    "dependentRequired": "NM302",
    "type": "NM303",
    "enum": "NM304",
    "pattern": "NM305",
    "maxLength": "NM305",
}


def show_path(path) -> str:
    """A JSON path as a reader writes it: ``entities[0].mentions[2].start``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def check_schema(doc: Document, kind: str) -> list[Finding]:
    """NM301 unknown key, NM302 missing key, NM303 wrong type, NM304 unknown label, NM305 bad format,
    NM306 other constraint; each located at the offending YAML node.

    Valid files pass the compiled validator and stop there; only a file that fails it is validated
    again by ``jsonschema``, whose errors carry the paths the findings are located by."""
    fast = compiled_validator(kind)
    # The compiled validator takes 3.0 for an integer: a document with a float goes the long way.
    if fast is not None and not doc.has_float and fast.is_valid(doc.data):
        return []
    findings = []
    for error in validator(kind).iter_errors(doc.data):
        findings.extend(_schema_error_findings(doc, error))
    return sorted(set(findings))


def _schema_error_findings(doc: Document, error) -> list[Finding]:
    path = tuple(error.absolute_path)
    where = show_path(path)
    code = _SCHEMA_CODES.get(error.validator, "NM306")
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        return [
            finding(
                "NM301",
                doc.path,
                f"unknown key '{key}' in {where}; allowed keys: {', '.join(allowed)}",
                *doc.at(path + (key,), key=True),
            )
            for key in error.instance
            if key not in allowed
        ]
    if error.validator in ("required", "dependentRequired"):
        message = f"{where} is missing {error.message.replace(' is a required property', '')}; add it"
        if error.validator == "dependentRequired":
            message = f"{where}: {error.message}; add it"
        return [finding(code, doc.path, message, *doc.at(path))]
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        message = f"{where} must be {wanted}, not {_json_type(error.instance)} ({_short(error.instance)})"
    elif error.validator == "enum":
        choices = ", ".join(map(str, error.validator_value))
        message = f"{where}: {_short(error.instance)} is not a known label; use one of: {choices}"
    elif error.validator == "pattern":
        hint = PATTERN_HINTS.get(error.validator_value, f"the pattern {error.validator_value}")
        message = f"{where}: {_short(error.instance)} is not {hint}"
    else:
        message = f"{where}: {_constraint_message(error)}"
    return [finding(code, doc.path, message, *doc.at(path))]


def _constraint_message(error) -> str:
    value = error.validator_value
    if error.validator == "minItems":
        return f"the list needs at least {value} item{'s' if value > 1 else ''}; add one"
    if error.validator == "uniqueItems":
        return "the list repeats an item; keep each once"
    if error.validator in ("minimum", "minLength", "maxLength"):
        return f"{_short(error.instance)} breaks {error.validator} {value}"
    if error.validator == "not":
        return f"{_short(error.instance)} is reserved; choose another value"
    if error.validator == "const":
        return f"{_short(error.instance)} is not allowed; the only value is {_short(value)} (or leave the key out)"
    return error.message


def _json_type(value) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "mapping",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- metadata -----------------------------------------------------------------------------------------


def check_metadata(doc: Document, article_id: str) -> list[Finding]:
    """NM501 id differs from the file name, NM307 impossible date, NM308 licence not on the SPDX list."""
    meta = doc.data
    findings = []
    if meta["license"] != UNKNOWN and not is_spdx(meta["license"]):
        guess = suggestion(meta["license"])
        hint = f"did you mean {guess}? Otherwise use" if guess else "use"
        findings.append(
            finding(
                "NM308",
                doc.path,
                f"license {meta['license']!r} is not an SPDX licence id; {hint} "
                "an id from https://spdx.org/licenses/, or 'unknown' when the source gives none",
                *doc.at(("license",)),
            )
        )
    if meta["id"] != article_id:
        findings.append(
            finding(
                "NM501",
                doc.path,
                f"id '{meta['id']}' differs from the file name '{article_id}'; make them equal",
                *doc.at(("id",)),
            )
        )
    findings += check_date(doc, ("date",))
    return findings


def check_date(doc: Document, path: tuple) -> list[Finding]:
    value = doc.data
    for part in path:
        value = value[part]
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return [
            finding(
                "NM307", doc.path, f"{show_path(path)}: '{value}' is not a calendar date; use YYYY-MM-DD", *doc.at(path)
            )
        ]
    return []


# -- annotations --------------------------------------------------------------------------------------


def check_annotation(doc: Document, article_id: str, text: str | None) -> list[Finding]:
    data = doc.data
    findings = []
    if data["article"] != article_id:
        findings.append(
            finding(
                "NM501",
                doc.path,
                f"article '{data['article']}' differs from the file name '{article_id}'; make them equal",
                *doc.at(("article",)),
            )
        )
    findings += check_complete(doc)
    findings += check_ids(doc)
    findings += check_claimers(doc)
    for group in ("annotators", "claims"):
        for i, item in enumerate(data[group]):
            if "date" in item:
                findings += check_date(doc, (group, i, "date"))
    if text is not None:
        span_findings = check_spans(doc, text)
        findings += span_findings
        if not any(f.severity == ERROR for f in span_findings):  # a wrong span would leave its name "missed"
            findings += check_missed_mentions(doc, text, article_id)
    return findings


def check_complete(doc: Document) -> list[Finding]:
    """NM507: an annotation that is neither the untouched skeleton nor marked ``status: in-progress`` is
    finished, and is built: it needs an annotator and a topic."""
    if annotation_status(doc.data) != COMPLETE:
        return []
    return [
        finding(
            "NM507",
            doc.path,
            f"{key} is empty, but the file is a finished annotation (it has "
            f"{'status: complete' if 'status' in doc.data else 'annotations and no status: in-progress'}); "
            f"add {what}, or mark the file 'status: in-progress' while work goes on",
            *doc.at((key,)),
        )
        for key, what in (("annotators", "who annotated"), ("topics", "its IPTC topics"))
        if not doc.data[key]
    ]


def check_ids(doc: Document) -> list[Finding]:
    """NM502: entity and claim ids share one namespace per article."""
    seen: dict[str, tuple] = {}
    findings = []
    for group in ("entities", "claims"):
        for i, item in enumerate(doc.data[group]):
            path = (group, i, "id")
            if item["id"] in seen:
                first = doc.at(seen[item["id"]])[0]
                findings.append(
                    finding(
                        "NM502",
                        doc.path,
                        f"id '{item['id']}' is already used at line {first}; give each entity and claim its own id",
                        *doc.at(path),
                    )
                )
            else:
                seen[item["id"]] = path
    return findings


def check_claimers(doc: Document) -> list[Finding]:
    """NM505: a claimer is 'author' or the id of an entity of this article."""
    entity_ids = {entity["id"] for entity in doc.data["entities"]}
    return [
        finding(
            "NM505",
            doc.path,
            f"claimer '{claim['claimer']}' is not an entity id here; use one of the "
            "entities' ids, or 'author' for the article's own voice",
            *doc.at(("claims", i, "claimer")),
        )
        for i, claim in enumerate(doc.data["claims"])
        if claim["claimer"] != "author" and claim["claimer"] not in entity_ids
    ]


def iter_spans(data: dict):
    """Every span of an annotation as (path, span, entity id or None)."""
    for i, entity in enumerate(data["entities"]):
        for j, mention in enumerate(entity["mentions"]):
            yield ("entities", i, "mentions", j), mention, entity["id"]
    for i, claim in enumerate(data["claims"]):
        yield ("claims", i), claim, None


def check_spans(doc: Document, text: str) -> list[Finding]:
    """NM401 quote mismatch, NM402 out of range, NM403 empty span, NM404 span clash, NM405 span cuts a
    word, NM406 unanchored span, NM407 whitespace at a span edge, NM408 duplicate mention."""
    findings = []
    owners: dict[tuple[int, int], tuple[str, tuple]] = {}
    for path, span, entity_id in iter_spans(doc.data):
        findings += check_span(doc, text, path, span, is_mention=entity_id is not None)
        if entity_id is None or "start" not in span or "end" not in span:
            continue
        key = (span["start"], span["end"])
        if key in owners:
            other, other_path = owners[key]
            line = doc.at(other_path)[0]
            code, what = ("NM408", "listed again") if other == entity_id else ("NM404", f"also a mention of '{other}'")
            findings.append(
                finding(
                    code,
                    doc.path,
                    f"{show_path(path)} {span['start']}:{span['end']} is {what} (line {line}); keep one",
                    *doc.at(path),
                )
            )
        else:
            owners[key] = (entity_id, path)
    return findings


def check_span(doc: Document, text: str, path: tuple, span: dict, is_mention: bool) -> list[Finding]:
    """NM401, NM402, NM403, NM405, NM406, NM407 and NM409 for one span (a mention or a claim)."""
    quote = span["text"]
    where = show_path(path)
    at = doc.at(path)
    findings = []
    if quote != quote.strip():
        findings.append(
            finding(
                "NM407",
                doc.path,
                f"{where}: quote {_short(quote)} starts or ends with whitespace; trim the quote and its offsets",
                *doc.at(path + ("text",)),
            )
        )
    if "start" not in span or "end" not in span:
        return findings + [
            finding(
                "NM406",
                doc.path,
                f"{where} has no start/end; run `newsmark anchor` to fill them in from the quote",
                *at,
            )
        ]
    start, end = span["start"], span["end"]
    if end <= start:
        return findings + [
            finding("NM403", doc.path, f"{where}: end {end} is not after start {start}", *doc.at(path + ("end",)))
        ]
    if end > len(text):
        return findings + [
            finding(
                "NM402",
                doc.path,
                f"{where}: end {end} is past the end of the text ({len(text)} characters)",
                *doc.at(path + ("end",)),
            )
        ]
    actual = text[start:end]
    if actual != quote:
        found_at = text.find(quote)
        hint = (
            f"the quote occurs at {found_at}:{found_at + len(quote)}"
            if found_at >= 0
            else "the quote does not occur in the text"
        )
        line, col = position(text, start)
        findings.append(
            finding(
                "NM401",
                doc.path,
                f"{where}: text {_short(quote)} but the article has "
                f"{_short(actual)} at {start}:{end} (line {line}, col {col}); {hint}",
                *doc.at(path + ("text",)),
            )
        )
    elif is_mention and "\n" in actual:
        findings.append(
            finding(
                "NM409",
                doc.path,
                f"{where}: {_short(quote)} at {start}:{end} runs across a line "
                "break; a name never does: split it into one mention per line, or fix the text",
                *at,
            )
        )
    elif cuts_word(text, start, end):
        findings.append(
            finding(
                "NM405",
                doc.path,
                f"{where}: {_short(quote)} at {start}:{end} starts or ends "
                "inside a word; extend it to the whole word unless the guidelines say otherwise",
                *at,
            )
        )
    return findings


def missed_mentions(data: dict, text: str) -> list[tuple[int, int, int]]:
    """Every word-bounded occurrence of a mention's exact text that no mention covers, as (start, end,
    index of the first entity with a mention of that text), in text order. An occurrence is covered by a
    mention with the same span or a longer one around it (a name inside a longer name, section 6.1 of the
    guidelines), or one that crosses it; a shorter mention inside it does not cover it (a "Thames Valley"
    marked inside an unmarked "Thames Valley Police"). Where occurrences overlap, the longest wins: an
    unannotated "Soviet Union" is one occurrence of that name, not also one of "Soviet"."""
    spans = []
    first_entity: dict[str, int] = {}
    for index, entity in enumerate(data["entities"]):
        for mention in entity["mentions"]:
            if isinstance(mention.get("start"), int) and isinstance(mention.get("end"), int):
                spans.append((mention["start"], mention["end"]))
            first_entity.setdefault(mention["text"], index)

    def covered(start: int, end: int) -> bool:
        return any(s <= start and end <= e or s < start < e < end or start < s < end < e for s, e in spans)

    found = []
    for surface, index in first_entity.items():
        at = text.find(surface)
        while at >= 0:
            end = at + len(surface)
            if not cuts_word(text, at, end) and not covered(at, end):
                found.append((at, end, index))
            at = text.find(surface, at + 1)
    taken = bytearray(len(text) + 1)
    kept = []
    for start, end, index in sorted(found, key=lambda item: (item[0] - item[1], item[0])):  # longest first
        if not any(taken[start:end]):
            taken[start:end] = b"\1" * (end - start)
            kept.append((start, end, index))
    return sorted(kept)


def check_missed_mentions(doc: Document, text: str, article_id: str) -> list[Finding]:
    """NM410 (warning): the guidelines ask for every occurrence of a name, so an unannotated occurrence of
    a mention's exact text is located in the article text."""
    findings = []
    counts: dict[tuple[int, str], int] = {}
    for start, end, index in missed_mentions(doc.data, text):
        entity = doc.data["entities"][index]
        surface = text[start:end]
        if (index, surface) not in counts:
            counts[(index, surface)] = sum(m["text"] == surface for m in entity["mentions"])
        line = doc.at(("entities", index))[0]
        findings.append(
            finding(
                "NM410",
                f"corpus/{article_id}.txt",
                f"{_short(surface)} at {start}:{end} is not "
                f"annotated, but entity '{entity['id']}' ({doc.path}:{line}) has "
                f"{counts[(index, surface)]} mention(s) with this text; add it (newsmark suggest "
                f"{article_id} --apply), or annotate it as its own entity if it names another "
                "referent",
                *position(text, start),
            )
        )
    return findings


def cuts_word(text: str, start: int, end: int) -> bool:
    inside_start = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    inside_end = end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return inside_start or inside_end


# -- corpus-wide --------------------------------------------------------------------------------------


def check_settings(root: Path) -> list[Finding]:
    """NM606: a pyproject.toml that the build could not use (no version, no split rule, fractions out of
    range) is an error here too, so that validate never passes a corpus the build refuses, nor skips the
    rules that need the split rule (NM602, NM605) without saying so. A folder without one is a bare corpus."""
    if not os.path.lexists(root / "pyproject.toml"):
        return []
    try:
        read_settings(root)
    except NewsmarkError as err:
        return [
            finding(
                "NM606",
                "pyproject.toml",
                str(err).removeprefix(f"{root / 'pyproject.toml'}: ")
                + '; the split rule is in docs/design.md, "Splits"',
            )
        ]
    return []


def check_released_labels(root: Path) -> list[Finding]:
    """NM601: every label list of the last release (schema/released-labels.json) is a prefix of today's."""
    released_path = root / "schema" / "released-labels.json"
    if not released_path.is_file() or released_path.is_symlink():
        return []
    rel = "schema/labels.json"
    try:
        released = json.loads(released_path.read_bytes().decode("utf-8"))
        if not isinstance(released, dict):
            raise ValueError("expected an object of label lists")
        for label_set, labels in released.items():
            if label_set.startswith("$") or label_set == "version":
                continue
            if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
                raise ValueError(f"'{label_set}' must be a list of label names (strings)")
    except (ValueError, OSError) as err:
        line, col = (getattr(err, "lineno", 1), getattr(err, "colno", 1))
        return [
            finding(
                "NM601",
                "schema/released-labels.json",
                f"cannot read the released label lists: {err}; restore the file from the last release tag",
                line,
                col,
            )
        ]
    labels_text = (schema_dir() / "labels.json").read_text(encoding="utf-8")
    findings = []
    for label_set, old in released.items():
        if label_set.startswith("$") or label_set == "version":
            continue
        new = names(label_set) if label_set in LABEL_SETS else []
        if new[: len(old)] != old:
            index = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
            missing = [label for label in old if label not in new]
            what = f"removes {', '.join(missing)}" if missing else f"reorders it from position {index}"
            near = new[index] if index < len(new) else new[-1]
            at = position(labels_text, max(labels_text.find(f'"{near}"'), 0))
            findings.append(
                finding(
                    "NM601",
                    rel,
                    f"{label_set} {what}; released labels are append-only "
                    "(their order is the ClassLabel index): add new labels at the end",
                    *at,
                )
            )
    return findings


def _datasheet(root: Path) -> tuple[str | None, list[Finding]]:
    """DATASHEET.md's text, or None and NM603 when the build could not update it (a link, not UTF-8,
    markers out of order). None and nothing when there is no datasheet."""
    path = root / "DATASHEET.md"
    if not os.path.lexists(path):
        return None, []
    raw, problems = read_bytes(path, "DATASHEET.md")
    if raw is None:
        return None, [finding("NM603", p.path, p.message, p.line, p.col) for p in problems]
    text, problems = decode(raw, "DATASHEET.md")
    if text is None:
        return None, [
            finding("NM603", p.path, f"{p.message}; the build rewrites its statistics block", p.line, p.col)
            for p in problems
        ]
    problem = stats_block_problem(text)
    if problem is not None:
        index, message = problem
        return None, [finding("NM603", "DATASHEET.md", f"the statistics block {message}", *position(text, index))]
    return text, []


def check_surface_types(root: Path, surfaces: dict[str, dict[str, list[str]]]) -> list[Finding]:
    """NM604 (warning): a mention text annotated with one entity type in some articles and another in
    others. Each article whose type is not the corpus's most common one for that text is located (all of
    them on a tie); a text that really names different referents (Washington the person and the city)
    can keep its warning. Only name types are compared: a value ("25", "May" the month) means something
    else in every article, and an age and a count may rightly share a string."""
    flagged: dict[str, list[tuple[str, str, dict]]] = {}
    for surface, all_types in surfaces.items():
        by_type = {t: ids for t, ids in all_types.items() if t not in VALUE_TYPES}
        if len(by_type) < 2:
            continue
        most = max(len(ids) for ids in by_type.values())
        top = [t for t, ids in by_type.items() if len(ids) == most]
        for entity_type, ids in by_type.items():
            if entity_type not in top or len(top) > 1:
                for article_id in ids:
                    flagged.setdefault(article_id, []).append((surface, entity_type, by_type))
    findings = []
    for article_id, items in sorted(flagged.items()):
        path = root / "annotations" / f"{article_id}.yaml"
        doc, _ = read_yaml(path, root)  # read again only now, for the lines of the few flagged articles
        for surface, entity_type, by_type in items:
            at = _entity_of_surface(doc, surface, entity_type)
            others = "; ".join(
                f"{t} in {len(ids)} other article(s) ({', '.join(sorted(ids)[:3])}{', ...' if len(ids) > 3 else ''})"
                for t, ids in sorted(by_type.items())
                if t != entity_type
            )
            findings.append(
                finding(
                    "NM604",
                    f"annotations/{article_id}.yaml",
                    f"{_short(surface)} is {entity_type} "
                    f"here but {others}; make the types agree as the guidelines say, unless the "
                    "text names different referents",
                    *at,
                )
            )
    return findings


def _entity_of_surface(doc: Document | None, surface: str, entity_type: str) -> tuple[int, int]:
    if doc is None or not isinstance(doc.data, dict):
        return 1, 1
    for index, entity in enumerate(doc.data.get("entities") or []):
        if entity.get("type") == entity_type and any(m.get("text") == surface for m in entity.get("mentions") or []):
            return doc.at(("entities", index, "type"))
    return 1, 1


def check_near_duplicate_splits(
    root: Path, keys: dict[str, str], signatures: dict[str, str], previous: dict | None = None
) -> tuple[list[Finding], dict]:
    """NM605: near-duplicate articles (MinHash estimate of the Jaccard similarity of their word shingles at
    or above the threshold, grouped transitively) whose split keys (story, else id) put them into different
    splits, so that one would leak another's text into evaluation. Each member of such a group is located.

    Returns the findings and the groups, as links (``neardup.near_duplicate_clusters``: a group of n
    articles is n - 1 links, never its n(n-1)/2 pairs), with the digest of the signatures they came from;
    ``previous`` (the validate cache's) is reused when that digest is unchanged: a signature depends on the
    text alone, so until a text changes no article needs comparing again."""
    if len(keys) < 2:
        return [], {"digest": "", "pairs": []}
    try:
        split_settings = read_settings(root)
    except NewsmarkError:
        return [], {"digest": "", "pairs": []}  # no split rule to check against (no pyproject.toml)
    settings = dedup_settings(root)
    # "groups:": caches of the pairs of earlier versions (quadratic in a group's size) are computed again
    digest = hashlib.sha256(b"groups:" + repr(settings).encode())
    for article_id in sorted(keys):
        digest.update(f"{article_id}\0{signatures.get(article_id)}\0".encode())
    state = {"digest": digest.hexdigest(), "pairs": []}
    if previous is not None and previous["digest"] == state["digest"]:
        state["pairs"] = previous["pairs"]
    elif len(keys) > 1:
        state["pairs"] = [[a, b, estimate] for a, b, estimate in _near_duplicates(root, keys, signatures, settings)]
    return near_duplicate_findings(root, keys, state["pairs"], split_settings), state


def near_duplicate_findings(root: Path, keys: dict[str, str], pairs: list, split_settings=None) -> list[Finding]:
    """NM605 for the groups of near-duplicates that ``pairs`` link (links or pairs: the groups are their
    connected parts) and that ``keys`` (id -> split key) put into more than one split: one finding per
    member, naming the group by its first few members and its size, so the findings grow linearly with
    the group. A group of two names the other article and their estimated similarity."""
    from collections import Counter

    from newsmark.neardup import clusters
    from newsmark.pipeline.splits import SPLITS

    if split_settings is None:
        try:
            split_settings = read_settings(root)
        except NewsmarkError:
            return []
    estimates = {(a, b): estimate for a, b, estimate in pairs}
    findings = []
    # links tell membership, not similarity: a group is taken whole, then its articles without a split key
    # (not built) left out
    for whole in clusters([(a, b) for a, b, _ in pairs]):
        group = [member for member in whole if member in keys]
        split = {member: assign_split(keys[member], split_settings) for member in group}
        if len(set(split.values())) < 2:
            continue
        counts = Counter(split.values())
        spread = ", ".join(f"{name} {counts[name]:,}" for name in SPLITS if counts[name])
        for member in group:
            doc, _ = read_yaml(root / "corpus" / f"{member}.yaml", root)
            at = (
                doc.at(("story",)) if doc is not None and isinstance(doc.data, dict) and "story" in doc.data else (1, 1)
            )
            others = [other for other in group if other != member]
            if len(whole) == 2:  # a pair: its similarity is known
                other = others[0]
                estimate = estimates.get((member, other), estimates.get((other, member)))
                message = (
                    f"near-duplicate of corpus/{other}.txt (estimated Jaccard similarity {estimate:.2f}), but "
                    f"this article is in {split[member]} and that one in {split[other]}: give both the same "
                    "story so they share a split (newsmark dedup --apply does it)"
                )
            else:
                named = ", ".join(f"corpus/{other}.txt" for other in others[:3])
                message = (
                    f"one of {len(group):,} near-duplicates ({named}"
                    + (f" and {len(others) - 3:,} more" if len(others) > 3 else "")
                    + f") that fall into different splits ({spread}); this article is in {split[member]}: "
                    "give them all one story so they share a split (newsmark dedup --apply does it)"
                )
            findings.append(finding("NM605", f"corpus/{member}.yaml", message, *at))
    return findings


def _near_duplicates(root: Path, keys: dict[str, str], signatures: dict[str, str], settings: DedupSettings):
    import numpy

    from newsmark.neardup import decode as decode_signature
    from newsmark.neardup import near_duplicate_clusters
    from newsmark.neardup import signature as minhash

    ids, rows = [], []
    for article_id in sorted(keys):
        values = decode_signature(settings, signatures.get(article_id))
        if values is None:  # cached under other settings: computed again, from the text
            text, _ = read_article_text(root / "corpus" / f"{article_id}.txt", root)
            if text is None:
                continue
            values = minhash(text, settings)
        ids.append(article_id)
        rows.append(values)
    return near_duplicate_clusters(ids, numpy.stack(rows), settings) if rows else []


def check_datasheet_markers(root: Path) -> list[Finding]:
    """NM603: DATASHEET.md (when there is one) is a regular UTF-8 file whose statistics block the build
    can rewrite."""
    return _datasheet(root)[1]


def check_datasheet(root: Path, stats_for: Callable[..., dict], agreement: dict | None = None) -> list[Finding]:
    """NM602 (warning): the statistics block of DATASHEET.md matches the corpus (``build`` rewrites it);
    NM603 when it cannot be rewritten at all. ``stats_for(settings, agreement)`` gives the corpus's
    statistics."""
    current, problems = _datasheet(root)
    if current is None or not (root / "pyproject.toml").is_file():
        return problems
    try:
        settings = read_settings(root)
    except NewsmarkError:
        return []
    expected = with_stats_block(current, stats_for(settings, agreement))
    if expected is None or expected == current:
        return []
    return [
        finding(
            "NM602",
            "DATASHEET.md",
            "the statistics block does not match the corpus; run `newsmark build` to regenerate it",
            *position(current, current.index(BLOCK_START)),
        )
    ]
