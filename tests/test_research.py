"""The dataset as researchers use it beside the corpora they compare against: OntoNotes label order, spaCy
tokens, three splits, a sentence-level check-worthiness table, and labels SQL engines can join."""

from __future__ import annotations

import shutil

import pytest
import yaml
from conftest import REPO, SEED_ID, copy_seed, run_cli
from datasets import load_dataset

# conll2012_ontonotesv5's `named_entities` names, in its order.
ONTONOTES_NER_TAGS = [
    "O",
    "B-PERSON",
    "I-PERSON",
    "B-NORP",
    "I-NORP",
    "B-FAC",
    "I-FAC",
    "B-ORG",
    "I-ORG",
    "B-GPE",
    "I-GPE",
    "B-LOC",
    "I-LOC",
    "B-PRODUCT",
    "I-PRODUCT",
    "B-DATE",
    "I-DATE",
    "B-TIME",
    "I-TIME",
    "B-PERCENT",
    "I-PERCENT",
    "B-MONEY",
    "I-MONEY",
    "B-QUANTITY",
    "I-QUANTITY",
    "B-ORDINAL",
    "I-ORDINAL",
    "B-CARDINAL",
    "I-CARDINAL",
    "B-EVENT",
    "I-EVENT",
    "B-WORK_OF_ART",
    "I-WORK_OF_ART",
    "B-LAW",
    "I-LAW",
    "B-LANGUAGE",
    "I-LANGUAGE",
]
ONTONOTES_TYPES = [
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
]

TEXT = (
    "The U.S. said 40,000 people paid $3.5 billion, and officials don't agree.\n"
    'See https://example.org/a?b=1 or write to press@example.org (well-known "sources" said).\n'
)
# Every token spaCy's English tokenizer gives, then cut where the DATE mention "40,000" ... no: see MENTIONS.
GOLDEN = [
    [
        "The",
        "U.S.",
        "said",
        "40,000",
        "people",
        "paid",
        "$",
        "3.5",
        "billion",
        ",",
        "and",
        "officials",
        "do",
        "n't",
        "agree",
        ".",
    ],
    [
        "See",
        "https://example.org/a?b=1",
        "or",
        "write",
        "to",
        "press@example.org",
        "(",
        "well",
        "-",
        "known",
        '"',
        "sources",
        '"',
        "said",
        ")",
        ".",
    ],
]
MENTIONS = {"U.S.": ("us", "GPE"), "40,000": ("crowd", "CARDINAL"), "$3.5 billion": ("sum", "MONEY")}


# Mention boundaries inside spaCy tokens: "40,000/50,000" is one token holding two mentions (one ends and
# the other starts inside it), "No.40,000" one whose mention starts inside it. Neither cuts a word
# (NM405 looks for letters or digits on both sides), so both are annotations the build must tokenise.
INSIDE_TEXT = "Police counted 40,000/50,000 marchers at No.40,000 Mill Road.\n"
INSIDE_MENTIONS = [
    ("low", "CARDINAL", INSIDE_TEXT.index("40,000"), INSIDE_TEXT.index("40,000") + 6),
    ("high", "CARDINAL", INSIDE_TEXT.index("50,000"), INSIDE_TEXT.index("50,000") + 6),
    ("mill", "FAC", INSIDE_TEXT.index("40,000 Mill"), INSIDE_TEXT.index(" Road") + 5),
]


def _write_article(root, article_id, text, mentions):
    """A constructed article (text, metadata, annotation) with one entity per mention."""
    (root / "corpus" / f"{article_id}.txt").write_text(text)
    (root / "corpus" / f"{article_id}.yaml").write_text(
        f"id: {article_id}\ntitle: null\ndate: '2024-01-02'\nlanguage: en\n"
        "source: null\nlicense: CC0-1.0\nstory: research-story\n"
    )
    annotation = {
        "article": article_id,
        "guidelines": "1.0",
        "annotators": [{"id": "newsmark-tests", "kind": "human"}],
        "topics": ["medtop:04000000"],
        "entities": [
            {
                "id": entity_id,
                "type": kind,
                "name": text[start:end],
                "mentions": [{"start": start, "end": end, "text": text[start:end]}],
            }
            for entity_id, kind, start, end in mentions
        ],
        "claims": [],
    }
    (root / "annotations" / f"{article_id}.yaml").write_text(yaml.safe_dump(annotation, sort_keys=False))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The seed plus constructed articles (numbers, abbreviations, addresses; mention boundaries inside
    spaCy tokens), built once."""
    root = copy_seed(tmp_path_factory.mktemp("research") / "corpus")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    (root / "corpus" / "tokens.txt").write_text(TEXT)
    (root / "corpus" / "tokens.yaml").write_text(
        "id: tokens\ntitle: null\ndate: '2024-01-02'\nlanguage: en\n"
        "source: null\nlicense: CC0-1.0\nstory: research-story\n"
    )
    entities = [
        {
            "id": entity_id,
            "type": kind,
            "name": surface,
            "mentions": [{"start": TEXT.index(surface), "end": TEXT.index(surface) + len(surface), "text": surface}],
        }
        for surface, (entity_id, kind) in MENTIONS.items()
    ]
    claim = "40,000 people paid $3.5 billion"
    annotation = {
        "article": "tokens",
        "guidelines": "1.0",
        "annotators": [{"id": "newsmark-tests", "kind": "human"}],
        "topics": ["medtop:04000000"],
        "entities": entities,
        "claims": [
            {
                "id": "c1",
                "start": TEXT.index(claim),
                "end": TEXT.index(claim) + len(claim),
                "text": claim,
                "claimer": "us",
                "type": "numerical",
                "attribution": "reported_speech",
                "checkworthy": True,
            }
        ],
    }
    (root / "annotations" / "tokens.yaml").write_text(yaml.safe_dump(annotation, sort_keys=False))
    _write_article(root, "inside", INSIDE_TEXT, INSIDE_MENTIONS)
    out = tmp_path_factory.mktemp("research-out") / "dist"
    result = run_cli("build", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return root, out


def _rows(out, config, article_id):
    rows = []
    for split in load_dataset(str(out), config).values():
        rows += [row for row in split if row["article_id"] == article_id]
    return sorted(rows, key=lambda row: row.get("sentence_index", row.get("start")))


def test_ner_tags_and_entity_types_follow_ontonotes(built):
    _, out = built
    for split in load_dataset(str(out), "ner").values():
        assert split.features["ner_tags"].feature.names == ONTONOTES_NER_TAGS
    mentions = next(iter(load_dataset(str(out), "mentions").values()))
    assert mentions.features["type"].names == ONTONOTES_TYPES
    articles = next(iter(load_dataset(str(out)).values()))
    assert articles.features["entities"].feature["type"].names == ONTONOTES_TYPES


def test_tokens_are_spacy_tokens_cut_only_at_mention_boundaries(built):
    _, out = built
    rows = _rows(out, "ner", "tokens")
    assert [row["tokens"] for row in rows] == GOLDEN
    names = load_dataset(str(out), "ner")["train"].features["ner_tags"].feature.names
    tags = dict(zip(rows[0]["tokens"], (names[i] for i in rows[0]["ner_tags"])))
    assert tags["U.S."] == "B-GPE" and tags["40,000"] == "B-CARDINAL"
    assert (tags["$"], tags["3.5"], tags["billion"]) == ("B-MONEY", "I-MONEY", "I-MONEY")
    for row in rows:
        for token, start, end in zip(row["tokens"], row["token_starts"], row["token_ends"]):
            assert TEXT[start:end] == token


def test_tokens_split_where_a_mention_boundary_falls_inside(built):
    from newsmark.text import tokens

    def cut(text, boundaries, start=0, end=None):
        return [text[a:b] for a, b in tokens(text, start, len(text) if end is None else end, boundaries)]

    # a boundary inside a word, inside a number with thousands separators, two inside one token
    assert cut("AcmeCorp's staff", [0, 4]) == ["Acme", "Corp", "'s", "staff"]
    assert cut("paid 40,000 people", [5, 7]) == ["paid", "40", ",000", "people"]
    assert cut("x 1,250,000 y", [4, 7]) == ["x", "1,", "250", ",000", "y"]
    assert cut("40,000/50,000 sold", [0, 6, 7, 13]) == ["40,000", "/", "50,000", "sold"]
    assert cut("at No.40,000 Mill", [6, 17]) == ["at", "No.", "40,000", "Mill"]
    # two mentions that touch share a boundary: one cut, never an empty token
    assert cut("40,000/50,000 sold", [0, 6, 6, 13]) == ["40,000", "/50,000", "sold"]
    # boundaries at token edges, in spaces or outside the sentence cut nothing
    assert cut("paid 40,000 people", [0, 4, 5, 11, 12, 18]) == ["paid", "40,000", "people"]
    text = "First one. Then 40,000/50,000 came."
    second = text.index("Then")
    assert cut(text, [2, 8, second + 11], second, len(text)) == ["Then", "40,000", "/50,000", "came", "."]

    # and the build does the same: each part of a split token tagged as its mention
    _, out = built
    (row,) = _rows(out, "ner", "inside")
    names = load_dataset(str(out), "ner")["train"].features["ner_tags"].feature.names
    assert list(zip(row["tokens"], (names[i] for i in row["ner_tags"]))) == [
        ("Police", "O"),
        ("counted", "O"),
        ("40,000", "B-CARDINAL"),
        ("/", "O"),
        ("50,000", "B-CARDINAL"),
        ("marchers", "O"),
        ("at", "O"),
        ("No.", "O"),
        ("40,000", "B-FAC"),
        ("Mill", "I-FAC"),
        ("Road", "I-FAC"),
        (".", "O"),
    ]
    for token, start, end in zip(row["tokens"], row["token_starts"], row["token_ends"]):
        assert INSIDE_TEXT[start:end] == token


def test_sentences_config_lists_every_sentence_with_its_claims(built):
    root, out = built
    ner = _rows(out, "ner", SEED_ID)
    sentences = _rows(out, "sentences", SEED_ID)
    assert [row["sentence_index"] for row in sentences] == list(range(len(ner)))
    assert [row["id"] for row in sentences] == [row["id"] for row in ner]
    text = (REPO / "corpus" / f"{SEED_ID}.txt").read_text()
    claims = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())["claims"]
    features = load_dataset(str(out), "sentences")["train"].features
    for row in sentences:
        assert text[row["start"] : row["end"]] == row["text"]
        overlapping = [c for c in claims if c["start"] < row["end"] and c["end"] > row["start"]]
        assert row["claim_ids"] == [c["id"] for c in overlapping]
        assert row["checkworthy"] == any(c["checkworthy"] for c in overlapping)
        assert {features["claim_types"].feature.int2str(t) for t in row["claim_types"]} == {
            c["type"] for c in overlapping
        }
    assert any(not row["claim_ids"] for row in sentences) and any(row["checkworthy"] for row in sentences)


def test_row_level_configs_carry_story(built):
    _, out = built
    for config in ("mentions", "claims", "ner", "sentences"):
        rows = _rows(out, config, "tokens")
        assert rows and {row["story"] for row in rows} == {"research-story"}, config
        assert {row["story"] for row in _rows(out, config, SEED_ID)} == {None}, config


def test_label_tables_join_in_duckdb_and_pandas(built):
    import duckdb
    import pandas as pd

    _, out = built
    by_sql = dict(
        duckdb.sql(
            f"SELECT t.name, count(*) FROM '{out}/data/mentions/*.parquet' m "
            f"JOIN '{out}/labels/entity_types.csv' t ON m.type = t.id GROUP BY t.name"
        ).fetchall()
    )
    mentions = pd.concat(pd.read_parquet(path) for path in sorted((out / "data" / "mentions").glob("*.parquet")))
    types = pd.read_csv(out / "labels" / "entity_types.csv").add_prefix("type_")  # as the card shows
    by_pandas = mentions.merge(types, left_on="type", right_on="type_id")
    assert by_sql == by_pandas["type_name"].value_counts().to_dict()
    assert by_sql["PERSON"] > 0 and by_sql["MONEY"] == 1
    tags = pd.read_csv(out / "labels" / "ner_tags.csv")
    assert tags["name"].tolist() == ONTONOTES_NER_TAGS and tags["id"].tolist() == list(range(37))
    card = (out / "README.md").read_text()
    assert 'str2int("PERSON")' in card and "labels/entity_types.csv" in card


def test_three_splits_on_a_300_article_corpus(tmp_path, synthetic_corpus):
    out = tmp_path / "out"
    assert run_cli("build", "--root", str(synthetic_corpus), "--out", str(out)).returncode == 0
    for config in ("articles", "mentions", "claims", "ner", "sentences"):
        assert set(load_dataset(str(out), config)) == {"train", "validation", "test"}, config
    assert len(load_dataset(str(out), "ner")["validation"]) > 0
