"""Turning a source document into corpus files: text normalisation, metadata, annotation skeleton."""
from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from pathlib import Path

import yaml

from newsmark.errors import NewsmarkError
from newsmark.files import write_atomic
from newsmark.read import ID_RE, MAX_FILE_BYTES, decode, text_findings

GUIDELINES_VERSION = "1.0"
_SEED_HEADER = re.compile(r"\A\s*date\s+([0-9]{4}-[0-9]{2}-[0-9]{2})(?:\s+|\Z)")


def normalise_text(text: str) -> str:
    """NFC, LF line endings, no byte-order mark, surrounding whitespace stripped, one final newline."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip() + "\n"


def slug(value: str) -> str:
    """Lowercase letters and digits joined by single hyphens: the article id shape."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")


def parse_seed(raw: bytes, name: str) -> tuple[str, str]:
    """The publication date and body of a seed document (``date YYYY-MM-DD`` header, then the article)."""
    text, problems = decode(raw.removeprefix(b"\xef\xbb\xbf"), name)
    if text is None:
        first = problems[0]
        raise NewsmarkError(f"{name}:{first.line}:{first.col}: {first.message}")
    match = _SEED_HEADER.match(text)
    if not match:
        raise NewsmarkError(f"{name}:1:1: a seed starts with a header 'date YYYY-MM-DD' followed by the article")
    try:
        datetime.date.fromisoformat(match.group(1))
    except ValueError:
        raise NewsmarkError(f"{name}:1:1: '{match.group(1)}' in the header is not a calendar date") from None
    return match.group(1), text[match.end():]


def metadata_yaml(meta: dict) -> str:
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)


def annotation_skeleton(article_id: str) -> str:
    """An annotation file to fill in; the comments say what each field takes."""
    return f"""\
# Annotations of corpus/{article_id}.txt. Follow docs/annotation-guidelines.md; `newsmark validate` checks it.
article: {article_id}
guidelines: "{GUIDELINES_VERSION}"
# Who annotated: a real handle or team name, and kind human, model or model+human-review.
annotators: []
# IPTC Media Topics top-level QCodes that apply, e.g. medtop:11000000 (politics); see schema/labels.json.
topics: []
# One entry per entity; each mention is {{start, end, text}} with 0-based code-point offsets, end exclusive.
# A mention may be written as just {{text: "..."}}; `newsmark anchor` then fills in the offsets.
entities: []
# Check-able claims: id, start, end, text, claimer (entity id or author), type, attribution, checkworthy.
claims: []
"""


def _plan(path: Path, content: str, plan: dict, root: Path) -> None:
    """Add ``path`` to the write plan, or refuse when different content is already there."""
    if path.is_symlink():
        raise NewsmarkError(f"{path.relative_to(root)}: is a symbolic link; refusing to write through it")
    if path.exists():
        if path.read_bytes() != content.encode("utf-8"):
            raise NewsmarkError(f"{path.relative_to(root)}: exists with different content; refusing to overwrite "
                                "it (remove it first, or pass another --id)")
        return
    plan[path] = content


def ingest(seed_file: str | Path, root: str | Path = ".", article_id: str | None = None) -> dict:
    """Ingest one seed document into ``root``; returns the id and the files written and left unchanged.

    Idempotent: a second run with the same seed writes nothing. It never overwrites different content.
    """
    seed_file, root = Path(seed_file), Path(root)
    if not seed_file.is_file():
        raise NewsmarkError(f"{seed_file}: no such file")
    if seed_file.stat().st_size > MAX_FILE_BYTES:
        raise NewsmarkError(f"{seed_file}: larger than the {MAX_FILE_BYTES} byte limit")
    raw = seed_file.read_bytes()
    date, body = parse_seed(raw, seed_file.name)
    text = normalise_text(body)
    problems = text_findings(text, seed_file.name)
    if problems or not text.strip():
        first = problems[0]
        raise NewsmarkError(f"{seed_file.name}: after normalisation, line {first.line} col {first.col}: {first.message}")
    article_id = article_id or slug(seed_file.stem)
    if not ID_RE.match(article_id) or len(article_id) > 80:
        raise NewsmarkError(f"id '{article_id}' must be lowercase letters and digits joined by single hyphens "
                            "(at most 80 characters)")
    seed_rel = f"seeds/{seed_file.name}"
    meta = {
        "id": article_id,
        "title": None,  # the seed format carries no title, and none is invented
        "date": date,
        "language": "en",
        "source": None,
        "license": "unknown",
        "provenance": {"seed": seed_rel, "sha256": hashlib.sha256(raw).hexdigest()},
    }
    plan: dict[Path, str | bytes] = {}
    seed_copy = root / seed_rel
    if seed_copy.resolve() != seed_file.resolve():
        if seed_copy.exists() and seed_copy.read_bytes() != raw:
            raise NewsmarkError(f"{seed_rel}: a different seed with this name exists; refusing to overwrite it")
        if not seed_copy.exists():
            plan[seed_copy] = raw
    _plan(root / "corpus" / f"{article_id}.txt", text, plan, root)
    _plan(root / "corpus" / f"{article_id}.yaml", metadata_yaml(meta), plan, root)
    annotation = root / "annotations" / f"{article_id}.yaml"
    if not annotation.exists() and not annotation.is_symlink():
        plan[annotation] = annotation_skeleton(article_id)
    for path, content in plan.items():
        write_atomic(path, content)
    return {"id": article_id, "written": sorted(str(p.relative_to(root)) for p in plan)}
