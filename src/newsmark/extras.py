"""The optional parts of newsmark and what each needs, and the one-line error when one is missing.

``pip install newsmark`` gives what validating needs, and the contributor's and reviewer's tools that edit
and look at the corpus: it is what the pre-commit hook installs in other repositories. Building the
dataset, and everything done with a built one, needs the dataset stack (``newsmark[build]``); importing
saved web pages needs an HTML text extractor (``newsmark[pages]``). pyproject.toml declares the same
lists as distributions (tests/test_dependencies.py holds them equal).
"""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec

from newsmark.errors import NewsmarkError

# extra -> the modules it provides, as they are imported
EXTRAS = {
    "build": ("datasets", "pyarrow", "spacy", "huggingface_hub", "seqeval", "nervaluate"),
    "pages": ("trafilatura", "lxml", "lxml_html_clean"),
}


class MissingExtra(NewsmarkError):
    """An optional part of newsmark is not installed."""


@cache
def missing(extra: str) -> tuple[str, ...]:
    """The modules of ``extra`` that are not installed (looked up, not imported: spaCy takes a second)."""
    return tuple(module for module in EXTRAS[extra] if find_spec(module) is None)


def require(extra: str, needed_for: str) -> None:
    """Raise MissingExtra, naming the extra and how to install it, unless every module of ``extra`` is
    installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtra(
            f"{needed_for} needs the optional dependencies newsmark[{extra}], and {', '.join(absent)} "
            f"{'is' if len(absent) == 1 else 'are'} not installed: pip install 'newsmark[{extra}]'"
        )
