"""The JSON Schemas: valid Draft 2020-12, generated from the label sets, strict."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import CASES, REPO, replaced
from jsonschema import Draft202012Validator

from newsmark.labels import LABEL_SETS, names
from newsmark.pipeline.schemas import SCHEMAS, schema, schema_file_text


@pytest.mark.parametrize("kind", SCHEMAS)
def test_schema_files_are_generated_from_the_labels(kind):
    committed = (REPO / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_file_text(kind), "run: python -m newsmark.pipeline.schemas"


@pytest.mark.parametrize("kind", SCHEMAS)
def test_schema_is_valid_draft_2020_12(kind):
    Draft202012Validator.check_schema(schema(kind))
    assert schema(kind)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_label_sets_are_unique_and_released_prefix():
    released = json.loads((REPO / "schema" / "released-labels.json").read_text())
    for label_set in LABEL_SETS:
        assert len(set(names(label_set))) == len(names(label_set))
        assert names(label_set)[: len(released[label_set])] == released[label_set]
    assert len(names("topics")) == 17 and len(names("entity_types")) == 18


def _errors(kind, data):
    return sorted(e.validator for e in Draft202012Validator(schema(kind)).iter_errors(data))


VALID_ANNOTATION = yaml.safe_load((CASES / "valid" / "annotations" / "tiny.yaml").read_text())
VALID_META = yaml.safe_load((CASES / "valid" / "corpus" / "tiny.yaml").read_text())


@pytest.mark.parametrize(
    ("kind", "path", "value", "validator"),
    [
        ("annotation", ("entities", 0, "mentiosn"), [], "additionalProperties"),
        ("annotation", ("claims", 0, "checkworthy"), "yes", "type"),
        ("annotation", ("entities", 0, "type"), "PERSN", "enum"),
        ("annotation", ("topics",), ["medtop:99000000"], "enum"),
        ("annotation", ("claims", 0, "verdict"), "supported", "dependentRequired"),
        ("annotation", ("entities", 0, "id"), "author", "not"),
        ("annotation", ("entities", 0, "wikidata"), "42", "pattern"),
        ("article", ("titel",), "x", "additionalProperties"),
        ("article", ("source",), {"name": "Paper", "url": "ftp://x"}, "pattern"),
        ("article", ("source",), {"name": "Paper"}, "required"),
        ("article", ("license",), "CC BY 4.0", "pattern"),
        ("article", ("synthetic",), False, "const"),
    ],
)
def test_schema_is_strict(kind, path, value, validator):
    valid = VALID_ANNOTATION if kind == "annotation" else VALID_META
    assert _errors(kind, valid) == []
    assert _errors(kind, replaced(valid, path, value)) == [validator]
