"""``newsmark diff OLD NEW``: what changed between two releases.

OLD and NEW are dataset folders written by ``newsmark build``, or git revisions of the corpus (each is
checked out into a temporary folder and built there). The report lists articles added, removed and
changed (text, metadata or annotation, from the manifests' input hashes), row counts per config and
split, label count deltas, label-set changes, and each article whose split changed (id, from, to).

An article present in both moves only when its key (story, else id) or the split rule (``salt``,
``test_fraction``, ``validation_fraction`` in ``[tool.newsmark]``) changed. A move without a rule change is an
error; so is a rule change without a new major version, located at the setting in pyproject.toml.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from newsmark.errors import NewsmarkError, ValidationFailed
from newsmark.git import resolve_commit
from newsmark.pipeline.features import CONFIGS
from newsmark.pipeline.splits import SPLITS
from newsmark.release.dataset import config_rows, decoded_rows
from newsmark.reporters import finding_line

SPLIT_SETTINGS = ("salt", "test_fraction", "validation_fraction")  # the split rule's inputs (pipeline/splits.py)
PARTS = {"text": "corpus/{}.txt", "metadata": "corpus/{}.yaml", "annotation": "annotations/{}.yaml"}
# What a revision needs to be built: the corpus and the files that fix its build.
_REVISION_PATHS = ("corpus", "annotations", "schema", "seeds", "pyproject.toml", "DATASHEET.md", "CITATION.cff")


@dataclass(frozen=True)
class Release:
    folder: Path  # the built dataset
    # where its split rule was set, to locate a complaint about it: (name, text) of the pyproject.toml it
    # was built from, when known
    settings: tuple[str, str] | None = None


@contextmanager
def dataset_folder(spec: str, root: Path):
    """The ``Release`` of ``spec``: a built dataset folder itself (its settings taken to be those of the
    pyproject.toml at ``root``, when there is one), else the build of git revision ``spec`` of the
    repository at ``root``, made in a temporary folder."""
    if (Path(spec) / "manifest.json").is_file():
        pyproject = root / "pyproject.toml"
        try:
            text = pyproject.read_text(encoding="utf-8") if pyproject.is_file() else None
        except (OSError, UnicodeDecodeError):
            text = None
        yield Release(Path(spec), (str(pyproject), text) if text is not None else None)
        return
    from newsmark.pipeline.build import build

    commit = resolve_commit(root, spec, "not a dataset folder (no manifest.json), so a revision:")
    work = Path(tempfile.mkdtemp(prefix="newsmark-diff-"))
    try:
        check_out(root, commit, spec, work / "corpus")
        try:
            build(work / "corpus", work / "dataset")
        except ValidationFailed as err:
            shown = [f"{spec}:{finding_line(f)}" for f in err.report.errors[:20]]
            raise NewsmarkError(
                f"revision {spec} does not validate, so it cannot be built:\n" + "\n".join(shown)
            ) from None
        except NewsmarkError as err:  # said of the revision's files, not of the temporary folder they were in
            raise NewsmarkError(str(err).replace(f"{work / 'corpus'}/", f"{spec}:")) from None
        pyproject = (work / "corpus" / "pyproject.toml").read_text(encoding="utf-8")  # the build read it
        yield Release(work / "dataset", (f"{spec}:pyproject.toml", pyproject))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_out(root: Path, commit: str, spec: str, target: Path) -> None:
    """Write the files of ``commit`` that a build reads into the new folder ``target``, exactly as they were
    committed. Read from git's object store (``ls-tree`` and ``cat-file``), not through ``git archive``:
    archive obeys the revision's own ``.gitattributes`` (``export-ignore`` drops files, ``export-subst``
    rewrites them, filters run), so a contributor's revision could hide or change what is compared. A link
    is refused, never written or followed."""
    listing = _git(root, spec, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *_REVISION_PATHS)
    blobs: list[tuple[str, str]] = []  # (object id, path)
    for entry in filter(None, listing.split(b"\0")):
        info, _, raw_path = entry.partition(b"\t")
        mode, kind, oid = info.decode("ascii").split()
        path = raw_path.decode("utf-8", errors="surrogateescape")
        if mode == "120000":
            link = _git(root, spec, "cat-file", "blob", oid).decode("utf-8", errors="replace")
            outside = PurePosixPath(link).is_absolute() or ".." in PurePosixPath(link).parts
            raise NewsmarkError(
                f"revision {spec}: {path} is a link to {link!r}"
                + (", outside the corpus" if outside else "")
                + "; the corpus holds no links (NM108), so that revision cannot be built"
            )
        parts = PurePosixPath(path).parts
        if kind != "blob" or any(part in ("", ".", "..", ".git") for part in parts) or "\\" in path:
            raise NewsmarkError(
                f"revision {spec}: {path} is a {'submodule' if kind == 'commit' else kind} the corpus cannot "
                "hold, so that revision cannot be built"
            )
        blobs.append((oid, path))
    target.mkdir(parents=True)
    if not blobs:
        return
    # one cat-file process for every object; its answers come back in the order asked
    with subprocess.Popen(
        ["git", "-C", str(root), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as batch:
        # asked from a thread: git answers while it reads, and a pipe holds only so much of either side
        asking = threading.Thread(target=_ask, args=(batch.stdin, [oid for oid, _ in blobs]), daemon=True)
        asking.start()
        for oid, path in blobs:
            header = batch.stdout.readline().split()
            if len(header) != 3 or header[0].decode() != oid or header[1] != b"blob":
                batch.kill()
                raise NewsmarkError(f"revision {spec}: {path} could not be read from git (object {oid})")
            destination = target / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL and O_NOFOLLOW: a file is only ever created, in a folder made here
            fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "wb") as handle:
                left = int(header[2])
                while left:
                    chunk = batch.stdout.read(min(left, 1 << 20))
                    if not chunk:
                        raise NewsmarkError(f"revision {spec}: {path} ended early in git's answer")
                    handle.write(chunk)
                    left -= len(chunk)
            batch.stdout.read(1)  # the newline after each object
        asking.join()
    if batch.returncode not in (0, None):
        raise NewsmarkError(f"revision {spec}: git cat-file failed ({batch.returncode})")


def _ask(stdin, oids: list[str]) -> None:
    try:
        stdin.write("".join(f"{oid}\n" for oid in oids).encode("ascii"))
        stdin.close()
    except (OSError, ValueError):  # git stopped reading, or the pipe was closed: the reader says why
        pass


def _git(root: Path, spec: str, *args: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise NewsmarkError(f"git is needed here: {err}") from None
    if result.returncode != 0:
        raise NewsmarkError(f"revision {spec}: git {args[0]} failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def _row_counts(folder: Path, manifest: dict) -> dict[str, dict[str, int]]:
    import pyarrow.parquet as pq

    counts: dict[str, dict[str, int]] = {}
    for rel in manifest["outputs"]:
        if rel.startswith("data/") and rel.endswith(".parquet"):
            _, config, name = rel.split("/")
            split = name.split("-")[0]
            counts.setdefault(config, {}).setdefault(split, 0)
            counts[config][split] += pq.ParquetFile(folder / rel).metadata.num_rows
    return counts


def _label_sets(folder: Path) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    for split in SPLITS:
        _, articles = config_rows(folder, "articles", split)
        _, ner = config_rows(folder, "ner", split)
        if articles is not None:
            sets["topics"] = articles["topics"].feature.names
            sets["entity_types"] = articles["entities"].feature["type"].names
            sets["claim_types"] = articles["claims"].feature["type"].names
            sets["attributions"] = articles["claims"].feature["attribution"].names
        if ner is not None:
            sets["ner_tags"] = ner["ner_tags"].feature.names
        if articles is not None and ner is not None:
            break
    return sets


def _label_counts(folder: Path) -> dict[str, Counter]:
    counts = {"mentions": Counter(), "claims": Counter(), "topics": Counter()}
    for split in SPLITS:
        for article in decoded_rows(folder, "articles", split):
            for entity in article["entities"]:
                counts["mentions"][entity["type"]] += len(entity["mentions"])
            counts["claims"].update(claim["type"] for claim in article["claims"])
            counts["topics"].update(article["topics"])
    return counts


def _major(version) -> int | None:
    match = re.match(r"(\d+)\.\d+\.\d+", str(version))
    return int(match.group(1)) if match else None


def _setting_location(settings: tuple[str, str] | None, new: Path, name: str, value) -> str:
    """Where the split setting ``name`` of the newer release is written: its line in the pyproject.toml the
    release was built from (when that file gives the value the release records), else in its manifest."""
    if settings is not None:
        label, text = settings
        table = None
        for number, line in enumerate(text.splitlines(), 1):
            header = re.match(r"\s*\[([^\]]+)\]", line)
            if header:
                table = header.group(1).replace(" ", "").replace('"', "")
            elif table == "tool.newsmark" and re.match(rf"\s*{name}\s*=", line):
                written = line.split("=", 1)[1].split("#", 1)[0].strip().strip("\"'")
                if written == str(value) or _same_number(written, value):
                    return f"{label}:{number}:{line.index(name) + 1}"
    manifest = new / "manifest.json"
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if f'"{name}"' in line:
            return f"{manifest}:{number}:{line.index(name)}"
    return f"{manifest}:1:1"


def _same_number(written: str, value) -> bool:
    try:
        return float(written) == float(value)
    except (TypeError, ValueError):
        return False


def compare(old: Path, new: Path, settings: tuple[str, str] | None = None) -> dict:
    """The differences between two built dataset folders, as plain data; ``errors`` lists what must not be.
    ``settings`` is the (name, text) of the pyproject.toml ``new`` was built from, to locate errors."""
    manifests = [json.loads((folder / "manifest.json").read_text(encoding="utf-8")) for folder in (old, new)]
    before, after = ({**m.get("splits", {})} for m in manifests)
    both = sorted(set(before) & set(after))
    changed = {}
    for article in both:
        parts = [
            part
            for part, pattern in PARTS.items()
            if manifests[0]["inputs"].get(pattern.format(article))
            != manifests[1]["inputs"].get(pattern.format(article))
        ]
        if parts:
            changed[article] = parts
    # "moved": present in both releases, in another split. The split is a function of the article's key and
    # the split rule, so a move comes from a changed story or a changed rule.
    moved = {article: [before[article], after[article]] for article in both if before[article] != after[article]}
    rules = [manifest.get("split_rule") or {} for manifest in manifests]
    rule_changes = {
        name: [rules[0].get(name), rules[1].get(name)]
        for name in SPLIT_SETTINGS
        if rules[0].get(name) != rules[1].get(name)
    }
    rule_changed = bool(rule_changes)
    majors = [_major(manifest.get("version")) for manifest in manifests]
    new_major = None not in majors and majors[1] > majors[0]
    rows = [_row_counts(folder, manifest) for folder, manifest in zip((old, new), manifests)]
    counts = [_label_counts(folder) for folder in (old, new)]
    label_sets = [_label_sets(folder) for folder in (old, new)]
    label_changes = {}
    for name in sorted(set(label_sets[0]) | set(label_sets[1])):
        was, now = label_sets[0].get(name, []), label_sets[1].get(name, [])
        if was != now:
            kind = "appended" if now[: len(was)] == was else "reordered or removed"
            label_changes[name] = {"change": kind, "old": was, "new": now}
    errors = [
        f"{_setting_location(settings, new, name, now)}: [tool.newsmark] {name} changed ({was!r} -> {now!r}) "
        f"without a new major version ({manifests[0].get('version')} -> {manifests[1].get('version')}): "
        "changing the split rule moves articles between splits"
        + (f" ({len(moved)} moved here)" if moved else "")
        + ", so it is a major version: raise [project].version"
        + (f" to {majors[0] + 1}.0.0" if majors[0] is not None else "")
        + f", or restore {name}"
        for name, (was, now) in rule_changes.items()
        if not new_major
    ]
    if moved and not rule_changed:
        errors.append(
            f"{len(moved)} article(s) changed split although the split rule did not: "
            + ", ".join(f"{a} ({s[0]} -> {s[1]})" for a, s in list(moved.items())[:20])
        )
    errors += [
        f"label set {name} was {change['change']}: a breaking change for readers of earlier releases"
        for name, change in label_changes.items()
        if change["change"] != "appended"
    ]
    return {
        "old_version": manifests[0].get("version"),
        "new_version": manifests[1].get("version"),
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": changed,
        "split_rule_changed": rule_changed,
        "split_rule": rule_changes,  # setting -> [old, new], for each that changed
        "moved": moved,
        "rows": {
            config: {
                split: [rows[0].get(config, {}).get(split, 0), rows[1].get(config, {}).get(split, 0)]
                for split in SPLITS
            }
            for config in CONFIGS
        },
        "label_deltas": {
            group: {
                label: counts[1][group][label] - counts[0][group][label]
                for label in sorted(set(counts[0][group]) | set(counts[1][group]))
                if counts[1][group][label] != counts[0][group][label]
            }
            for group in ("mentions", "claims", "topics")
        },
        "label_sets": label_changes,
        "errors": errors,
    }


def diff(old: str, new: str, root: str | Path = ".") -> dict:
    root = Path(root)
    with dataset_folder(old, root) as earlier, dataset_folder(new, root) as later:
        return compare(earlier.folder, later.folder, later.settings)


def _ids(ids: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def changelog_draft(result: dict) -> str:
    """The text report: a ready draft of the CHANGELOG entry for the new version."""
    lines = [f"## {result['new_version']} (draft, compared with {result['old_version']})", ""]
    added, removed, changed = result["added"], result["removed"], result["changed"]
    lines.append(
        f"- Articles: {len(added)} added{' (' + _ids(added) + ')' if added else ''}, "
        f"{len(removed)} removed{' (' + _ids(removed) + ')' if removed else ''}, {len(changed)} changed."
    )
    for part in PARTS:
        ids = [article for article, parts in changed.items() if part in parts]
        if ids:
            lines.append(f"  - {part} changed: {_ids(ids)}")
    rows = []
    for config, splits in result["rows"].items():
        moves = [f"{split} {was} -> {now}" for split, (was, now) in splits.items() if was != now]
        if moves:
            rows.append(f"{config} ({', '.join(moves)})")
    lines.append(f"- Rows: {'; '.join(rows) if rows else 'unchanged'}.")
    for group, deltas in result["label_deltas"].items():
        if deltas:
            lines.append(
                f"- {group.capitalize()}: " + ", ".join(f"{label} {delta:+d}" for label, delta in deltas.items()) + "."
            )
    for name, change in result["label_sets"].items():
        lines.append(
            f"- Label set `{name}` {change['change']}: {', '.join(change['new'][len(change['old']) :]) or '—'}."
        )
    rule = ", ".join(f"{name} {was!r} -> {now!r}" for name, (was, now) in result.get("split_rule", {}).items())
    if result["moved"]:
        lines.append(
            f"- Splits: {len(result['moved'])} article(s) moved"
            + (f" (the split rule changed: {rule})" if rule else " (the split rule did not change)")
            + ":"
        )
        lines += [f"  - `{article}`: {was} -> {now}" for article, (was, now) in result["moved"].items()]
    else:
        lines.append("- Splits: no article moved" + (f" (the split rule changed: {rule})." if rule else "."))
    lines += [f"- ERROR: {error}" for error in result["errors"]]
    return "\n".join(lines) + "\n"
