"""newsmark report: structure of the pages on the real corpus, escaping, nesting of crossing spans."""

from __future__ import annotations

import random
import re
import shutil
from html.parser import HTMLParser

import pytest
import yaml
from conftest import REPO, SEED_ID, commit_all, copy_seed, run_cli

from newsmark.reviewer.report import Mark, layout, render_text


class _Collector(HTMLParser):
    """Text content and open/close balance of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.stack, self.balanced = [], [], True

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        self.balanced &= bool(self.stack) and self.stack.pop() == tag

    def handle_data(self, data):
        self.text.append(data)


def _text_of(fragment: str) -> tuple[str, bool]:
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return "".join(collector.text), collector.balanced and not collector.stack


@pytest.fixture
def repo_root(tmp_path):
    root = copy_seed(tmp_path / "repo")
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_real_corpus_page_structure(repo_root, tmp_path):
    out = tmp_path / "report"
    result = run_cli("report", "--root", str(repo_root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    page = (out / "articles" / f"{SEED_ID}.html").read_text()
    annotation = yaml.safe_load((REPO / "annotations" / f"{SEED_ID}.yaml").read_text())
    text = (REPO / "corpus" / f"{SEED_ID}.txt").read_text()
    expected_entities = sorted(e["id"] for e in annotation["entities"] for _ in e["mentions"])
    assert sorted(re.findall(r'data-entity="([^"]+)"', page)) == expected_entities
    assert sorted(re.findall(r'data-claim="([^"]+)"', page)) == sorted(c["id"] for c in annotation["claims"])
    body = page.split('<div class="text">', 1)[1].split("</div>", 1)[0]
    content, balanced = _text_of(body)
    assert balanced and content == text
    assert 'data-tip="Benjamin Netanyahu · PERSON · Q43723"' in page
    assert 'aria-label="Benjamin Netanyahu: Benjamin Netanyahu · PERSON · Q43723"' in page
    assert "conflict, war and peace" in page and "politics" in page
    assert "(no title given by the source)" in page
    assert (
        "<script src" not in page
        and "<link" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    index = (out / "index.html").read_text()
    assert f'href="articles/{SEED_ID}.html"' in index and index.count("<svg") == 5


def test_text_is_escaped(tmp_path):
    root = tmp_path / "c"
    hostile = 'Mayor <script>alert("x")</script> & "friends" met Ada.\n'
    result = run_cli(
        "new", "--text", "-", "--date", "2024-01-01", "--title", "<b>bold</b> & co", "--root", str(root), stdin=hostile
    )
    assert result.returncode == 0, result.stderr
    article_id = re.search(r"article id: (\S+)", result.stdout).group(1)
    start = hostile.index("Ada")
    (root / "annotations" / f"{article_id}.yaml").write_text(
        yaml.safe_dump(
            {
                "article": article_id,
                "guidelines": "1.0",
                "annotators": [{"id": "tests", "kind": "human"}],
                "topics": ["medtop:11000000"],
                "entities": [
                    {
                        "id": "ada",
                        "type": "PERSON",
                        "name": "Ada <i>",
                        "mentions": [{"start": start, "end": start + 3, "text": "Ada"}],
                    }
                ],
                "claims": [
                    {
                        "id": "c1",
                        "start": 0,
                        "end": hostile.index(" met"),
                        "text": hostile[: hostile.index(" met")],
                        "claimer": "author",
                        "type": "event",
                        "attribution": "authorial",
                        "checkworthy": False,
                    }
                ],
            }
        )
    )
    (root / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text())
    assert run_cli("report", "--root", str(root), "--out", str(tmp_path / "r")).returncode == 0
    page = (tmp_path / "r" / "articles" / f"{article_id}.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page
    assert 'data-tip="Ada &lt;i&gt; · PERSON"' in page
    body = page.split('<div class="text">', 1)[1].split("</div>", 1)[0]
    assert _text_of(body) == (hostile, True)


def test_crossing_and_nested_spans_render_as_a_tree():
    rng = random.Random(7)
    text = "".join(rng.choice("abc <&>\n") for _ in range(400))
    for _ in range(200):
        spans = sorted({(a, a + rng.randint(1, 60)) for a in rng.sample(range(380), 25)})
        entities = [
            {"id": f"e{i}", "type": "ORG", "name": "n", "mentions": [{"start": s, "end": e, "text": text[s:e]}]}
            for i, (s, e) in enumerate(spans[:15])
        ]
        claims = [{"id": f"c{i}", "start": s, "end": e, "text": text[s:e]} for i, (s, e) in enumerate(spans[15:])]
        rendered = render_text(text, {"entities": entities, "claims": claims})
        assert _text_of(rendered) == (text, True)
        assert sorted(re.findall(r'data-entity="(e\d+)"', rendered)) == sorted(e["id"] for e in entities)
        assert sorted(re.findall(r'data-claim="(c\d+)"', rendered)) == sorted(c["id"] for c in claims)


def test_layout_splits_only_where_spans_cross():
    events = [
        (event, m.ref, m.start, m.end, m.first)
        for event, m in layout([Mark(0, 10, "c", "a"), Mark(5, 15, "c", "b"), Mark(2, 4, "m", "x")])
    ]
    assert events == [
        ("open", "a", 0, 10, True),
        ("open", "x", 2, 4, True),
        ("close", "x", 2, 4, True),
        ("open", "b", 5, 10, True),
        ("close", "b", 5, 10, True),
        ("close", "a", 0, 10, True),
        ("open", "b", 10, 15, False),
        ("close", "b", 10, 15, False),
    ]


def test_changed_renders_only_changed_articles(tmp_path):
    from newsmark.contributor.synth import synthesize

    root = synthesize(tmp_path / "c", 5)
    commit_all(root)
    path = root / "annotations" / "synthetic-000002.yaml"
    path.write_text(path.read_text().replace("checkworthy: true", "checkworthy: false", 1))
    result = run_cli("report", "--root", str(root), "--changed", "HEAD", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "r" / "articles").iterdir()] == ["synthetic-000002.html"]
    index = (tmp_path / "r" / "index.html").read_text()
    assert index.count('href="articles/') == 1


def test_compare_needs_known_layers_and_reruns_over_its_own_output(repo_copy, tmp_path):
    shutil.copy(REPO / "pyproject.toml", repo_copy / "pyproject.toml")
    out = tmp_path / "report"
    unknown = run_cli("report", "--compare", "nobody", "adjudicated", "--root", str(repo_copy), "--out", str(out))
    assert unknown.returncode == 1 and "--compare nobody: no annotations/independent/nobody/ folder" in unknown.stderr
    layer = repo_copy / "annotations" / "independent" / "ann-b"
    layer.mkdir(parents=True)
    shutil.copy(repo_copy / "annotations" / f"{SEED_ID}.yaml", layer / f"{SEED_ID}.yaml")
    for _ in range(2):  # the second run replaces the first, compare/ included
        result = run_cli("report", "--compare", "ann-b", "adjudicated", "--root", str(repo_copy), "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert "wrote 1 comparison page(s)" in result.stdout
    page = (out / "compare" / f"{SEED_ID}.html").read_text()
    assert "Disagreements (0)" in page and ' only"' not in page


def test_chart_labels_cut_with_an_ellipsis_keep_the_whole_label():
    from newsmark.reviewer.report import bar_chart

    label = "disaster, accident and emergency incident"
    svg = bar_chart({label: 3, "politics": 1}, "topics")
    assert "<title>disaster, accident and emergency incident</title>disaster, accident and emer…</text>" in svg
    assert "<title>politics</title>politics</text>" in svg
