"""The dataset card (README.md with Hugging Face YAML metadata) and Croissant metadata of a build.

Both are rendered from one build summary, the Features of ``features.py`` and the corpus statistics,
so that numbers in the card are always the ones in the data.
"""
from __future__ import annotations

import json

import yaml
from datasets import ClassLabel, DatasetInfo, List, Value

from newsmark.pipeline.features import MAX_CONTEXT, CONFIGS, DEFAULT_CONFIG, DESCRIPTIONS, features, ner_tag_names
from newsmark.labels import label_table
from newsmark.pipeline.splits import SPLITS, Settings
from newsmark.pipeline.stats import stats_markdown

TOKENIZER_DOC = (
    "Tokens are those of spaCy's English tokenizer (`spacy.blank(\"en\")`, rules only): `40,000`, `3.5`, "
    "`U.S.`, URLs and e-mail addresses stay whole, `don't` is `do` + `n't`. Whitespace is never a token, "
    "and tokens are split further only where a mention starts or ends, so no token crosses a mention "
    "boundary or a line break. "
    "Sentences end at a line break, or at `.`, `!` or `?` followed by a space and a capital letter, digit "
    "or opening quote (not after common abbreviations or single letters, and never inside a mention)."
)


EVALUATION_DOC = (
    "`newsmark evaluate PREDICTIONS --dataset DIR --split test` scores a model on a split. Mentions: exact "
    "span and type, micro and per type (headline), exact span, and nervaluate's strict, exact, partial and "
    "ent_type schemes. `ner`: seqeval's entity-level scores in strict IOB2 mode. Claims: exact span "
    "(headline) and overlap under a one-to-one matching that takes pairs greatest overlap first. "
    "Check-worthiness: precision, recall and F1 of the positive class over every sentence of the "
    "`sentences` config (CLEF CheckThat! style). Topics: micro F1 (headline) and macro F1 over the IPTC "
    "labels present in the gold or the predictions. Precision is matches over predictions, recall matches "
    "over gold annotations, F1 their harmonic mean."
)


def label_tables() -> dict[str, str]:
    """``labels/<set>.csv`` for every ClassLabel of the dataset: ``id,name,description`` rows in index
    order, for SQL engines and pandas, which see ClassLabels as bare integers."""
    import csv
    import io

    sets = {name: [(entry["name"], entry["label"]) for entry in entries] for name, entries in label_table().items()}
    sets["ner_tags"] = [(tag, "outside any mention" if tag == "O" else
                         f"{'first' if tag[0] == 'B' else 'later'} token of a {tag[2:]} mention")
                        for tag in ner_tag_names()]
    tables = {}
    for name, rows in sets.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "name", "description"])
        writer.writerows((index, label, description) for index, (label, description) in enumerate(rows))
        tables[name] = buffer.getvalue()
    return tables


def size_category(count: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if count < limit:
            return name
    return "1M<n<10M"


def card_license(licenses: set[str]) -> str:
    """The Hub licence id for the whole dataset: the one shared SPDX id, else unknown or other."""
    if not licenses or "unknown" in licenses:
        return "unknown"
    return next(iter(licenses)).lower() if len(licenses) == 1 else "other"


def config_description(config: str, summary: dict) -> str:
    # The fingerprint changes the card's config hash, which is what load_dataset caches by (docs/design.md).
    return f"{DESCRIPTIONS[config]} (newsmark {summary['version']}, content fingerprint {summary['fingerprint']})"


def card_metadata(summary: dict, corpus: dict) -> dict:
    configs, infos = [], []
    for config in CONFIGS:
        splits = summary["configs"][config]
        entry = {"config_name": config}
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        entry["version"] = summary["version"]
        entry["description"] = config_description(config, summary)
        entry["data_files"] = [{"split": split, "path": f"data/{config}/{split}-*.parquet"}
                               for split in SPLITS if split in splits]
        configs.append(entry)
        info = {"config_name": config, **DatasetInfo(features=features(config))._to_yaml_dict()}
        info["splits"] = [{"name": split, "num_bytes": splits[split]["num_bytes"],
                           "num_examples": splits[split]["num_examples"]} for split in SPLITS if split in splits]
        info["dataset_size"] = sum(s["num_bytes"] for s in splits.values())
        infos.append(info)
    return {
        "pretty_name": "newsmark",
        "license": card_license(corpus["licenses"]),
        "language": sorted(corpus["languages"]),
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition", "topic-classification", "fact-checking"],
        "size_categories": [size_category(corpus["stats"]["articles"])],
        "tags": ["news", "named-entities", "claims", "check-worthiness", "iptc-media-topics"],
        "version": summary["version"],
        "configs": configs,
        "dataset_info": infos,
    }


def _feature_type(feature) -> str:
    if isinstance(feature, ClassLabel):
        return f"ClassLabel ({len(feature.names)} labels)"
    if isinstance(feature, List):
        inner = feature.feature
        return "list of structs" if isinstance(inner, dict) else f"list of {_feature_type(inner)}"
    if isinstance(feature, Value):
        return feature.dtype
    return type(feature).__name__


def _fields_table(config: str) -> str:
    lines = ["| column | type |", "| --- | --- |"]
    for name, feature in features(config).items():
        lines.append(f"| `{name}` | {_feature_type(feature)} |")
        if isinstance(feature, List) and isinstance(feature.feature, dict):
            for sub, subfeature in feature.feature.items():
                lines.append(f"| `{name}[].{sub}` | {_feature_type(subfeature)} |")
    return "\n".join(lines)


def card_markdown(summary: dict, corpus: dict, settings: Settings) -> str:
    stats = corpus["stats"]
    labels = label_table()
    split_rows = "\n".join(
        f"| {config} | " + " | ".join(str(summary["configs"][config].get(s, {}).get("num_examples", 0)) for s in SPLITS)
        + " |" for config in CONFIGS
    )
    empty = [s for s in SPLITS if s not in summary["configs"][DEFAULT_CONFIG]]
    empty_note = (f"\nThe {' and '.join(empty)} split{'s are' if len(empty) > 1 else ' is'} empty in this "
                  "version and is left out of the card, because `datasets` cannot load a 0-row split.\n"
                  if empty else "")
    licence_note = (
        "The licence of at least one article is **unknown** (the source does not give one). Until it is "
        "known, the article text may not be redistributable; check each row's `license` column."
        if "unknown" in corpus["licenses"] else
        f"Article licences: {', '.join(sorted(corpus['licenses']))} (per row in the `license` column)."
    )
    sections = [
        "# newsmark",
        "",
        "News articles with span-exact annotations of IPTC Media Topics, OntoNotes 5 named entities grouped "
        "into document-level entities, and check-able claims with claimer, type, attribution and "
        "check-worthiness. Built from the newsmark git repository by `newsmark build`; every annotation "
        "passed `newsmark validate`.",
        "",
        f"Version {summary['version']}, content fingerprint `{summary['fingerprint']}`.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        'articles = load_dataset("path/to/newsmark")            # default config: articles',
        'ner = load_dataset("path/to/newsmark", "ner")',
        'labels = ner["train"].features["ner_tags"].feature.names',
        "```",
        "",
        "## Configs",
        "",
    ]
    for config in CONFIGS:
        sections += [f"### `{config}`", "", DESCRIPTIONS[config] + ".", "", _fields_table(config), ""]
    sections += [
        "The `sentence` of a `mentions` or `claims` row is the sentence (or run of sentences) holding the "
        f"span; where that is longer than {MAX_CONTEXT:,} characters, it is the {MAX_CONTEXT:,} characters of it "
        "centred on the span (just the span when the span is longer), so that no row copies a whole long text. "
        "`sentence_start` is where that context starts in the article text.",
        "",
        "Offsets (`start`, `end`, `token_starts`, `token_ends`, `sentence_start`) are 0-based Unicode "
        "code-point offsets into the article `text`, `end` exclusive: `text[start:end] == span text`.",
        "",
        "## Splits",
        "",
        f"Let `bucket` be the first 8 hex digits of SHA-256(`\"{settings.salt}:\" + key`) as an integer "
        "modulo 10000, where `key` is the article's `story` or else its `id`. An article is in `test` when "
        f"`bucket < {settings.test_fraction} × 10000`, in `validation` when `bucket < "
        f"({settings.test_fraction} + {settings.validation_fraction}) × 10000`, otherwise in `train`. "
        "Articles of one story share a split, and adding articles never moves an existing one.",
        "",
        "| config | " + " | ".join(SPLITS) + " |",
        "| --- | " + " | ".join("---" for _ in SPLITS) + " |",
        split_rows,
        empty_note,
        "## Statistics",
        "",
        stats_markdown(stats),
        "",
        "## Labels",
        "",
        "Label order is fixed (append-only across versions): it is the ClassLabel index order.",
        "",
        "Topics (IPTC Media Topics, top level): "
        + "; ".join(f"`{t['name']}` {t['label']}" for t in labels["topics"]) + ".",
        "",
        "Entity types (OntoNotes 5): " + "; ".join(f"`{t['name']}` {t['label']}" for t in labels["entity_types"]) + ".",
        "",
        "Claim types: " + "; ".join(f"`{t['name']}` {t['label']}" for t in labels["claim_types"]) + ".",
        "",
        f"NER tags (BIO): {', '.join(f'`{t}`' for t in ner_tag_names())}. Where mentions nest, the outermost "
        "is tagged; all of them are in the `mentions` config. Names and order are those of "
        "conll2012_ontonotesv5's `named_entities`, so a model trained on OntoNotes scores here by index.",
        "",
        "### Labels are stored as integers",
        "",
        "ClassLabel columns hold indices. Compare with the index, not the name: "
        "`mentions.filter(lambda r: r[\"type\"] == features[\"type\"].str2int(\"PERSON\"))`, or decode with "
        "`features[\"type\"].int2str(row[\"type\"])`. SQL engines see bare integers; `labels/<set>.csv` "
        "(`id,name,description`) holds each set's names to join on:",
        "",
        "```sql",
        "-- DuckDB, in the dataset folder",
        "SELECT t.name AS type, count(*) AS mentions",
        "FROM 'data/mentions/*.parquet' m JOIN 'labels/entity_types.csv' t ON m.type = t.id",
        "GROUP BY t.name ORDER BY mentions DESC;",
        "```",
        "",
        "```python",
        "import pandas as pd",
        "mentions = pd.read_parquet(\"data/mentions\")",
        "types = pd.read_csv(\"labels/entity_types.csv\").add_prefix(\"type_\")",
        "mentions.merge(types, left_on=\"type\", right_on=\"type_id\")  # adds type_name, type_description",
        "```",
        "",
        "Tables: " + ", ".join(f"`labels/{name}.csv`" for name in label_tables()) + ".",
        "",
        "## Tokenization",
        "",
        TOKENIZER_DOC,
        "",
        "## Evaluation",
        "",
        EVALUATION_DOC,
        "",
        "## Source data and annotations",
        "",
        "Texts are kept exactly as ingested (Unicode NFC, LF line endings). Titles, publishers or licences "
        "that the source does not give are null or `unknown`, never invented. Annotator kinds: "
        + ", ".join(f"{kind} {n}" for kind, n in stats["annotator_kinds"].items())
        + " (articles per kind; `model` means no person reviewed the annotations).",
        "",
        "## Licensing",
        "",
        licence_note,
        "",
    ]
    front = yaml.safe_dump(card_metadata(summary, corpus), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n" + "\n".join(sections).rstrip() + "\n"


_CROISSANT_CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}

_CROISSANT_TYPES = {"string": "sc:Text", "bool": "sc:Boolean", "int32": "sc:Integer", "int64": "sc:Integer"}


def _croissant_field(record: str, name: str, feature, file_set: str, parent: str = "") -> dict:
    field_id = f"{record}/{parent + '/' if parent else ''}{name}"
    column = f"{parent}.{name}" if parent else name
    inner = feature.feature if isinstance(feature, List) else feature
    field = {"@type": "cr:Field", "@id": field_id, "name": field_id}
    if isinstance(inner, dict):
        field["subField"] = [_croissant_field(record, sub, subfeature, file_set, column)
                             for sub, subfeature in inner.items()]
    elif isinstance(inner, ClassLabel):
        field["dataType"] = "sc:Integer"
        field["description"] = "ClassLabel index into: " + ", ".join(inner.names)
    else:
        field["dataType"] = _CROISSANT_TYPES[inner.dtype]
    if isinstance(feature, List):
        field["repeated"] = True
    field["source"] = {"fileSet": {"@id": file_set}, "extract": {"column": column}}
    return field


def croissant(summary: dict, corpus: dict) -> str:
    distribution, record_sets = [], []
    for config in CONFIGS:
        if not summary["configs"][config]:
            continue
        file_set = f"parquet-{config}"
        distribution.append({
            "@type": "cr:FileSet",
            "@id": file_set,
            "name": file_set,
            "description": f"Parquet shards of the {config} config",
            "encodingFormat": "application/x-parquet",
            "includes": f"data/{config}/*.parquet",
        })
        record_sets.append({
            "@type": "cr:RecordSet",
            "@id": config,
            "name": config,
            "description": DESCRIPTIONS[config],
            "field": [_croissant_field(config, name, feature, file_set) for name, feature in features(config).items()],
        })
    document = {
        "@context": _CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "newsmark",
        "description": "News articles with span-exact annotations of topics, named entities and check-able claims.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": card_license(corpus["licenses"]),
        "version": summary["version"],
        "inLanguage": sorted(corpus["languages"]),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
