"""Files from disk, safely: bytes (never through a link, never over the size limit), decoded as UTF-8,
and the hygiene of an article's text (NM101-NM112).
"""

from __future__ import annotations

import bisect
import os
import re
import stat
import unicodedata
from pathlib import Path

from newsmark.chars import BIDI_RE, CONTROL_OR_TAB_RE, JOINERS, ZERO_WIDTH_RE, codepoint, joins
from newsmark.findings import Finding, finding
from newsmark.pipeline.read.yamldoc import Document, Location, parse_yaml

MAX_FILE_BYTES = 2 * 1024 * 1024


def position(text: str, index: int) -> Location:
    """1-based line and column of code-point ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


class Positions:
    """``position`` for many indexes of one text: the line starts are found once and each index is a
    bisection, where ``position`` scans the text before it (a rule that locates thousands of places in a
    2 MiB text would otherwise be quadratic)."""

    def __init__(self, text: str):
        self.starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def __call__(self, index: int) -> Location:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


def relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def read_bytes(path: Path, rel: str) -> tuple[bytes | None, list[Finding]]:
    """The file's bytes, or findings when it is a link, not a regular file, or too large."""
    raw, found, _ = read_bytes_and_stat(path, rel)
    return raw, found


def read_bytes_and_stat(path: Path, rel: str) -> tuple[bytes | None, list[Finding], os.stat_result | None]:
    """``read_bytes`` and the file's stat taken before reading; the stat is None when the file changed
    while it was read (so that nobody records it as describing these bytes)."""
    try:
        info = os.lstat(path)
    except OSError as err:
        return None, [finding("NM001", rel, f"cannot read file: {err.strerror}")], None
    if stat.S_ISLNK(info.st_mode):
        return None, [finding("NM108", rel, "symbolic link; replace it with the file itself")], None
    if not stat.S_ISREG(info.st_mode):
        return None, [finding("NM109", rel, "not a regular file")], None
    if info.st_size > MAX_FILE_BYTES:
        return (
            None,
            [
                finding(
                    "NM107",
                    rel,
                    f"{info.st_size} bytes is over the {MAX_FILE_BYTES} byte limit; split the article or trim the file",
                )
            ],
            None,
        )
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        return None, [finding("NM001", rel, f"cannot read file: {err.strerror}")], None
    with os.fdopen(fd, "rb") as handle:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):  # swapped for a FIFO or device after lstat
            return None, [finding("NM109", rel, "not a regular file")], None
        raw = handle.read(MAX_FILE_BYTES + 1)
        after = os.fstat(fd)
    if len(raw) > MAX_FILE_BYTES:  # grew after lstat
        return None, [finding("NM107", rel, f"over the {MAX_FILE_BYTES} byte limit")], None
    unchanged = (
        (before.st_size, before.st_mtime_ns, before.st_ctime_ns)
        == (after.st_size, after.st_mtime_ns, after.st_ctime_ns)
        == (len(raw), before.st_mtime_ns, before.st_ctime_ns)
    )
    return raw, [], before if unchanged else None


def decode(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    """UTF-8 text without a byte-order mark, or a finding at the first bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return None, [finding("NM102", rel, "remove the UTF-8 byte-order mark at the start of the file")]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        col = len(raw[raw.rfind(b"\n", 0, err.start) + 1 : err.start].decode("utf-8", "replace")) + 1
        return None, [
            finding(
                "NM101",
                rel,
                f"invalid UTF-8 byte 0x{raw[err.start]:02x} at byte offset {err.start}; save the file as UTF-8",
                line,
                col,
            )
        ]


MAX_REPEATS = 20  # findings of one kind per file: the first ones locate the problem


def text_findings(text: str, rel: str) -> list[Finding]:
    """Hygiene of an article body: not empty, LF only, no control, bidi or zero-width characters, NFC."""
    if not text.strip():
        return [finding("NM106", rel, "the article text is empty; add the article body")]
    found = []
    cr = text.find("\r")
    if cr >= 0:
        found.append(
            finding(
                "NM103",
                rel,
                f"{text.count(chr(13))} carriage return(s); convert line endings to LF",
                *position(text, cr),
            )
        )
    for match in CONTROL_OR_TAB_RE.finditer(text):
        if match.group() == "\r":
            continue
        found.append(
            finding(
                "NM105",
                rel,
                f"control character U+{ord(match.group()):04X}; remove it or replace it with a space or newline",
                *position(text, match.start()),
            )
        )
        if len(found) >= MAX_REPEATS:
            break
    found += invisible_findings(text, rel, lambda index: position(text, index), "the article text")
    if not unicodedata.is_normalized("NFC", text):
        index = _first_not_nfc(text)
        found.append(
            finding(
                "NM104",
                rel,
                "text is not in Unicode NFC; normalise it (e.g. with unicodedata.normalize('NFC', text))",
                *position(text, index),
            )
        )
    return found


def invisible_findings(value: str, rel: str, locate, where: str) -> list[Finding]:
    """NM111 for bidirectional controls, NM112 for zero-width characters in ``value``; ``locate(index)``
    gives the line and column of a character."""
    found = []
    for code, pattern, advice in (
        ("NM111", BIDI_RE, "it can make the text display in another order than it is read; remove it"),
        ("NM112", ZERO_WIDTH_RE, "it is invisible and, here, joins nothing; remove it"),
    ):
        matches = (
            match for match in pattern.finditer(value) if not (match.group() in JOINERS and joins(value, match.start()))
        )
        for count, match in enumerate(matches):
            if count == MAX_REPEATS:
                break
            found.append(
                finding(
                    code,
                    rel,
                    f"{where} holds {codepoint(match.group())} at character {match.start()}: {advice}",
                    *locate(match.start()),
                )
            )
    return found


def _first_not_nfc(text: str) -> int:
    """Index of the first character that NFC would change, found by looking at pairs (linear time)."""
    for i, char in enumerate(text):
        pair = text[max(i - 1, 0) : i + 1]
        if unicodedata.normalize("NFC", pair) != pair:
            return max(i - 1, 0) if len(pair) == 2 and unicodedata.combining(char) else i
    return 0


def text_from_bytes(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    """An article body from its bytes, or None and the hygiene findings."""
    text, found = decode(raw, rel)
    if text is None:
        return None, found
    found = text_findings(text, rel)
    return (None if any(f.severity == "error" for f in found) else text), found


def yaml_from_bytes(raw: bytes, rel: str, positions: bool = True) -> tuple[Document | None, list[Finding]]:
    text, found = decode(raw, rel)
    if text is None:
        return None, found
    return parse_yaml(text, rel, positions)


def read_article_text(path: Path, root: Path) -> tuple[str | None, list[Finding]]:
    rel = relpath(path, root)
    raw, found = read_bytes(path, rel)
    return (None, found) if raw is None else text_from_bytes(raw, rel)


def read_yaml(path: Path, root: Path) -> tuple[Document | None, list[Finding]]:
    rel = relpath(path, root)
    raw, found = read_bytes(path, rel)
    return (None, found) if raw is None else yaml_from_bytes(raw, rel)
