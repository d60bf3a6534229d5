"""Reading one Label Studio annotation: its results become regions, the regions a Layer of entities,
claims and topics in newsmark's terms. Problems are collected, never raised."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsmark.contributor.intake import slug
from newsmark.contributor.labelstudio.config import (
    ATTRIBUTION,
    AUTHOR,
    CHECKWORTHY,
    CLAIM,
    CLAIM_TYPE,
    CLAIMER,
    ENTITY,
    NO,
    TOPICS,
    YES,
    topic_choice,
)
from newsmark.contributor.labelstudio.offsets import Utf16Offsets, locate_span, trimmed
from newsmark.contributor.labelstudio.problems import Problems
from newsmark.ids import LOCAL_ID_RE
from newsmark.labels import names


@dataclass
class Region:
    id: str
    kind: str  # ENTITY or CLAIM
    label: str
    start: int
    end: int
    text: str
    meta: str | None = None
    choices: dict[str, list[str]] = field(default_factory=dict)


def pick_annotation(task: dict) -> dict | None:
    """The task's newest annotation that was not skipped."""
    done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        return None
    return max(done, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), str(a.get("id"))))


def read_regions(task: dict, annotation: dict, text: str, problems: Problems):
    """The regions, relations and topics of one annotation; problems are added, never raised."""
    regions: dict[str, Region] = {}
    relations, topics, per_region = [], None, []
    entity_types, topic_names = set(names("entity_types")), {topic_choice(n): n for n in names("topics")}
    topic_names.update({name: name for name in names("topics")})
    results = annotation.get("result")
    if not isinstance(results, list):
        problems.add(task, "the annotation has no result list")
        return regions, relations, []
    units = None if text.isascii() else Utf16Offsets(text)  # one table for every region of the text
    for result in results:
        if not isinstance(result, dict):
            problems.add(task, "a result is not an object")
            continue
        kind, name, region_id = result.get("type"), result.get("from_name"), result.get("id")
        value = result.get("value") if isinstance(result.get("value"), dict) else {}
        if kind == "relation":
            relations.append(result)
        elif name == TOPICS:
            chosen = _listed(value.get("choices") or [])
            unknown = [c for c in chosen if not isinstance(c, str) or c not in topic_names]
            if unknown:
                problems.add(task, f"unknown topic {unknown[0]!r}; choose from the config's topics", region_id)
            topics = [topic_names[c] for c in chosen if isinstance(c, str) and c in topic_names]
        elif kind == "labels" and name in (ENTITY, CLAIM):
            labels = _listed(value.get("labels") or [])
            if len(labels) != 1:
                problems.add(task, f"a region needs exactly one label, it has {len(labels)}", region_id)
                continue
            label = labels[0]
            if (
                not isinstance(label, str)
                or (name == ENTITY and label not in entity_types)
                or (name == CLAIM and label != CLAIM)
            ):
                problems.add(
                    task,
                    f"unknown {name} label {label!r}; the labels are those of label_config.xml "
                    "(export it again after schema/labels.json changed)",
                    region_id,
                )
                continue
            placed = locate_span(text, value.get("start"), value.get("end"), value.get("text"), units)
            if isinstance(placed, str):
                problems.add(task, placed, region_id)
                continue
            start, end = trimmed(text, *placed)
            if str(region_id) in regions:  # one would replace the other, and a mention would be lost
                problems.add(
                    task,
                    "two labelled regions share this id; each region needs its own (export the "
                    "task from Label Studio again)",
                    region_id,
                )
                continue
            meta = result.get("meta") if isinstance(result.get("meta"), dict) else {}
            note = meta.get("text")
            note = (note[0] if isinstance(note, list) and note else note) if note else None
            regions[str(region_id)] = Region(
                str(region_id),
                name,
                label,
                start,
                end,
                text[start:end],
                note.strip() if isinstance(note, str) and note.strip() else None,
            )
        elif kind == "choices" and name in (CLAIM_TYPE, ATTRIBUTION, CHECKWORTHY, CLAIMER):
            per_region.append((str(region_id), name, value.get("choices") or []))
        else:
            problems.add(task, f"a result of {name!r} ({kind}) is not part of newsmark's labeling config", region_id)
    for region_id, name, chosen in per_region:
        if region_id in regions:
            regions[region_id].choices[name] = chosen
        else:
            problems.add(task, f"{name} is chosen for a region that is not a labelled span", region_id)
    return regions, relations, topics


@dataclass
class Layer:
    """What one Label Studio annotation says of an article, in newsmark's terms."""

    topics: list[str]
    entities: dict[str, dict]  # id -> {"type", "mentions": {(start, end): text}}
    claims: dict[str, dict]  # id -> {start, end, text, claimer, type, attribution, checkworthy}


def read_layer(task: dict, annotation: dict, text: str, current: dict, problems: Problems) -> Layer | None:
    """Turn one annotation into a Layer, grouping regions into entities: by the entity id in the region's
    meta note, else (a region drawn in Label Studio) with a region of the same type and the same text."""
    before = len(problems)
    regions, relations, topics = read_regions(task, annotation, text, problems)
    if topics is not None and not topics:
        problems.add(task, "no topic is chosen; tick at least one")
    if topics is None:
        problems.add(task, "the annotation has no topics result; tick at least one topic")
    entity_of: dict[str, str] = {}
    entities: dict[str, dict] = {}
    taken = {item["id"] for group in ("entities", "claims") for item in current[group]}
    mentions = [r for r in regions.values() if r.kind == ENTITY]
    for region in mentions:
        if region.meta is None:
            continue
        if not LOCAL_ID_RE.fullmatch(region.meta) or region.meta == AUTHOR:
            problems.add(
                task,
                f"the region's note {region.meta!r} is not an entity id (lowercase letters, digits, "
                "'-' and '_', starting with a letter); write the id of the entity it mentions, or clear "
                "the note",
                region.id,
            )
            continue
        entity_of[region.id] = region.meta
    # A region drawn in the page has no note: it keeps the entity of a mention at the same place in the
    # file (so importing an export twice changes nothing), else joins a region of the same type and text.
    in_file = {(m["start"], m["end"]): (e["type"], e["id"]) for e in current["entities"] for m in e["mentions"]}
    by_surface: dict[tuple[str, str], str] = {}
    for region in mentions:
        if region.id in entity_of:
            by_surface.setdefault((region.label, region.text), entity_of[region.id])
    for region in sorted(mentions, key=lambda r: (r.start, r.end)):
        if region.id in entity_of or region.meta is not None:
            continue
        placed = in_file.get((region.start, region.end))
        if placed is not None and placed[0] == region.label:
            entity_of[region.id] = placed[1]
            by_surface.setdefault((region.label, region.text), placed[1])
    for region in sorted(mentions, key=lambda r: (r.start, r.end)):
        if region.id in entity_of or region.meta is not None:
            continue
        key = (region.label, region.text)
        if key not in by_surface:
            by_surface[key] = _new_id(slug(region.text) or "entity", taken)
            taken.add(by_surface[key])
        entity_of[region.id] = by_surface[key]
    for region in sorted(mentions, key=lambda r: (r.start, r.end)):
        if region.id not in entity_of:
            continue
        entity = entities.setdefault(
            entity_of[region.id], {"type": region.label, "mentions": {}, "name": region.text, "first": region.id}
        )
        if region.label != entity["type"]:
            problems.add(
                task,
                f"entity '{entity_of[region.id]}' is labelled {region.label} here but "
                f"{entity['type']} at region {entity['first']!r}; give all its mentions one type",
                region.id,
            )
        entity["mentions"][(region.start, region.end)] = region.text
    claims = {}
    claim_regions = sorted((r for r in regions.values() if r.kind == CLAIM), key=lambda r: (r.start, r.end))
    known = {claim["id"] for claim in current["claims"]}
    by_span = {(claim["start"], claim["end"]): claim["id"] for claim in current["claims"]}
    ids = {r.id: r.id[2:] for r in claim_regions if r.id.startswith("c-") and r.id[2:] in known}
    given = set(ids.values())
    for region in claim_regions:  # a claim drawn in the page takes the id of a claim with its span, or a new one
        same = by_span.get((region.start, region.end))
        if region.id not in ids and same is not None and same not in given:
            ids[region.id] = same
            given.add(same)
    relations_of = _relations_by_region(relations)
    for region in claim_regions:
        claim = _read_claim(task, region, relations_of.get(region.id, []), regions, entity_of, problems)
        if claim is None:
            continue
        claim_id = ids.get(region.id)
        if claim_id is None or claim_id in claims:
            claim_id = _new_id("c", taken, numbered=True)
        taken.add(claim_id)
        claims[claim_id] = claim
    return None if len(problems) > before else Layer(topics or [], entities, claims)


def _listed(value) -> list | str:
    """A result's list of labels or choices as given; any other value (a number, an object) as a list of
    one, which is then refused by name rather than crashing the count or the lookup."""
    return value if isinstance(value, (list, str)) else [value]


def _new_id(base: str, taken: set[str], numbered: bool = False) -> str:
    base = base if LOCAL_ID_RE.fullmatch(base[:64]) else f"e-{base}"
    base = base[:60].rstrip("-")
    if not numbered and base not in taken:
        return base
    n = 1
    while f"{base}{'' if numbered else '-'}{n}" in taken:
        n += 1
    return f"{base}{'' if numbered else '-'}{n}"


def _relations_by_region(relations: list[dict]) -> dict[str, list[dict]]:
    """The relations at each end, in the export's order: each claim reads its own (reading them all for
    every claim made 3,000 claims cost 9 million steps)."""
    by_region: dict[str, list[dict]] = {}
    for relation in relations:
        from_id, to_id = relation.get("from_id"), relation.get("to_id")
        for end in (from_id, to_id) if from_id != to_id else (from_id,):
            if isinstance(end, str):  # a region's id is a string; anything else names none
                by_region.setdefault(end, []).append(relation)
    return by_region


def _read_claim(task, region: Region, relations, regions, entity_of, problems) -> dict | None:
    claim = {"start": region.start, "end": region.end, "text": region.text}
    for name, key, allowed in (
        (CLAIM_TYPE, "type", names("claim_types")),
        (ATTRIBUTION, "attribution", names("attributions")),
        (CHECKWORTHY, "checkworthy", [YES, NO]),
    ):
        chosen = _listed(region.choices.get(name) or [])
        if len(chosen) != 1 or chosen[0] not in allowed:
            problems.add(
                task, f"the claim needs one {name} choice ({', '.join(allowed)}); it has {chosen or 'none'}", region.id
            )
            return None
        claim[key] = chosen[0] == YES if name == CHECKWORTHY else chosen[0]
    claimers = set()
    for relation in relations:
        ends = (relation.get("from_id"), relation.get("to_id"))
        if region.id not in ends:
            continue
        other = ends[1] if ends[0] == region.id else ends[0]
        labels = relation.get("labels") or []
        if labels and CLAIMER not in labels:
            continue
        if not isinstance(other, str) or other not in entity_of:  # [1] is no mention (nor a key to look up)
            problems.add(
                task,
                f"the claimer relation points at {other!r}, which is not an entity mention; point "
                "it at a mention of whoever makes the claim",
                region.id,
            )
            return None
        claimers.add(entity_of[other])
    if region.choices.get(CLAIMER) == [AUTHOR]:
        claimers.add(AUTHOR)
    if len(claimers) != 1:
        problems.add(
            task,
            "the claim needs exactly one claimer: a relation to a mention of who makes it, or the "
            f"choice 'author'; it has {', '.join(sorted(claimers)) or 'none'}",
            region.id,
        )
        return None
    claim["claimer"] = claimers.pop()
    return claim
