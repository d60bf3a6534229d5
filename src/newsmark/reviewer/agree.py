"""``newsmark agree``: the agreement of two annotation layers of the corpus, or of two files
(the figures are defined in pipeline/agreement.py and docs/design.md)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from newsmark.errors import NewsmarkError
from newsmark.pipeline.agreement import AgreementCounts, agree, agree_many, compare, figures
from newsmark.pipeline.check.layers import load_layer
from newsmark.pipeline.read.inventory import inventory


def agree_corpus(root: str | Path, ids: list[str] | None = None, annotators: list[str] | None = None) -> dict:
    """Two layers compared over every article that has both (``agreement.agree``), or three and more
    (``agreement.agree_many``: pairwise figures and Krippendorff's α)."""
    root = Path(root)
    found = inventory(root)
    load = partial(load_layer, root, found)
    if annotators is not None and len(annotators) > 2:
        return agree_many(found, load, annotators, ids)
    return agree(found, load, ids, annotators)


SAMPLE_SALT = "newsmark-double-annotation"


def double_annotation_sample(root: str | Path, fraction: float) -> list[str]:
    """The articles to annotate a second time, chosen by a stated random rule rather than by hand: the
    ceil(fraction × N) articles of the corpus with the smallest SHA-256 of ``newsmark-double-annotation:<id>``.
    The same corpus gives the same sample; an article added later joins it only if its hash is small."""
    import hashlib
    import math

    if not 0 < fraction <= 1:
        raise NewsmarkError(f"--sample {fraction}: give a fraction above 0 and at most 1")
    ids = sorted(inventory(Path(root)).texts)
    ranked = sorted(ids, key=lambda article_id: hashlib.sha256(f"{SAMPLE_SALT}:{article_id}".encode()).hexdigest())
    return ranked[: math.ceil(fraction * len(ids))]


def agree_files(root: str | Path, first: str | Path, second: str | Path) -> dict:
    """The agreement of two annotation files of one article, wherever they are."""
    root = Path(root)
    found = inventory(root)
    layers = []
    for path in (Path(first), Path(second)):
        if not path.is_file():
            raise NewsmarkError(f"{path}: no such file")
        layer = load_layer(path.parent, found, path)
        layer.path = str(path)
        layers.append(layer)
    if layers[0].data["article"] != layers[1].data["article"]:
        raise NewsmarkError(
            f"{first} annotates {layers[0].data['article']} but {second} annotates "
            f"{layers[1].data['article']}; compare two annotations of one article"
        )
    tally = AgreementCounts()
    compare(layers[0], layers[1], tally)
    return {"articles": 1, **figures(tally)}
