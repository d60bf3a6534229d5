"""Croissant metadata (MLCommons) of a build: one record set per config, every field sourced from the
Parquet files, with the responsible-AI fields the data can answer. Every record set loads with mlcroissant
(tested)."""

from __future__ import annotations

import json

from datasets import ClassLabel, List

from newsmark.licenses import ANNOTATION_LICENSE, UNKNOWN, license_url
from newsmark.pipeline.features import CONFIGS, DESCRIPTIONS, features
from newsmark.pipeline.stats import describe_agreement

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


def _croissant_field(record: str, name: str, feature, file_set: str, parent: str | None = None) -> dict:
    """A Croissant field for a column (``parent`` None) or for a member of a list of structs: that one reads
    the parent column and picks the member out of each item (mlcroissant maps the transform over the list)."""
    field_id = f"{record}/{parent + '/' if parent else ''}{name}"
    inner = feature.feature if isinstance(feature, List) else feature
    field = {"@type": "cr:Field", "@id": field_id, "name": field_id}
    if isinstance(inner, dict):
        members = {sub: subfeature for sub, subfeature in inner.items() if not _list_of_structs(subfeature)}
        field["subField"] = [
            _croissant_field(record, sub, subfeature, file_set, name) for sub, subfeature in members.items()
        ]
        if len(members) < len(inner):
            left = ", ".join(sub for sub in inner if sub not in members)
            field["description"] = (
                f"{left}: a list inside each item, not described here; the mentions record "
                "set has one record per mention"
            )
    elif isinstance(inner, ClassLabel):
        field["dataType"] = "sc:Integer"
        field["description"] = "ClassLabel index into: " + ", ".join(inner.names)
    else:
        field["dataType"] = _CROISSANT_TYPES[inner.dtype]
    if isinstance(feature, List):
        field["repeated"] = True
    field["source"] = {"fileSet": {"@id": file_set}, "extract": {"column": parent or name}}
    if parent:
        field["source"]["transform"] = {"jsonPath": name}
    return field


def _list_of_structs(feature) -> bool:
    return isinstance(feature, List) and isinstance(feature.feature, dict)


def croissant(summary: dict, corpus: dict, settings) -> str:
    """The Croissant document of a build; the corpus' BibTeX (from CITATION.cff) fills ``citeAs``."""
    stats = corpus["stats"]
    distribution, record_sets = [], []
    for config in CONFIGS:
        if not summary["configs"][config]:
            continue
        file_set = f"parquet-{config}"
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": file_set,
                "name": file_set,
                "description": f"Parquet shards of the {config} config",
                "encodingFormat": "application/x-parquet",
                "includes": f"data/{config}/*.parquet",
            }
        )
        record_sets.append(
            {
                "@type": "cr:RecordSet",
                "@id": config,
                "name": config,
                "description": DESCRIPTIONS[config],
                "field": [
                    _croissant_field(config, name, feature, file_set) for name, feature in features(config).items()
                ],
            }
        )
    licences = sorted({ANNOTATION_LICENSE, *stats["licenses"]} - {UNKNOWN})
    kinds = ", ".join(f"{kind} ({count} articles)" for kind, count in stats["annotator_kinds"].items())
    document = {
        "@context": _CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": "newsmark",
        "description": "News articles with span-exact annotations of topics, named entities and check-able claims.",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "license": [license_url(license_id) for license_id in licences],
        "version": summary["version"],
        "inLanguage": sorted(corpus["languages"]),
        "rai:dataCollection": "Articles are added to a git repository by contributors (seed documents kept as "
        "received, texts normalised to NFC and LF only); titles, publishers and licences the "
        "source does not give are left null or unknown.",
        "rai:dataCollectionType": "Manual Human Curation",
        "rai:dataAnnotationProtocol": "Annotation guidelines in the repository (docs/annotation-guidelines.md): "
        "IPTC Media Topics, OntoNotes 5 entity types with every mention, claims "
        "with claimer, type (after AVeriTeC), attribution and check-worthiness "
        "(after CLEF CheckThat!); every file validated by newsmark validate.",
        "rai:dataAnnotationAnalysis": f"Inter-annotator agreement: {describe_agreement(stats.get('agreement'))}.",
        "rai:annotationsPerItem": "One adjudicated annotation layer per article.",
        "rai:annotatorDemographics": f"Annotator kinds: {kinds or 'none'}. Articles annotated by a model were not "
        "reviewed by a person.",
        "rai:dataLimitations": "A small corpus of no defined population; claims are annotated as made, not "
        "verified; model-made annotations are silver standard.",
        "rai:dataBiases": "The articles are whatever contributors added; topics, places and people reflect that "
        "selection, not any news market.",
        # The card's "Personal and sensitive information" says the same: reports of crimes, accidents and
        # deaths name private individuals, and they are annotated as the article names them.
        "rai:personalSensitiveInformation": "Published news: public figures in their public roles and, in reports "
        "of crimes, accidents and deaths, private individuals as the article names them; nothing beyond the "
        "published text is collected.",
        "rai:dataUseCases": "Named entity recognition, topic classification, claim detection and "
        "check-worthiness; not a source of facts.",
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if corpus.get("bibtex"):
        document["citeAs"] = corpus["bibtex"]
    if corpus.get("released"):
        document["datePublished"] = corpus["released"]
    if settings.repo_id:
        document["url"] = f"https://huggingface.co/datasets/{settings.repo_id}"
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
