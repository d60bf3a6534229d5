"""Rules about an annotation's entities and claims as a whole: ids, claimers, and whether a finished
annotation says who made it and what it is about."""

from __future__ import annotations

from newsmark.findings import Finding, finding
from newsmark.labels import COMPLETE
from newsmark.pipeline.read.inventory import annotation_status
from newsmark.pipeline.read.yamldoc import Document


def check_complete(doc: Document) -> list[Finding]:
    """NM507: an annotation that is neither the untouched skeleton nor marked ``status: in-progress`` is
    finished, and is built: it needs an annotator and a topic."""
    if annotation_status(doc.data) != COMPLETE:
        return []
    return [
        finding(
            "NM507",
            doc.path,
            f"{key} is empty, but the file is a finished annotation (it has "
            f"{'status: complete' if 'status' in doc.data else 'annotations and no status: in-progress'}); "
            f"add {what}, or mark the file 'status: in-progress' while work goes on",
            *doc.at((key,)),
        )
        for key, what in (("annotators", "who annotated"), ("topics", "its IPTC topics"))
        if not doc.data[key]
    ]


def check_ids(doc: Document) -> list[Finding]:
    """NM502: entity and claim ids share one namespace per article."""
    seen: dict[str, tuple] = {}
    findings = []
    for group in ("entities", "claims"):
        for i, item in enumerate(doc.data[group]):
            path = (group, i, "id")
            if item["id"] in seen:
                first = doc.at(seen[item["id"]])[0]
                findings.append(
                    finding(
                        "NM502",
                        doc.path,
                        f"id '{item['id']}' is already used at line {first}; give each entity and claim its own id",
                        *doc.at(path),
                    )
                )
            else:
                seen[item["id"]] = path
    return findings


def check_claimers(doc: Document) -> list[Finding]:
    """NM505: a claimer is 'author' or the id of an entity of this article."""
    entity_ids = {entity["id"] for entity in doc.data["entities"]}
    return [
        finding(
            "NM505",
            doc.path,
            f"claimer '{claim['claimer']}' is not an entity id here; use one of the "
            "entities' ids, or 'author' for the article's own voice",
            *doc.at(("claims", i, "claimer")),
        )
        for i, claim in enumerate(doc.data["claims"])
        if claim["claimer"] != "author" and claim["claimer"] not in entity_ids
    ]
