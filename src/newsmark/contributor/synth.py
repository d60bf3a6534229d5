"""A deterministic synthetic corpus for tests and benchmarks, never for the real one.

Every article is marked ``synthetic: true`` in its metadata and uses invented names of invented
places and organisations. Sizes follow the benchmark reference (about 3,000 characters, 30 mentions,
5 claims and 3 topics per article).
"""
from __future__ import annotations

import random
from pathlib import Path

import yaml

from newsmark.errors import NewsmarkError
from newsmark.files import write_atomic
from newsmark.contributor.intake import GUIDELINES_VERSION, metadata_yaml
from newsmark.labels import names

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PEOPLE = ["Alda Verhoen", "Tomas Kerrigan", "Ines Marovic", "Odile Brant", "Rafe Quillon", "Sanne Edvik",
           "Jonah Pellery", "Mira Castellane", "Piet Harlow", "Nadia Ferroux"]
_ORGS = ["Harbour Council", "Northgate Energy", "Vellis Institute", "Civic Rail Board", "Ostmere Bank",
         "Granary Union", "Lumen Health Trust"]
_PLACES = ["Ostmere", "Valdria", "Port Calloway", "Heddenby", "Marisol Bay", "Karnholt"]
_LOCS = ["the Sable Hills", "Lake Orrin", "the Teller Coast"]
_DATES = ["Monday", "last week", "March 3", "the spring of 2023", "Friday"]
_MONEY = ["$4 million", "€120,000", "$2.5 billion"]
_PERCENT = ["12 percent", "3.5%", "40 percent"]

# (template, claim type) — {P} person, {O} org, {G} place, {L} non-GPE location, {D} date, {M} money, {C} percent
_SENTENCES = [
    ("{P} of the {O} said on {D} that {G} would open a new depot near {L}.", "event"),
    ("The {O} expects costs in {G} to rise by {C} before {D}.", "prediction"),
    ("According to {P}, the plan will cost {G} about {M}.", "numerical"),
    ("{P} argued that the closure of the {O} office in {G} caused the delays.", "causal"),
    ("Critics in {G} called the decision by the {O} a mistake.", "opinion"),
    ("{P} remains the head of the {O}, which is based in {G}.", "property"),
    ("The {O} has asked {G} to reconsider its position, {P} said on {D}.", "position"),
]
_FILLER = ("Residents gathered outside the hall in the rain and waited for the announcement. "
           "Officials gave few details about the timetable, and several questions were left open. ")


def _article(rng: random.Random, index: int, sentences: int) -> tuple[str, dict, dict]:
    article_id = f"synthetic-{index:06d}"
    entities: dict[str, dict] = {}
    claims = []
    text = ""
    pools = {"P": ("PERSON", _PEOPLE), "O": ("ORG", _ORGS), "G": ("GPE", _PLACES), "L": ("LOC", _LOCS),
             "D": ("DATE", _DATES), "M": ("MONEY", _MONEY), "C": ("PERCENT", _PERCENT)}
    for number in range(sentences):
        template, claim_type = _SENTENCES[rng.randrange(len(_SENTENCES))]
        sentence_start = len(text)
        pieces = template.split("{")
        text += pieces[0]
        claimer = "author"
        for piece in pieces[1:]:
            key, rest = piece[0], piece[2:]
            entity_type, pool = pools[key]
            surface = rng.choice(pool)
            name = surface.removeprefix("the ")
            if surface.startswith("the "):
                text += "the "
            start = len(text)
            text += name
            entity_id = f"{entity_type.lower()}-{pool.index(surface)}"
            entity = entities.setdefault(entity_id, {"id": entity_id, "type": entity_type, "name": name,
                                                     "mentions": []})
            entity["mentions"].append({"start": start, "end": len(text), "text": name})
            if key == "P" and claimer == "author":
                claimer = entity_id
            text += rest
        end = len(text)
        if number % 2 == 0:
            claims.append({
                "id": f"c{len(claims) + 1}", "start": sentence_start, "end": end - 1,
                "text": text[sentence_start:end - 1], "claimer": claimer, "type": claim_type,
                "attribution": "authorial" if claimer == "author" else "reported_speech",
                "checkworthy": claim_type not in ("opinion",),
            })
        text += " " if number % 4 != 3 else "\n\n"
        if number % 3 != 2:
            text += _FILLER
    text = text.strip() + "\n"
    topics = rng.sample(names("topics"), 3)
    story = f"synthetic-story-{index // 3:06d}" if index % 3 else None
    meta = {"id": article_id, "title": f"Synthetic article {index}", "date": f"2024-{1 + index % 12:02d}-"
            f"{1 + index % 28:02d}", "language": "en", "source": None, "license": "CC0-1.0"}
    if story:
        meta["story"] = story
    meta["synthetic"] = True
    annotation = {"article": article_id, "guidelines": GUIDELINES_VERSION,
                  "annotators": [{"id": "newsmark-synth", "kind": "model"}], "topics": topics,
                  "entities": sorted(entities.values(), key=lambda e: e["id"]), "claims": claims}
    return text, meta, annotation


def synthesize(out: str | Path, articles: int, seed: int = 0, sentences: int = 10, first: int = 0) -> Path:
    """Write ``articles`` synthetic articles (numbered from ``first``) into the corpus folder ``out``."""
    out = Path(out)
    real = [p.name for p in (out / "corpus").glob("*") if not p.name.startswith("synthetic-")]
    if real:
        raise NewsmarkError(f"{out}/corpus holds non-synthetic files ({real[0]}, ...); write synthetic "
                            "corpora to a separate folder")
    pyproject = out / "pyproject.toml"
    if not pyproject.exists():
        write_atomic(pyproject, '[project]\nname = "newsmark-synthetic"\nversion = "0.0.1"\n\n'
                                '[tool.newsmark]\nsalt = "synthetic"\ntest_fraction = 0.1\n'
                                'validation_fraction = 0.1\n')
    for index in range(first, first + articles):
        # One generator per article: article N is the same however many articles are made.
        text, meta, annotation = _article(random.Random(f"{seed}:{index}"), index, sentences)
        write_atomic(out / "corpus" / f"{meta['id']}.txt", text)
        write_atomic(out / "corpus" / f"{meta['id']}.yaml", metadata_yaml(meta))
        write_atomic(out / "annotations" / f"{meta['id']}.yaml",
                     "# synthetic: generated by newsmark synth for tests and benchmarks\n"
                     + yaml.dump(annotation, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000,
                                 default_flow_style=None))
    return out
