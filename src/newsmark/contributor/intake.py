"""Turning a source document into corpus files: text normalisation, metadata, annotation skeleton."""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
import re
import stat
import unicodedata
from pathlib import Path

import yaml

from newsmark.chars import BIDI_RE, CONTROL_RE, SURROGATE_RE, codepoint
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock, write_atomic
from newsmark.ids import MAX_ID_LENGTH, RESERVED_NAMES, is_article_id
from newsmark.licenses import UNKNOWN, not_spdx
from newsmark.pipeline.read.files import MAX_FILE_BYTES, decode, text_findings

GUIDELINES_VERSION = "1.2"
_SEED_HEADER = re.compile(r"\A\s*date\s+([0-9]{4}-[0-9]{2}-[0-9]{2})(?:\s+|\Z)")


def normalise_text(text: str) -> str:
    """NFC, LF line endings, no byte-order mark, surrounding whitespace stripped, one final newline."""
    return normalise_with_changes(text)[0]


def normalise_with_changes(text: str) -> tuple[str, list[str]]:
    """``normalise_text``, and each step that changed something, in plain words (for ``changes``)."""
    changes = []
    unmarked = text.removeprefix("\ufeff")
    if unmarked != text:
        changes.append("byte-order mark removed")
    lf = unmarked.replace("\r\n", "\n").replace("\r", "\n")
    if lf != unmarked:
        changes.append("line endings made LF")
    nfc = unicodedata.normalize("NFC", lf)
    if nfc != lf:
        changes.append("Unicode NFC normalisation")
    body = nfc.strip()
    if body != nfc.rstrip("\n"):  # a final line break is the file format's, not a change to the text
        changes.append("whitespace removed at the start or end")
    return body + "\n", changes


def slug(value: str) -> str:
    """Lowercase letters and digits joined by single hyphens: the article id shape."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80].rstrip("-")


def decode_input(raw: bytes, name: str) -> str:
    """Text a user hands in (a seed, an article file, standard input): UTF-8, a byte-order mark allowed."""
    text, problems = decode(raw.removeprefix(b"\xef\xbb\xbf"), name)
    if text is None:
        first = problems[0]
        raise NewsmarkError(f"{name}:{first.line}:{first.col}: {first.message}")
    return text


def clean_body(text: str, name: str, rules: list[str] = ()) -> tuple[str, list[str]]:
    """The normalised article body (after the named cleaning ``rules``, ``cleaning.RULES``) and the changes
    made to ``text``, in plain words; or an error when it is too large, empty or has control characters."""
    from newsmark.contributor.cleaning import clean

    cleaned, changes = clean(text, rules) if rules else (text, [])
    body, normalised = normalise_with_changes(cleaned)
    changes = changes + normalised
    if len(body.encode("utf-8")) > MAX_FILE_BYTES:
        raise NewsmarkError(f"{name}: the text is larger than the {MAX_FILE_BYTES} byte limit for one article")
    problems = [problem for problem in text_findings(body, name) if problem.severity == "error"]
    if problems:
        first = problems[0]
        raise NewsmarkError(f"{name}: after normalisation, line {first.line} col {first.col}: {first.message}")
    return body, changes


def parse_seed(raw: bytes, name: str) -> tuple[str, str]:
    """The publication date and body of a seed document (``date YYYY-MM-DD`` header, then the article)."""
    text = decode_input(raw, name)
    match = _SEED_HEADER.match(text)
    if not match:
        raise NewsmarkError(f"{name}:1:1: a seed starts with a header 'date YYYY-MM-DD' followed by the article")
    try:
        datetime.date.fromisoformat(match.group(1))
    except ValueError:
        raise NewsmarkError(f"{name}:1:1: '{match.group(1)}' in the header is not a calendar date") from None
    return match.group(1), text[match.end() :]


class _MetadataDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """libyaml's emitter when there is one: the same text, five times faster (a bulk import writes
    thousands). PyYAML quotes a string only when YAML 1.1 would read it as something else; newsmark reads
    plain scalars its own way (pipeline/read/yamldoc.py), so a string that it would read as a number (``1e3``) or
    report (``09``, a leading zero) is quoted too."""


_MetadataDumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


def metadata_yaml(meta: dict) -> str:
    """The metadata as YAML. What the dumper would write is written directly when every key and value has
    one of the simple shapes metadata has (the dumper's representer costs 0.2 ms a file, a seventh of a
    bulk import); anything else goes through the dumper."""
    lines: list[str] = []
    if _simple_block(meta, "", lines):
        return "".join(lines)
    return yaml.dump(meta, Dumper=_MetadataDumper, sort_keys=False, allow_unicode=True, width=1000)


def _simple_block(mapping: dict, indent: str, lines: list[str]) -> bool:
    """Add ``mapping`` to ``lines`` as the dumper writes it (block style, sequences not indented under their
    key), one level of nested mappings at most; False when something in it is not of a simple shape."""
    for key, value in mapping.items():
        name = _simple_scalar(key) if isinstance(key, str) else None
        if name is None or name != key:  # a key is written plain
            return False
        if isinstance(value, dict) and value and not indent:
            lines.append(f"{name}:\n")
            if not _simple_block(value, "  ", lines):
                return False
        elif isinstance(value, list) and value:
            lines.append(f"{indent}{name}:\n")
            for element in value:
                text = _simple_scalar(element)
                if text is None:
                    return False
                lines.append(f"{indent}- {text}\n")
        else:
            text = _simple_scalar(value)
            if text is None:
                return False
            lines.append(f"{indent}{name}: {text}\n")
    return True


# A string both of PyYAML's emitters (libyaml's and its own) write as it is, plain or in single quotes: a
# letter or digit first (no indicator such as - ? : # & * ! | > ' " % @ or a space), no ": " (a value in
# the value) or " #" (a comment), no space or colon last; only printable ASCII, and printable characters of
# the Basic Multilingual Plane that break no line (not U+2028, U+2029) and are no byte-order mark (libyaml
# escapes characters beyond the plane); and at most 400 of them, far from the width of 1000, where the
# emitters fold a line.
_SIMPLE_STRING_RE = re.compile(
    "(?=[A-Za-z0-9])(?!.*(?:: | #))[ -~\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]{1,400}(?<![ :])"
)


@functools.cache
def _implicit_patterns(first: str) -> tuple:
    """The dumper's patterns for plain scalars that start with ``first`` and read back as another type."""
    resolvers = _MetadataDumper.yaml_implicit_resolvers
    return tuple(pattern for _, pattern in resolvers.get(first, []) + resolvers.get(None, []))


def _simple_scalar(value) -> str | None:
    """``value`` as the dumper writes it in a block mapping or sequence, or None when that is not sure."""
    if value is None:
        return "null"
    if type(value) is int:
        return str(value)
    if not (isinstance(value, str) and _SIMPLE_STRING_RE.fullmatch(value)):
        return None
    if not any(pattern.match(value) for pattern in _implicit_patterns(value[0])):
        return value  # read back as a string: written plain
    return None if "'" in value else f"'{value}'"  # a date, a number, a boolean: quoted


def annotation_skeleton(article_id: str) -> str:
    """An annotation file to fill in; the comments say what each field takes."""
    return f"""\
# Annotations of corpus/{article_id}.txt. Follow docs/annotation-guidelines.md; `newsmark validate` checks it.
article: "{article_id}"
guidelines: "{GUIDELINES_VERSION}"
# Who annotated: a real handle or team name, and kind human, model or model+human-review.
annotators: []
#  - {{id: your-github-handle, kind: human}}
# IPTC Media Topics top-level QCodes that apply, main subject first (all 17 in schema/labels.json),
# e.g. medtop:11000000 (politics), medtop:16000000 (conflict, war and peace).
topics: []
# Every named-entity mention, grouped by entity. Write a mention as just {{text: "..."}} and run
# `newsmark anchor {article_id}` to fill in start/end. When the quote occurs more than once, add
# occurrence: N (the N-th exact match) or prefix:/suffix: (the text just before/after). Example:
#  - id: netanyahu
#    type: PERSON                 # OntoNotes 5 type (see the guidelines)
#    name: Benjamin Netanyahu     # canonical name
#    wikidata: Q43723             # only when you are certain
#    mentions:
#      - {{text: Benjamin Netanyahu}}
#      - {{text: Netanyahu, occurrence: 2}}
entities: []
# Check-able claims the article makes or reports. Example:
#  - id: c1
#    text: "Israel will push forward with its planned military operation in Rafah, Gaza"
#    claimer: netanyahu           # an entity id, or author for the article's own voice
#    type: position               # event property numerical causal position prediction opinion
#    attribution: reported_speech # direct_quote reported_speech authorial
#    checkworthy: true
claims: []
"""


def _plan(path: Path, content: str, plan: dict, root: Path) -> None:
    """Add ``path`` to the write plan, or refuse when different content is already there."""
    try:
        mode = os.lstat(path).st_mode  # one look, not four (a bulk import plans three files an article)
    except (FileNotFoundError, NotADirectoryError):
        plan[path] = content
        return
    if stat.S_ISLNK(mode):
        raise NewsmarkError(f"{path.relative_to(root)}: is a symbolic link; refusing to write through it")
    if not stat.S_ISREG(mode):
        raise NewsmarkError(f"{path.relative_to(root)}: is a folder or another non-file; refusing to write there")
    if path.read_bytes() != content.encode("utf-8"):
        raise NewsmarkError(
            f"{path.relative_to(root)}: exists with different content; refusing to overwrite "
            "it (remove it first, or pass another --id)"
        )


def _write(plan: dict[Path, str | bytes], root: Path, article_id: str, dry_run: bool = False) -> dict:
    """Write every planned file (only after all were checked); the id and what was written (with
    ``dry_run``, what would be)."""
    if not dry_run:
        for path, content in plan.items():
            write_atomic(path, content)
    return {"id": article_id, "written": sorted(str(p.relative_to(root)) for p in plan)}


def ingest(seed_file: str | Path, root: str | Path = ".", article_id: str | None = None, dry_run: bool = False) -> dict:
    """Ingest one seed document into ``root``; returns the id and the files written (with ``dry_run``,
    every check made and nothing written: the files that would be).

    Idempotent: a second run with the same seed writes nothing. It never overwrites different content.
    """
    seed_file, root = Path(seed_file), Path(root)
    if not seed_file.is_file():
        raise NewsmarkError(f"{seed_file}: no such file")
    if seed_file.stat().st_size > MAX_FILE_BYTES:
        raise NewsmarkError(f"{seed_file}: larger than the {MAX_FILE_BYTES} byte limit")
    raw = seed_file.read_bytes()
    date, body = parse_seed(raw, seed_file.name)
    text, changes = clean_body(body, seed_file.name)
    article_id = check_article_id(article_id or slug(seed_file.stem))
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
    if changes:
        meta["changes"] = changes
    with corpus_lock(root):
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
        return _write(plan, root, article_id, dry_run)


def check_article_id(article_id: str) -> str:
    """``article_id`` when it can name the article's files everywhere, else a NewsmarkError (an id from a
    feed may be a number or anything else JSON holds)."""
    if not (isinstance(article_id, str) and is_article_id(article_id)):
        raise NewsmarkError(
            f"id {article_id!r} must be lowercase letters and digits joined by single hyphens "
            f"(at most {MAX_ID_LENGTH} characters)"
        )
    if article_id in RESERVED_NAMES:
        raise NewsmarkError(
            f"id {article_id!r} is a device name on Windows, where its files could not be "
            "checked out; choose another id"
        )
    return article_id


def unique_id(root: Path, base: str, taken: set[str] = frozenset(), everything_taken: bool = False) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever no article uses yet (nor any id in ``taken``;
    with ``everything_taken``, ``taken`` holds every id of the corpus and no file is looked at)."""
    candidate, number = base, 1
    while (
        candidate in taken
        or not everything_taken
        and any(
            (root / folder / f"{candidate}{suffix}").exists()
            for folder, suffix in (("corpus", ".txt"), ("corpus", ".yaml"), ("annotations", ".yaml"))
        )
    ):
        number += 1
        candidate = f"{base[: MAX_ID_LENGTH - len(str(number)) - 1].rstrip('-')}-{number}"  # never "clash--2"
    return candidate


def article_metadata(
    body: str,
    root: Path,
    date: str,
    title: str | None = None,
    article_id: str | None = None,
    language: str = "en",
    source_name: str | None = None,
    url: str | None = None,
    license: str = UNKNOWN,
    story: str | None = None,
    taken: set[str] = frozenset(),
    everything_taken: bool = False,
    authors: list[str] = (),
    provenance: dict | None = None,
    changes: list[str] = (),
) -> dict:
    """The metadata of a new article with the normalised ``body``, checked as ``validate`` will check it.
    The id defaults to a slug of the date and title (or of the first words), unique in the corpus and
    among ``taken`` (see ``unique_id``). ``authors`` is the credit the source's licence asks for,
    ``provenance`` where the text came from (with the SHA-256 of the text as given), ``changes`` what was
    done to that text. Raises NewsmarkError naming the field."""
    from newsmark.pipeline.schemas import compiled_validator, validator

    try:
        datetime.date.fromisoformat(date)
    except (TypeError, ValueError):
        raise NewsmarkError(f"date {date!r}: not a calendar date written YYYY-MM-DD") from None
    if article_id is None:
        words = title or " ".join(body.split()[:8])
        article_id = unique_id(root, slug(f"{date} {words}")[:MAX_ID_LENGTH].rstrip("-"), taken, everything_taken)
    check_article_id(article_id)
    source = {"name": source_name, "url": url} if (source_name or url or authors) else None
    if authors:
        source["authors"] = list(authors)
    meta = {"id": article_id, "title": title, "date": date, "language": language, "source": source, "license": license}
    if story:
        meta["story"] = story
    hidden = [
        (field, match.group())
        for field, value in (
            ("title", title),
            ("source name", source_name),
            ("url", url),
            *(("author", a) for a in authors),
        )
        if isinstance(value, str)
        for match in [CONTROL_RE.search(value) or BIDI_RE.search(value) or SURROGATE_RE.search(value)]
        if match
    ]
    if hidden:  # validate would refuse them (NM105, NM111), and a lone surrogate cannot even be written
        raise NewsmarkError(
            "; ".join(
                f"{field}: holds {codepoint(char)}, "
                + (
                    "half of a UTF-16 pair, which is not a character"
                    if SURROGATE_RE.match(char)
                    else "a control character that validate refuses"
                )
                + "; remove it"
                for field, char in hidden
            )
        )
    if provenance:
        meta["provenance"] = provenance
    if changes:
        meta["changes"] = list(changes)
    fast = compiled_validator("article")
    errors = (
        []
        if fast is not None and fast.is_valid(meta)
        else sorted(validator("article").iter_errors(meta), key=lambda e: list(e.path))
    )
    if errors:
        raise NewsmarkError("; ".join(f"{'.'.join(map(str, e.path)) or 'metadata'}: {e.message}" for e in errors))
    problem = not_spdx(license)
    if problem:
        raise NewsmarkError(problem)
    return meta


def article_plan(root: Path, body: str, meta: dict) -> dict[Path, str]:
    """The three files of a new article, refusing to overwrite different content."""
    plan: dict[Path, str] = {}
    article_id = meta["id"]
    _plan(root.joinpath("corpus", f"{article_id}.txt"), body, plan, root)
    _plan(root.joinpath("corpus", f"{article_id}.yaml"), metadata_yaml(meta), plan, root)
    _plan(root.joinpath("annotations", f"{article_id}.yaml"), annotation_skeleton(article_id), plan, root)
    return plan


def new_article(
    text: str,
    root: str | Path,
    date: str,
    title: str | None = None,
    article_id: str | None = None,
    language: str = "en",
    source_name: str | None = None,
    url: str | None = None,
    license: str = UNKNOWN,
    story: str | None = None,
    authors: list[str] = (),
    source_file: str | None = None,
    raw: bytes | None = None,
    dry_run: bool = False,
) -> dict:
    """Add one article from its raw text: corpus/<id>.txt, corpus/<id>.yaml and an annotation skeleton.
    ``source_file`` and ``raw`` (the bytes as given) are recorded as its provenance, with every change the
    normalisation made to the text.

    Metadata is checked against the article schema before anything is written; with ``dry_run``, nothing
    is, and "written" lists the files that would be."""
    root = Path(root)
    body, changes = clean_body(text, "the text")
    given = raw if raw is not None else text.encode("utf-8")
    provenance = {"file": source_file or "-", "sha256": hashlib.sha256(given).hexdigest()}

    def metadata() -> dict:
        return article_metadata(
            body,
            root,
            date,
            title,
            article_id,
            language,
            source_name,
            url,
            license,
            story,
            authors=authors,
            provenance=provenance,
            changes=changes,
        )

    metadata()  # every field checked before anything is created, the folder and the lock included
    with corpus_lock(root):  # then the id is made unique against the files and written, no writer between
        meta = metadata()
        return _write(article_plan(root, body, meta), root, meta["id"], dry_run)


def source_file_name(path: str | Path, root: str | Path) -> str:
    """How provenance names a source file: its path relative to the corpus folder when it lies inside it
    (seeds/wikinews/2019.csv), else its bare name (a path on one contributor's machine means nothing to
    anyone else); standard input is "-"."""
    if str(path) == "-":
        return "-"
    absolute, top = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return absolute.relative_to(top).as_posix() if absolute.is_relative_to(top) else absolute.name
