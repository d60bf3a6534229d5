"""The export: articles of the corpus as Label Studio tasks (their annotations as predictions or
annotations), beside the labeling config."""

from __future__ import annotations

import json
from pathlib import Path

from newsmark.contributor.labelstudio.config import (
    ATTRIBUTION,
    AUTHOR,
    CHECKWORTHY,
    CLAIM,
    CLAIM_TYPE,
    CLAIMER,
    ENTITY,
    NO,
    TEXT,
    TOPICS,
    YES,
    label_config,
    topic_choice,
)
from newsmark.errors import NewsmarkError
from newsmark.files import check_output_folder, holds_only, write_all_atomic
from newsmark.pipeline.check.orchestrate import checked_articles
from newsmark.pipeline.read.inventory import inventory

EXPORT_FILES = ("label_config.xml", "tasks.json")


def mention_region(entity_id: str, index: int) -> str:
    return f"m-{entity_id}-{index}"


def claim_region(claim_id: str) -> str:
    return f"c-{claim_id}"


def _span_value(span: dict) -> dict:
    return {"start": span["start"], "end": span["end"], "text": span["text"]}


def task_results(annotation: dict, extra: list[dict] = ()) -> list[dict]:
    """The Label Studio results of one annotation (``extra``: more mention results, e.g. suggestions)."""
    results, mention_of = [], {}
    for entity in annotation["entities"]:
        for index, mention in enumerate(entity["mentions"], 1):
            region = mention_region(entity["id"], index)
            mention_of.setdefault(entity["id"], []).append((mention["start"], region))
            results.append(
                {
                    "id": region,
                    "from_name": ENTITY,
                    "to_name": TEXT,
                    "type": "labels",
                    "value": {**_span_value(mention), "labels": [entity["type"]]},
                    "meta": {"text": [entity["id"]]},
                }
            )
    results += extra
    relations = []
    for claim in annotation["claims"]:
        region, value = claim_region(claim["id"]), _span_value(claim)
        results.append(
            {"id": region, "from_name": CLAIM, "to_name": TEXT, "type": "labels", "value": {**value, "labels": [CLAIM]}}
        )
        chosen = {
            CLAIM_TYPE: claim["type"],
            ATTRIBUTION: claim["attribution"],
            CHECKWORTHY: YES if claim["checkworthy"] else NO,
        }
        if claim["claimer"] == AUTHOR:
            chosen[CLAIMER] = AUTHOR
        for name, choice in chosen.items():
            results.append(
                {
                    "id": region,
                    "from_name": name,
                    "to_name": TEXT,
                    "type": "choices",
                    "value": {**value, "choices": [choice]},
                }
            )
        if claim["claimer"] != AUTHOR:
            relations.append(
                {
                    "type": "relation",
                    "from_id": region,
                    "to_id": _nearest(mention_of[claim["claimer"]], claim["start"]),
                    "direction": "right",
                    "labels": [CLAIMER],
                }
            )
    if annotation["topics"]:
        results.append(
            {
                "id": TOPICS,
                "from_name": TOPICS,
                "to_name": TEXT,
                "type": "choices",
                "value": {"choices": [topic_choice(name) for name in annotation["topics"]]},
            }
        )
    return results + relations


def _nearest(mentions: list[tuple[int, str]], start: int) -> str:
    """The region of the claimer's mention the relation points at: the last one starting at or before
    the claim, else the first after it (any would do; a near one draws a short arrow)."""
    before = [region for at, region in mentions if at <= start]
    return before[-1] if before else mentions[0][1]


def export_tasks(
    root: str | Path,
    ids: list[str] | None,
    out: str | Path,
    as_annotations: bool = False,
    suggestions: bool = False,
    blind: bool = False,
) -> dict:
    """Write label_config.xml and tasks.json for the articles ``ids`` (all when None) into ``out``;
    ``blind`` leaves the current annotation out, for an independent second annotation."""
    root, out = Path(root), Path(out)
    found = inventory(root)
    wanted = sorted(found.annotations) if ids is None else ids
    missing = [article_id for article_id in wanted if article_id not in found.annotations]
    if missing:
        raise NewsmarkError(f"no annotations/<id>.yaml for: {', '.join(missing)}")
    tasks = []
    articles = checked_articles(root, wanted)
    if suggestions:
        from newsmark.contributor.suggest import Gazetteer, suggestion_results

        gazetteer = Gazetteer.of_corpus(root)
    for article in articles:
        annotation = article.annotation.data
        extra = suggestion_results(article.text, annotation, gazetteer) if suggestions else []
        layer = {
            "model_version": f"annotations/{article.id}.yaml (guidelines {annotation['guidelines']})",
            "result": task_results(annotation, extra),
        }
        title = article.meta.data.get("title") or article.id
        task = {"data": {"article": article.id, "title": title, TEXT: article.text}}
        if not blind:
            task["annotations" if as_annotations else "predictions"] = [layer]
        tasks.append(task)
    check_output_folder(root, out, "a Label Studio export", lambda folder: holds_only(folder, set(EXPORT_FILES)))
    out.mkdir(parents=True, exist_ok=True)
    config, tasks_file = (out / name for name in EXPORT_FILES)
    write_all_atomic({config: label_config(), tasks_file: json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"})
    return {"tasks": len(tasks), "files": [str(config), str(tasks_file)]}
