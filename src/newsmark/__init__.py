"""newsmark: an annotated news corpus and the tools that check and build it.

The Python API the CLI is a thin layer over::

    import newsmark
    report = newsmark.validate("path/to/corpus")   # a Report with .findings, .ok
    newsmark.build("path/to/corpus", out="dist/newsmark")  # validates first; raises ValidationFailed
    newsmark.ingest("seeds/x.txt", root="path/to/corpus")
"""

from __future__ import annotations

__all__ = ["validate", "build", "ingest", "__version__"]


def __getattr__(name: str):
    # The installed version is looked up only when asked for: importlib.metadata costs a pre-commit run
    # of `newsmark validate` about 30 ms.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("newsmark")
        except PackageNotFoundError:  # running from a source tree without an install
            return "0+unknown"
    raise AttributeError(f"module 'newsmark' has no attribute {name!r}")


def validate(root=".", paths=None, **options):
    """Check the corpus at ``root`` (or only the articles of ``paths``); see :func:`newsmark.pipeline.check.validate`
    for the options (cache, jobs, progress)."""
    from newsmark.pipeline.check.orchestrate import validate as _validate

    return _validate(root, paths, **options)


def ingest(seed_file, root=".", article_id=None, dry_run=False):
    """Ingest a seed document; see :func:`newsmark.contributor.intake.ingest`."""
    from newsmark.contributor.intake import ingest as _ingest

    return _ingest(seed_file, root, article_id, dry_run)


def build(root=".", out=None, **options):
    """Validate and build the dataset folder; see :func:`newsmark.pipeline.build.build`. Needs the dataset
    stack (``newsmark[build]``): MissingExtra says so when it is not installed."""
    from newsmark.extras import require

    require("build", "newsmark build")
    from newsmark.pipeline.build import build as _build

    return _build(root, out, **options)
