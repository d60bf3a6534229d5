"""Merging a Layer into the round-trip YAML of an annotation file, touching only what differs, so that an
export imported unchanged gives back byte-identical files."""

from __future__ import annotations

from newsmark.contributor.labelstudio.layer import Layer
from newsmark.contributor.yamledit import add_mention, block, insert_sorted, sample, styled


def merge(data, layer: Layer, annotator: str | None) -> bool:
    """Apply ``layer`` to the round-trip YAML ``data`` in place, touching only what differs; True when
    anything changed."""
    changed = _merge_topics(data, layer.topics)
    changed |= _merge_entities(data, layer.entities)
    changed |= _merge_claims(data, layer.claims)
    if changed and annotator and annotator not in {a["id"] for a in data["annotators"]}:
        data["annotators"].append(block({"id": annotator, "kind": "human"}))
    return changed


def _merge_topics(data, topics: list[str]) -> bool:
    current = list(data["topics"])
    if set(current) == set(topics):
        return False
    for index in reversed(range(len(current))):
        if current[index] not in topics:
            del data["topics"][index]
    for name in topics:
        if name not in current:
            data["topics"].append(name)
    return True


def _drop_absent(items, wanted: dict) -> bool:
    """Delete the entities or claims whose id ``wanted`` lacks; True when any went."""
    gone = [index for index, item in enumerate(items) if item["id"] not in wanted]
    for index in reversed(gone):
        del items[index]
    return bool(gone)


def _merge_entities(data, entities: dict[str, dict]) -> bool:
    from ruamel.yaml.comments import CommentedSeq

    changed = _drop_absent(data["entities"], entities)
    for entity in data["entities"]:
        wanted = entities[entity["id"]]
        if entity["type"] != wanted["type"]:
            entity["type"] = wanted["type"]
            changed = True
        mentions = entity["mentions"]
        have = {(m["start"], m["end"]) for m in mentions}
        for position in reversed(range(len(mentions))):
            if (mentions[position]["start"], mentions[position]["end"]) not in wanted["mentions"]:
                del mentions[position]
                changed = True
        for (start, end), text in sorted(wanted["mentions"].items()):
            if (start, end) not in have:
                add_mention(data, entity, start, end, text)
                changed = True
    known = {entity["id"] for entity in data["entities"]}
    for entity_id, wanted in entities.items():
        if entity_id in known:
            continue
        entity = block(
            {
                "id": entity_id,
                "type": wanted["type"],
                "name": styled(wanted["name"], sample(data, "entities", "name")),
                "mentions": CommentedSeq(),
            }
        )
        data["entities"].append(entity)
        for (start, end), text in sorted(wanted["mentions"].items()):
            add_mention(data, entity, start, end, text)
        changed = True
    return changed


CLAIM_FIELDS = ("start", "end", "text", "claimer", "type", "attribution", "checkworthy")


def _merge_claims(data, claims: dict[str, dict]) -> bool:
    changed = _drop_absent(data["claims"], claims)
    for claim in data["claims"]:
        wanted = claims[claim["id"]]
        for key in CLAIM_FIELDS:
            if claim.get(key) != wanted[key]:  # ruamel reads true as ScalarBoolean, equal to True
                claim[key] = styled(wanted[key], claim.get(key)) if key == "text" else wanted[key]
                changed = True
    known = {claim["id"] for claim in data["claims"]}
    for claim_id, wanted in sorted(claims.items(), key=lambda item: item[1]["start"]):
        if claim_id not in known:
            fields = {key: wanted[key] for key in CLAIM_FIELDS}
            fields["text"] = styled(fields["text"], sample(data, "claims", "text"))
            insert_sorted(data["claims"], block({"id": claim_id, **fields}), wanted["start"])
            changed = True
    return changed
