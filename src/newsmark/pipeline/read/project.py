"""The project's files beside the corpus that the build reads: CITATION.cff and the baseline figures."""

from __future__ import annotations

import os
from pathlib import Path

from newsmark.pipeline.read.files import read_bytes, yaml_from_bytes


def read_citation(root: Path, version: str) -> dict | None:
    """CITATION.cff (CFF 1.2.0) as plain data, or None when there is none. Raises NewsmarkError, located,
    when it cannot be read or cites another version than the one being built."""
    from newsmark.errors import NewsmarkError

    path = root / "CITATION.cff"
    if not os.path.lexists(path):
        return None
    raw, found = read_bytes(path, "CITATION.cff")
    doc = None
    if raw is not None:
        doc, found = yaml_from_bytes(raw, "CITATION.cff")
    if doc is None or found:
        first = found[0]
        raise NewsmarkError(f"{first.path}:{first.line}:{first.col}: {first.message}")
    data = doc.data
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("title"), str)
        or not isinstance(data.get("authors"), list)
    ):
        raise NewsmarkError("CITATION.cff:1:1: needs at least a title and a list of authors (CFF 1.2.0)")
    if str(data.get("version")) != version:
        line, col = doc.at(("version",))
        raise NewsmarkError(
            f"CITATION.cff:{line}:{col}: cites version {data.get('version')!r} but the dataset is "
            f"{version}; update version and date-released in CITATION.cff for this release"
        )
    return data


BASELINES = "benchmarks/baselines.json"


def read_baselines(root: Path) -> dict | None:
    """The baseline figures ``benchmarks/baselines.py`` recorded (for the card), or None when there are none.
    Raises NewsmarkError, located, when the file is there but not what that script writes."""
    import json

    from newsmark.errors import NewsmarkError

    path = root / BASELINES
    if not os.path.lexists(path):
        return None
    raw, found = read_bytes(path, BASELINES)
    if raw is None:
        raise NewsmarkError(f"{found[0].path}:{found[0].line}:{found[0].col}: {found[0].message}")
    try:
        data = json.loads(raw)
        rows = data["results"]
        if not all(
            isinstance(row["task"], str)
            and isinstance(row["system"], str)
            and all(isinstance(row["strict"][key], (int, float)) for key in ("precision", "recall", "f1"))
            for row in rows
        ) or not isinstance(data["fingerprint"], str):
            raise TypeError
    except (ValueError, KeyError, TypeError) as err:
        raise NewsmarkError(
            f"{BASELINES}:1:1: not the figures benchmarks/baselines.py writes ({type(err).__name__}); run it again"
        ) from None
    return data
