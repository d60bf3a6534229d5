"""newsmark import through the real CLI: every input format, all or nothing, idempotence, exact and near
duplicates grouped into stories, and a saved web page where only the article text must come out."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from conftest import REPO, run_cli

PIER = ("The harbour council of Ostmere voted on Monday to rebuild the north pier after the winter storms "
        "damaged it beyond repair. Work is to start in May and last two years, the council said. ") * 2
RAIL = ("A new rail line will connect Valdria and Karnholt by 2027, the transport ministry said in a statement "
        "on Friday, adding that tenders would open next month. ") * 2
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
    root = tmp_path / "corpus"
    (root / "corpus").mkdir(parents=True)
    (root / "annotations").mkdir()
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def _jsonl(path, records):
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return str(path)


def _metas(root):
    return {path.stem: yaml.safe_load(path.read_text()) for path in sorted((root / "corpus").glob("*.yaml"))}


def test_jsonl_csv_folder_and_html_all_import(root, tmp_path):
    feed = _jsonl(tmp_path / "feed.jsonl", [
        {"text": PIER, "title": "Pier plan", "date": "2024-03-01", "url": "https://example.org/pier",
         "source": "Example News", "license": "CC-BY-4.0"},
        {"body": RAIL, "headline": "Rail link", "published": "2024-03-02"},
    ])
    (tmp_path / "export.csv").write_text('title,article,date,licence\n"Bank results","The Ostmere bank reported a '
                                         'profit of 4 million for the year.",2024-04-01,CC0-1.0\n')
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "one.txt").write_text("Ferries to Karnholt will run twice a day from June, the operator said.\n")
    (texts / "one.yaml").write_text("title: Ferry timetable\ndate: '2024-05-01'\nlicense: CC-BY-4.0\n")
    (tmp_path / "page.html").write_text(PAGE)
    result = run_cli("import", feed, str(tmp_path / "export.csv"), str(texts), str(tmp_path / "page.html"),
                     "--root", str(root), "--license", "CC-BY-SA-4.0")
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
    feed.write_text(json.dumps({"text": PIER, "date": "2024-03-01"}) + "\n"
                    + json.dumps({"text": RAIL, "date": "2024-02-30"}) + "\n"
                    + "{broken\n"
                    + json.dumps({"title": "no text", "date": "2024-01-01"}) + "\n"
                    + json.dumps({"text": "Some text.", "date": "2024-01-01", "license": "CC-BY-4"}) + "\n")
    (tmp_path / "export.csv").write_text("text,date\n\"Fine text here.\",2024-01-01\n\"\u202eHidden\",2024-01-02\n")
    result = run_cli("import", str(feed), str(tmp_path / "export.csv"), "--root", str(root))
    assert result.returncode == 1 and "nothing was written" in result.stderr
    for located in (f"{feed}:2: date '2024-02-30'", f"{feed}:3: not valid JSON", f"{feed}:4: no text",
                    f"{feed}:5: license 'CC-BY-4' is not an SPDX licence id; did you mean CC-BY-4.0?",
                    f"{tmp_path / 'export.csv'}:3: "):
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
    feed = _jsonl(tmp_path / "feed.jsonl", [
        {"text": PIER, "title": "Pier to be rebuilt", "date": "2024-03-01"},
        {"text": "  " + PIER.upper() + "  ", "title": "Shouted copy", "date": "2024-03-02"},  # same words
        {"text": retold, "title": "Ostmere approves pier plan", "date": "2024-03-03"},
        {"text": RAIL, "title": "Rail link", "date": "2024-03-04"},
    ])
    result = run_cli("import", feed, "--root", str(root))
    assert result.returncode == 0, result.stderr
    assert f"skipped {feed}:2: same text as 2024-03-01-pier-to-be-rebuilt" in result.stdout
    metas = _metas(root)
    assert set(metas) == {"2024-03-01-pier-to-be-rebuilt", "2024-03-03-ostmere-approves-pier-plan",
                          "2024-03-04-rail-link"}
    assert metas["2024-03-03-ostmere-approves-pier-plan"]["story"] == "2024-03-01-pier-to-be-rebuilt"
    assert "story" not in metas["2024-03-04-rail-link"] and "story" not in metas["2024-03-01-pier-to-be-rebuilt"]
    # A later import of another retelling joins the same story, and so the same split.
    later = _jsonl(tmp_path / "later.jsonl", [{"text": retold + " The mayor agreed.", "title": "Mayor backs pier",
                                               "date": "2024-03-09"}])
    assert run_cli("import", later, "--root", str(root)).returncode == 0
    assert _metas(root)["2024-03-09-mayor-backs-pier"]["story"] == "2024-03-01-pier-to-be-rebuilt"


def test_near_duplicate_pairs_find_planted_copies_and_leave_others():
    from newsmark.neardup import DedupSettings, clusters, near_duplicate_pairs, signatures

    texts = {"pier": PIER, "rail": RAIL, "pier-copy": PIER.replace("Monday", "Tuesday"),
             "football": "An entirely different report about football results in Heddenby on Sunday."}
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
    meta.write_text("# added by hand\n" + "".join(line + "\n" for line in meta.read_text().splitlines()
                                                  if not line.startswith("story:")))
    report = run_cli("dedup", "--root", str(root))
    assert report.returncode == 0
    assert "2024-03-01-pier, 2024-03-02-pier-again: would share story 2024-03-01-pier" in report.stdout
    assert "rail" not in report.stdout
    assert run_cli("dedup", "--root", str(root), "--apply").returncode == 0
    text = meta.read_text()
    assert text.startswith("# added by hand\n") and "story: 2024-03-01-pier\n" in text and "title: Pier again" in text
    assert "already share story" in run_cli("dedup", "--root", str(root)).stdout


def test_hostile_sources_are_located_problems(root, tmp_path):
    (tmp_path / "latin1.csv").write_bytes(b"text,date\n\"Fine.\",2024-01-01\n\"Caf\xe9 story.\",2024-01-02\n")
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "secret.txt").symlink_to("/etc/passwd")  # a link in a folder of texts is never followed
    (texts / "story.txt").write_text("A story about the harbour.\n")
    (texts / "story.yaml").write_text("date: [2024\n")
    (tmp_path / "notes.docx").write_text("not a source")
    result = run_cli("import", str(tmp_path / "latin1.csv"), str(texts), str(tmp_path / "notes.docx"),
                     "--root", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    for located in (f"{tmp_path / 'latin1.csv'}:3: not UTF-8 (byte 0xe9)", f"{texts / 'secret.txt'}: symbolic link",
                    f"{texts / 'story.yaml'}:", f"{tmp_path / 'notes.docx'}: not a source"):
        assert located in result.stderr, (located, result.stderr)
    assert list((root / "corpus").iterdir()) == []

