"""Corpus-wide rules that read the project's files: its settings, the released label lists, the
DATASHEET statistics block; and entity types across articles."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from newsmark.errors import NewsmarkError
from newsmark.findings import Finding, finding
from newsmark.labels import LABEL_SETS, VALUE_TYPES, names, schema_dir
from newsmark.pipeline.check.schema import short
from newsmark.pipeline.read.files import decode, position, read_bytes, read_yaml
from newsmark.pipeline.read.yamldoc import Document
from newsmark.pipeline.stats import BLOCK_START, stats_block_problem, with_stats_block
from newsmark.settings import SettingsError, read_settings


def check_settings(root: Path) -> list[Finding]:
    """NM606: a pyproject.toml that the build could not use (no version, no split rule, fractions out of
    range) is an error here too, so that validate never passes a corpus the build refuses, nor skips the
    rules that need the split rule (NM602, NM605) without saying so. A folder without one is a bare corpus."""
    if not os.path.lexists(root / "pyproject.toml"):
        return []
    try:
        read_settings(root)
    except SettingsError as err:
        return [
            finding(
                "NM606",
                "pyproject.toml",
                err.reason,  # where the settings are documented is the rule's hint
                err.line,
                err.col,
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
                    f"{short(surface)} is {entity_type} "
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
