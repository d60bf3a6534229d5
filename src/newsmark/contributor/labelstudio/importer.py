"""The import: a Label Studio JSON export merged back into annotations/, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

from newsmark import jsondata
from newsmark.contributor.intake import annotation_skeleton
from newsmark.contributor.labelstudio.config import TEXT
from newsmark.contributor.labelstudio.layer import pick_annotation, read_layer
from newsmark.contributor.labelstudio.merge import merge
from newsmark.contributor.labelstudio.problems import Problems, task_data
from newsmark.contributor.yamledit import round_trip_dump, round_trip_load
from newsmark.errors import NewsmarkError
from newsmark.files import corpus_lock, linked_folder, write_all_atomic
from newsmark.findings import ERROR
from newsmark.ids import HANDLE_RE, is_article_id
from newsmark.pipeline.check.article import check_annotation
from newsmark.pipeline.check.files import check_strings
from newsmark.pipeline.check.schema import check_schema
from newsmark.pipeline.read.files import read_article_text, read_yaml, relpath
from newsmark.pipeline.read.inventory import INDEPENDENT
from newsmark.pipeline.read.yamldoc import parse_yaml


def annotator_of(annotation: dict, given: str | None) -> str | None:
    """The annotator to record: ``--annotator``, else the Label Studio user's e-mail name."""
    if given:
        return given
    user = annotation.get("completed_by")
    email = user.get("email") if isinstance(user, dict) else None
    if isinstance(email, str) and "@" in email:
        handle = re.sub(r"[^A-Za-z0-9._-]+", "-", email.partition("@")[0]).strip("-._")[:64]
        return handle if HANDLE_RE.fullmatch(handle) else None
    return None


def import_export(
    root: str | Path, export: str | Path, annotator: str | None = None, dry_run: bool = False, independent: bool = False
) -> dict:
    """Merge a Label Studio JSON export into annotations/ (with ``independent``, into the annotator's own
    layer annotations/independent/<annotator>/, begun from a skeleton). All or nothing: any problem raises
    NewsmarkError listing each one, located in the export, and no file changes."""
    root, export = Path(root), Path(export)
    if independent and annotator is None:
        raise NewsmarkError("--independent needs --annotator HANDLE: the layer is stored under that name")
    if annotator is not None and not HANDLE_RE.fullmatch(annotator):
        raise NewsmarkError(
            f"--annotator {annotator!r}: a handle is letters, digits, '.', '_' and '-' "
            "(at most 64), starting with a letter or digit"
        )
    try:
        raw = export.read_text(encoding="utf-8")
        tasks = jsondata.loads(raw)
    except (OSError, UnicodeDecodeError) as err:
        raise NewsmarkError(f"{export}: cannot read: {err}") from None
    except jsondata.BadJSON as err:
        where = f"{getattr(err, 'lineno', 1)}:{getattr(err, 'colno', 1)}"
        raise NewsmarkError(f"{export}:{where}: {err}; export from Label Studio as JSON (not JSON-MIN)") from None
    if not isinstance(tasks, list):
        raise NewsmarkError(f"{export}:1:1: a Label Studio JSON export is a list of tasks")
    problems = Problems(export, raw, tasks)
    changed: dict[Path, str] = {}
    result = {"changed": [], "files": [], "unchanged": [], "skipped": []}
    seen: set[str] = set()
    for task in tasks:
        article_id = task_data(task).get("article")
        if not isinstance(article_id, str):
            problems.add(task, "the task has no data.article; import tasks written by `newsmark labelstudio export`")
            continue
        if article_id in seen:
            problems.add(task, f"article {article_id} appears in two tasks; keep one")
            continue
        seen.add(article_id)
        annotation = pick_annotation(task)
        if annotation is None:
            result["skipped"].append(article_id)
            continue
        outcome = _import_task(root, task, annotation, annotator, problems, independent)
        if outcome is None:
            continue
        path, new_text, old_text = outcome
        if new_text == old_text:
            result["unchanged"].append(article_id)
        else:
            changed[path] = new_text
            result["changed"].append(article_id)
            result["files"].append(relpath(path, root))
    if problems:
        shown = problems.lines(50) + ([f"... and {len(problems) - 50} more"] if len(problems) > 50 else [])
        raise NewsmarkError("the Label Studio export has problems; no file was changed:\n" + "\n".join(shown))
    if changed and not dry_run:
        for path in changed:
            linked = linked_folder(root, path)
            if linked is not None:  # writing through it would put the file outside the corpus
                raise NewsmarkError(
                    f"{relpath(linked, root)} is a link; the corpus holds no links (NM108): "
                    "replace it with a folder; no file was changed"
                )
        with corpus_lock(root):
            for path in changed:
                path.parent.mkdir(parents=True, exist_ok=True)
            write_all_atomic(changed)
    return result


def _import_task(
    root: Path, task: dict, annotation: dict, annotator: str | None, problems: Problems, independent: bool = False
):
    article_id = task["data"]["article"]
    if not is_article_id(article_id):
        problems.add(task, f"data.article {article_id!r} is not an article id")
        return None
    adjudicated = root / "annotations" / f"{article_id}.yaml"
    path = root / "annotations" / INDEPENDENT / annotator / f"{article_id}.yaml" if independent else adjudicated
    text_path = root / "corpus" / f"{article_id}.txt"
    if not adjudicated.is_file() or adjudicated.is_symlink() or not text_path.is_file() or text_path.is_symlink():
        problems.add(
            task,
            f"article {article_id} is not in the corpus (no corpus/{article_id}.txt and "
            f"annotations/{article_id}.yaml); add it with `newsmark new` first",
        )
        return None
    text, _ = read_article_text(text_path, root)
    new_layer = independent and not path.exists() and not path.is_symlink()  # begun from the skeleton
    if new_layer:
        doc, _ = parse_yaml(annotation_skeleton(article_id), relpath(path, root))
    else:
        doc, _ = read_yaml(path, root) if path.is_file() and not path.is_symlink() else (None, [])
    if text is None or doc is None or not isinstance(doc.data, dict) or check_schema(doc, "annotation"):
        problems.add(task, f"{relpath(path, root)} does not validate; fix it first (newsmark validate)")
        return None
    if task["data"].get(TEXT) not in (None, text):
        problems.add(
            task,
            f"the task's text differs from corpus/{article_id}.txt; the article changed after the "
            "export: export it again and redo the annotation there",
        )
        return None
    layer = read_layer(task, annotation, text, doc.data, problems)
    if layer is None:
        return None
    base = annotation_skeleton(article_id) if new_layer else path.read_text(encoding="utf-8")
    old_text = "" if new_layer else base  # a new layer is always written
    yaml, data = round_trip_load(base)
    if not merge(data, layer, annotator_of(annotation, annotator)):
        return path, old_text, old_text
    if not annotator_of(annotation, annotator):
        problems.add(task, "the annotation changes the file, but its annotator is not known; give --annotator HANDLE")
        return None
    new_text = round_trip_dump(yaml, data)
    new_doc, found = parse_yaml(new_text, relpath(path, root))
    if new_doc is not None:
        found = check_strings(new_doc) + check_schema(new_doc, "annotation")
        if not found:
            found = check_annotation(new_doc, article_id, text)
    for item in found:
        if item.severity == ERROR:
            problems.add(task, f"the merged annotation would not validate: {item.code} {item.message}")
    return path, new_text, old_text
