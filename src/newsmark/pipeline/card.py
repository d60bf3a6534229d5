"""The documents a build writes beside the data: the dataset card (README.md with Hugging Face YAML
metadata), LICENSE.md, ATTRIBUTION.md and the label tables.

The card is a template the data fills: its prose is ``card.md.template`` beside this module, and
``card_fields`` gives every number, list and data-dependent sentence in it, from one build summary, the
Features of ``features.py`` and the corpus statistics, so that numbers in the card are always the ones in
the data.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from string import Template

from datasets import ClassLabel, List, Value

from newsmark.labels import label_table
from newsmark.licenses import (
    ANNOTATION_LICENSE,
    CODE_LICENSE,
    allows_redistribution,
    hub_license,
    license_name,
    license_text_url,
    requires_attribution,
)
from newsmark.pipeline.features import CONFIGS, DEFAULT_CONFIG, DESCRIPTIONS, MAX_CONTEXT, features, ner_tag_names
from newsmark.pipeline.splits import SPLITS
from newsmark.pipeline.stats import describe_agreement, stats_markdown
from newsmark.settings import Settings


def label_tables() -> dict[str, str]:
    """``labels/<set>.csv`` for every ClassLabel of the dataset: ``id,name,description`` rows in index
    order, for SQL engines and pandas, which see ClassLabels as bare integers."""
    import csv
    import io

    sets = {name: [(entry["name"], entry["label"]) for entry in entries] for name, entries in label_table().items()}
    sets["ner_tags"] = [
        (
            tag,
            "outside any mention"
            if tag == "O"
            else f"{'first' if tag[0] == 'B' else 'later'} token of a {tag[2:]} mention",
        )
        for tag in ner_tag_names()
    ]
    tables = {}
    for name, rows in sets.items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "name", "description"])
        writer.writerows((index, label, description) for index, (label, description) in enumerate(rows))
        tables[name] = buffer.getvalue()
    return tables


def size_category(count: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < limit:
            return name
    return "1M<n<10M"


def dataset_license(text_licenses: set[str]) -> dict:
    """The card's licence fields. Annotations are CC-BY-4.0 and each text keeps its own licence. The Hub
    takes a list of licence ids for a dataset under several: one id when all agree, else every Hub id in
    use (``unknown`` among them when a text's licence is unknown); a licence the Hub does not list is
    ``other``, named and linked to LICENSE.md, which lists every licence with its articles."""
    ids = sorted({hub_license(license_id) for license_id in set(text_licenses) | {ANNOTATION_LICENSE}})
    fields = {"license": ids[0] if len(ids) == 1 else ids}
    if "other" in ids:
        fields.update(license_name="newsmark-mixed", license_link="LICENSE.md")
    return fields


# Annotator kinds as the Hub's annotations_creators values.
_CREATORS = {
    "human": ["expert-generated"],
    "model": ["machine-generated"],
    "model+human-review": ["machine-generated", "expert-generated"],
}


def config_description(config: str, summary: dict) -> str:
    # The fingerprint changes the card's config hash, which is what load_dataset caches by (docs/design.md).
    return f"{DESCRIPTIONS[config]} (newsmark {summary['version']}, content fingerprint {summary['fingerprint']})"


def card_data(summary: dict, corpus: dict):
    """The card's metadata as huggingface_hub's DatasetCardData: only keys the Hub defines, with
    ``dataset_info`` written by datasets' own DatasetInfosDict from the Features of every config."""
    from datasets.info import DatasetInfo, DatasetInfosDict
    from datasets.splits import SplitDict, SplitInfo
    from huggingface_hub import DatasetCardData

    stats = corpus["stats"]
    configs, infos = [], {}
    for config in CONFIGS:
        splits = summary["configs"][config]
        entry = {
            "config_name": config,
            **({"default": True} if config == DEFAULT_CONFIG else {}),
            "version": summary["version"],
            "description": config_description(config, summary),
            "data_files": [
                {"split": split, "path": f"data/{config}/{split}-*.parquet"} for split in SPLITS if split in splits
            ],
        }
        configs.append(entry)
        split_dict = SplitDict()
        for split in SPLITS:
            if split in splits:
                split_dict.add(
                    SplitInfo(
                        name=split, num_bytes=splits[split]["num_bytes"], num_examples=splits[split]["num_examples"]
                    )
                )
        infos[config] = DatasetInfo(
            features=features(config),
            splits=split_dict,
            config_name=config,
            dataset_size=sum(split["num_bytes"] for split in splits.values()),
        )
    task_ids = ["named-entity-recognition", "topic-classification"]
    if stats["verdicts"]:
        task_ids.append("fact-checking")
    languages = sorted(corpus["languages"])
    data = DatasetCardData(
        pretty_name="newsmark",
        **dataset_license(corpus["licenses"]),
        language=languages,
        language_creators=["found"],
        annotations_creators=sorted({c for kind in stats["annotator_kinds"] for c in _CREATORS[kind]}),
        multilinguality="monolingual" if len(languages) == 1 else "multilingual",
        size_categories=[size_category(stats["articles"])],
        source_datasets=["original"],
        task_categories=["token-classification", "text-classification"],
        task_ids=task_ids,
        tags=["news", "named-entities", "claims", "check-worthiness", "iptc-media-topics"],
        configs=configs,
    )
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return data


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


def bibtex(citation: dict | None, version: str, repo_id: str | None) -> str | None:
    """A BibTeX entry made from CITATION.cff (its title, authors, date and version); None without one."""
    if not citation:
        return None
    authors = " and ".join(
        "{" + a["name"] + "}" if "name" in a else f"{a.get('family-names', '')}, {a.get('given-names', '')}".strip(", ")
        for a in citation.get("authors", [])
    )
    year = str(citation.get("date-released", ""))[:4]
    fields = [
        ("title", "{" + citation["title"] + "}"),
        ("author", authors),
        ("year", year),
        ("version", version),
        ("note", f"Dataset, version {version}"),
    ]
    if repo_id:
        fields.append(("howpublished", f"\\url{{https://huggingface.co/datasets/{repo_id}}}"))
    body = ",\n".join(f"  {key} = {{{value}}}" for key, value in fields if value)
    return f"@misc{{newsmark_{version.replace('.', '_')},\n{body}\n}}"


def _articles(count: int) -> str:
    return f"{count} article{'s' if count != 1 else ''}"


def _linked(license_id: str) -> str:
    url = license_text_url(license_id)
    return f"[{license_id}]({url})" if url else license_id


def baseline_lines(baselines: dict | None, summary: dict) -> list[str]:
    """The card's table of baseline figures (``benchmarks/baselines.json``), with what they were computed on."""
    if not baselines:
        return ["No baseline figures are recorded for this version yet (`python benchmarks/baselines.py`)."]
    same = baselines["fingerprint"] == summary["fingerprint"]
    lines = [
        f"Simple systems scored by `newsmark evaluate` on the test split ({baselines['test_articles']} "
        f"articles) of newsmark {baselines['version']}"
        + (
            ""
            if same
            else f" as built with content fingerprint `{baselines['fingerprint']}`, not this build "
            f"(`{summary['fingerprint']}`), whose figures may differ: rerun to refresh"
        )
        + f"; `{baselines['command']}` reproduces them (CPU, fixed seeds, tuned on validation only). "
        "Strict is exact span and type; lenient is nervaluate's partial-boundary figure, which shows how much "
        "of the error is span conventions. The zero-shot pipeline was trained on OntoNotes, whose span "
        "conventions differ from these guidelines (determiners, possessives, value modifiers), so its strict "
        "figures understate it.",
        "",
        "| task | system | precision | recall | F1 | lenient F1 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in baselines["results"]:
        strict = row["strict"]
        lenient = f"{row['lenient']['f1']:.3f}" if "lenient" in row else "–"
        lines.append(
            f"| {row['task']} | {row['system']} | {strict['precision']:.3f} | {strict['recall']:.3f} | "
            f"{strict['f1']:.3f} | {lenient} |"
        )
    return lines


def licence_lines(stats: dict, withheld: dict | None = None) -> list[str]:
    """What may be done with which part, for the card and the dataset folder's LICENSE.md."""
    per_article = ", ".join(
        f"{_linked(license_id)} ({_articles(count)})" for license_id, count in stats["licenses"].items()
    )
    lines = [
        f"- **Annotations** (topics, entities, mentions, claims and everything derived from them): "
        f"{_linked(ANNOTATION_LICENSE)}, credit: the newsmark contributors.",
        f"- **Article texts** keep the licence their metadata states, per row in the `license` column: "
        f"{per_article or 'none'}.",
        f"- **The newsmark tool** that builds this dataset: {CODE_LICENSE}.",
    ]
    if any(requires_attribution(license_id) for license_id in stats["licenses"]):
        lines += [
            "",
            "The licences of some texts ask every copy to credit the source and to say what was "
            "changed: [ATTRIBUTION.md](ATTRIBUTION.md) does so for each article (title, credit, URL, "
            "licence, changes made). Keep it with any copy of the texts.",
        ]
    if withheld:
        lines += [
            "",
            f"This is a public build: {_articles(len(withheld))} of the repository whose text's licence "
            f"is unknown or does not allow redistribution {'is' if len(withheld) == 1 else 'are'} "
            f"left out ({', '.join(f'`{i}`' for i in list(withheld)[:10])}"
            f"{', …' if len(withheld) > 10 else ''}).",
        ]
    closed = [license_id for license_id in stats["licenses"] if not allows_redistribution(license_id)]
    if closed:
        lines += [
            "",
            f"**The licence of some article texts ({', '.join(closed)}) is unknown or does not allow "
            "redistribution.** Until the rights holders say otherwise, those texts may not be shared "
            "further; check each row's `license` column before you redistribute anything.",
        ]
    return lines


def license_markdown(corpus: dict) -> str:
    return "\n".join(["# Licences of this dataset", "", *licence_lines(corpus["stats"], corpus.get("withheld")), ""])


def attribution_markdown(corpus: dict) -> str:
    """ATTRIBUTION.md: for each licence that asks for credit, every article under it with its title,
    credit, source, URL and the changes made to its text, and the licence's name with a link to its text."""
    by_license: dict[str, list[dict]] = {}
    for entry in corpus.get("credits", []):
        if requires_attribution(entry["license"]):
            by_license.setdefault(entry["license"], []).append(entry)
    lines = [
        "# Attribution",
        "",
        "The article texts of this dataset are used under the licences below, which ask that every copy "
        "credit the source, link to the licence and say what was changed. The annotations are "
        f"{ANNOTATION_LICENSE} (credit: the newsmark contributors).",
        "",
    ]
    if not by_license:
        lines += ["No article text of this build is under a licence that asks for attribution.", ""]
    for license_id, entries in sorted(by_license.items()):
        lines += [
            f"## {license_name(license_id)} ({license_id})",
            "",
            f"Licence text: {license_text_url(license_id) or 'not on the SPDX list'}. {_articles(len(entries))}.",
            "",
        ]
        for entry in entries:
            title = f'"{entry["title"]}"' if entry["title"] else f"`{entry['id']}` (untitled)"
            credit = ", ".join(entry["authors"]) or "no credit recorded"
            source = f", {entry['source']}" if entry["source"] else ""
            url = f", <{entry['url']}>" if entry["url"] else ""
            changes = "; ".join(entry["changes"]) or "none"
            lines.append(f"- {title} by {credit}{source}{url}, {license_id}. Changes: {changes}. (`{entry['id']}`)")
        lines.append("")
    return "\n".join(lines)


def _annotator_lines(stats: dict) -> list[str]:
    """Who annotated, from the annotators' records: each with its kind, a model with what its record gives
    of the model's name, version and the day it ran (and what it does not), and the count of articles."""
    kinds = stats["annotator_kinds"]
    lines = [
        f"- `{record['id']}` ({_annotator_details(record)}) on {_articles(record['articles'])}"
        for record in stats["annotators"]
    ]
    if kinds.get("model"):
        lines += [
            "",
            f"{kinds['model']} article(s) were annotated by a model and **no person reviewed them**: treat "
            'those annotations as silver standard. DATASHEET.md ("Preprocessing, cleaning, labeling") '
            "says how the annotations were made and reviewed.",
        ]
    return lines


# What a model annotator's record may give: field, its name when missing, and how the card shows it.
_MODEL_FIELDS = (("model", "name", "{}"), ("version", "version", "version {}"), ("date", "date", "run on {}"))


def _annotator_details(record: dict) -> str:
    """``human``, or a model's kind with what its record gives and what it leaves out, e.g.
    ``model: Claude, run on 2026-12-05; version not recorded``."""
    if record["kind"] == "human":
        return "human"
    given = ", ".join(shown.format(record[field]) for field, _, shown in _MODEL_FIELDS if field in record)
    missing = [name for field, name, _ in _MODEL_FIELDS if field not in record]
    unrecorded = " and ".join([", ".join(missing[:-1]), missing[-1]]) if len(missing) > 1 else "".join(missing)
    return f"{record['kind']}: " + "; ".join(
        part for part in (given, unrecorded and f"{unrecorded} not recorded") if part
    )


def card_fields(summary: dict, corpus: dict, settings: Settings) -> dict[str, str]:
    """What fills the card template's placeholders: every number, list and data-dependent sentence, from
    the build summary, the corpus statistics and the settings."""
    stats = corpus["stats"]
    labels = label_table()
    empty = [s for s in SPLITS if s not in summary["configs"][DEFAULT_CONFIG]]
    citation = corpus.get("bibtex")
    return {
        "languages": ", ".join(sorted(corpus["languages"])),
        "annotation_license": ANNOTATION_LICENSE,
        "version": summary["version"],
        "fingerprint": summary["fingerprint"],
        "repository": (
            f"https://huggingface.co/datasets/{settings.repo_id}"
            if settings.repo_id
            else "not published to the Hub yet (no `repo_id` in `[tool.newsmark]`)"
        ),
        "repo": settings.repo_id or "path/to/newsmark",
        "verdicts": (
            f"{stats['verdicts']} claims carry a fact-checked verdict"
            if stats["verdicts"]
            else "no claim carries a verdict"
        ),
        "small_corpus": (
            "With fewer than 1,000 articles, do not draw statistical conclusions from it. "
            if stats["articles"] < 1000
            else ""
        ),
        "configs": "".join(
            f"### `{config}`\n\n{DESCRIPTIONS[config]}.\n\n{_fields_table(config)}\n\n" for config in CONFIGS
        ),
        "max_context": f"{MAX_CONTEXT:,}",
        "salt": settings.salt,
        "test_fraction": str(settings.test_fraction),
        "validation_fraction": str(settings.validation_fraction),
        "split_table": _split_table(summary),
        "empty_splits": (
            f"The {' and '.join(empty)} split{'s are' if len(empty) > 1 else ' is'} empty in this version "
            "and left out of the card, because `datasets` cannot load a 0-row split.\n\n"
            if empty
            else ""
        ),
        "statistics": stats_markdown(stats),
        "topics": _label_list(labels["topics"]),
        "entity_types": _label_list(labels["entity_types"]),
        "claim_types": _label_list(labels["claim_types"]),
        "ner_tags": ", ".join(f"`{tag}`" for tag in ner_tag_names()),
        "label_tables": ", ".join(f"`labels/{name}.csv`" for name in label_tables()),
        "baselines": "\n".join(baseline_lines(corpus.get("baselines"), summary)),
        "sources": ", ".join(f"{name} ({_articles(count)})" for name, count in stats.get("sources", {}).items())
        or "none",
        "wikidata": str(stats["wikidata"]),
        "entities": str(stats["entities"]),
        "agreement": describe_agreement(stats.get("agreement")),
        "annotators": "\n".join(_annotator_lines(stats)),
        "licensing": "\n".join(licence_lines(stats, corpus.get("withheld"))),
        "citation": (
            f"**BibTeX:**\n\n```bibtex\n{citation}\n```"
            if citation
            else "No CITATION.cff was found in the repository at build time."
        ),
    }


def _split_table(summary: dict) -> str:
    rows = [
        f"| {config} | "
        + " | ".join(str(summary["configs"][config].get(split, {}).get("num_examples", 0)) for split in SPLITS)
        + " |"
        for config in CONFIGS
    ]
    return "\n".join(
        ["| config | " + " | ".join(SPLITS) + " |", "| --- | " + " | ".join("---" for _ in SPLITS) + " |", *rows]
    )


def _label_list(entries: list[dict]) -> str:
    return "; ".join(f"`{entry['name']}` {entry['label']}" for entry in entries)


@cache
def card_template() -> Template:
    """The card's body (``card.md.template`` beside this module, shipped in the wheel), without its leading
    comment. Markdown, but not named ``.md``: ruff's formatter would rewrite the code blocks the card shows."""
    text = files("newsmark.pipeline").joinpath("card.md.template").read_text(encoding="utf-8")
    return Template(text.split("-->\n", 1)[1])


def card_markdown(summary: dict, corpus: dict, settings: Settings) -> str:
    """The dataset card: metadata from ``card_data``, and the template's sections filled by ``card_fields``."""
    from huggingface_hub import DatasetCard

    body = card_template().substitute(card_fields(summary, corpus, settings))
    content = f"---\n{card_data(summary, corpus).to_yaml()}\n---\n\n" + body.rstrip() + "\n"
    return str(DatasetCard(content))
