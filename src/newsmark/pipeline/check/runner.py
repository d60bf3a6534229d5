"""The runner: the articles to check, checked in chunks in worker processes (``parallel``), the
validate cache answering unchanged articles first; an internal error becomes a finding (NM001)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

from newsmark.findings import ERROR, ArticleResult, finding
from newsmark.labels import COMPLETE
from newsmark.pipeline.check.article import Slots, check_article
from newsmark.pipeline.check.duplicates import dedup_settings
from newsmark.pipeline.check.files import check_presence
from newsmark.pipeline.parallel import CHUNK_SIZE, counter, map_lists
from newsmark.pipeline.read.files import relpath
from newsmark.pipeline.read.inventory import INDEPENDENT, Article, Inventory, inventory
from newsmark.pipeline.stats import contribution


def select(root: Path, paths) -> tuple[Inventory, list[str]]:
    """The inventory and the article ids to check (all, or those ``paths`` belong to)."""
    wanted = None if paths is None else {article_id_of(root, path) for path in paths}
    # only the wanted articles' entries are listed: a pre-commit run over one file of a corpus of
    # 100,000 articles makes no Path for each of the others
    listing = inventory(root, wanted)
    ids = sorted(set(listing.texts) | set(listing.metas) | set(listing.annotations))
    if wanted is not None:
        ids = [article_id for article_id in ids if article_id in wanted]
        # a linked corpus/ or annotations/ hides every article in it: that finding concerns any file checked
        listing.findings = [
            f
            for f in listing.findings
            if f.path in ("corpus", "annotations") or article_id_of(root, root / f.path) in wanted
        ]
    return listing, ids


def article_id_of(root: Path, path: str | Path) -> str | None:
    """The article a corpus/ or annotations/ path belongs to (its file stem), else None."""
    parts = Path(relpath(Path(os.path.abspath(path)), Path(os.path.abspath(root)))).parts
    if len(parts) >= 4 and parts[0] == "annotations" and parts[1] == INDEPENDENT:
        return parts[3].partition(".")[0]
    if len(parts) >= 2 and parts[0] in ("corpus", "annotations"):
        return parts[1].partition(".")[0]
    return None


def run_articles(
    root: Path,
    listing: Inventory,
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
    cached = cache.lookup((i, slots_of(listing, i)) for i in ids) if cache is not None else {}
    advance = counter(progress, len(ids))

    if cached:
        advance(len(cached))
        yield [with_presence(result, listing) for result in cached.values()], None
    todo = _Chunks(listing, [i for i in ids if i not in cached])
    for results, payload in map_lists(partial(check_chunk, root, extra, signatures), todo, jobs=jobs, progress=advance):
        for result in results:
            if cache is not None:
                cache.store(slots_of(listing, result.id), result)
            with_presence(result, listing)
        yield results, payload


def slots_of(listing: Inventory, article_id: str) -> Slots:
    """An article's text, metadata and annotation paths in ``listing`` (None where it has no such file)."""
    return listing.texts.get(article_id), listing.metas.get(article_id), listing.annotations.get(article_id)


class _Chunks:
    """The chunks of articles to check, each ``(id, slots)`` made only as the chunk is handed out: the
    paths of every article at once would be most of what a validation holds per article."""

    def __init__(self, listing: Inventory, ids: list[str]):
        self.listing, self.ids = listing, ids

    def __len__(self) -> int:
        return -(-len(self.ids) // CHUNK_SIZE)

    def __iter__(self) -> Iterator[list[tuple[str, Slots]]]:
        for start in range(0, len(self.ids), CHUNK_SIZE):
            yield [(i, slots_of(self.listing, i)) for i in self.ids[start : start + CHUNK_SIZE]]


def with_presence(result: ArticleResult, listing: Inventory) -> ArticleResult:
    result.findings = check_presence(result.id, listing) + result.findings
    return result


def check_chunk(root: Path, extra: Callable | None, signatures: bool, items: list[tuple[str, Slots]]):
    """Check a chunk of articles; one ``(results, payload)`` pair (a list of one, for ``map_lists``)."""
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
        stamps = {rel: stamp for rel, (_, stamp) in reads.items() if stamp is not None}
        return ArticleResult(article_id, files, findings, digests, contribution(article), stamps), article
    except Exception as err:  # an internal error is itself a finding, never a traceback
        first = next(path for path in slots if path is not None)
        return ArticleResult(
            article_id, files, [finding("NM001", relpath(first, root), f"{type(err).__name__}: {err}")]
        ), None


def _add_signatures(root: Path, built: list[tuple[ArticleResult, Article]]) -> None:
    """Add each article's MinHash signature (rule NM605) to its contribution: computed in the worker that
    read the texts, for the whole chunk at once, and cached with the rest of the article's result."""
    if not built:
        return
    settings = dedup_settings(root)
    from newsmark.neardup import encode_signature
    from newsmark.neardup import signatures as minhashes

    rows = minhashes([article.text for _, article in built], settings)
    for (result, _), row in zip(built, rows):
        result.contribution["minhash"] = encode_signature(settings, row)
