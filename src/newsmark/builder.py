"""``newsmark build``: validate, assemble, write. Nothing is written unless validation passes."""
from __future__ import annotations

from pathlib import Path

from newsmark.assemble import assemble
from newsmark.card import card_markdown, croissant
from newsmark.check import validate
from newsmark.errors import NewsmarkError, ValidationFailed
from newsmark.files import write_atomic
from newsmark.splits import read_settings
from newsmark.stats import corpus_stats, with_stats_block
from newsmark.write import MAX_SHARD_BYTES, sha256_file, write_dataset

INPUT_FILES = ("pyproject.toml", "schema/labels.json", "schema/released-labels.json",
               "schema/article.schema.json", "schema/annotation.schema.json")


def input_hashes(root: Path, articles) -> dict[str, str]:
    """sha256 of every file the build read: the articles' files and the schema and settings files."""
    paths = [root / name for name in INPUT_FILES]
    for article_id in articles:
        paths += [root / "corpus" / f"{article_id}.txt", root / "corpus" / f"{article_id}.yaml",
                  root / "annotations" / f"{article_id}.yaml"]
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in paths if p.is_file() and not p.is_symlink()}


def build(root: str | Path = ".", out: str | Path | None = None, max_shard_bytes: int = MAX_SHARD_BYTES) -> dict:
    """Build the dataset folder ``out`` (default ``<root>/dist/newsmark``) from the corpus at ``root``.

    Raises ValidationFailed (with the report) when the corpus has errors; then nothing is written and a
    previous build stays as it was."""
    root = Path(root)
    out = Path(out) if out is not None else root / "dist" / "newsmark"
    settings = read_settings(root)
    report = validate(root)
    if not report.ok:
        raise ValidationFailed(report)
    assembled = assemble(report.articles, settings)
    if not assembled.splits:
        raise NewsmarkError("no annotated article to build; add annotations/<id>.yaml files first")
    built = {article_id: report.articles[article_id] for article_id in assembled.splits}
    corpus = {
        "stats": corpus_stats(built, settings),
        "licenses": {a.meta.data["license"] for a in built.values()},
        "languages": {a.meta.data["language"].split("-")[0] for a in built.values()},
    }

    def render(summary, _assembled):
        return {"README.md": card_markdown(summary, corpus, settings), "croissant.json": croissant(summary, corpus)}

    summary = write_dataset(assembled, out, settings, render, input_hashes(root, built), max_shard_bytes)
    datasheet = update_datasheet(root, corpus["stats"])
    return {**summary, "out": str(out), "left_out": assembled.left_out, "warnings": report.warnings,
            "datasheet": datasheet}


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
