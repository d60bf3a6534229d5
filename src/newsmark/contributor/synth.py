"""A deterministic synthetic corpus for tests and benchmarks, never for the real one.

Every article is marked ``synthetic: true`` in its metadata and uses invented names of invented
places and organisations. Sizes follow the benchmark reference (about 2,100 characters, 34 mentions,
5 claims and 3 topics per article): annotated sentences from templates, between them filler sentences of
random invented words. ``near_duplicates`` plants republished copies (a new headline, a paragraph
dropped or two swapped, a few words replaced) for measuring near-duplicate detection.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import yaml

from newsmark.contributor.intake import GUIDELINES_VERSION, metadata_yaml
from newsmark.errors import NewsmarkError
from newsmark.files import write_atomic
from newsmark.labels import names

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_PEOPLE = [
    "Alda Verhoen",
    "Tomas Kerrigan",
    "Ines Marovic",
    "Odile Brant",
    "Rafe Quillon",
    "Sanne Edvik",
    "Jonah Pellery",
    "Mira Castellane",
    "Piet Harlow",
    "Nadia Ferroux",
]
_ORGS = [
    "Harbour Council",
    "Northgate Energy",
    "Vellis Institute",
    "Civic Rail Board",
    "Ostmere Bank",
    "Granary Union",
    "Lumen Health Trust",
]
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
# Filler sentences are random words of an invented vocabulary, so that unrelated synthetic articles share
# few word shingles (as unrelated news does) and the near-duplicate check sees realistic similarities.
_SYLLABLES = ["ba", "do", "ke", "li", "mo", "nu", "pa", "ri", "so", "ta", "ve", "zu", "ar", "en", "ol"]
_WORDS = random.Random("newsmark synthetic vocabulary")
_VOCABULARY = sorted({"".join(_WORDS.choice(_SYLLABLES) for _ in range(_WORDS.randint(1, 4))) for _ in range(3000)})
_EDITS = {"said": "stated", "plan": "proposal", "costs": "expenses", "decision": "choice", "office": "branch"}


def _filler(rng: random.Random) -> str:
    sentences = [
        " ".join(rng.choice(_VOCABULARY) for _ in range(rng.randint(9, 14))).capitalize() + "." for _ in range(2)
    ]
    return " ".join(sentences) + " "


def _article(rng: random.Random, index: int, sentences: int) -> tuple[str, dict, dict]:
    article_id = f"synthetic-{index:06d}"
    entities: dict[str, dict] = {}
    claims = []
    text = ""
    pools = {
        "P": ("PERSON", _PEOPLE),
        "O": ("ORG", _ORGS),
        "G": ("GPE", _PLACES),
        "L": ("LOC", _LOCS),
        "D": ("DATE", _DATES),
        "M": ("MONEY", _MONEY),
        "C": ("PERCENT", _PERCENT),
    }
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
            entity = entities.setdefault(
                entity_id, {"id": entity_id, "type": entity_type, "name": name, "mentions": []}
            )
            entity["mentions"].append({"start": start, "end": len(text), "text": name})
            if key == "P" and claimer == "author":
                claimer = entity_id
            text += rest
        end = len(text)
        if number % 2 == 0:
            claims.append(
                {
                    "id": f"c{len(claims) + 1}",
                    "start": sentence_start,
                    "end": end - 1,
                    "text": text[sentence_start : end - 1],
                    "claimer": claimer,
                    "type": claim_type,
                    "attribution": "authorial" if claimer == "author" else "reported_speech",
                    "checkworthy": claim_type not in ("opinion",),
                }
            )
        text += " " if number % 4 != 3 else "\n\n"
        if number % 3 != 2:
            text += _filler(rng)
    text = text.strip() + "\n"
    topics = rng.sample(names("topics"), 3)
    story = f"synthetic-story-{index // 3:06d}" if index % 3 else None
    meta = {
        "id": article_id,
        "title": f"Synthetic article {index}",
        "date": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}",
        "language": "en",
        "source": None,
        "license": "CC0-1.0",
    }
    if story:
        meta["story"] = story
    meta["synthetic"] = True
    annotation = {
        "article": article_id,
        "guidelines": GUIDELINES_VERSION,
        "annotators": [{"id": "newsmark-synth", "kind": "model"}],
        "topics": topics,
        "entities": sorted(entities.values(), key=lambda e: e["id"]),
        "claims": claims,
    }
    return text, meta, annotation


def _rebuild(text: str, annotation: dict, pieces: list) -> tuple[str, dict]:
    """A new text from ``pieces`` (new strings, or (start, end) ranges of ``text`` kept as they are), with
    the annotation's spans moved along; spans not wholly inside a kept range go, and so do entities left
    without mentions and claims whose claimer went."""
    new_text, moves = "", []
    for piece in pieces:
        if isinstance(piece, str):
            new_text += piece
        else:
            moves.append((piece[0], piece[1], len(new_text) - piece[0]))
            new_text += text[piece[0] : piece[1]]

    def moved(span: dict) -> dict | None:
        for start, end, shift in moves:
            if start <= span["start"] and span["end"] <= end:
                return {**span, "start": span["start"] + shift, "end": span["end"] + shift}
        return None

    entities = []
    for entity in annotation["entities"]:
        mentions = sorted((m for m in map(moved, entity["mentions"]) if m), key=lambda m: m["start"])
        if mentions:
            entities.append({**entity, "mentions": mentions})
    kept = {entity["id"] for entity in entities} | {"author"}
    claims = sorted(
        (c for c in map(moved, annotation["claims"]) if c and c["claimer"] in kept), key=lambda c: c["start"]
    )
    return new_text, {**annotation, "entities": entities, "claims": claims}


def _near_copy(rng: random.Random, text: str, meta: dict, annotation: dict, copy_id: str):
    """A republication of an article, as wire copies differ: a new headline, one paragraph dropped or two
    swapped, and a few words replaced (never inside a span)."""
    bounds, at = [], 0
    for paragraph in text.rstrip("\n").split("\n\n"):
        bounds.append((at, at + len(paragraph)))
        at += len(paragraph) + 2
    order = list(range(len(bounds)))
    if len(order) > 2 and rng.random() < 0.5:
        del order[rng.randrange(1, len(order))]
    elif len(order) > 1:
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
    spans = [(m["start"], m["end"]) for e in annotation["entities"] for m in e["mentions"]]
    spans += [(c["start"], c["end"]) for c in annotation["claims"]]
    edits = [
        m
        for m in re.finditer(r"\b(" + "|".join(_EDITS) + r")\b", text)
        if not any(start < m.end() and m.start() < end for start, end in spans)
    ]
    edits = sorted(rng.sample(edits, min(3, len(edits))), key=lambda m: m.start())
    pieces = []
    for number, index in enumerate(order):
        start, end = bounds[index]
        for edit in (e for e in edits if start <= e.start() < end):
            pieces += [(start, edit.start()), _EDITS[edit.group()]]
            start = edit.end()
        pieces += [(start, end), "\n\n" if number < len(order) - 1 else "\n"]
    new_text, new_annotation = _rebuild(text, annotation, pieces)
    new_meta = {**meta, "id": copy_id, "title": f"{meta['title']}, republished"}
    new_meta.pop("story", None)  # as a copy arrives from a feed: nothing yet ties it to its original
    return new_text, new_meta, {**new_annotation, "article": copy_id}


def synthesize(
    out: str | Path, articles: int, seed: int = 0, sentences: int = 10, first: int = 0, near_duplicates: float = 0.0
) -> Path:
    """Write ``articles`` synthetic articles (numbered from ``first``) into the corpus folder ``out``; with
    ``near_duplicates``, that share of them also gets a republished copy ``<id>-copy`` without a story
    (for measuring and testing near-duplicate detection)."""
    out = Path(out)
    real = [p.name for p in (out / "corpus").glob("*") if not p.name.startswith("synthetic-")]
    if real:
        raise NewsmarkError(
            f"{out}/corpus holds non-synthetic files ({real[0]}, ...); write synthetic corpora to a separate folder"
        )
    pyproject = out / "pyproject.toml"
    if not pyproject.exists():
        write_atomic(
            pyproject,
            '[project]\nname = "newsmark-synthetic"\nversion = "0.0.1"\n\n'
            '[tool.newsmark]\nsalt = "synthetic"\ntest_fraction = 0.1\n'
            "validation_fraction = 0.1\n",
        )
    for index in range(first, first + articles):
        # One generator per article: article N is the same however many articles are made.
        rng = random.Random(f"{seed}:{index}")
        made = [_article(rng, index, sentences)]
        if near_duplicates and rng.random() < near_duplicates:
            made.append(_near_copy(rng, *made[0], f"{made[0][1]['id']}-copy"))
        for text, meta, annotation in made:
            write_atomic(out / "corpus" / f"{meta['id']}.txt", text)
            write_atomic(out / "corpus" / f"{meta['id']}.yaml", metadata_yaml(meta))
            write_atomic(
                out / "annotations" / f"{meta['id']}.yaml",
                "# synthetic: generated by newsmark synth for tests and benchmarks\n"
                + yaml.dump(
                    annotation, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=None
                ),
            )
    return out
