"""One article through the levels: its files read and parsed (NM1xx, NM2xx in ``read``), each YAML file
against its schema, and only a file of the right shape checked by the rules about what it says."""

from __future__ import annotations

import hashlib
from functools import partial
from pathlib import Path

from newsmark.findings import ERROR, Finding, finding
from newsmark.pipeline.cache import stamp
from newsmark.pipeline.check.files import check_strings
from newsmark.pipeline.check.metadata import check_date, check_metadata
from newsmark.pipeline.check.references import check_claimers, check_complete, check_ids
from newsmark.pipeline.check.schema import check_schema
from newsmark.pipeline.check.spans import check_missed_mentions, check_spans
from newsmark.pipeline.read.files import read_bytes_and_stat, text_from_bytes, yaml_from_bytes
from newsmark.pipeline.read.inventory import Article, corpus_rel
from newsmark.pipeline.read.yamldoc import Document

Slots = tuple  # (text path, metadata path, annotation path), each a Path or None


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
        reads[rel] = (hashlib.sha256(raw).hexdigest(), None if info is None else stamp(info))
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


def check_annotation(doc: Document, article_id: str, text: str | None) -> list[Finding]:
    """NM501 when ``article`` differs from the file name; then the rules of ``references`` (NM502, NM505,
    NM507), NM307 for dates, and with the text those of ``spans`` (NM401-NM410)."""
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
