"""The schema level: a YAML document against its JSON Schema, each error a finding located at its node;
and how findings name a place in a document (``show_path``) and quote a value (``short``)."""

from __future__ import annotations

from newsmark.findings import Finding, finding
from newsmark.pipeline.read.yamldoc import Document
from newsmark.pipeline.schemas import PATTERN_HINTS, compiled_validator, validator

_SCHEMA_CODES = {
    "additionalProperties": "NM301",
    "required": "NM302",
    "dependentRequired": "NM302",
    "type": "NM303",
    "enum": "NM304",
    "pattern": "NM305",
    "maxLength": "NM305",
}


def show_path(path) -> str:
    """A JSON path as a reader writes it: ``entities[0].mentions[2].start``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_schema(doc: Document, kind: str) -> list[Finding]:
    """NM301 unknown key, NM302 missing key, NM303 wrong type, NM304 unknown label, NM305 bad format,
    NM306 other constraint; each located at the offending YAML node.

    Valid files pass the compiled validator and stop there; only a file that fails it is validated
    again by ``jsonschema``, whose errors carry the paths the findings are located by."""
    fast = compiled_validator(kind)
    # The compiled validator takes 3.0 for an integer: a document with a float goes the long way.
    if fast is not None and not doc.has_float and fast.is_valid(doc.data):
        return []
    findings = []
    for error in validator(kind).iter_errors(doc.data):
        findings.extend(_schema_error_findings(doc, error))
    return sorted(set(findings))


def _schema_error_findings(doc: Document, error) -> list[Finding]:
    path = tuple(error.absolute_path)
    where = show_path(path)
    code = _SCHEMA_CODES.get(error.validator, "NM306")
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        return [
            finding(
                "NM301",
                doc.path,
                f"unknown key '{key}' in {where}; allowed keys: {', '.join(allowed)}",
                *doc.at(path + (key,), key=True),
            )
            for key in error.instance
            if key not in allowed
        ]
    if error.validator in ("required", "dependentRequired"):
        message = f"{where} is missing {error.message.replace(' is a required property', '')}; add it"
        if error.validator == "dependentRequired":
            message = f"{where}: {error.message}; add it"
        return [finding(code, doc.path, message, *doc.at(path))]
    if error.validator == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        message = f"{where} must be {wanted}, not {_json_type(error.instance)} ({short(error.instance)})"
    elif error.validator == "enum":
        choices = ", ".join(map(str, error.validator_value))
        message = f"{where}: {short(error.instance)} is not a known label; use one of: {choices}"
    elif error.validator == "pattern":
        hint = PATTERN_HINTS.get(error.validator_value, f"the pattern {error.validator_value}")
        message = f"{where}: {short(error.instance)} is not {hint}"
    else:
        message = f"{where}: {_constraint_message(error)}"
    return [finding(code, doc.path, message, *doc.at(path))]


def _constraint_message(error) -> str:
    value = error.validator_value
    if error.validator == "minItems":
        return f"the list needs at least {value} item{'s' if value > 1 else ''}; add one"
    if error.validator == "uniqueItems":
        return "the list repeats an item; keep each once"
    if error.validator in ("minimum", "minLength", "maxLength"):
        return f"{short(error.instance)} breaks {error.validator} {value}"
    if error.validator == "not":
        return f"{short(error.instance)} is reserved; choose another value"
    if error.validator == "const":
        return f"{short(error.instance)} is not allowed; the only value is {short(value)} (or leave the key out)"
    return error.message


def _json_type(value) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "mapping",
        type(None): "null",
    }.get(type(value), type(value).__name__)
