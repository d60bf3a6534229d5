"""The JSON Schemas (Draft 2020-12) for article metadata and annotations, built from the label sets.

The files ``schema/article.schema.json`` and ``schema/annotation.schema.json`` are written from here
(``python -m newsmark.pipeline.schemas``) so that other tools can use them; a test keeps them in sync.
"""

from __future__ import annotations

import json
import re
from functools import cache

from newsmark.ids import ARTICLE_ID, HANDLE, LOCAL_ID, MAX_ID_LENGTH
from newsmark.labels import STATUS_VALUES, names, schema_dir

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID_PATTERN = f"^{ARTICLE_ID}$"
LOCAL_ID_PATTERN = f"^{LOCAL_ID}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# BCP 47 shape (language, optional script/region/variants); the registry itself is not checked.
LANGUAGE_PATTERN = r"^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|[0-9]{3}))?(?:-[A-Za-z0-9]{5,8})*$"
SPDX_OR_UNKNOWN_PATTERN = r"^(?:unknown|[A-Za-z0-9][A-Za-z0-9.+-]*)$"
URL_PATTERN = r"^https?://[^\s]+$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
LOCAL_ID_OR_AUTHOR_PATTERN = f"^(?:author|{LOCAL_ID})$"
QID_PATTERN = r"^Q[1-9][0-9]*$"
GUIDELINES_PATTERN = r"^[0-9]+\.[0-9]+$"
ANNOTATOR_PATTERN = f"^{HANDLE}$"
SEED_PATTERN = r"^seeds/[^/\\\x00-\x1f\x7f]+$"
# an imported file: a relative path (or a bare name) without backslashes or control characters; a record, never opened
SOURCE_FILE_PATTERN = r"^[^/\\\x00-\x1f\x7f][^\\\x00-\x1f\x7f]*$"

# What each pattern means, for findings a contributor can act on.
PATTERN_HINTS = {
    ID_PATTERN: "an id: lowercase letters and digits in groups joined by single hyphens (2024-03-19-rafah)",
    LOCAL_ID_PATTERN: "a local id: a lowercase letter, then lowercase letters, digits, '_' or '-' (netanyahu, c1)",
    LOCAL_ID_OR_AUTHOR_PATTERN: "'author' or an entity id",
    DATE_PATTERN: "a date written YYYY-MM-DD",
    LANGUAGE_PATTERN: "a BCP 47 language tag (en, en-GB, pt-BR)",
    SPDX_OR_UNKNOWN_PATTERN: "an SPDX licence id (CC-BY-4.0) or 'unknown'",
    URL_PATTERN: "an http(s) URL",
    SHA256_PATTERN: "a lowercase hex SHA-256 (64 characters)",
    QID_PATTERN: "a Wikidata item id (Q42)",
    GUIDELINES_PATTERN: "a guidelines version MAJOR.MINOR (1.0)",
    ANNOTATOR_PATTERN: "a handle or team name (letters, digits, '.', '_', '-')",
    SEED_PATTERN: "a path seeds/<file name>",
}


def _label_enum(label_set: str, description: str) -> dict:
    return {"description": description, "enum": names(label_set)}


def _strict(properties: dict, required: list[str], description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def article_schema() -> dict:
    nullable_text = {"type": ["string", "null"], "minLength": 1}
    source = _strict(
        {
            "name": nullable_text,
            "url": {"type": ["string", "null"], "pattern": URL_PATTERN},
            "authors": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
                "description": "the credit the source's licence asks for, as the source gives it "
                "(e.g. Wikinews contributors)",
            },
        },
        ["name", "url"],
        "Publisher name and URL where known; null where the source does not say.",
    )
    source["type"] = ["object", "null"]
    provenance = _strict(
        {
            "seed": {"type": "string", "pattern": SEED_PATTERN, "description": "a seed document under seeds/"},
            "file": {
                "type": "string",
                "pattern": SOURCE_FILE_PATTERN,
                "description": "the imported file, relative to the corpus folder when inside it",
            },
            "line": {"type": "integer", "minimum": 1, "description": "the line where the item's record starts"},
            "sha256": {
                "type": "string",
                "pattern": SHA256_PATTERN,
                "description": "of the text exactly as the source gave it, before any change",
            },
        },
        ["sha256"],
        "Where the text came from (a seed, or a file and the line of its record) and the SHA-256 of the text "
        "as the source gave it, so that any change to it can be detected.",
    )
    provenance["oneOf"] = [{"required": ["seed"]}, {"required": ["file"]}]
    schema = _strict(
        {
            "id": {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH},
            "title": {"type": ["string", "null"], "minLength": 1, "description": "null when the source has none"},
            "date": {"type": "string", "pattern": DATE_PATTERN, "description": "ISO date of publication"},
            "language": {"type": "string", "pattern": LANGUAGE_PATTERN, "description": "BCP 47 tag"},
            "source": source,
            "license": {"type": "string", "pattern": SPDX_OR_UNKNOWN_PATTERN, "description": "SPDX id or unknown"},
            "story": {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH},
            "provenance": provenance,
            "changes": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
                "description": "each change made to the source's text, in plain words (licences such "
                "as CC BY ask that changes be indicated)",
            },
            "synthetic": {"const": True, "description": "set only on generated test and benchmark articles"},
        },
        ["id", "title", "date", "language", "source", "license"],
        "Metadata of one article (corpus/<id>.yaml).",
    )
    return {"$schema": DRAFT, "$id": "newsmark:article.schema.json", "title": "newsmark article", **schema}


def _span_properties() -> dict:
    return {
        "start": {"type": "integer", "minimum": 0, "description": "code-point offset, inclusive"},
        "end": {"type": "integer", "minimum": 1, "description": "code-point offset, exclusive"},
        "text": {"type": "string", "minLength": 1, "description": "exact quote: body[start:end]"},
        "prefix": {"type": "string", "minLength": 1, "description": "text just before the quote (unanchored spans)"},
        "suffix": {"type": "string", "minLength": 1, "description": "text just after the quote (unanchored spans)"},
        "occurrence": {"type": "integer", "minimum": 1, "description": "1-based match to take (unanchored spans)"},
    }


def annotation_schema() -> dict:
    local_id = {"type": "string", "pattern": LOCAL_ID_PATTERN, "not": {"const": "author"}}
    mention = _strict(_span_properties(), ["text"], "One occurrence of an entity in the text.")
    entity = _strict(
        {
            "id": local_id,
            "type": _label_enum("entity_types", "OntoNotes 5 entity type"),
            "name": {"type": "string", "minLength": 1},
            "wikidata": {"type": "string", "pattern": QID_PATTERN},
            "mentions": {"type": "array", "minItems": 1, "items": mention},
        },
        ["id", "type", "name", "mentions"],
        "A document-level entity: every mention of one real-world referent.",
    )
    claim = _strict(
        {
            **_span_properties(),
            "id": local_id,
            "claimer": {"type": "string", "pattern": LOCAL_ID_OR_AUTHOR_PATTERN},
            "type": _label_enum("claim_types", "claim type, after AVeriTeC"),
            "attribution": _label_enum("attributions", "how the article attributes the claim"),
            "checkworthy": {"type": "boolean"},
            "date": {"type": "string", "pattern": DATE_PATTERN},
            "verdict": _label_enum("verdicts", "only after fact-checking"),
            "evidence": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": URL_PATTERN}},
        },
        ["id", "text", "claimer", "type", "attribution", "checkworthy"],
        "A check-able proposition the article reports or makes.",
    )
    claim["dependentRequired"] = {"verdict": ["evidence"], "evidence": ["verdict"]}
    annotator = _strict(
        {
            "id": {"type": "string", "pattern": ANNOTATOR_PATTERN},
            "kind": _label_enum("annotator_kinds", "who produced the annotations"),
            "model": {
                "type": "string",
                "minLength": 1,
                "description": "for kind model or model+human-review: the model's name as its provider gives it",
            },
            "version": {
                "type": "string",
                "minLength": 1,
                "description": "the model's version or snapshot, as its provider gives it",
            },
            "date": {
                "type": "string",
                "pattern": DATE_PATTERN,
                "description": "the day the model annotated (YYYY-MM-DD)",
            },
        },
        ["id", "kind"],
        "A real handle or team name, never an invented person; a model is named with its version and the "
        "day it ran, so that a model-made layer can be traced (unknown fields are left out, never guessed).",
    )
    schema = _strict(
        {
            "article": {"type": "string", "pattern": ID_PATTERN, "maxLength": MAX_ID_LENGTH},
            "guidelines": {"type": "string", "pattern": GUIDELINES_PATTERN},
            "status": {
                "enum": list(STATUS_VALUES),
                "description": "in-progress while the file is partly annotated (neither an error nor "
                "released); complete (the default) once done",
            },
            # empty in a skeleton; a complete annotation needs one of each (rule NM507)
            "annotators": {"type": "array", "items": annotator},
            "topics": {
                "type": "array",
                "uniqueItems": True,
                "items": _label_enum("topics", "IPTC Media Topics top-level QCode"),
            },
            "keywords": {"type": "array", "uniqueItems": True, "items": {"type": "string", "minLength": 1}},
            "entities": {"type": "array", "items": entity},
            "claims": {"type": "array", "items": claim},
        },
        ["article", "guidelines", "annotators", "topics", "entities", "claims"],
        "The annotation layer of one article (annotations/<id>.yaml).",
    )
    return {"$schema": DRAFT, "$id": "newsmark:annotation.schema.json", "title": "newsmark annotation", **schema}


SCHEMAS = {"article": article_schema, "annotation": annotation_schema}


@cache
def schema(kind: str) -> dict:
    """The schema for ``kind`` ("article" or "annotation")."""
    return SCHEMAS[kind]()


@cache
def ecma_regex(pattern: str) -> re.Pattern:
    """``pattern`` as JSON Schema means it (ECMA-262): ``$`` is the end of the string. Python's ``$``
    also matches before a final newline, which would let "id\n" pass."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _pattern(validator, pattern, instance, _schema):
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def validator(kind: str):
    """The readable (located) validator for ``kind``: Draft 2020-12 with ECMA ``$`` semantics, and
    integers that are integers (JSON Schema accepts 3.0 as an integer; a YAML ``3.0`` is never an offset)."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
    )
    strict = validators.extend(Draft202012Validator, validators={"pattern": _pattern}, type_checker=checker)
    return strict(schema(kind))


def schema_file_text(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"


def write_schema_files() -> None:
    for kind in SCHEMAS:
        (schema_dir() / f"{kind}.schema.json").write_text(schema_file_text(kind), encoding="utf-8")


if __name__ == "__main__":
    write_schema_files()


_compiled: dict[str, object] = {}


def compiled_validator(kind: str):
    """A compiled (Rust) validator when jsonschema-rs is installed: ~100x faster on valid files. It takes
    3.0 for an integer, so a document holding a float must go the long way (``validator``)."""
    if kind not in _compiled:
        try:
            import jsonschema_rs
        except ImportError:
            _compiled[kind] = None
        else:
            _compiled[kind] = jsonschema_rs.validator_for(schema(kind))
    return _compiled[kind]
