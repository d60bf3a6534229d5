"""``newsmark report``: the corpus as a static site that works offline, for reviewers and readers.

``index.html`` has statistics as SVG charts and a table of articles; each article page shows the text
with every mention highlighted by entity type and every claim marked, and a side panel listing both.
Everything is inline (no network assets) and every piece of corpus text is HTML-escaped.
"""

from __future__ import annotations

import heapq
import html
import os
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from newsmark.chars import codepoint, show_hidden
from newsmark.errors import NewsmarkError
from newsmark.files import check_output_folder, holds_only, write_atomic
from newsmark.git import git, resolve_commit
from newsmark.labels import labels_by_name, names
from newsmark.pipeline.check.runner import run_articles, select
from newsmark.pipeline.splits import SPLITS, split_of
from newsmark.settings import read_settings

# One colour per entity type, in label order (light enough for dark text on top).
_PALETTE = [
    "#ffd6a5",
    "#caffbf",
    "#9bf6ff",
    "#bdb2ff",
    "#ffc6ff",
    "#fdffb6",
    "#ffadad",
    "#a0c4ff",
    "#d0f4de",
    "#e4c1f9",
    "#fcf6bd",
    "#f1c0e8",
    "#b9fbc0",
    "#98f5e1",
    "#8eecf5",
    "#90dbf4",
    "#cfbaf0",
    "#fbf8cc",
]


def type_colours() -> dict[str, str]:
    return {name: _PALETTE[i % len(_PALETTE)] for i, name in enumerate(names("entity_types"))}


def esc(value) -> str:
    """Escaped for HTML text or attributes; hidden characters (bidi controls, zero-width, control) are
    written as their code, so the page never shows text in another order than it is stored."""
    return show_hidden(html.escape("" if value is None else str(value), quote=True), codepoint)


def show(value: str) -> str:
    """Escaped article text: hidden characters become a visible, labelled badge."""
    return show_hidden(
        html.escape(value, quote=True),
        lambda char: (
            f'<span class="hidden-char" title="invisible character {codepoint(char)}">{codepoint(char)}</span>'
        ),
    )


@dataclass(frozen=True)
class Mark:
    """A span to draw: a mention (kind 'm') or a claim (kind 'c'); ``first`` is False for the pieces of a
    span that had to be split where it crosses another."""

    start: int
    end: int
    kind: str
    ref: str
    first: bool = True

    def order(self):
        # Outer before inner; at equal spans a claim wraps a mention.
        return (self.start, -self.end, 0 if self.kind == "c" else 1)


def layout(marks: list[Mark]):
    """The marks as properly nested open/close events that HTML can hold, in document order: a mark
    that crosses the end of an enclosing one is split there, and its later pieces are continuations.

    Yields ``("open", mark)`` and ``("close", mark)``. Iterative, with a heap of pending marks and a
    stack of open ones: O((n + k) log n) for n marks split into k extra pieces (no piece for nested
    marks, so O(n log n) for them), however deep the nesting."""
    pending = [(mark.order(), index, mark) for index, mark in enumerate(marks)]
    heapq.heapify(pending)
    counter = len(pending)
    stack: list[Mark] = []
    while pending:
        _, _, mark = heapq.heappop(pending)
        while stack and stack[-1].end <= mark.start:
            yield "close", stack.pop()
        if stack and mark.end > stack[-1].end:
            rest = Mark(stack[-1].end, mark.end, mark.kind, mark.ref, False)
            heapq.heappush(pending, (rest.order(), counter, rest))
            counter += 1
            mark = Mark(mark.start, stack[-1].end, mark.kind, mark.ref, mark.first)
        stack.append(mark)
        yield "open", mark
    while stack:
        yield "close", stack.pop()


def render_text(text: str, annotation: dict, decorate=None) -> str:
    """The article text as HTML, with a <mark> per mention and a <span> per claim. ``decorate(mark)``, when
    given, returns more classes and an element id for a mark (the comparison view's)."""
    entities = {e["id"]: e for e in annotation["entities"]}
    marks = [Mark(m["start"], m["end"], "m", e["id"]) for e in annotation["entities"] for m in e["mentions"]]
    marks += [Mark(c["start"], c["end"], "c", c["id"]) for c in annotation["claims"]]

    # Neighbouring claims alternate colour and line style, and each begins with a marker, so that where one
    # ends and the next begins can be seen even when claims cover most of the text.
    alternate = {
        c["id"]: n % 2 == 1 for n, c in enumerate(sorted(annotation["claims"], key=lambda c: (c["start"], c["end"])))
    }

    def open_tag(mark: Mark) -> str:
        classes, element_id = decorate(mark) if decorate is not None else ("", None)
        classes = f" {classes}" if classes else ""
        id_attribute = f' id="{esc(element_id)}"' if element_id and mark.first else ""
        if mark.kind == "c":
            attribute = "data-claim" if mark.first else "data-claim-continued"
            style = " alt" if alternate[mark.ref] else ""
            return f'<span class="claim{style}{classes}"{id_attribute} {attribute}="{esc(mark.ref)}">'
        entity = entities[mark.ref]
        tip = " · ".join(p for p in (entity["name"], entity["type"], entity.get("wikidata")) if p)
        attribute = "data-entity" if mark.first else "data-entity-continued"
        # The CSS tooltip (data-tip) shows on hover and focus; a title would show a second, native one.
        return (
            f'<mark class="mention t-{esc(entity["type"])}{classes}"{id_attribute} {attribute}="{esc(mark.ref)}" '
            f'tabindex="0" aria-label="{esc(entity["name"])}: {esc(tip)}" data-tip="{esc(tip)}" '
            f'data-type="{esc(entity["type"])}">'
        )

    out, position = [], 0
    for event, mark in layout(marks):
        at = mark.start if event == "open" else mark.end
        out.append(show(text[position:at]))
        out.append(open_tag(mark) if event == "open" else ("</span>" if mark.kind == "c" else "</mark>"))
        position = at
    out.append(show(text[position:]))
    return "".join(out)


_CSS = """
:root { --ink: #1d1d1f; --muted: #5a5a60; --line: #d9d9de; --claim: #b4235a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
header, main, footer { max-width: 72rem; margin: 0 auto; padding: 1rem; }
header h1 { margin: 0 0 .25rem; font-size: 1.4rem; word-break: break-word; }
a { color: #0b57d0; }
.meta { color: var(--muted); font-size: .9rem; }
.badge { display: inline-block; padding: .1rem .5rem; margin: .1rem; border-radius: 1rem; background: #eef1f6; font-size: .85rem; }
.layout { display: grid; grid-template-columns: minmax(0, 2fr) minmax(16rem, 1fr); gap: 1.5rem; }
@media (max-width: 48rem) { .layout { grid-template-columns: minmax(0, 1fr); } }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 1.05rem; line-height: 1.9; }
mark.mention { position: relative; color: inherit; border-radius: .2rem; padding: .05rem .1rem; outline-offset: 1px; }
mark.mention mark.mention { border-bottom: .2rem solid rgba(0,0,0,.45); }
mark.mention:focus { outline: 2px solid #0b57d0; }
mark.mention { box-shadow: inset 0 0 0 1px rgba(0,0,0,.5); }
mark.mention::after { content: attr(data-type); margin-left: .25rem; font-size: .62rem; font-weight: 700;
  letter-spacing: .02em; vertical-align: .1rem; color: #1d1d1f; }
mark.mention:hover::before, mark.mention:focus::before {
  content: attr(data-tip); position: absolute; left: 0; top: 100%; z-index: 2; white-space: nowrap;
  background: #1d1d1f; color: #fff; padding: .15rem .45rem; border-radius: .25rem; font-size: .8rem; line-height: 1.4; }
.hidden-char { font: .7rem ui-monospace, monospace; background: #b4235a; color: #fff; border-radius: .2rem; padding: 0 .2rem; }
.claim { text-decoration: underline; text-decoration-color: var(--claim); text-decoration-thickness: 2px; text-underline-offset: .35rem; }
.claim.alt { text-decoration-color: #1f6f8b; text-decoration-style: dashed; }
.claim[data-claim] { border-left: 2px solid var(--claim); padding-left: 1px; }
.claim.alt[data-claim] { border-left-color: #1f6f8b; }
.skip { position: absolute; left: -999rem; }
.skip:focus { position: static; display: inline-block; margin: .25rem 0; }
@media (min-width: 48.01rem) { aside#panel { position: sticky; top: 0; max-height: 100vh; overflow-y: auto; align-self: start; } }
.claim.active, .claim.active mark { background: #ffe3ec; }
mark.active { outline: 2px solid var(--ink); }
aside section { margin-bottom: 1.25rem; }
aside h2, main h2 { font-size: 1.05rem; margin: .5rem 0; }
aside ul { list-style: none; padding: 0; margin: 0; }
aside li { padding: .35rem .4rem; border-bottom: 1px solid var(--line); cursor: pointer; }
aside li:focus { outline: 2px solid #0b57d0; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem; margin: .5rem 0 1rem; }
.swatch { padding: .05rem .4rem; border-radius: .2rem; font-size: .8rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.table-wrap { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .25rem; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
"""

_JS = """
document.querySelectorAll('[data-ref]').forEach(function (item) {
  var kind = item.dataset.kind, ref = item.dataset.ref;
  var selector = '[data-' + kind + '="' + ref + '"], [data-' + kind + '-continued="' + ref + '"]';
  function toggle(on) {
    document.querySelectorAll(selector).forEach(function (el) { el.classList.toggle('active', on); });
  }
  item.addEventListener('mouseenter', function () { toggle(true); });
  item.addEventListener('mouseleave', function () { toggle(false); });
  item.addEventListener('focus', function () {
    toggle(true);
    // keep the highlighted text in view: the panel is sticky, so scrolling the page keeps both in sight
    var first = document.querySelector(selector);
    if (first) {
      var box = first.getBoundingClientRect();
      if (box.bottom < 0 || box.top > window.innerHeight) { first.scrollIntoView({block: 'center'}); }
    }
  });
  item.addEventListener('blur', function () { toggle(false); });
  item.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      var first = document.querySelector(selector);
      if (first) { first.scrollIntoView({block: 'center'}); }
    }
  });
});
"""


def _page(title: str, body: str, script: str = "", css: str = "") -> str:
    colours = "\n".join(
        f"mark.t-{name}, .swatch.t-{name} {{ background: {colour}; }}" for name, colour in type_colours().items()
    )
    js = f"<script>{script}</script>" if script else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{_CSS}\n{colours}{css}</style>\n</head>\n<body>\n{body}\n{js}\n"
        f"</body>\n</html>\n"
    )


def article_page(item: dict) -> str:
    meta, annotation, text = item["meta"], item["annotation"], item["text"]
    topic_labels = labels_by_name("topics")
    entity_names = {e["id"]: e["name"] for e in annotation["entities"]}
    used_types = sorted({e["type"] for e in annotation["entities"]}, key=names("entity_types").index)
    legend = "".join(f'<span class="swatch t-{esc(t)}">{esc(t)}</span>' for t in used_types)
    topics = "".join(
        f'<span class="badge" title="{esc(code)}">{esc(topic_labels.get(code, code))}</span>'
        for code in annotation["topics"]
    )
    entities = "".join(
        f'<li tabindex="0" data-kind="entity" data-ref="{esc(e["id"])}"><span class="swatch t-{esc(e["type"])}">'
        f'{esc(e["type"])}</span> {esc(e["name"])} <span class="meta">({len(e["mentions"])} mention'
        f"{'s' if len(e['mentions']) != 1 else ''}{', ' + esc(e['wikidata']) if e.get('wikidata') else ''})</span></li>"
        for e in annotation["entities"]
    )
    claims = "".join(
        f'<li tabindex="0" data-kind="claim" data-ref="{esc(c["id"])}"><strong>{esc(c["id"])}</strong> '
        f'{esc(c["text"])}<br><span class="meta">claimer: {esc(entity_names.get(c["claimer"], c["claimer"]))} · '
        f"{esc(c['type'])} · {esc(c['attribution'].replace('_', ' '))} · "
        f"{'check-worthy' if c['checkworthy'] else 'not check-worthy'}</span></li>"
        for c in annotation["claims"]
    )
    source = meta.get("source") or {}
    facts = [meta["date"], meta["language"], f"split: {item['split']}", f"licence: {meta['license']}"]
    if source.get("name"):
        facts.append(f"source: {source['name']}")
    title = meta.get("title") or "(no title given by the source)"
    body = f"""<header>
<a class="skip" href="#panel">Skip to the entities and claims</a>
<p class="meta"><a href="../index.html">newsmark report</a> / {esc(meta["id"])}</p>
<h1>{esc(title)}</h1>
<p class="meta">{" · ".join(esc(f) for f in facts)}</p>
<p>{topics}</p>
</header>
<main class="layout">
<article>
<div class="legend" aria-label="entity types">{legend}<span class="swatch claim">claim</span></div>
<div class="text">{render_text(text, annotation)}</div>
</article>
<aside id="panel" tabindex="-1">
<section><h2>Entities ({len(annotation["entities"])})</h2><ul>{entities}</ul></section>
<section><h2>Claims ({len(annotation["claims"])})</h2><ul>{claims}</ul></section>
</aside>
</main>"""
    return _page(f"{meta['id']} · newsmark", body, _JS)


_COMPARE_CSS = """
.sides { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.5rem; }
@media (max-width: 48rem) { .sides { grid-template-columns: minmax(0, 1fr); } }
.only { outline: 2px dashed #b4235a; outline-offset: 1px; }
.differs { box-shadow: inset 0 -3px 0 #c26a00; }
.key span { margin-right: .75rem; }
"""


def _statuses(mine: dict, theirs: dict) -> dict:
    """For each mention span and claim id of ``mine``: 'agree', 'differs' (the other layer has it, with
    another type or other claim fields) or 'only' (the other layer lacks it)."""
    from newsmark.pipeline.agreement import match_claims

    spans = {(m["start"], m["end"]): e["type"] for e in theirs["entities"] for m in e["mentions"]}
    status = {}
    for entity in mine["entities"]:
        for mention in entity["mentions"]:
            other = spans.get((mention["start"], mention["end"]))
            status[("m", mention["start"], mention["end"])] = (
                "only" if other is None else ("agree" if other == entity["type"] else "differs")
            )
    matched = dict(match_claims(mine["claims"], theirs["claims"]))
    for index, claim in enumerate(mine["claims"]):
        other = theirs["claims"][matched[index]] if index in matched else None
        same = other is not None and all(
            claim[k] == other[k] for k in ("start", "end", "type", "attribution", "checkworthy")
        )
        status[("c", claim["id"])] = "only" if other is None else ("agree" if same else "differs")
    return status


def compare_page(item: dict, names_: tuple[str, str], layers: tuple[dict, dict], disagreements: list[dict]) -> str:
    """Two layers of one article side by side: what only one layer has is outlined, what both have with
    another type or other claim fields is underlined in orange; the disagreements link to their spans."""
    text, article_id = item["text"], item["meta"]["id"]
    sides = []
    for side, (name, mine, theirs) in enumerate(((names_[0], layers[0], layers[1]), (names_[1], layers[1], layers[0]))):
        status = _statuses(mine, theirs)
        starts = {e["id"]: {m["start"]: m["end"] for m in e["mentions"]} for e in mine["entities"]}

        def decorate(mark: Mark, side=side, status=status, starts=starts):
            if mark.kind == "c":
                return status[("c", mark.ref)], f"s{side}-c-{mark.ref}"
            end = starts[mark.ref].get(mark.start, mark.end)
            return status.get(("m", mark.start, end), "agree"), f"s{side}-m-{mark.start}-{end}"

        sides.append(
            f'<section><h2>{esc(name)}</h2><div class="text">{render_text(text, mine, decorate)}</div></section>'
        )
    items = "".join(
        f'<li><a href="#{esc(d["anchor"])}">{esc(d["message"])}</a></li>'
        if d.get("anchor")
        else f"<li>{esc(d['message'])}</li>"
        for d in disagreements
    )
    body = f"""<header>
<p class="meta"><a href="../index.html">newsmark report</a> / <a href="../articles/{esc(article_id)}.html">{esc(article_id)}</a> / compare</p>
<h1>{esc(names_[0])} and {esc(names_[1])}</h1>
<p class="meta key"><span class="only">only in this layer</span><span class="differs">in both, differently</span>
<span>plain: the same in both</span></p>
</header>
<main>
<div class="sides">{"".join(sides)}</div>
<h2>Disagreements ({len(disagreements)})</h2>
<ol>{items}</ol>
</main>"""
    return _page(f"{article_id} · {names_[0]} and {names_[1]} · newsmark", body, _JS, _COMPARE_CSS)


def _anchored(disagreements: list[dict], paths: tuple[str, str]) -> list[dict]:
    """The disagreements of ``agreement.compare``, each with the id of the span it is about (when it is
    about a span), on the side of the layer it was found in."""
    anchored = []
    for item in disagreements:
        side = 0 if item["path"] == paths[0] else 1
        anchor = None
        if item["message"].startswith("mention "):
            start, end = item["message"].split()[1].split(":")
            anchor = f"s{side}-m-{start}-{end}"
        elif item["message"].startswith("claim "):
            anchor = f"s{side}-c-{item['message'].split()[1]}"
        anchored.append({**item, "anchor": anchor})
    return anchored


_LABEL = 28  # characters of a chart label that fit before the bars


def bar_chart(counts: dict[str, int], title: str) -> str:
    """A horizontal bar chart as inline SVG."""
    rows = [(label, value) for label, value in counts.items()]
    if not rows:
        return f'<figure><figcaption>{esc(title)}</figcaption><p class="meta">none</p></figure>'
    top = max(value for _, value in rows) or 1
    height = 22 * len(rows) + 8
    bars = []
    for i, (label, value) in enumerate(rows):
        y = 4 + 22 * i
        width = 200 * value / top
        shown = label if len(label) <= _LABEL else label[: _LABEL - 1] + "…"  # cut labels say so, in full on hover
        bars.append(
            f'<text x="0" y="{y + 14}"><title>{esc(label)}</title>{esc(shown)}</text>'
            f'<rect x="190" y="{y + 2}" width="{width:.1f}" height="16" fill="#7aa7e0"><title>{esc(label)}: '
            f'{value}</title></rect><text x="{194 + width:.1f}" y="{y + 14}">{value}</text>'
        )
    return (
        f'<figure><figcaption>{esc(title)}</figcaption><svg role="img" aria-label="{esc(title)}" '
        f'viewBox="0 0 440 {height}" width="100%">{"".join(bars)}</svg></figure>'
    )


def index_page(items: list[dict], left_out: list[str]) -> str:
    topic_labels = labels_by_name("topics")
    topics, types, claim_types, splits, lengths = Counter(), Counter(), Counter(), Counter(), Counter()
    for item in items:
        annotation = item["annotation"]
        topics.update(topic_labels.get(t, t) for t in annotation["topics"])
        for entity in annotation["entities"]:
            types[entity["type"]] += len(entity["mentions"])
        claim_types.update(c["type"] for c in annotation["claims"])
        splits[item["split"]] += 1
        words = len(item["text"].split())
        lengths[f"{words // 250 * 250}-{words // 250 * 250 + 249} words"] += 1
    ordered_lengths = dict(sorted(lengths.items(), key=lambda kv: int(kv[0].split("-")[0])))
    charts = "".join(
        [
            bar_chart(dict(topics.most_common()), "Topics (articles)"),
            bar_chart(dict(types.most_common()), "Entity types (mentions)"),
            bar_chart(dict(claim_types.most_common()), "Claim types"),
            bar_chart(ordered_lengths, "Article lengths"),
            bar_chart({s: splits[s] for s in SPLITS}, "Split sizes (articles)"),
        ]
    )
    rows = "".join(
        f'<tr><td><a href="articles/{esc(i["meta"]["id"])}.html">{esc(i["meta"]["id"])}</a></td>'
        f"<td>{esc(i['meta']['date'])}</td><td>{esc(i['meta'].get('title') or '—')}</td><td>{esc(i['split'])}</td>"
        f"<td>{sum(len(e['mentions']) for e in i['annotation']['entities'])}</td>"
        f"<td>{len(i['annotation']['claims'])}</td></tr>"
        for i in items
        if i.get("rendered")
    )
    note = (
        f'<p class="meta">Not shown ({len(left_out)}): articles without a valid annotation — run '
        f"<code>newsmark validate</code>: {esc(', '.join(left_out[:20]))}{' …' if len(left_out) > 20 else ''}</p>"
        if left_out
        else ""
    )
    body = f"""<header><h1>newsmark report</h1>
<p class="meta">{len(items)} article{"s" if len(items) != 1 else ""} · rendered offline, no network assets</p></header>
<main>
<h2>Statistics</h2>
<div class="charts">{charts}</div>
<h2>Articles</h2>
<div class="table-wrap"><table>
<thead><tr><th>id</th><th>date</th><th>title</th><th>split</th><th>mentions</th><th>claims</th></tr></thead>
<tbody>{rows}</tbody></table></div>
{note}
</main>"""
    return _page("newsmark report", body)


def _report_items(settings, articles) -> list[dict]:
    """Run in a worker: what the report needs of each valid article (plain, picklable data)."""
    return [
        {
            "meta": a.meta.data,
            "annotation": a.annotation.data,
            "text": a.text,
            "split": split_of(a.id, a.meta.data, settings),
        }
        for a in articles
    ]


def changed_articles(root: Path, base: str) -> list[str]:
    """Ids of the articles whose files differ from git revision ``base`` or are new and untracked (for
    pull-request previews). The revision is resolved to a commit first and never read as an option."""
    commit = resolve_commit(root, base, "--changed")
    changed = git(root, "diff", "--name-only", "--no-renames", commit, "--", "corpus", "annotations")
    untracked = git(root, "ls-files", "--others", "--exclude-standard", "--", "corpus", "annotations")
    return sorted({Path(line).name.partition(".")[0] for line in (changed + untracked).splitlines() if line.strip()})


def is_previous_report(out: Path) -> bool:
    """Whether ``out`` holds nothing but what ``report`` writes: index.html, articles/*.html and
    compare/*.html."""
    pages = {
        f"{folder}/{entry.name}"
        for folder in ("articles", "compare")
        if (out / folder).is_dir()
        for entry in os.scandir(out / folder)
    }
    return holds_only(out, {"index.html"} | {page for page in pages if page.endswith(".html")})


def report(
    root: str | Path = ".",
    out: str | Path | None = None,
    ids: list[str] | None = None,
    jobs: int | None = None,
    may_be_gone: frozenset[str] = frozenset(),
    compare: tuple[str, str] | None = None,
) -> dict:
    """Render ``index.html`` and one page per article (only ``ids`` when given) into ``out``, and with
    ``compare`` (two layer names, as `newsmark agree` takes them) compare/<id>.html for every rendered
    article that has both layers. Ids in ``may_be_gone`` (from ``changed_articles``) that are no longer
    in the corpus are listed under "gone"; any other unknown id is refused."""
    root = Path(root)
    out = Path(out) if out is not None else root / "dist" / "report"
    check_output_folder(root, out, "a newsmark report", is_previous_report)
    settings = read_settings(root)
    found, all_ids = select(root, None)
    items, left_out = [], []
    for results, payload in run_articles(root, found, all_ids, extra=partial(_report_items, settings), jobs=jobs):
        valid = {item["meta"]["id"] for item in payload or []}
        left_out += [r.id for r in results if r.id not in valid]
        items += payload or []
    unknown = sorted(set(ids or []) - {item["meta"]["id"] for item in items} - set(left_out))
    missing = [article_id for article_id in unknown if article_id not in may_be_gone]
    if missing:
        raise NewsmarkError(f"no article {', '.join(missing)} in {root}/corpus")
    wanted = set(ids) if ids is not None else None
    pages = []
    for item in items:
        if wanted is None or item["meta"]["id"] in wanted:
            item["rendered"] = True
            path = out / "articles" / f"{item['meta']['id']}.html"
            write_atomic(path, article_page(item))
            pages.append(str(path))
    compared = (
        _compare_pages(root, out, found, [item for item in items if item.get("rendered")], compare) if compare else []
    )
    write_atomic(out / "index.html", index_page(items, left_out))
    skipped = sorted(set(ids or []) & set(left_out))
    return {
        "out": str(out),
        "pages": pages,
        "compared": compared,
        "left_out": left_out,
        "skipped": skipped,
        "gone": unknown,
    }


def _compare_pages(root: Path, out: Path, found, items: list[dict], names_: tuple[str, str]) -> list[str]:
    from newsmark.pipeline.agreement import AgreementCounts, check_layer_names, compare, figures, layer_path
    from newsmark.pipeline.check.layers import load_layer

    check_layer_names(found, names_, "--compare")
    written = []
    for item in items:
        article_id = item["meta"]["id"]
        paths = [layer_path(found, name, article_id) for name in names_]
        if None in paths:
            continue
        first, second = (load_layer(root, found, path, article_id) for path in paths)
        tally = AgreementCounts()
        compare(first, second, tally)
        disagreements = _anchored(figures(tally)["disagreements"], (first.path, second.path))
        path = out / "compare" / f"{article_id}.html"
        write_atomic(path, compare_page(item, names_, (first.data, second.data), disagreements))
        written.append(str(path))
    return written
