"""newsmark: an annotated news corpus and the tools that check and build it.

The Python API the CLI is a thin layer over::

    import newsmark
    report = newsmark.validate("path/to/corpus")   # a Report with .findings, .ok
    newsmark.ingest("seeds/x.txt", root="path/to/corpus")
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("newsmark")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0+unknown"

__all__ = ["validate", "ingest", "__version__"]


def validate(root=".", paths=None):
    """Check the corpus at ``root`` (or only the articles of ``paths``); see :func:`newsmark.check.validate`."""
    from newsmark.check import validate as _validate

    return _validate(root, paths)


def ingest(seed_file, root=".", article_id=None):
    """Ingest a seed document; see :func:`newsmark.intake.ingest`."""
    from newsmark.intake import ingest as _ingest

    return _ingest(seed_file, root, article_id)
