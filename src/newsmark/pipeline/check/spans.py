"""Rules about spans (entity mentions and claims) against the article text, and the missed-mention
search that ``newsmark suggest`` shares."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

from newsmark.findings import Finding, finding
from newsmark.pipeline.check.schema import short, show_path
from newsmark.pipeline.read.files import Positions, position
from newsmark.pipeline.read.yamldoc import Document


def iter_spans(data: dict):
    """Every span of an annotation as (path, span, entity id or None)."""
    for i, entity in enumerate(data["entities"]):
        for j, mention in enumerate(entity["mentions"]):
            yield ("entities", i, "mentions", j), mention, entity["id"]
    for i, claim in enumerate(data["claims"]):
        yield ("claims", i), claim, None


def check_spans(doc: Document, text: str) -> list[Finding]:
    """NM401 quote mismatch, NM402 out of range, NM403 empty span, NM404 span clash, NM405 span cuts a
    word, NM406 unanchored span, NM407 whitespace at a span edge, NM408 duplicate mention."""
    findings = []
    owners: dict[tuple[int, int], tuple[str, tuple]] = {}
    for path, span, entity_id in iter_spans(doc.data):
        findings += check_span(doc, text, path, span, is_mention=entity_id is not None)
        if entity_id is None or "start" not in span or "end" not in span:
            continue
        key = (span["start"], span["end"])
        if key in owners:
            other, other_path = owners[key]
            line = doc.at(other_path)[0]
            code, what = ("NM408", "listed again") if other == entity_id else ("NM404", f"also a mention of '{other}'")
            findings.append(
                finding(
                    code,
                    doc.path,
                    f"{show_path(path)} {span['start']}:{span['end']} is {what} (line {line}); keep one",
                    *doc.at(path),
                )
            )
        else:
            owners[key] = (entity_id, path)
    return findings


def check_span(doc: Document, text: str, path: tuple, span: dict, is_mention: bool) -> list[Finding]:
    """NM401, NM402, NM403, NM405, NM406, NM407 and NM409 for one span (a mention or a claim)."""
    quote = span["text"]
    where = show_path(path)
    at = doc.at(path)
    findings = []
    if quote != quote.strip():
        findings.append(
            finding(
                "NM407",
                doc.path,
                f"{where}: quote {short(quote)} starts or ends with whitespace; trim the quote and its offsets",
                *doc.at(path + ("text",)),
            )
        )
    if "start" not in span or "end" not in span:
        return findings + [
            finding(
                "NM406",
                doc.path,
                f"{where} has no start/end; run `newsmark anchor` to fill them in from the quote",
                *at,
            )
        ]
    start, end = span["start"], span["end"]
    if end <= start:
        return findings + [
            finding("NM403", doc.path, f"{where}: end {end} is not after start {start}", *doc.at(path + ("end",)))
        ]
    if end > len(text):
        return findings + [
            finding(
                "NM402",
                doc.path,
                f"{where}: end {end} is past the end of the text ({len(text)} characters)",
                *doc.at(path + ("end",)),
            )
        ]
    actual = text[start:end]
    if actual != quote:
        found_at = text.find(quote)
        hint = (
            f"the quote occurs at {found_at}:{found_at + len(quote)}"
            if found_at >= 0
            else "the quote does not occur in the text"
        )
        line, col = position(text, start)
        findings.append(
            finding(
                "NM401",
                doc.path,
                f"{where}: text {short(quote)} but the article has "
                f"{short(actual)} at {start}:{end} (line {line}, col {col}); {hint}",
                *doc.at(path + ("text",)),
            )
        )
    elif is_mention and "\n" in actual:
        findings.append(
            finding(
                "NM409",
                doc.path,
                f"{where}: {short(quote)} at {start}:{end} runs across a line "
                "break; a name never does: split it into one mention per line, or fix the text",
                *at,
            )
        )
    elif cuts_word(text, start, end):
        findings.append(
            finding(
                "NM405",
                doc.path,
                f"{where}: {short(quote)} at {start}:{end} starts or ends "
                "inside a word; extend it to the whole word unless the guidelines say otherwise",
                *at,
            )
        )
    return findings


def missed_mentions(data: dict, text: str) -> list[tuple[int, int, int]]:
    """Every word-bounded occurrence of a mention's exact text that no mention covers, as (start, end,
    index of the first entity with a mention of that text), in text order. An occurrence is covered by a
    mention with the same span or a longer one around it (a name inside a longer name, section 6.1 of the
    guidelines), or one that crosses it; a shorter mention inside it does not cover it (a "Thames Valley"
    marked inside an unmarked "Thames Valley Police"). Where occurrences overlap, the longest wins: an
    unannotated "Soviet Union" is one occurrence of that name, not also one of "Soviet"."""
    spans = []
    first_entity: dict[str, int] = {}
    for index, entity in enumerate(data["entities"]):
        for mention in entity["mentions"]:
            if isinstance(mention.get("start"), int) and isinstance(mention.get("end"), int):
                spans.append((mention["start"], mention["end"]))
            first_entity.setdefault(mention["text"], index)

    covered = _covering(spans)

    occurrences = []
    for surface, index in first_entity.items():
        at = text.find(surface)
        while at >= 0:
            end = at + len(surface)
            if not cuts_word(text, at, end) and not covered(at, end):
                occurrences.append((at, end, index))
            at = text.find(surface, at + 1)
    taken = bytearray(len(text) + 1)
    kept = []
    for start, end, index in sorted(occurrences, key=lambda item: (item[0] - item[1], item[0])):  # longest first
        if not any(taken[start:end]):
            taken[start:end] = b"\1" * (end - start)
            kept.append((start, end, index))
    return sorted(kept)


def _covering(spans: list[tuple[int, int]]) -> Callable[[int, int], bool]:
    """Whether a mention covers the occurrence (start, end): the same span, one around it, or one crossing
    it; that is, one that overlaps it without lying strictly inside it. Answered in log time from the spans
    sorted by start with the running maximum of their ends, so an article with thousands of mentions of a
    word that occurs thousands of times costs n log n, not n * m (tests/test_suggest.py holds it equal to the
    rule written out)."""
    ordered = sorted(spans)
    starts = [s for s, _ in ordered]
    reach = list(itertools.accumulate((e for _, e in ordered), max))
    exact = set(spans)

    def furthest_end_of_spans_starting_before(at: int) -> int:
        count = bisect.bisect_left(starts, at)
        return reach[count - 1] if count else at  # none: nothing reaches past `at`

    def covered(start: int, end: int) -> bool:
        # One starting before the occurrence and reaching into it, or one starting inside it (or before)
        # and reaching past its end: both overlap without lying inside.
        return (
            (start, end) in exact
            or furthest_end_of_spans_starting_before(start) > start
            or furthest_end_of_spans_starting_before(end) > end
        )

    return covered


def check_missed_mentions(doc: Document, text: str, article_id: str) -> list[Finding]:
    """NM410 (warning): the guidelines ask for every occurrence of a name, so an unannotated occurrence of
    a mention's exact text is located in the article text."""
    findings = []
    counts: dict[tuple[int, str], int] = {}
    located = None  # line starts, found at the first finding: most articles have none
    for start, end, index in missed_mentions(doc.data, text):
        entity = doc.data["entities"][index]
        surface = text[start:end]
        if (index, surface) not in counts:
            counts[(index, surface)] = sum(m["text"] == surface for m in entity["mentions"])
        line = doc.at(("entities", index))[0]
        located = located or Positions(text)
        findings.append(
            finding(
                "NM410",
                f"corpus/{article_id}.txt",
                f"{short(surface)} at {start}:{end} is not "
                f"annotated, but entity '{entity['id']}' ({doc.path}:{line}) has "
                f"{counts[(index, surface)]} mention(s) with this text; add it (newsmark suggest "
                f"{article_id}), or annotate it as its own entity if it names another "
                "referent",
                *located(start),
            )
        )
    return findings


def cuts_word(text: str, start: int, end: int) -> bool:
    inside_start = start > 0 and text[start - 1].isalnum() and text[start].isalnum()
    inside_end = end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    return inside_start or inside_end
