"""``newsmark export``: a built dataset in the formats other tools read.

- ``jsonl``: ``<split>.jsonl``, one article per line with every annotation, labels as names.
- ``conll``: ``<split>.conll``, CoNLL-2003 style: ``-DOCSTART- -X- -X- O`` before each article, one
  ``token TAG`` line per token (the ``ner`` config's tokens and IOB2 tags), a blank line between sentences.
- ``brat``: ``<split>/<id>.txt`` and ``<id>.ann`` (brat standoff), and ``annotation.conf``: a T line per
  mention (its entity type) and per claim (``Claim``; a claim across a line break becomes fragments),
  A lines for claim type, attribution and check-worthiness, an R line ``Claimer`` from each claim to the
  first mention of its claimer, and ``*`` Coref lines grouping an entity's mentions.
- ``spacy``: ``<split>.spacy``, a DocBin: each Doc's text is the article text exactly (the ``ner`` tokens,
  whitespace as spaCy keeps it), outermost mentions in ``doc.ents``, every mention in
  ``doc.spans["mentions"]`` (kb_id: Wikidata id, or the entity id), claims in ``doc.spans["claims"]``
  (label: claim type; id: claim id; ``doc.user_data["claims"]`` has every claim's attributes), topics in
  ``doc.cats``, and the article id, split and story in ``doc.user_data``.

Output goes to a new (or empty, or earlier export) folder, written beside it and moved into place whole.
"""

from __future__ import annotations

import json
from pathlib import Path

from newsmark.errors import NewsmarkError
from newsmark.files import check_output_folder, holds_only, output_slot, read_json_bounded, swap_in
from newsmark.labels import names
from newsmark.pipeline.assemble import outermost
from newsmark.release.dataset import decoded_rows, present_splits, require_build
from newsmark.text import trim

FORMATS = ("jsonl", "conll", "brat", "spacy")
MANIFEST = "export.json"


def is_previous_export(out: Path) -> bool:
    manifest = read_json_bounded(out / MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("name") != "newsmark-export":
        return False
    files = manifest.get("files")
    return (
        isinstance(files, list) and all(isinstance(f, str) for f in files) and holds_only(out, set(files) | {MANIFEST})
    )


def export(dataset: str | Path, fmt: str, out: str | Path, split: str | None = None, root: str | Path = ".") -> dict:
    """Write ``split`` (default: every split with rows) of the built ``dataset`` in format ``fmt`` to ``out``,
    which may not lie in the corpus at ``root`` (its corpus/, annotations/, schema/, seeds/ or .git/)."""
    dataset, out = require_build(Path(dataset)), Path(out)
    if fmt not in FORMATS:
        raise NewsmarkError(f"--format {fmt}: not one of {', '.join(FORMATS)}")
    splits = present_splits(dataset)
    if split is not None:
        if split not in splits:
            raise NewsmarkError(f"--split {split}: the dataset has no rows in it (it has {', '.join(splits)})")
        splits = [split]
    check_output_folder(Path(root), out, "an export", is_previous_export)
    with output_slot(out) as staging:
        files: list[str] = []
        for name in splits:
            articles = decoded_rows(dataset, "articles", name)
            ner = decoded_rows(dataset, "ner", name)
            files += WRITERS[fmt](staging, name, articles, ner)
        if fmt == "brat":
            (staging / "annotation.conf").write_text(brat_configuration(), encoding="utf-8")
            files.append("annotation.conf")
        manifest = {"name": "newsmark-export", "format": fmt, "splits": splits, "files": sorted(files)}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        swap_in(staging, out)
    return {"out": str(out), "format": fmt, "splits": splits, "files": sorted(files)}


# -- jsonl --------------------------------------------------------------------------------------------


def write_jsonl(folder: Path, split: str, articles: list[dict], _ner) -> list[str]:
    name = f"{split}.jsonl"
    with open(folder / name, "w", encoding="utf-8") as handle:
        for article in articles:
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    return [name]


# -- CoNLL --------------------------------------------------------------------------------------------


def write_conll(folder: Path, split: str, _articles, ner: list[dict]) -> list[str]:
    name = f"{split}.conll"
    current = None
    with open(folder / name, "w", encoding="utf-8") as handle:
        for row in ner:
            if row["article_id"] != current:
                current = row["article_id"]
                handle.write("-DOCSTART- -X- -X- O\n\n")
            for token, tag in zip(row["tokens"], row["ner_tags"]):
                handle.write(f"{token} {tag}\n")
            handle.write("\n")
    return [name]


# -- brat ---------------------------------------------------------------------------------------------


def _fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """[start, end) cut at line breaks, without empty or whitespace-only pieces (brat spans are one line)."""
    pieces, at = [], start
    for line in text[start:end].split("\n"):
        if piece := trim(text, (at, at + len(line))):
            pieces.append(piece)
        at += len(line) + 1
    return pieces


def brat_annotations(article: dict) -> str:
    text, lines = article["text"], []
    first_mention: dict[str, str] = {}
    t_count = attributes = relations = 0
    for entity in article["entities"]:
        ids = []
        for mention in entity["mentions"]:
            t_count += 1
            ids.append(f"T{t_count}")
            lines.append(f"T{t_count}\t{entity['type']} {mention['start']} {mention['end']}\t{mention['text']}")
        first_mention[entity["id"]] = ids[0]
        if len(ids) > 1:
            lines.append("*\tCoref " + " ".join(ids))
    for claim in article["claims"]:
        t_count += 1
        t_id = f"T{t_count}"
        pieces = _fragments(text, claim["start"], claim["end"])
        shown = " ".join(text[a:b] for a, b in pieces)
        lines.append(f"{t_id}\tClaim {';'.join(f'{a} {b}' for a, b in pieces)}\t{shown}")
        for key, value in (("ClaimType", claim["type"]), ("Attribution", claim["attribution"])):
            attributes += 1
            lines.append(f"A{attributes}\t{key} {t_id} {value}")
        if claim["checkworthy"]:
            attributes += 1
            lines.append(f"A{attributes}\tCheckworthy {t_id}")
        if claim["claimer"] in first_mention:
            relations += 1
            lines.append(f"R{relations}\tClaimer Arg1:{t_id} Arg2:{first_mention[claim['claimer']]}")
    return "\n".join(lines) + "\n"


def brat_configuration() -> str:
    return "\n".join(
        [
            "# newsmark: entity types (OntoNotes 5), claims and their attributes",
            "[entities]",
            *names("entity_types"),
            "Claim",
            "[relations]",
            "Claimer\tArg1:Claim, Arg2:<ENTITY>",
            "Coref\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive",
            "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
            "[events]",
            "[attributes]",
            f"ClaimType\tArg:Claim, Value:{'|'.join(names('claim_types'))}",
            f"Attribution\tArg:Claim, Value:{'|'.join(names('attributions'))}",
            "Checkworthy\tArg:Claim",
            "",
        ]
    )


def write_brat(folder: Path, split: str, articles: list[dict], _ner) -> list[str]:
    (folder / split).mkdir()
    files = []
    for article in articles:
        (folder / split / f"{article['id']}.txt").write_text(article["text"], encoding="utf-8")
        (folder / split / f"{article['id']}.ann").write_text(brat_annotations(article), encoding="utf-8")
        files += [f"{split}/{article['id']}.txt", f"{split}/{article['id']}.ann"]
    return files


# -- spaCy --------------------------------------------------------------------------------------------


def spacy_doc(vocab, article: dict, sentences: list[dict], split: str):
    """A Doc whose text is the article text exactly, tokenised as the ``ner`` config."""
    from spacy.tokens import Doc, SpanGroup

    text = article["text"]
    spans = [(start, end) for row in sentences for start, end in zip(row["token_starts"], row["token_ends"])]
    words, spaces = [], []
    position = 0
    for index, (start, end) in enumerate(spans + [(len(text), len(text))]):
        gap = text[position:start]
        if gap:  # whitespace between tokens: one space trails the token, anything more is a token itself
            if words and gap[0] == " ":
                spaces[-1], gap = True, gap[1:]
            if gap:
                words.append(gap)
                spaces.append(False)
        if index < len(spans):
            words.append(text[start:end])
            spaces.append(False)
        position = end
    doc = Doc(vocab, words=words, spaces=spaces)
    if doc.text != text:  # the tokens of the ner config cover every non-space character; this never happens
        raise NewsmarkError(f"{article['id']}: the ner tokens do not cover the article text; rebuild the dataset")
    mentions = [(m["start"], m["end"], e) for e in article["entities"] for m in e["mentions"]]

    def span(start, end, label, kb_id="", span_id=""):
        # Mentions align with tokens by construction; a claim edge inside a token takes the whole token.
        return doc.char_span(start, end, label=label, kb_id=kb_id, span_id=span_id, alignment_mode="expand")

    group = [
        span(s, e, entity["type"], entity.get("wikidata") or entity["id"], entity["id"])
        for s, e, entity in sorted(mentions, key=lambda m: (m[0], -m[1]))
    ]
    doc.spans["mentions"] = SpanGroup(doc, name="mentions", spans=group)
    doc.ents = [span(s, e, label) for s, e, label in outermost([(s, e, entity["type"]) for s, e, entity in mentions])]
    doc.spans["claims"] = SpanGroup(
        doc, name="claims", spans=[span(c["start"], c["end"], c["type"], span_id=c["id"]) for c in article["claims"]]
    )
    doc.cats = {topic: float(topic in article["topics"]) for topic in names("topics")}
    doc.user_data.update(
        {
            "id": article["id"],
            "split": split,
            "story": article["story"],
            "claims": [
                {key: claim[key] for key in ("id", "start", "end", "claimer", "type", "attribution", "checkworthy")}
                for claim in article["claims"]
            ],
        }
    )
    return doc


def write_spacy(folder: Path, split: str, articles: list[dict], ner: list[dict]) -> list[str]:
    import spacy
    from spacy.tokens import DocBin

    vocab = spacy.blank("en").vocab
    by_article: dict[str, list[dict]] = {}
    for row in sorted(ner, key=lambda row: (row["article_id"], row["sentence_index"])):
        by_article.setdefault(row["article_id"], []).append(row)
    docs = DocBin(attrs=["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID"], store_user_data=True)
    for article in articles:
        docs.add(spacy_doc(vocab, article, by_article.get(article["id"], []), split))
    name = f"{split}.spacy"
    docs.to_disk(folder / name)
    return [name]


WRITERS = {"jsonl": write_jsonl, "conll": write_conll, "brat": write_brat, "spacy": write_spacy}
