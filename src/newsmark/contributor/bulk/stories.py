"""Near-duplicates and the stories they share: the story an import gives the near-duplicates it brings,
and ``newsmark dedup``, which finds the groups of the corpus and can write their stories in."""

from __future__ import annotations

from pathlib import Path

from newsmark.contributor.bulk.items import Decision, batches
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock, write_all_atomic
from newsmark.ids import is_article_id
from newsmark.neardup import BATCH, clusters, near_duplicate_clusters, signatures
from newsmark.pipeline.read.files import read_article_text, read_bytes, read_yaml
from newsmark.pipeline.read.inventory import inventory
from newsmark.reporters import finding_line
from newsmark.settings import DedupSettings, read_dedup_settings


def join_stories(
    root: Path, decisions: list[Decision], ids: list[str], rows: list, settings: DedupSettings
) -> list[str]:
    """Give every imported article that is a near-duplicate of others, and names no story itself, the
    story of its group: one a member already names (the corpus's articles first), else the id of the
    group's first article, whose own split then does not move. Returns the problems: a story named in the
    corpus that is not a valid story (the articles would be written with it, and refused), at each item
    that would take it."""
    import numpy

    imported = {decision.id: decision for decision in decisions if decision.skipped is None}
    order = {article_id: position for position, article_id in enumerate(ids)}
    problems: list[str] = []
    links = near_duplicate_clusters(ids, numpy.stack(rows), settings) if len(rows) > 1 else []
    for group in clusters([(a, b) for a, b, _ in links]):
        if not any(member in imported and imported[member].story is None for member in group):
            continue
        group.sort(key=order.__getitem__)
        named = [
            story for story in (imported[m].story if m in imported else _story_of(root, m) for m in group) if story
        ]
        story = named[0] if named else group[0]
        if not (isinstance(story, str) and is_article_id(story)):
            holder = next((m for m in group if m not in imported and _story_of(root, m) == story), group[0])
            problems += [
                f"{imported[member].where}: a near-duplicate of corpus/{holder}.txt, whose story {story!r} "
                f"(corpus/{holder}.yaml) is not a story: lowercase letters and digits joined by single "
                "hyphens, at most 80 characters; correct it first (newsmark validate shows it)"
                for member in group
                if member in imported and imported[member].story is None
            ]
            continue
        for member in group:
            if member in imported and imported[member].story is None and member != story:
                imported[member].story, imported[member].joined = story, True
    return problems


def _story_of(root: Path, article_id: str) -> str | None:
    doc, _ = read_yaml(root / "corpus" / f"{article_id}.yaml", root)
    return doc.data.get("story") if doc is not None and isinstance(doc.data, dict) else None


def find_near_duplicates(root: str | Path) -> list[list[str]]:
    """Groups of articles of the corpus at ``root`` that are near-duplicates of each other (each group
    sorted, groups sorted by their first id)."""
    import numpy

    root = Path(root)
    settings = read_dedup_settings(root)

    def texts():
        for article_id, path in sorted(inventory(root).texts.items()):
            text, problems = read_article_text(path, root)
            if text is None:  # left out, it could be a copy no group names: refused, as validate would
                raise NewsmarkError(f"{finding_line(problems[0])}; nothing was changed")
            yield article_id, text

    ids, rows = [], []
    for batch in batches(texts(), BATCH):
        ids += [article_id for article_id, _ in batch]
        rows += list(signatures([text for _, text in batch], settings))
    links = near_duplicate_clusters(ids, numpy.stack(rows), settings) if len(rows) > 1 else []
    return clusters([(a, b) for a, b, _ in links])


def dedup(root: str | Path, apply: bool = False) -> list[dict]:
    """Near-duplicate groups and the story each would share (one already in the group, else the first
    id); with ``apply``, writes that story into the metadata of every member that lacks it, keeping
    comments and key order. A group whose members already name different stories is reported, not
    changed: a person decides."""
    root = Path(root)
    groups = []
    for members in find_near_duplicates(root):
        stories = {member: _story_of(root, member) for member in members}
        named = sorted({story for story in stories.values() if story})
        story = named[0] if len(named) == 1 else (members[0] if not named else None)
        changes = [member for member in members if story is not None and stories[member] != story]
        groups.append(
            {"members": members, "story": story, "conflict": named if len(named) > 1 else [], "changes": changes}
        )
    if apply:
        with corpus_lock(root):
            write_all_atomic(_with_stories(root, groups))
    else:  # a dry run refuses what the real run would refuse
        _with_stories(root, groups)
    return groups


def _with_stories(root: Path, groups: list[dict]) -> dict[Path, str]:
    """Each group's story written into its members' metadata, as the new contents of their files. Every
    file is read and checked before any is written (the caller writes all together): a member that cannot
    be read (or is a link, which would be replaced by a copy of what it points at) stops the whole apply
    with nothing changed."""
    from newsmark.contributor.yamledit import NotYAML, round_trip_dump, round_trip_load

    contents: dict[Path, str] = {}
    for group in groups:
        for member in group["changes"]:
            rel = f"corpus/{member}.yaml"
            raw, problems = read_bytes(root / rel, rel)
            if raw is None:
                raise NewsmarkError(f"{rel}: {problems[0].message}; nothing was changed")
            try:
                yaml_writer, data = round_trip_load(raw.decode("utf-8"))
                data["story"] = group["story"]
            except NotYAML as err:
                raise NewsmarkError(f"{rel}:{err}; run newsmark validate; nothing was changed") from None
            except (UnicodeDecodeError, ValueError, TypeError, AttributeError) as err:
                raise NewsmarkError(
                    f"{rel}: cannot be read as metadata ({type(err).__name__}); run newsmark "
                    "validate; nothing was changed"
                ) from None
            contents[root / rel] = round_trip_dump(yaml_writer, data)
    return contents
