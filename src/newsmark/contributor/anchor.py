"""``newsmark anchor``: fill in (or repair) span offsets from their quotes, editing the YAML in place.

A span may be written as just ``text: "..."`` (W3C TextQuoteSelector ``exact``), optionally with
``prefix``/``suffix`` (text just before/after) or ``occurrence: N`` (the N-th of the matches, 1-based) to
choose among repeats. The file is edited round-trip (comments, key order and quoting survive) and is
rewritten only when every span in it resolves; otherwise it is left untouched and each problem is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsmark.contributor.yamledit import round_trip_dump, round_trip_load
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock, write_atomic
from newsmark.findings import ERROR, Finding
from newsmark.pipeline.check.schema import show_path
from newsmark.pipeline.check.spans import iter_spans
from newsmark.pipeline.read.files import position, read_article_text, read_yaml, relpath


@dataclass
class AnchorResult:
    path: str
    anchored: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def find_quote(text: str, span: dict) -> list[int]:
    """Start offsets of every match of the span's quote that fits its prefix and suffix."""
    quote, prefix, suffix = span["text"], span.get("prefix", ""), span.get("suffix", "")
    starts, at = [], text.find(quote)
    while at >= 0:
        if text.endswith(prefix, 0, at) and text.startswith(suffix, at + len(quote)):
            starts.append(at)
        at = text.find(quote, at + 1)
    return starts


def resolve(text: str, span: dict) -> tuple[int | None, str]:
    """The start offset for ``span``, or None and the reason in words."""
    starts = find_quote(text, span)
    where = ", ".join("line {}:{}".format(*position(text, s)) for s in starts[:5]) + (" ..." if len(starts) > 5 else "")
    if "occurrence" in span:
        if span["occurrence"] <= len(starts):  # anchor_file has checked it is a whole number from 1
            return starts[span["occurrence"] - 1], ""
        return None, f"occurrence {span['occurrence']} asked for, but the quote matches {len(starts)} time(s)"
    if len(starts) == 1:
        return starts[0], ""
    if not starts:
        return None, "the quote does not occur in the text" + (
            " with that prefix/suffix" if "prefix" in span or "suffix" in span else ""
        )
    return None, (f"the quote matches {len(starts)} times ({where}); add prefix:, suffix: or occurrence: to choose one")


def anchor_file(root: Path, article_id: str, dry_run: bool = False) -> AnchorResult:
    """Anchor every span of annotations/<article_id>.yaml against corpus/<article_id>.txt (with ``dry_run``,
    find the offsets and write nothing)."""
    path = root / "annotations" / f"{article_id}.yaml"
    rel = relpath(path, root)
    result = AnchorResult(rel)
    doc, problems = read_yaml(path, root)  # the safe reader first: no aliases, tags or huge files get further
    text_path = root / "corpus" / f"{article_id}.txt"
    if not text_path.exists() and not text_path.is_symlink():
        result.problems = problems + [
            Finding(f"corpus/{article_id}.txt", 1, 1, "NM506", "the article's text is missing; add it before anchoring")
        ]
        return result
    text, text_problems = read_article_text(text_path, root)
    # Only errors stop anchoring: a warning about the text (an invisible character, NM112) leaves every
    # offset well defined, and validate reports it anyway.
    result.problems = [p for p in problems + text_problems if p.severity == ERROR]
    if doc is None or text is None:
        return result
    yaml, data = round_trip_load(path.read_text(encoding="utf-8"))
    try:
        spans = list(iter_spans(data))
    except (KeyError, TypeError, AttributeError):
        raise NewsmarkError(
            f"{rel}: entities/mentions/claims are not shaped as the schema says; run "
            "`newsmark validate` and fix the findings first"
        ) from None
    changed = False
    for span_path, span, _ in spans:
        line, col = doc.at(span_path)
        occurrence = span.get("occurrence", 1)
        if not isinstance(span.get("text"), str) or not span["text"] or type(occurrence) is not int or occurrence < 1:
            result.problems.append(
                Finding(
                    rel,
                    line,
                    col,
                    "NM406",
                    f"{show_path(span_path)}: needs a non-empty "
                    "text: quote (and occurrence: a whole number from 1, counting matches "
                    "from the start of the text) to anchor",
                )
            )
            continue
        start, end = span.get("start"), span.get("end")
        if isinstance(start, int) and isinstance(end, int) and text[start:end] == span["text"]:
            continue
        new_start, reason = resolve(text, span)
        if new_start is None:
            stale = f"its offsets {start}:{end} no longer match and " if start is not None else ""
            result.problems.append(
                Finding(rel, line, col, "NM406", f"{show_path(span_path)} {span['text']!r}: {stale}{reason}")
            )
            continue
        new_end = new_start + len(span["text"])
        if "start" in span:
            span["start"], span["end"] = new_start, new_end
        else:
            index = list(span).index("text")
            span.insert(index, "start", new_start)
            span.insert(index + 1, "end", new_end)
        result.anchored.append(f"{show_path(span_path)} {span['text']!r} -> {new_start}:{new_end}")
        changed = True
    if changed and not result.problems and not dry_run:
        write_atomic(path, round_trip_dump(yaml, data))
    elif result.problems:
        result.anchored = []
    return result


def anchor(root: str | Path, targets: list[str], dry_run: bool = False) -> list[AnchorResult]:
    """Anchor the annotation files named by article ids or by corpus/annotations paths (``dry_run``: write
    nothing)."""
    root = Path(root)
    results = []
    with corpus_lock(root):
        for target in targets:
            article_id = Path(target).name.partition(".")[0] if ("/" in target or "." in target) else target
            if not (root / "annotations" / f"{article_id}.yaml").is_file():
                raise NewsmarkError(f"{target}: no annotations/{article_id}.yaml under {root}")
            results.append(anchor_file(root, article_id, dry_run))
    return results
