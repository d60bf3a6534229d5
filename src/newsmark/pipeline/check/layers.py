"""Independent annotation layers (``annotations/independent/<annotator>/``): checked like any annotation,
compared by ``newsmark agree``, never built."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from newsmark.errors import NewsmarkError
from newsmark.findings import ERROR, Finding, finding
from newsmark.pipeline.check.article import check_annotation
from newsmark.pipeline.check.files import check_strings
from newsmark.pipeline.check.schema import check_schema
from newsmark.pipeline.read.files import read_article_text, read_bytes, read_yaml, relpath, yaml_from_bytes
from newsmark.pipeline.read.inventory import Inventory
from newsmark.reporters import finding_line

if TYPE_CHECKING:  # imported where used: a pre-commit run over a few files needs neither
    from newsmark.pipeline.agreement import ComparedLayer


def check_layer(root: Path, annotator: str, article_id: str, path: Path, listing: Inventory) -> list[Finding]:
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
    text_path = listing.texts.get(article_id)
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


def load_layer(root: Path, listing: Inventory, path: Path, article_id: str | None = None) -> ComparedLayer:
    """An annotation file to compare (``newsmark agree``), refused unless it validates: a comparison of
    broken data means nothing."""
    doc, problems = read_yaml(path, root)
    if doc is not None:
        problems = check_strings(doc) + check_schema(doc, "annotation")
        article_id = article_id or (doc.data.get("article") if isinstance(doc.data, dict) else None)
        text_path = listing.texts.get(article_id) if isinstance(article_id, str) else None
        if not any(f.severity == ERROR for f in problems) and text_path is not None:
            text, _ = read_article_text(text_path, root)
            problems += check_annotation(doc, article_id, text) if text is not None else []
    errors = [f for f in problems if f.severity == ERROR]
    if doc is None or errors:
        raise NewsmarkError(
            f"{path}: does not validate; fix it first:\n" + "\n".join(finding_line(f) for f in errors[:20])
        )
    from newsmark.pipeline.agreement import ComparedLayer  # only a corpus with independent layers needs it

    return ComparedLayer(doc.path, doc)


def agreement_summary(root: Path, listing: Inventory) -> dict | None:
    """The agreement of the corpus's independent layers, for the card and the datasheet."""
    if not listing.layers:
        return None  # not measured (and the metrics are not even imported)
    from newsmark.pipeline.agreement import card_figures

    return card_figures(listing, partial(load_layer, root, listing))
