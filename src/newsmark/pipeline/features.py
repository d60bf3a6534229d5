"""The ``datasets.Features`` of every config, derived from the label sets.

This one definition feeds the Parquet schema, the card's ``dataset_info``, Croissant, the docs and the
tests, so they cannot drift apart.
"""

from __future__ import annotations

from functools import cache

from datasets import ClassLabel, Features, List, Value

from newsmark.labels import names

CONFIGS = ("articles", "mentions", "claims", "ner", "sentences")
# At most this many characters of sentence context per mention or claim row. Without a cap, an article
# that is one long sentence with thousands of mentions would copy that sentence into every row.
MAX_CONTEXT = 1000
DEFAULT_CONFIG = "articles"

DESCRIPTIONS = {
    "articles": "one row per article: text, metadata, topics, entities with their mentions, and claims",
    "mentions": "one row per entity mention, with its entity, type and containing sentence (at most "
    f"{MAX_CONTEXT:,} characters of it around the mention)",
    "claims": "one row per claim, with its claimer, type, attribution, check-worthiness and sentence (at most "
    f"{MAX_CONTEXT:,} characters of it around the claim)",
    "ner": "one row per sentence: tokens and BIO ner_tags (CoNLL style; nested mentions: outermost only)",
    "sentences": "one row per sentence of every article, with the claims overlapping it and whether any is "
    "check-worthy (CLEF CheckThat!-style check-worthiness)",
}


def ner_tag_names() -> list[str]:
    """BIO tags in a fixed order derived from the entity types: O, then B-/I- per type."""
    tags = ["O"]
    for entity_type in names("entity_types"):
        tags += [f"B-{entity_type}", f"I-{entity_type}"]
    return tags


def _label(label_set: str) -> ClassLabel:
    return ClassLabel(names=names(label_set))


def _span() -> dict:
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def _claim() -> dict:
    """A claim's fields: the same in the articles config's nested claims and in the claims config."""
    return {
        "id": Value("string"),
        **_span(),
        "claimer": Value("string"),
        "type": _label("claim_types"),
        "attribution": _label("attributions"),
        "checkworthy": Value("bool"),
        "date": Value("string"),
        "verdict": _label("verdicts"),
        "evidence": List(Value("string")),
    }


def _of_article() -> dict:
    """The columns every row-level config starts with: which article, its split and its story."""
    return {"article_id": Value("string"), "split": Value("string"), "story": Value("string")}


@cache
def features(config: str) -> Features:
    string = Value("string")
    if config == "articles":
        return Features(
            {
                "id": string,
                "date": string,
                "title": string,
                "language": string,
                "text": string,
                "source_name": string,
                "source_url": string,
                "license": string,
                "story": string,
                "topics": List(_label("topics")),
                "keywords": List(string),
                "entities": List(
                    {
                        "id": string,
                        "type": _label("entity_types"),
                        "name": string,
                        "wikidata": string,
                        "mentions": List(_span()),
                    }
                ),
                "claims": List(_claim()),
                "annotators": List({"id": string, "kind": _label("annotator_kinds")}),
                "guidelines": string,
            }
        )
    if config == "mentions":
        return Features(
            {
                **_of_article(),
                "entity_id": string,
                "type": _label("entity_types"),
                "name": string,
                "wikidata": string,
                **_span(),
                "sentence": string,
                "sentence_start": Value("int32"),
            }
        )
    if config == "claims":
        return Features(
            {
                **_of_article(),
                **_claim(),
                "claimer_name": string,
                "sentence": string,
                "sentence_start": Value("int32"),
            }
        )
    if config == "ner":
        return Features(
            {
                "id": string,
                **_of_article(),
                "sentence_index": Value("int32"),
                "tokens": List(string),
                "ner_tags": List(ClassLabel(names=ner_tag_names())),
                "token_starts": List(Value("int32")),
                "token_ends": List(Value("int32")),
            }
        )
    if config == "sentences":
        return Features(
            {
                "id": string,
                **_of_article(),
                "sentence_index": Value("int32"),
                "text": string,
                "start": Value("int32"),
                "end": Value("int32"),
                "claim_ids": List(string),
                "checkworthy": Value("bool"),
                "claim_types": List(_label("claim_types")),
            }
        )
    raise KeyError(config)
