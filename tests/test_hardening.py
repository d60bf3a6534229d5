"""Nothing lost, nothing wrongly trusted: each family of faults and hostile contributions, reproduced through
the real CLI on real files. Every case checks the exit code, the finding code and location where there is
one, that no traceback reaches the user, and that nothing outside the intended output changed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import NEWSMARK, REPO, SEED_ID, commit_all, copy_seed, run_cli

import newsmark
from newsmark.pipeline.cache import CACHE_DIR, CACHE_FILE
from newsmark.pipeline.lastrun import LAST_RUN


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and link under ``folder`` with its content hash (or link target)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[rel] = "dir"
    return found


def assert_clean_failure(result, fragment: str = "") -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert fragment in result.stderr, result.stderr


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the repository as a contributor has it: corpus, pyproject, datasheet and a .git folder."""
    root = copy_seed(tmp_path / "project")
    for name in ("pyproject.toml", "DATASHEET.md"):
        shutil.copy(REPO / name, root / name)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return root


def _json_findings(result) -> list[dict]:
    return json.loads(result.stdout)["findings"]


# -- data loss: where build and report may write ------------------------------------------------------------


@pytest.mark.parametrize("where", ["root", "cwd", "ancestor", "corpus", "annotations", "schema", "git"])
def test_build_never_writes_over_or_into_the_corpus(project, where):
    (project / "manifest.json").write_text('{"name": "newsmark", "outputs": {}}')  # looks like a build
    out = {
        "root": project,
        "cwd": Path("."),
        "ancestor": project.parent,
        "corpus": project / "corpus" / "dataset",
        "annotations": project / "annotations",
        "schema": project / "schema" / "x",
        "git": project / ".git",
    }[where]
    before = snapshot(project.parent)
    result = subprocess.run(
        [str(NEWSMARK), "build", "--root", str(project), "--out", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert_clean_failure(result, "--out")
    assert snapshot(project.parent) == before


def test_build_refuses_a_clone_of_the_published_dataset(project, tmp_path):
    out = tmp_path / "published"
    assert run_cli("build", "--root", str(project), "--out", str(out)).returncode == 0
    (out / ".git").mkdir()
    (out / ".git" / "config").write_text("[core]\n")
    (out / ".gitattributes").write_text("*.parquet filter=lfs\n")
    before = snapshot(out)
    assert_clean_failure(run_cli("build", "--root", str(project), "--out", str(out)), "not a newsmark build")
    assert snapshot(out) == before


def test_build_replaces_its_own_previous_output(project, tmp_path):
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(project), "--out", str(out)).returncode == 0
    first = snapshot(out)
    assert run_cli("build", "--root", str(project), "--out", str(out)).returncode == 0
    assert snapshot(out) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "project"]  # no lock, staging or old folder


@pytest.mark.parametrize("where", ["corpus", "root", "foreign"])
def test_report_never_writes_into_the_corpus_or_a_foreign_folder(project, tmp_path, where):
    foreign = tmp_path / "site"
    foreign.mkdir()
    (foreign / "index.html").write_text("someone else's page")
    (foreign / "style.css").write_text("body {}")
    out = {"corpus": project / "corpus", "root": project, "foreign": foreign}[where]
    before = snapshot(tmp_path)
    assert_clean_failure(run_cli("report", "--root", str(project), "--out", str(out)), "--out")
    assert snapshot(tmp_path) == before


def test_a_killed_build_never_loses_the_previous_output(tmp_path, synthetic_corpus):
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(synthetic_corpus), "--out", str(out)).returncode == 0
    previous = snapshot(out)
    root = tmp_path / "changed"
    shutil.copytree(synthetic_corpus, root)
    path = root / "annotations" / "synthetic-000004.yaml"
    path.write_text(path.read_text().replace("checkworthy: true", "checkworthy: false", 1))
    rng = random.Random(3)
    for _ in range(6):
        process = subprocess.Popen(
            [str(NEWSMARK), "build", "--root", str(root), "--out", str(out), "-j", "2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.2, 4.0))
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        current = snapshot(out)  # always a complete build: the previous one or the new one
        manifest = json.loads((out / "manifest.json").read_text())
        assert set(current) - {"data"} - {p for p in current if current[p] == "dir"} == set(manifest["outputs"]) | {
            "manifest.json"
        }
        for rel, digest in manifest["outputs"].items():
            assert current[rel] == digest
        assert (
            current == previous
            or manifest["inputs"]["annotations/synthetic-000004.yaml"] == hashlib.sha256(path.read_bytes()).hexdigest()
        )
    assert run_cli("build", "--root", str(root), "--out", str(out)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changed", "dist"]  # leftovers cleared


def test_the_next_run_restores_an_output_moved_aside_by_a_killed_run(project, tmp_path):
    """Where the filesystem cannot exchange two folders atomically, the old output is moved aside first; a
    kill at that moment leaves it there, and the next run (even one that fails) moves it back."""
    out = tmp_path / "dist"
    assert run_cli("build", "--root", str(project), "--out", str(out)).returncode == 0
    previous = snapshot(out)
    aside = tmp_path / ".dist.old-k1ll3d"
    aside.mkdir()
    out.rename(aside / "build")
    (tmp_path / ".dist.tmp-k1ll3d").mkdir()  # the half-written staging folder of the killed run
    annotation = project / "annotations" / f"{SEED_ID}.yaml"
    annotation.write_text(annotation.read_text().replace("type: NORP", "type: NATIONALITY"))
    result = run_cli("build", "--root", str(project), "--out", str(out))
    assert result.returncode == 1 and "NM304" in result.stdout
    assert snapshot(out) == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "project"]


def test_swap_without_atomic_exchange(tmp_path, monkeypatch):
    from newsmark import files

    monkeypatch.setattr(files, "_exchange", lambda a, b: False)  # as on a filesystem without renameat2
    out = tmp_path / "out"
    for content in ("old", "new"):
        with files.output_slot(out) as staging:
            (staging / "f").write_text(content)
            files.swap_in(staging, out)
    assert (out / "f").read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(
    "command,how", [("validate", signal.SIGKILL), ("build", signal.SIGKILL), ("validate", signal.SIGTERM)]
)
def test_workers_exit_when_their_parent_dies(tmp_path, command, how):
    from newsmark.contributor.synth import synthesize

    root = synthesize(tmp_path / "big", 1500)
    args = [str(NEWSMARK), command, "--root", str(root), "-j", "2"]
    args += ["--no-cache"] if command == "validate" else ["--out", str(tmp_path / "out")]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        workers = {pid for pid in _children(process.pid) if Path(f"/proc/{pid}/cmdline").read_bytes()}
        time.sleep(0.02)
    assert len(workers) >= 2, "the run ended before its workers were seen; make the corpus larger"
    os.kill(process.pid, how)
    process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.05)
    alive = [
        pid
        for pid in workers
        if Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    ]
    assert alive == []


# -- trust: patterns --------------------------------------------------------------------------------------

META_FIELDS = {
    "url": ("corpus/tiny.yaml", "source: {name: Example, url: 'https://example.org/a%s'}", "source: null"),
    "license": ("corpus/tiny.yaml", "license: 'CC-BY-4.0%s'", "license: unknown"),
    "language": ("corpus/tiny.yaml", "language: 'en%s'", "language: en"),
    "story": ("corpus/tiny.yaml", "license: unknown\nstory: 'rafah%s'", "license: unknown"),
    "id": ("corpus/tiny.yaml", "id: 'tiny%s'", "id: tiny"),
    "wikidata": ("annotations/tiny.yaml", "name: Ada Lovelace\n    wikidata: 'Q7259%s'", "name: Ada Lovelace"),
    "entity-id": ("annotations/tiny.yaml", "id: 'ada%s'\n    type: PERSON", "id: ada\n    type: PERSON"),
    "claimer": ("annotations/tiny.yaml", "claimer: 'author%s'", "claimer: author"),
    "annotator": ("annotations/tiny.yaml", "id: 'newsmark-tests%s'", "id: newsmark-tests"),
    "guidelines": ("annotations/tiny.yaml", "guidelines: '1.0%s'", 'guidelines: "1.0"'),
}
# (what is added, the quoting that makes it mean what it says, what marks its line)
DIRT = {"trailing-newline": ("\\n", '"', '\\n"'), "leading-space": (" ", "'", "' "), "nul": ("\\0", '"', '\\0"')}


@pytest.mark.parametrize("dirt", DIRT)
@pytest.mark.parametrize("field", META_FIELDS)
def test_every_pattern_is_anchored_at_the_true_end(tiny, field, dirt):
    rel, template, original = META_FIELDS[field]
    addition, quote, marker = DIRT[dirt]
    value = template % addition
    if dirt == "leading-space":
        value = value.replace("'", "' ", 1)
    elif quote == '"':
        value = value.replace("'", '"')
    path = tiny / rel
    text = path.read_text()
    assert original in text
    path.write_text(text.replace(original, value, 1))
    result = run_cli("validate", "--root", str(tiny), "--format", "json", "--no-cache")
    assert result.returncode == 1, (field, dirt, result.stdout)
    findings = _json_findings(result)
    line = next(i for i, text_line in enumerate(path.read_text().split("\n"), 1) if marker in text_line)
    assert any(
        f["path"] == rel and f["line"] in (line, line + 1) and f["code"] in ("NM105", "NM305", "NM501")
        for f in findings
    ), findings


def test_a_file_name_with_a_newline_is_not_an_article(tiny):
    (tiny / "corpus" / "evil\n.txt").write_text("Evil text.\n")
    result = run_cli("validate", "--root", str(tiny), "--format", "json", "--no-cache")
    assert result.returncode == 1
    assert [(f["code"], f["path"]) for f in _json_findings(result)] == [("NM109", "corpus/evil\\x0a.txt")]


@pytest.mark.parametrize(
    "option,value",
    [
        ("--id", "evil\n"),
        ("--url", "https://example.org/\n"),
        ("--story", "rafah\n"),
        ("--license", "CC0-1.0\n"),
        ("--language", "en\n"),
        ("--id", "con"),
        ("--id", "LPT1".lower()),
    ],
)
def test_new_refuses_values_that_validate_would_refuse(tmp_path, option, value):
    root = tmp_path / "c"
    (root / "corpus").mkdir(parents=True)
    result = run_cli(
        "new", "--root", str(root), "--text", "-", "--date", "2024-03-19", option, value, stdin="Some text.\n"
    )
    assert_clean_failure(result)
    assert list((root / "corpus").iterdir()) == []


# -- trust: the validate cache ----------------------------------------------------------------------------


def _broken_copy(tiny: Path) -> Path:
    path = tiny / "annotations" / "tiny.yaml"
    path.write_text(path.read_text().replace("type: GPE", "type: CTY"))  # same size, invalid
    return path


def test_a_file_saved_while_validate_runs_is_checked_again(tiny, monkeypatch):
    from newsmark.pipeline.check import runner as check

    path = tiny / "annotations" / "tiny.yaml"
    good = path.read_text()
    real = check.check_article
    edited = []

    def check_then_save(*args, **kwargs):
        outcome = real(*args, **kwargs)
        if not edited:  # the contributor saves an invalid version of the same size meanwhile
            path.write_text(good.replace("type: GPE", "type: CTY"))
            edited.append(True)
        return outcome

    monkeypatch.setattr(check, "check_article", check_then_save)
    assert newsmark.validate(tiny, cache=True, jobs=1).ok  # the bytes it read were valid
    monkeypatch.setattr(check, "check_article", real)
    for _ in range(2):
        assert [f.code for f in newsmark.validate(tiny, cache=True, jobs=1).errors] == ["NM304"]


def _age(root: Path) -> None:
    """Date every file an hour back: the cache never trusts the stat of a file modified seconds ago."""
    past = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (past, past), follow_symlinks=False)


def test_a_cache_from_another_machine_is_not_trusted(tiny, tmp_path):
    _broken_copy(tiny)
    _age(tiny)
    attacker = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "attacker")}
    ci = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "ci")}
    command = [str(NEWSMARK), "validate", "--root", str(tiny)]
    assert subprocess.run(command, env=attacker, capture_output=True).returncode == 1
    # The attacker drops the finding from the cache and signs it again with their own key.
    cache = tiny / CACHE_DIR / CACHE_FILE
    _, _, body = cache.read_bytes().partition(b"\n")
    payload = json.loads(body)
    for entry in payload["articles"].values():
        entry["findings"] = []
    body = json.dumps(payload).encode()
    import hmac

    key = (tmp_path / "attacker" / "newsmark" / "cache-key").read_bytes()
    cache.write_bytes(hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
    last = tiny / CACHE_DIR / LAST_RUN  # and the last run's findings, likewise
    payload = json.loads(last.read_bytes().partition(b"\n")[2])
    payload["findings"] = []
    body = json.dumps(payload).encode()
    last.write_bytes(hmac.new(key, body, hashlib.sha256).hexdigest().encode() + b"\n" + body)
    assert subprocess.run(command, env=attacker, capture_output=True).returncode == 0  # their own machine
    result = subprocess.run(command, env=ci, capture_output=True, text=True)
    assert result.returncode == 1 and "NM304" in result.stdout


def test_a_linked_cache_folder_is_never_followed(tiny, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tiny / CACHE_DIR).symlink_to(outside)
    assert run_cli("validate", "--root", str(tiny)).returncode == 0
    assert list(outside.iterdir()) == []
    _broken_copy(tiny)
    assert run_cli("validate", "--root", str(tiny)).returncode == 1


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_a_cache_file_that_never_ends_is_not_read(tiny, kind):
    folder = tiny / CACHE_DIR
    folder.mkdir()
    if kind == "dev-zero":
        (folder / CACHE_FILE).symlink_to("/dev/zero")
    else:
        os.mkfifo(folder / CACHE_FILE)
    # A one-article validate takes about a second; one that blocks on the FIFO or reads /dev/zero without
    # end is killed at the bound and fails the test, rather than holding the suite for run_cli's 300 s.
    result = run_cli("validate", "--root", str(tiny), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_validates_without_the_cache():
    workflow = (REPO / ".github" / "workflows" / "validate.yml").read_text()
    assert "newsmark validate --no-cache --format github" in workflow


# -- trust: what a reviewer sees --------------------------------------------------------------------------


def test_bidi_and_zero_width_characters_in_yaml_fields(tiny):
    meta = tiny / "corpus" / "tiny.yaml"
    meta.write_text(meta.read_text().replace("title: null", 'title: "The \\u202eevil\\u202c word"'))
    annotation = tiny / "annotations" / "tiny.yaml"
    annotation.write_text(
        annotation.read_text()
        .replace("name: Ada Lovelace", 'name: "Ada\\u200b Lovelace"')
        .replace("name: London", 'name: "Lon\\x1b[2Kdon"')
    )
    result = run_cli("validate", "--root", str(tiny), "--format", "json", "--no-cache")
    assert result.returncode == 1
    found = {(f["path"], f["line"], f["code"]) for f in _json_findings(result)}
    assert found == {
        ("corpus/tiny.yaml", 2, "NM111"),
        ("corpus/tiny.yaml", 2, "NM111"),
        ("annotations/tiny.yaml", 12, "NM112"),
        ("annotations/tiny.yaml", 22, "NM105"),
    }


def test_findings_never_print_control_characters(tiny):
    annotation = tiny / "annotations" / "tiny.yaml"
    annotation.write_text(annotation.read_text().replace("topics:", '"\\e[2K\\rPASSED: 1 article\\e[8m": x\ntopics:'))
    for form in ("text", "github", "json"):
        result = run_cli("validate", "--root", str(tiny), "--format", form, "--no-cache")
        assert result.returncode == 1
        assert "\x1b" not in result.stdout and "\r" not in result.stdout, form
        assert "\\x1b[2K\\x0dPASSED" in result.stdout.replace("\\\\", "\\"), form


def test_report_shows_invisible_characters(project, tmp_path):
    text = project / "corpus" / f"{SEED_ID}.txt"
    body = text.read_text()
    text.write_text(body.rstrip("\n") + "\u200b\n")  # after every span: only a warning
    result = run_cli("report", "--root", str(project), "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r" / "articles" / f"{SEED_ID}.html").read_text()
    assert "\u200b" not in page and 'class="hidden-char"' in page and "U+200B" in page


# -- input that crashed ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,code", [("3.0e0", "NM303"), ("12.0", "NM303"), ("-0.0", "NM303"), ("1" * 5000, "NM209")]
)
def test_offsets_that_are_not_integers(tiny, value, code):
    annotation = tiny / "annotations" / "tiny.yaml"
    annotation.write_text(annotation.read_text().replace("{start: 43, end: 49,", f"{{start: {value}, end: 49,"))
    result = run_cli("validate", "--root", str(tiny), "--format", "json", "--no-cache")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [(f["path"], f["line"], f["code"]) for f in _json_findings(result)] == [("annotations/tiny.yaml", 24, code)]


@pytest.mark.parametrize("labels", [[None], ["PERSON", 3], "PERSON"])
def test_released_labels_that_are_not_label_lists(tiny, labels):
    (tiny / "schema").mkdir()
    (tiny / "schema" / "released-labels.json").write_text(json.dumps({"entity_types": labels}))
    for command in (["validate", "--no-cache"], ["stats"]):
        result = run_cli(*command, "--root", str(tiny))
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    result = run_cli("validate", "--root", str(tiny), "--no-cache")
    assert result.returncode == 1 and "schema/released-labels.json:1:1: NM601" in result.stdout


@pytest.mark.parametrize("damage", ["swapped", "latin-1", "twice"])
def test_build_checks_the_datasheet_before_writing_anything(project, tmp_path, damage):
    datasheet = project / "DATASHEET.md"
    text = datasheet.read_text()
    start, end = "<!-- newsmark:stats:start -->", "<!-- newsmark:stats:end -->"
    if damage == "swapped":
        datasheet.write_text(text.replace(start, "@@").replace(end, start).replace("@@", end))
    elif damage == "latin-1":
        datasheet.write_bytes(text.encode() + "Caf\u00e9\n".encode("latin-1"))
    else:
        datasheet.write_text(text + f"\n{start}\n{end}\n")

    def corpus_files():  # the build cache (scratch space beside the corpus) may fill in a refused build
        return {rel: digest for rel, digest in snapshot(project).items() if not rel.startswith(CACHE_DIR)}

    before = corpus_files()
    result = run_cli("build", "--root", str(project), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "NM603" in result.stdout, result.stdout + result.stderr
    assert not (tmp_path / "out").exists() and corpus_files() == before
    result = run_cli("validate", "--root", str(project), "--no-cache")
    assert result.returncode == 1 and "DATASHEET.md:" in result.stdout and "NM603" in result.stdout


def test_ner_tags_are_valid_iob2(tmp_path, synthetic_corpus):
    from datasets import load_dataset

    out = tmp_path / "out"
    root = copy_seed(tmp_path / "seed")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    for corpus in (root, synthetic_corpus):
        assert run_cli("build", "--root", str(corpus), "--out", str(out)).returncode == 0
        for split in load_dataset(str(out), "ner").values():
            names = split.features["ner_tags"].feature.names
            for row in split:
                previous = "O"
                for tag in (names[i] for i in row["ner_tags"]):
                    assert not tag.startswith("I-") or previous[2:] == tag[2:], (row["id"], row["ner_tags"])
                    previous = tag


@pytest.mark.parametrize("occurrence", ["0", "-1", "1.0", "true"])
def test_anchor_occurrences_count_from_one(tiny, occurrence):
    annotation = tiny / "annotations" / "tiny.yaml"
    annotation.write_text(
        annotation.read_text().replace(
            "{start: 43, end: 49, text: London}", f"{{text: London, occurrence: {occurrence}}}"
        )
    )
    before = annotation.read_bytes()
    result = run_cli("anchor", "--root", str(tiny), "tiny")
    assert result.returncode == 1 and "annotations/tiny.yaml:24:9: NM406" in result.stdout, result.stdout
    assert annotation.read_bytes() == before


def test_validate_of_a_path_that_does_not_exist_is_a_usage_error(tiny):
    result = run_cli("validate", "--root", str(tiny), str(tiny / "corpus" / "typo.txt"))
    assert result.returncode == 2 and "no such file" in result.stderr and "PASSED" not in result.stdout


def test_a_file_where_the_output_folder_should_be(project, tmp_path):
    (tmp_path / "dist").write_text("a file")
    assert_clean_failure(run_cli("build", "--root", str(project), "--out", str(tmp_path / "dist" / "newsmark")), "dist")
    assert_clean_failure(run_cli("build", "--root", str(project), "--out", str(tmp_path / "dist")), "not a folder")


def _in_private_mount(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-euc", script],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NEWSMARK_DEBUG": ""},
    )


def _can_mount(tmp_path) -> bool:
    probe = tmp_path / "probe"
    probe.mkdir()
    return (
        shutil.which("unshare") is not None
        and _in_private_mount(f"mount -t tmpfs -o size=64k tmpfs {probe}").returncode == 0
    )


@pytest.mark.parametrize("problem", ["full", "read-only"])
def test_full_disk_and_read_only_output_are_one_line_errors(project, tmp_path, problem):
    if not _can_mount(tmp_path):
        pytest.skip("needs unshare and mount (root) to make a small or read-only filesystem")
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = (
        f"mount -t tmpfs -o size=96k tmpfs {disk}"
        if problem == "full"
        else f"mount -t tmpfs -o size=8m tmpfs {disk} && mount -o remount,ro {disk}"
    )
    result = _in_private_mount(f"{mount}; exec {NEWSMARK} build --root {project} --out {disk}/newsmark")
    assert_clean_failure(result, "No space left on device" if problem == "full" else "Read-only file system")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# -- bounded cost per article -----------------------------------------------------------------------------


def _one_sentence_article(root: Path, mentions: int) -> str:
    words = [f"Name{i:05d}" for i in range(mentions)]
    text = " and ".join(words) + " met.\n"
    entities, at = [], 0
    for i, word in enumerate(words):
        entities.append(
            {
                "id": f"e{i}",
                "type": "PERSON",
                "name": word,
                "mentions": [{"start": at, "end": at + len(word), "text": word}],
            }
        )
        at += len(word) + len(" and ")
    (root / "corpus" / "long.txt").write_text(text)
    (root / "corpus" / "long.yaml").write_text(
        "id: long\ntitle: null\ndate: '2024-01-02'\nlanguage: en\nsource: null\nlicense: unknown\n"
    )
    annotation = {
        "article": "long",
        "guidelines": "1.0",
        "annotators": [{"id": "t", "kind": "human"}],
        "topics": ["medtop:13000000"],
        "entities": entities,
        "claims": [],
    }
    (root / "annotations" / "long.yaml").write_text(yaml.safe_dump(annotation, sort_keys=False))
    return text


def test_sentence_context_is_capped_per_row(tiny, tmp_path):
    from datasets import load_dataset

    from newsmark.pipeline.features import MAX_CONTEXT

    text = _one_sentence_article(tiny, 400)
    (tiny / "pyproject.toml").write_text(
        '[project]\nname = "t"\nversion = "0.0.1"\n[tool.newsmark]\nsalt = "t"\ntest_fraction = 0.0\n'
    )
    out = tmp_path / "out"
    assert run_cli("build", "--root", str(tiny), "--out", str(out)).returncode == 0
    mentions = load_dataset(str(out), "mentions", split="train").filter(lambda r: r["article_id"] == "long")
    assert len(mentions) == 400
    for row in mentions:
        assert len(row["sentence"]) == MAX_CONTEXT
        assert text[row["sentence_start"] : row["sentence_start"] + MAX_CONTEXT] == row["sentence"]
        assert row["sentence_start"] <= row["start"] and row["end"] <= row["sentence_start"] + MAX_CONTEXT


def test_report_handles_deeply_nested_mentions(tiny, tmp_path):
    depth = 1100  # past Python's recursion limit; the quotes alone come near the file size limit
    text = "(" * depth + "x" + ")" * depth + "\n"
    (tiny / "corpus" / "tiny.txt").write_text(text)
    entities = [
        {
            "id": f"e{i}",
            "type": "ORG",
            "name": "Org",
            "mentions": [{"start": i, "end": 2 * depth + 1 - i, "text": text[i : 2 * depth + 1 - i]}],
        }
        for i in range(depth)
    ]
    annotation = yaml.safe_load((tiny / "annotations" / "tiny.yaml").read_text())
    annotation.update(entities=entities, claims=[])
    (tiny / "annotations" / "tiny.yaml").write_text(yaml.safe_dump(annotation, sort_keys=False, width=10**6))
    (tiny / "pyproject.toml").write_text(
        (REPO / "tests" / "cases" / "NM602_stale-datasheet" / "pyproject.toml").read_text()
    )
    assert run_cli("validate", "--root", str(tiny), "--no-cache").returncode == 0
    result = run_cli("report", "--root", str(tiny), "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "r" / "articles" / "tiny.html").read_text()
    assert page.count("<mark ") == depth and page.count("</mark>") == depth


# -- report --changed --------------------------------------------------------------------------------------


def _git_corpus(tmp_path) -> tuple[Path, list[str]]:
    from newsmark.contributor.synth import synthesize

    root = synthesize(tmp_path / "c", 4)
    return root, commit_all(root)


def test_changed_revision_is_never_an_option(tmp_path):
    root, _ = _git_corpus(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for revision in (f"--output={victim}", "-p"):
        result = run_cli("report", "--root", str(root), f"--changed={revision}", "--out", str(tmp_path / "r"))
        assert_clean_failure(result, "never starts with '-'")
    assert victim.read_text() == "precious"
    assert_clean_failure(
        run_cli("report", "--root", str(root), "--changed", "no-such-branch", "--out", str(tmp_path / "r")),
        "not a commit",
    )


def test_changed_names_removed_articles_and_includes_untracked_ones(tmp_path):
    from newsmark.contributor.synth import synthesize

    root, git = _git_corpus(tmp_path)
    subprocess.run(
        git
        + [
            "rm",
            "-q",
            "corpus/synthetic-000001.txt",
            "corpus/synthetic-000001.yaml",
            "annotations/synthetic-000001.yaml",
        ],
        check=True,
    )
    synthesize(root, 1, first=7)  # new and not yet added to git
    result = run_cli("report", "--root", str(root), "--changed", "HEAD", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    assert "synthetic-000001 was removed" in result.stdout
    assert [p.name for p in (tmp_path / "r" / "articles").iterdir()] == ["synthetic-000007.html"]


# -- file modes --------------------------------------------------------------------------------------------


def test_written_files_get_the_umask_mode(tmp_path):
    root = tmp_path / "c"
    for name in ("corpus", "annotations"):
        (root / name).mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(REPO / "DATASHEET.md", root / "DATASHEET.md")
    os.chmod(root / "DATASHEET.md", 0o640)
    env_umask = "umask 022; "
    new = subprocess.run(
        f"{env_umask}{NEWSMARK} new --root {root} --text - --date 2024-03-19 --title Test",
        shell=True,
        input="Ada met Charles in London.\n",
        capture_output=True,
        text=True,
    )
    assert new.returncode == 0, new.stderr
    article_id = "2024-03-19-test"
    annotation = root / "annotations" / f"{article_id}.yaml"
    annotation.write_text(
        annotation.read_text()
        .replace("annotators: []", "annotators: [{id: t, kind: human}]")
        .replace("topics: []", "topics: [medtop:13000000]")
        .replace("entities: []", "entities: [{id: ada, type: PERSON, name: Ada, mentions: [{text: Ada}]}]")
    )
    os.chmod(annotation, 0o664)
    steps = [
        f"{NEWSMARK} anchor --root {root} {article_id}",
        f"{NEWSMARK} report --root {root} --out {tmp_path / 'r'}",
        f"{NEWSMARK} build --root {root} --out {tmp_path / 'out'}",
    ]
    for step in steps:
        result = subprocess.run(env_umask + step, shell=True, capture_output=True, text=True)
        assert result.returncode == 0, step + result.stdout + result.stderr
    modes = {
        path: stat.S_IMODE(path.stat().st_mode)
        for path in [
            root / "corpus" / f"{article_id}.txt",
            root / "corpus" / f"{article_id}.yaml",
            tmp_path / "r" / "index.html",
            tmp_path / "r" / "articles" / f"{article_id}.html",
        ]
    }
    assert set(modes.values()) == {0o644}, modes
    assert stat.S_IMODE(annotation.stat().st_mode) == 0o664  # anchor kept the file's own mode
    assert stat.S_IMODE((root / "DATASHEET.md").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


@pytest.mark.parametrize("folder", ["corpus", "annotations"])
def test_no_writer_of_the_corpus_writes_through_a_linked_folder(tiny, tmp_path, folder):
    """new, ingest, anchor, suggest and dedup hold the corpus's writer lock, which refuses a linked corpus/
    or annotations/ before anything is written: the link's target is left exactly as it was. suggest
    --dry-run, which writes nothing, reports the link as validate does rather than failing inside."""
    elsewhere = tmp_path / "elsewhere"
    shutil.move(tiny / folder, elsewhere)
    (tiny / folder).symlink_to(elsewhere)
    before = sorted((path.name, path.read_bytes()) for path in elsewhere.iterdir())
    text = tmp_path / "article.txt"
    text.write_text("Ferries to Karnholt will run twice a day from May, the harbour office said.\n")
    seed = tmp_path / "seed.txt"
    seed.write_text("date 2024-05-02\n\nThe harbour office of Karnholt opened a second pier on Tuesday.\n")
    for command in (
        ["new", "--text", str(text), "--date", "2024-01-01", "--title", "Ferries"],
        ["ingest", str(seed)],
        ["anchor", str(tiny / "annotations" / "tiny.yaml")],
        ["suggest", "tiny"],
        ["dedup"],
    ):
        result = run_cli(*command, "--root", str(tiny))
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr, command
        assert sorted((path.name, path.read_bytes()) for path in elsewhere.iterdir()) == before, command
    looked = run_cli("suggest", "tiny", "--dry-run", "--root", str(tiny))
    assert looked.returncode == 1 and f"{folder}:1:1: NM108 {folder}/ is a symbolic link" in looked.stderr
