"""newsmark import through the real CLI: every input format, all or nothing, idempotence, exact and near
duplicates grouped into stories, and a saved web page where only the article text must come out."""

from __future__ import annotations

import hashlib
import json
import os

import pytest
import yaml
from conftest import empty_project, run_cli

PIER = (
    "The harbour council of Ostmere voted on Monday to rebuild the north pier after the winter storms "
    "damaged it beyond repair. Work is to start in May and last two years, the council said. "
) * 2
RAIL = (
    "A new rail line will connect Valdria and Karnholt by 2027, the transport ministry said in a statement "
    "on Friday, adding that tenders would open next month. "
) * 2
PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Pier to be rebuilt | Harbour Times</title>
<meta property="og:site_name" content="Harbour Times">
<meta property="og:url" content="https://harbour.example/2024/03/pier">
<meta name="date" content="2024-03-05"></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/sport">Sport</a></li><li>Subscribe now for 1 euro</li></ul></nav>
<header><h1>Pier to be rebuilt</h1></header>
<article>
<p>The harbour council of Ostmere voted on Monday to rebuild the north pier after the winter storms damaged it
beyond repair, ending a debate that had divided the town for months.</p>
<p>Work is to start in May and last two years. The council expects the rebuilt pier to reopen to ferries in the
spring of 2026, a spokeswoman said.</p>
<p>Fishermen, who lost their moorings in January, said they would be given temporary berths in the south basin
while the work goes on.</p>
</article>
<section class="comments"><h2>Comments</h2><div class="comment"><p>Kevin72: first! this council is a joke</p></div></section>
<footer><p>Copyright Harbour Times. All rights reserved. Cookie settings.</p></footer>
</body></html>
"""


@pytest.fixture
def root(tmp_path):
    return empty_project(tmp_path / "corpus")


def _jsonl(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


def _metas(root):
    return {path.stem: yaml.safe_load(path.read_text()) for path in sorted((root / "corpus").glob("*.yaml"))}


def test_jsonl_csv_folder_and_html_all_import(root, tmp_path):
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        [
            {
                "text": PIER,
                "title": "Pier plan",
                "date": "2024-03-01",
                "url": "https://example.org/pier",
                "source": "Example News",
                "license": "CC-BY-4.0",
            },
            {"body": RAIL, "headline": "Rail link", "published": "2024-03-02"},
        ],
    )
    (tmp_path / "export.csv").write_text(
        'title,article,date,licence\n"Bank results","The Ostmere bank reported a '
        'profit of 4 million for the year.",2024-04-01,CC0-1.0\n'
    )
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "one.txt").write_text("Ferries to Karnholt will run twice a day from June, the operator said.\n")
    (texts / "one.yaml").write_text("title: Ferry timetable\ndate: '2024-05-01'\nlicense: CC-BY-4.0\n")
    (tmp_path / "page.html").write_text(PAGE)
    result = run_cli(
        "import",
        feed,
        str(tmp_path / "export.csv"),
        str(texts),
        str(tmp_path / "page.html"),
        "--root",
        str(root),
        "--license",
        "CC-BY-SA-4.0",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    metas = _metas(root)
    assert len(metas) == 5
    by_title = {meta["title"]: meta for meta in metas.values()}
    assert by_title["Pier plan"]["source"] == {"name": "Example News", "url": "https://example.org/pier"}
    assert by_title["Rail link"]["license"] == "CC-BY-SA-4.0" and by_title["Rail link"]["date"] == "2024-03-02"
    assert by_title["Bank results"]["license"] == "CC0-1.0"
    assert by_title["Ferry timetable"]["date"] == "2024-05-01"
    page = next(meta for meta in metas.values() if meta["source"] and meta["source"]["name"] == "Harbour Times")
    text = (root / "corpus" / f"{page['id']}.txt").read_text()
    assert "Fishermen, who lost their moorings" in text and "ending a debate" in text
    for noise in ("Subscribe", "Kevin72", "Cookie", "Sport"):
        assert noise not in text, noise
    assert page["date"] == "2024-03-05" and page["source"]["url"] == "https://harbour.example/2024/03/pier"
    for article_id in metas:
        assert (root / "annotations" / f"{article_id}.yaml").is_file()
    report = json.loads(run_cli("validate", "--root", str(root), "--no-cache", "--format", "json").stdout)
    # Every imported file is valid; the annotation skeletons are a status (not yet annotated), not findings.
    assert report["findings"] == [] and report["ok"]
    assert report["not_annotated"] == {"not-started": 5}


def test_all_or_nothing_with_every_problem_located(root, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"text": PIER, "date": "2024-03-01"})
        + "\n"
        + json.dumps({"text": RAIL, "date": "2024-02-30"})
        + "\n"
        + "{broken\n"
        + json.dumps({"title": "no text", "date": "2024-01-01"})
        + "\n"
        + json.dumps({"text": "Some text.", "date": "2024-01-01", "license": "CC-BY-4"})
        + "\n"
    )
    (tmp_path / "export.csv").write_text('text,date\n"Fine text here.",2024-01-01\n"\u202eHidden",2024-01-02\n')
    result = run_cli("import", str(feed), str(tmp_path / "export.csv"), "--root", str(root))
    assert result.returncode == 1 and "nothing was written" in result.stderr
    for located in (
        f"{feed}:2: date '2024-02-30'",
        f"{feed}:3: not valid JSON",
        f"{feed}:4: no text",
        f"{feed}:5: license 'CC-BY-4' is not an SPDX licence id; did you mean CC-BY-4.0?",
        f"{tmp_path / 'export.csv'}:3: ",
    ):
        assert located in result.stderr, (located, result.stderr)
    assert list((root / "corpus").iterdir()) == [] and list((root / "annotations").iterdir()) == []


def test_importing_twice_changes_nothing_and_dry_run_writes_nothing(root, tmp_path):
    feed = _jsonl(tmp_path / "feed.jsonl", [{"text": PIER, "date": "2024-03-01"}, {"text": RAIL, "date": "2024-03-02"}])
    dry = run_cli("import", feed, "--root", str(root), "--dry-run")
    assert dry.returncode == 0 and "would import 2 article(s)" in dry.stdout
    assert list((root / "corpus").iterdir()) == []
    assert run_cli("import", feed, "--root", str(root)).returncode == 0
    before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    again = run_cli("import", feed, "--root", str(root))
    assert again.returncode == 0 and "imported 0 article(s); 2 skipped" in again.stdout
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before


def test_exact_and_near_duplicates(root, tmp_path):
    # Republished: a new headline, one word changed, a sentence added.
    retold = PIER.replace("winter storms", "spring storms", 1) + "Fishermen welcomed the decision."
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        [
            {"text": PIER, "title": "Pier to be rebuilt", "date": "2024-03-01"},
            {"text": "  " + PIER.upper() + "  ", "title": "Shouted copy", "date": "2024-03-02"},  # same words
            {"text": retold, "title": "Ostmere approves pier plan", "date": "2024-03-03"},
            {"text": RAIL, "title": "Rail link", "date": "2024-03-04"},
        ],
    )
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert f"skipped {feed}:2: same text as 2024-03-01-pier-to-be-rebuilt" in result.stdout
    metas = _metas(root)
    assert set(metas) == {
        "2024-03-01-pier-to-be-rebuilt",
        "2024-03-03-ostmere-approves-pier-plan",
        "2024-03-04-rail-link",
    }
    assert metas["2024-03-03-ostmere-approves-pier-plan"]["story"] == "2024-03-01-pier-to-be-rebuilt"
    assert "story" not in metas["2024-03-04-rail-link"] and "story" not in metas["2024-03-01-pier-to-be-rebuilt"]
    # A later import of another retelling joins the same story, and so the same split.
    later = _jsonl(
        tmp_path / "later.jsonl",
        [{"text": retold + " The mayor agreed.", "title": "Mayor backs pier", "date": "2024-03-09"}],
    )
    assert run_cli("import", later, "--root", str(root)).returncode == 0
    assert _metas(root)["2024-03-09-mayor-backs-pier"]["story"] == "2024-03-01-pier-to-be-rebuilt"


def test_near_duplicate_pairs_find_planted_copies_and_leave_others():
    from newsmark.neardup import clusters, near_duplicate_pairs, signatures
    from newsmark.settings import DedupSettings

    texts = {
        "pier": PIER,
        "rail": RAIL,
        "pier-copy": PIER.replace("Monday", "Tuesday"),
        "football": "An entirely different report about football results in Heddenby on Sunday.",
    }
    pairs = near_duplicate_pairs(list(texts), signatures(list(texts.values()), DedupSettings()), DedupSettings())
    assert [(a, b) for a, b, _ in pairs] == [("pier", "pier-copy")]
    assert clusters([("b", "a"), ("c", "b"), ("x", "y")]) == [["a", "b", "c"], ["x", "y"]]


def test_dedup_groups_near_duplicates_into_one_story(root, tmp_path):
    other = PIER.replace("winter storms", "spring storms", 1) + "Fishermen welcomed the decision."
    for number, (text, title) in enumerate([(PIER, "Pier"), (other, "Pier again"), (RAIL, "Rail")]):
        feed = _jsonl(tmp_path / f"f{number}.jsonl", [{"text": text, "title": title, "date": f"2024-03-0{number + 1}"}])
        assert run_cli("import", feed, "--root", str(root)).returncode == 0
    # Taken apart by hand, as happens when articles arrive without the import's grouping.
    meta = root / "corpus" / "2024-03-02-pier-again.yaml"
    meta.write_text(
        "# added by hand\n"
        + "".join(line + "\n" for line in meta.read_text().splitlines() if not line.startswith("story:"))
    )
    report = run_cli("dedup", "--dry-run", "--root", str(root))
    assert report.returncode == 0
    assert "2024-03-01-pier, 2024-03-02-pier-again: would share story 2024-03-01-pier" in report.stdout
    assert "rail" not in report.stdout
    assert run_cli("dedup", "--root", str(root)).returncode == 0
    text = meta.read_text()
    assert text.startswith("# added by hand\n") and "story: 2024-03-01-pier\n" in text and "title: Pier again" in text
    assert "already share story" in run_cli("dedup", "--root", str(root)).stdout


def test_hostile_sources_are_located_problems(root, tmp_path):
    (tmp_path / "latin1.csv").write_bytes(b'text,date\n"Fine.",2024-01-01\n"Caf\xe9 story.",2024-01-02\n')
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "secret.txt").symlink_to("/etc/passwd")  # a link in a folder of texts is never followed
    (texts / "story.txt").write_text("A story about the harbour.\n")
    (texts / "story.yaml").write_text("date: [2024\n")
    (tmp_path / "notes.docx").write_text("not a source")
    result = run_cli(
        "import", str(tmp_path / "latin1.csv"), str(texts), str(tmp_path / "notes.docx"), "--root", str(root)
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    for located in (
        f"{tmp_path / 'latin1.csv'}:3: not UTF-8 (byte 0xe9)",
        f"{texts / 'secret.txt'}: symbolic link",
        f"{texts / 'story.yaml'}:",
        f"{tmp_path / 'notes.docx'}: not a source",
    ):
        assert located in result.stderr, (located, result.stderr)
    assert list((root / "corpus").iterdir()) == []


def _csv(path, header, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def test_credit_provenance_cleaning_and_skips(root, tmp_path):
    # A feed shaped like the Wikinews scrape: a dateline line, a photo caption, a stray zero-width joiner
    # before a quote, a test page and an over-long text.
    body = (
        "Monday, March 4, 2024\u00a0\n\n\n" + PIER + "\n\nThe pier in 2019. Image: Ada Brask.\n\n"
        "The mayor said, in the Valdrian language: \u200dThe pier is safe.\n"
    )
    feed = _csv(
        tmp_path / "feed.csv",
        ["url", "date", "title", "text"],
        [
            ["https://news.example/pier", "2024-03-04", "Pier to be rebuilt", body],
            ["https://news.example/test", "2024-03-05", "TEST PAGE:Self-publish", "Testing, testing."],
            ["https://news.example/long", "2024-03-06", "A long interview", RAIL * 40],
        ],
    )
    result = run_cli(
        "import",
        feed,
        "--source-name",
        "Ostmere News",
        "--author",
        "Ostmere News contributors",
        "--license",
        "CC-BY-2.5",
        "--clean",
        "dateline",
        "--clean",
        "photo-caption",
        "--clean",
        "stray-joiner",
        "--skip-title",
        "^TEST PAGE:",
        "--skip-longer-than",
        "5000",
        "--root",
        str(root),
    )
    assert result.returncode == 0, result.stderr
    assert "imported 1 article(s); 2 skipped" in result.stdout
    test_page = 2 + body.count("\n") + 1  # each item is located where its record starts
    assert f"skipped {feed}:{test_page}: title 'TEST PAGE:Self-publish' matches --skip-title" in result.stdout
    assert (
        f"skipped {feed}:{test_page + 1}: text of {len(RAIL * 40):,} characters, longer than --skip-longer-than 5,000"
        in result.stdout
    )
    (meta,) = _metas(root).values()
    assert meta["source"] == {
        "name": "Ostmere News",
        "url": "https://news.example/pier",
        "authors": ["Ostmere News contributors"],
    }
    assert meta["license"] == "CC-BY-2.5"
    # the record starts on line 2 although the text spans many lines; the hash is of the text as given
    assert meta["provenance"] == {
        "file": "feed.csv",
        "line": 2,
        "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
    }
    assert meta["changes"] == [
        "removed the dateline (the line 'Monday, March 4, 2024')",
        "removed photo captions with their credits (the line 'The pier in 2019. Image: Ada Brask.')",
        "removed 1 zero-width joiner (U+200D) that joined nothing",
    ]
    text = (root / "corpus" / f"{meta['id']}.txt").read_text()
    assert text.startswith("The harbour council") and "Image:" not in text and "\u200d" not in text
    assert text.endswith("in the Valdrian language: The pier is safe.\n")
    report = json.loads(run_cli("validate", "--root", str(root), "--format", "json").stdout)
    assert report["findings"] == [] and report["not_annotated"] == {"not-started": 1}


def test_a_map_to_a_missing_column_is_refused_and_nothing_written(root, tmp_path):
    feed = _csv(tmp_path / "feed.csv", ["date", "title", "text"], [["2024-03-04", "Pier", PIER]])
    for mapping, column in (("text=body", "body"), ("source_name=Wikinews", "Wikinews")):
        result = run_cli("import", feed, "--map", mapping, "--root", str(root))
        assert result.returncode == 1
        assert (
            f"feed.csv:1: --map {mapping}: there is no column '{column}' (the columns are date, title, text)"
            in result.stderr
        )
    jsonl = _jsonl(tmp_path / "feed.jsonl", [{"date": "2024-03-04", "text": PIER}])
    result = run_cli("import", jsonl, "--map", "text=body", "--root", str(root))
    assert result.returncode == 1 and "feed.jsonl:1: --map text=body: there is no column 'body'" in result.stderr
    assert list((root / "corpus").iterdir()) == [] and list((root / "annotations").iterdir()) == []


def test_every_problem_of_a_row_once_and_one_licence_hint_for_all_rows(root, tmp_path):
    rows = [
        ["2024-03-04T09:30:00+01:00", "Pier", PIER, "CC BY 2.5"],  # a date-time: its date as written
        ["2024-03-05", "Rail", RAIL, "CC BY 2.5"],
        ["5 March", "Ferry", "", "CC-BY-4.0"],
    ]  # two problems in one row
    feed = _csv(tmp_path / "feed.csv", ["date", "title", "text", "license"], rows)
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert [line for line in lines if "did you mean" in line] == [
        f"{feed}:2: license 'CC BY 2.5' is not an SPDX licence id; did you mean CC-BY-2.5? (2 items give it: "
        f"{feed}:2, {feed}:3)"
    ]
    (row,) = [line for line in lines if line.startswith(f"{feed}:4: ")]
    assert "no text" in row and "date '5 March'" in row
    assert list((root / "corpus").iterdir()) == []
    fixed = _csv(tmp_path / "fixed.csv", ["date", "title", "text", "license"], rows[:1])
    assert run_cli("import", fixed, "--root", str(root), "--license", "CC-BY-2.5").returncode == 1
    rows[0][3] = "CC-BY-2.5"
    fixed = _csv(tmp_path / "fixed.csv", ["date", "title", "text", "license"], rows[:1])
    assert run_cli("import", fixed, "--root", str(root)).returncode == 0
    assert [meta["date"] for meta in _metas(root).values()] == ["2024-03-04"]


def test_short_texts_and_test_pages_are_warnings(root, tmp_path):
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        [{"date": "2024-03-04", "title": "Test page for the new site", "text": "Hello, world."}],
    )
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 0
    assert "warning: " + feed + ":1: the title 'Test page for the new site' marks a test page" in result.stderr
    assert "warning: " + feed + ":1: the text has only 13 characters; is it a whole article?" in result.stderr


def test_lone_surrogates_deep_nesting_and_endless_numbers_are_located_problems(root, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"date": "2024-01-01", "title": "T\\ud800", "text": "Hello world, and some more words."}\n'
        '{"date": "2024-01-01", "text": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}\n"
        '{"date": "2024-01-01", "text": "Hello world, and some more words.", "words": ' + "9" * 5_000 + "}\n"
    )
    result = run_cli("import", str(feed), "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert f"{feed}:1: a string holds a lone surrogate U+D800, which is not a character" in result.stderr
    assert f"{feed}:2: nested more than 64 levels deep" in result.stderr
    assert f"{feed}:3: a number of more than 4300 digits" in result.stderr
    assert list((root / "corpus").iterdir()) == []


def test_two_items_with_one_id_are_refused_not_merged(root, tmp_path):
    # An explicit id that an earlier item has (given, or generated from its date and title) would make one
    # article overwrite the other: the import refuses, naming both items, and writes nothing.
    for records, taken_by in (
        (
            [{"id": "pier", "date": "2024-03-04", "text": PIER}, {"id": "pier", "date": "2024-03-04", "text": RAIL}],
            "pier",
        ),
        (
            [
                {"date": "2024-03-04", "title": "Pier", "text": PIER},
                {"id": "2024-03-04-pier", "date": "2024-03-04", "text": RAIL},
            ],
            "2024-03-04-pier",
        ),
    ):
        feed = _jsonl(tmp_path / "feed.jsonl", records)
        result = run_cli("import", feed, "--root", str(root))
        assert result.returncode == 1
        assert f"{feed}:2: id '{taken_by}' is already taken by {feed}:1; give each item its own id" in result.stderr
        assert list((root / "corpus").iterdir()) == []


def test_what_a_killed_import_left_is_invisible_and_removed_by_the_next_writer(root, tmp_path):
    # Imports stage their files in .newsmark-staging/ at the corpus root and rename them into corpus/ and
    # annotations/: a kill in between leaves nothing validate reads, and the next writer of the corpus (an
    # import, or new, under the writer lock, so no other writer can be using them) removes what is left,
    # with what imports staged beside their targets before the staging folder existed.
    staging = root / ".newsmark-staging"
    staging.mkdir()
    left = [staging / "corpus.a.txt.k3j2.import-tmp", staging / "annotations.a.yaml.x81q.import-tmp"]
    older = [root / "corpus" / ".b.txt.k3j2.import-tmp"]
    for path in left + older:
        path.write_text("half")
    validated = run_cli("validate", "--root", str(root))
    assert "NM109" in validated.stdout and "staging" not in validated.stdout  # only the older kind is seen
    feed = _jsonl(tmp_path / "feed.jsonl", [{"date": "2024-03-04", "title": "Pier", "text": PIER}])
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert not any(path.exists() for path in left + older) and not staging.exists()
    assert run_cli("validate", "--root", str(root)).returncode == 0
    assert not (root / ".newsmark-import.lock").exists()
    staging.mkdir()
    (staging / "corpus.c.txt.x.import-tmp").write_text("half")
    article = tmp_path / "article.txt"
    article.write_text(RAIL)
    assert run_cli("new", "--text", str(article), "--date", "2024-03-05", "--root", str(root)).returncode == 0
    assert not staging.exists()


def test_an_import_waits_for_the_one_running(root, tmp_path):
    import fcntl
    import subprocess
    import time

    from conftest import NEWSMARK

    feed = _jsonl(tmp_path / "feed.jsonl", [{"date": "2024-03-04", "title": "Pier", "text": PIER}])
    with open(root / ".newsmark-import.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another import holds the corpus
        second = subprocess.Popen(
            [str(NEWSMARK), "import", feed, "--root", str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5)
        assert second.poll() is None and list((root / "corpus").iterdir()) == []
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    assert "imported 1 article(s)" in out


def test_a_source_changed_between_the_passes_writes_nothing(root, tmp_path):
    from newsmark.contributor.bulk import import_sources
    from newsmark.errors import NewsmarkError

    feed = tmp_path / "feed.jsonl"
    _jsonl(feed, [{"date": "2024-03-04", "title": "Pier", "text": PIER}, {"date": "2024-03-05", "text": RAIL}])

    def rewrite_after_the_check(done, total):
        if total is None and done == 2:  # the check pass has read both items: swap their texts
            _jsonl(feed, [{"date": "2024-03-04", "title": "Pier", "text": RAIL}, {"date": "2024-03-05", "text": PIER}])

    with pytest.raises(NewsmarkError, match=r"feed.jsonl:1: the source changed while it was being imported"):
        import_sources(root, [feed], progress=rewrite_after_the_check)
    assert list((root / "corpus").iterdir()) == [] and list((root / "annotations").iterdir()) == []


def _two_near_duplicates(root, tmp_path):
    """Import two near-duplicate articles, one feed each (so neither import groups them); the second's
    metadata file, which dedup would give the first's story."""
    other = PIER.replace("winter storms", "spring storms", 1) + "Fishermen welcomed the decision."
    for number, (text, title) in enumerate([(PIER, "Pier"), (other, "Pier again")]):
        feed = _jsonl(tmp_path / f"f{number}.jsonl", [{"text": text, "title": title, "date": f"2024-03-0{number + 1}"}])
        assert run_cli("import", feed, "--root", str(root)).returncode == 0
    return root / "corpus" / "2024-03-02-pier-again.yaml"


def test_dedup_apply_changes_nothing_when_a_member_is_a_link(root, tmp_path):
    meta = _two_near_duplicates(root, tmp_path)
    outside = tmp_path / "outside.yaml"
    outside.write_text("".join(line + "\n" for line in meta.read_text().splitlines() if not line.startswith("story:")))
    meta.unlink()
    meta.symlink_to(outside)  # a linked metadata file: replacing it would copy the outside content in
    result = run_cli("dedup", "--root", str(root))
    assert result.returncode == 1 and "corpus/2024-03-02-pier-again.yaml" in result.stderr
    assert "nothing was changed" in result.stderr and "Traceback" not in result.stderr
    assert meta.is_symlink() and "story:" not in outside.read_text()


def test_dedup_changes_nothing_when_a_member_is_not_yaml(root, tmp_path):
    # A member's metadata that does not parse is a located error (it was an internal error from the YAML
    # editor), and no other member is written.
    meta = _two_near_duplicates(root, tmp_path)
    meta.write_text("id: 2024-03-02-pier-again\n  title: [\n")
    before = {path.name: path.read_bytes() for path in (root / "corpus").iterdir()}
    for dry_run in ([], ["--dry-run"]):  # the dry run refuses what the real run refuses
        result = run_cli("dedup", *dry_run, "--root", str(root))
        assert result.returncode == 1, result.stderr
        assert result.stderr == (
            "newsmark: error: corpus/2024-03-02-pier-again.yaml:2:8: not valid YAML (mapping values are not "
            "allowed here); run newsmark validate; nothing was changed\n"
        )
    assert {path.name: path.read_bytes() for path in (root / "corpus").iterdir()} == before
    # a text that is not UTF-8 cannot be compared: refused, where before it was silently left out
    meta.write_text(before["2024-03-02-pier-again.yaml"].decode())
    (root / "corpus" / "2024-03-01-pier.txt").write_bytes(b"caf\xe9\n")
    result = run_cli("dedup", "--root", str(root))
    assert result.returncode == 1 and "corpus/2024-03-01-pier.txt:1:4: NM101 invalid UTF-8" in result.stderr


def test_a_source_read_twice_must_be_a_file(root, tmp_path):
    # The import reads its sources twice (check pass, write pass): a pipe would block the second read.
    fifo = tmp_path / "feed.jsonl"
    os.mkfifo(fifo)
    result = run_cli("import", str(fifo), "--root", str(root))
    assert result.returncode == 1 and "not a regular file or a folder (a pipe can be read once)" in result.stderr
    unknown = run_cli("import", str(fifo), "--map", "bogus=col", "--root", str(root))
    assert unknown.returncode == 2 and "--map bogus: the fields are text, title, date" in unknown.stderr


def test_import_never_writes_through_a_linked_folder(root, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "annotations").rmdir()
    (root / "annotations").symlink_to(elsewhere)
    feed = _jsonl(tmp_path / "feed.jsonl", [{"date": "2024-03-04", "title": "Pier", "text": PIER}])
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 1 and "annotations/ is a symbolic link (NM108)" in result.stderr
    assert list(elsewhere.iterdir()) == [] and list((root / "corpus").iterdir()) == []


def test_metadata_a_validate_would_refuse_is_refused_at_import(root, tmp_path):
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        [
            {"date": "2024-03-04", "title": "Pier\u0007 plan", "text": PIER},
            {"date": "2024-03-05", "title": "Rail", "source_name": "Post\u202e", "text": RAIL},
        ],
    )
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 1
    assert f"{feed}:1: title: holds U+0007, a control character that validate refuses" in result.stderr
    assert f"{feed}:2: source name: holds U+202E" in result.stderr
    new = run_cli(
        "new", "--text", "-", "--date", "2024-03-04", "--title", "Bad\u2028title", "--root", str(root), stdin=PIER
    )
    assert new.returncode == 1 and "title: holds U+2028" in new.stderr
    assert list((root / "corpus").iterdir()) == []


def test_a_long_title_never_gives_an_id_with_two_hyphens(root, tmp_path):
    # the date-and-title slug is cut to 78 characters for "-2", and there it ends in "-"
    title = "Council xxxx " + "votes " * 12
    feed = _jsonl(
        tmp_path / "feed.jsonl",
        [{"date": "2024-03-04", "title": title, "text": PIER}, {"date": "2024-03-04", "title": title, "text": RAIL}],
    )
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 0, result.stderr
    ids = sorted(meta["id"] for meta in _metas(root).values())
    assert len(ids) == 2 and all("--" not in i and not i.endswith("-") for i in ids), ids


def test_a_csv_field_as_long_as_an_article(root, tmp_path):
    text = PIER * 600  # about 110,000 characters: past the csv module's default field limit
    feed = _csv(tmp_path / "feed.csv", ["date", "title", "text"], [["2024-03-04", "Long pier", text]])
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 0, result.stderr


def test_a_line_over_the_limit_keeps_later_lines_numbered(root, tmp_path):
    from newsmark.contributor.bulk import MAX_SOURCE_LINE

    feed = tmp_path / "feed.jsonl"
    with open(feed, "w") as handle:
        handle.write(json.dumps({"date": "2024-03-04", "text": "x" * (MAX_SOURCE_LINE + 10)}) + "\n")
        handle.write('{"date": "2024-03-05", "text": 5}\n')  # line 2: a text that is not a string
        handle.write("not json\n")  # line 3
    result = run_cli("import", str(feed), "--root", str(root))
    assert result.returncode == 1
    assert f"{feed}:1: a line longer than" in result.stderr and f"{feed}:3: not valid JSON" in result.stderr
    assert f"{feed}:4:" not in result.stderr


def test_what_a_page_does_not_show_is_not_imported(root, tmp_path):
    page = PAGE.replace(
        "<p>Fishermen,",
        "<p hidden>Hidden offer: buy now.</p><template><p>Template text for "
        'later.</p></template><p style="display: none">Invisible promo line.</p>'
        '<p aria-hidden="true">Screen readers skip this.</p><p>Fishermen,',
    )
    (tmp_path / "page.html").write_text(page)
    result = run_cli("import", str(tmp_path / "page.html"), "--root", str(root))
    assert result.returncode == 0, result.stderr
    (meta,) = _metas(root).values()
    text = (root / "corpus" / f"{meta['id']}.txt").read_text()
    assert "Fishermen, who lost their moorings" in text
    for unseen in ("Hidden offer", "Template text", "Invisible promo", "Screen readers"):
        assert unseen not in text, unseen


def test_dry_run_refuses_at_the_line_what_the_import_refuses(root, tmp_path):
    # What inventory leaves out for validate to report (a link, a folder named like an article file) still
    # holds an id, and a story named in the corpus is used only when it is one: --dry-run goes through the
    # same checks as the import, and both name the feed line; nothing is written.
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": "pier", "date": "2024-03-04", "text": PIER}])
    titled = _jsonl(tmp_path / "titled.jsonl", [{"date": "2024-03-04", "title": "Pier", "text": PIER}])
    (root / "corpus" / "pier.txt").symlink_to(tmp_path / "outside.txt")
    (root / "corpus" / "2024-03-04-pier.yaml").symlink_to(tmp_path / "outside.yaml")
    (root / "annotations" / "jetty.yaml").mkdir()
    jetty = _jsonl(tmp_path / "jetty.jsonl", [{"id": "jetty", "date": "2024-03-04", "text": RAIL}])
    for source, message in (
        (feed, f"{feed}:1: id 'pier' is already taken by corpus/pier.txt (a link); give each item its own id"),
        (jetty, f"{jetty}:1: id 'jetty' is already taken by annotations/jetty.yaml (a folder)"),
    ):
        for dry in (["--dry-run"], []):
            result = run_cli("import", source, "--root", str(root), *dry)
            assert result.returncode == 1 and message in result.stderr, result.stderr
    result = run_cli("import", titled, "--root", str(root), "--dry-run")
    assert result.returncode == 0 and f"{titled}:1 -> 2024-03-04-pier-2" in result.stdout  # not the link's id
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "outside.yaml").exists()
    (root / "corpus" / "pier.txt").unlink()
    (root / "corpus" / "2024-03-04-pier.yaml").unlink()
    (root / "annotations" / "jetty.yaml").rmdir()
    assert run_cli("import", feed, "--root", str(root)).returncode == 0
    meta = root / "corpus" / "pier.yaml"
    meta.write_text(meta.read_text() + "story: Pier Story\n")  # validate refuses it (NM201); import must not use it
    copy = _jsonl(tmp_path / "copy.jsonl", [{"date": "2024-03-05", "text": PIER.replace("Monday", "Tuesday")}])
    for dry in (["--dry-run"], []):
        result = run_cli("import", copy, "--root", str(root), *dry)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"{copy}:1: a near-duplicate of corpus/pier.txt, whose story 'Pier Story' (corpus/pier.yaml)" in (
            result.stderr
        )
    assert sorted(path.name for path in (root / "corpus").iterdir()) == ["pier.txt", "pier.yaml"]


def test_new_refuses_a_title_that_is_not_utf8(root, tmp_path):
    # A byte that is not UTF-8 on the command line reaches Python as a lone surrogate, which no file can
    # hold: refused naming the field, nothing written (it was an internal error while writing the YAML).
    import subprocess

    from conftest import NEWSMARK

    article = tmp_path / "article.txt"
    article.write_text(PIER)
    args = [str(NEWSMARK), "new", "--text", str(article), "--date", "2024-03-04", "--root", str(root)]
    result = subprocess.run([*map(os.fsencode, args), b"--title", b"Pier \xff plan"], capture_output=True)
    assert result.returncode == 1
    assert result.stderr.decode() == (
        "newsmark: error: title: holds U+DCFF, half of a UTF-16 pair, which is not a character; remove it\n"
    )
    assert list((root / "corpus").iterdir()) == []


def test_metadata_written_directly_is_what_the_dumper_writes():
    # A bulk import writes metadata without PyYAML's representer when every value has a simple shape
    # (intake._simple_block); it must be byte for byte what the dumper writes, and fall back to the dumper
    # for anything it is not sure of: quoting, indicators, line breaks, characters beyond the BMP, long lines.
    import random

    from newsmark.contributor import intake

    def dumped(meta):
        return yaml.dump(meta, Dumper=intake._MetadataDumper, sort_keys=False, allow_unicode=True, width=1000)

    rng = random.Random(27)
    alphabet = list("aZ09 -:#'\".,?!&*[]{}|>%@`~=<+_/()\\\t\n") + list("é’\u00a0\u2028\u2029\ufeff😀\x85\u3000")
    tricky = ["yes", "No", "on", "null", "~", "1e3", "09", "0x1f", "1:20", "2024-03-04", ".5", "-1", "<<", "="]
    tricky += ["---", "- a", "a: b", "a #b", "a#b", "a:", "https://x.example/a?b=c#d", "x " * 200, "y" * 401, ""]
    direct = 0
    for _ in range(20_000):
        value = rng.choice(tricky) if rng.random() < 0.3 else ""
        value += "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        meta = {"id": "a", "title": value, "date": value, "source": {"name": value, "url": None, "authors": [value]}}
        meta |= {"license": "CC-BY-4.0", "provenance": {"file": "feed.jsonl", "line": 7}, "changes": [value]}
        lines = []
        if intake._simple_block(meta, "", lines):
            direct += 1
            assert "".join(lines) == dumped(meta), value
        assert intake.metadata_yaml(meta) == dumped(meta), value
    assert 1_000 < direct < 20_000  # both paths were taken
    typical = {"id": "2024-03-04-pier", "title": "Pier to be rebuilt", "date": "2024-03-04", "language": "en"}
    typical |= {"source": None, "license": "CC0-1.0", "story": "2024-03-01-pier"}
    typical |= {"provenance": {"file": "feed.jsonl", "line": 3, "sha256": hashlib.sha256(b"").hexdigest()}}
    assert intake._simple_block(typical, "", []) and intake.metadata_yaml(typical) == dumped(typical)


def test_an_import_refused_at_its_last_item_leaves_nothing_staged(root, tmp_path):
    # Articles are staged as the check pass accepts them; a problem found later (here the last line) must
    # remove them all: nothing in corpus/ or annotations/, no staging folder left at the root.
    records = [{"date": "2024-03-04", "title": f"Pier {n}", "text": PIER + f"Item {n}."} for n in range(300)]
    feed = _jsonl(tmp_path / "feed.jsonl", [*records, {"date": "someday", "text": RAIL}])
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 1 and f"{feed}:301: date 'someday'" in result.stderr, result.stderr
    assert list((root / "corpus").iterdir()) == [] and list((root / "annotations").iterdir()) == []
    assert not (root / ".newsmark-staging").exists()
    assert run_cli("import", _jsonl(tmp_path / "good.jsonl", records), "--root", str(root)).returncode == 0
    assert len(list((root / "corpus").glob("*.txt"))) == 300 and not (root / ".newsmark-staging").exists()


def _many(count: int, seed: int = 0) -> list[dict]:
    """``count`` feed records of distinct made-up articles: one in ten a republication of the one before
    (a near-duplicate), one in fifty-five a copy of an earlier one (an exact duplicate), some sharing a
    date and title (their ids made unique), a few with a given id or story, a short text or a test title."""
    import random

    rng = random.Random(seed)
    words = [f"{a}{b}" for a in ("har", "cou", "pie", "rai", "sto", "win", "val", "kar") for b in "aeiouyst"]
    records = []
    for number in range(count):
        record = {"date": f"2024-0{1 + number % 9}-1{number % 10}", "title": f"Report {number % 400}"}
        if number % 10 == 9:
            record["text"] = records[-1]["text"].replace(" ", " also ", 3) + " A line was added."
        elif number % 55 == 54:
            record["text"] = records[number // 2]["text"]
        else:
            sentences = (" ".join(rng.choice(words) for _ in range(12)).capitalize() + "." for _ in range(8))
            record["text"] = " ".join(sentences)
        if number % 97 == 0:
            record["id"] = f"given-{seed}-{number}"
        if number % 131 == 0:
            record["story"] = f"story-{number}"
        if number % 211 == 0:
            record["text"] = record["text"][:150]
        if number % 223 == 0:
            record["title"] = f"Test page {number}"
        records.append(record)
    return records


def _files(root) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def test_worker_processes_import_what_one_process_imports(tmp_path):
    # 1,300 items are more than parallel.PARALLEL_FROM chunks, so -j 2 checks them in worker processes and
    # restages the stories the grouping gives in them too; -j 1 does everything in one process. The corpora,
    # the output and the problems are the same bytes.
    records = _many(1_300)
    feed = _jsonl(tmp_path / "feed.jsonl", records)
    first = empty_project(tmp_path / "one")
    assert run_cli("import", _jsonl(tmp_path / "before.jsonl", records[:3]), "--root", str(first)).returncode == 0
    second = tmp_path / "two"
    second.mkdir()
    for name, content in _files(first).items():  # the same corpus to import into, one article in it
        (second / name).parent.mkdir(parents=True, exist_ok=True)
        (second / name).write_bytes(content)
    results = [run_cli("import", feed, "--root", str(root), "-j", jobs) for root, jobs in ((first, "1"), (second, "2"))]
    assert results[0].returncode == 0, results[0].stderr
    assert (results[0].stdout, results[0].stderr) == (results[1].stdout, results[1].stderr)
    assert "(story " in results[0].stdout and "same text as" in results[0].stdout and "-2\n" in results[0].stdout
    assert "marks a test page" in results[0].stderr
    assert _files(first) == _files(second) and len(_files(first)) > 3_000
    # and a refused import: the same problems, in the same order, nothing written, nothing left staged
    bad = [*records, {"date": "someday", "text": RAIL}, {"date": "2024-03-04", "text": RAIL, "license": "CC-BY"}]
    bad.insert(700, {"date": "2024-03-04", "text": "x\u0007y" * 80})
    refused = [
        run_cli("import", _jsonl(tmp_path / "bad.jsonl", bad), "--root", str(root), "-j", jobs)
        for root, jobs in ((empty_project(tmp_path / "three"), "1"), (empty_project(tmp_path / "four"), "2"))
    ]
    assert refused[0].returncode == refused[1].returncode == 1
    assert refused[0].stderr == refused[1].stderr and "bad.jsonl:701:" in refused[0].stderr
    untouched = _files(empty_project(tmp_path / "empty"))
    assert _files(tmp_path / "three") == _files(tmp_path / "four") == untouched


def test_a_small_import_starts_no_worker_process_and_a_large_one_does(root, tmp_path):
    import multiprocessing

    from newsmark.contributor.bulk import import_sources

    seen = []

    def workers_running(done, total):
        if total is None:
            seen.append(len(multiprocessing.active_children()))

    import_sources(root, [_jsonl(tmp_path / "small.jsonl", _many(40))], progress=workers_running, jobs=2)
    assert len(seen) == 40 and max(seen) == 0
    seen.clear()
    import_sources(root, [_jsonl(tmp_path / "large.jsonl", _many(1_100, seed=1))], progress=workers_running, jobs=2)
    assert max(seen) == 2
    seen.clear()
    import_sources(root, [_jsonl(tmp_path / "one.jsonl", _many(1_100, seed=2))], progress=workers_running, jobs=1)
    assert len(seen) == 1_100 and max(seen) == 0


def test_a_killed_worker_stops_the_import_with_a_clear_error_and_nothing_written(root, tmp_path):
    import signal
    import subprocess
    import time

    from conftest import NEWSMARK

    feed = _jsonl(tmp_path / "feed.jsonl", _many(4_000))
    importing = subprocess.Popen(
        [str(NEWSMARK), "import", feed, "--root", str(root), "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    while killed is None and importing.poll() is None:
        for task in os.listdir(f"/proc/{importing.pid}/task"):
            with open(f"/proc/{importing.pid}/task/{task}/children") as handle:
                children = handle.read().split()
            if children:
                os.kill(int(children[0]), signal.SIGKILL)
                killed = children[0]
                break
        time.sleep(0.01)
    out, err = importing.communicate(timeout=120)
    assert killed is not None, "the import started no worker process"
    assert importing.returncode == 1, err
    assert "a worker process of the import stopped" in err and "nothing was written" in err
    assert "Traceback" not in err and "internal error" not in err
    assert list((root / "corpus").iterdir()) == [] and list((root / "annotations").iterdir()) == []
    assert not (root / ".newsmark-staging").exists()


def test_a_line_rewritten_between_the_passes_is_a_change_even_with_the_same_values(root, tmp_path):
    # The write pass compares the bytes of each JSONL line with what the check pass read (it decodes only
    # the lines it restages): a line written again differently is a changed source, whatever it decodes to.
    from newsmark.contributor.bulk import import_sources
    from newsmark.errors import NewsmarkError

    feed = tmp_path / "feed.jsonl"
    records = [{"date": "2024-03-04", "title": "Pier", "text": PIER}, {"date": "2024-03-05", "text": RAIL}]
    _jsonl(feed, records)

    def rewrite_after_the_check(done, total):
        if total is None and done == 2:
            feed.write_text(
                "".join(json.dumps(record, indent=None, separators=(",", ":")) + "\n" for record in records)
            )

    with pytest.raises(NewsmarkError, match=r"feed.jsonl:1: the source changed while it was being imported"):
        import_sources(root, [feed], progress=rewrite_after_the_check)
    assert list((root / "corpus").iterdir()) == [] and not (root / ".newsmark-staging").exists()


def test_an_id_that_is_no_string_is_a_located_problem_not_an_internal_error(root, tmp_path):
    records = [{"id": 7, "date": "2024-03-04", "text": PIER}, {"id": ["a"], "date": "2024-03-05", "text": RAIL}]
    feed = _jsonl(tmp_path / "feed.jsonl", records)
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr
    assert f"{feed}:1: id 7 must be lowercase letters and digits" in result.stderr
    assert f"{feed}:2: id ['a'] must be lowercase letters and digits" in result.stderr
    assert list((root / "corpus").iterdir()) == []
