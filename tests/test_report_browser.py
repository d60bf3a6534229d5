"""The report in a real browser: headless Chromium (Debian's package) driven by Playwright, at desktop and
phone widths. Skipped only where Chromium is not installed; .ci/run installs it and sets
NEWSMARK_REQUIRE_BROWSER=1, which turns the skip into a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import REPO, SEED_ID, copy_seed, run_cli

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _contrast(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two CSS rgb()/rgba() colours (alpha ignored: the marks are opaque)."""

    def luminance(colour: str) -> float:
        channels = [int(v) / 255 for v in colour[colour.index("(") + 1 :].rstrip(")").split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = copy_seed(tmp_path_factory.mktemp("repo"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    out = tmp_path_factory.mktemp("report")
    assert run_cli("report", "--root", str(root), "--out", str(out)).returncode == 0
    return out


def _open(browser, url, viewport):
    page = browser.new_page(viewport=viewport)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, problems


@pytest.mark.parametrize("name", VIEWPORTS)
def test_article_page_renders_with_visible_mentions(browser, site, name):
    screenshots = Path(os.environ.get("NEWSMARK_SCREENSHOTS", site))
    page, problems = _open(browser, (site / "articles" / f"{SEED_ID}.html").as_uri(), VIEWPORTS[name])
    mentions = page.locator("mark[data-entity]")
    assert mentions.count() == 37
    first = mentions.first
    assert first.is_visible()
    box = first.bounding_box()
    assert box["width"] > 0 and box["x"] + box["width"] <= VIEWPORTS[name]["width"]
    colour = first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
    # No horizontal scrolling at either width.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[name]["width"]
    # Keyboard: a mention takes focus and shows its tooltip (name, type, Wikidata id).
    netanyahu = page.locator('mark[data-entity="netanyahu"]').first
    netanyahu.focus()
    assert page.evaluate("document.activeElement.dataset.entity") == "netanyahu"
    tip = netanyahu.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Benjamin Netanyahu" in tip and "Q43723" in tip
    # Types are named on every mention (as displaCy does), not told by colour alone.
    assert netanyahu.evaluate("el => getComputedStyle(el, '::after').content") == '"PERSON"'
    # WCAG AA: the text and the type label against every type's background reach 4.5:1, and each
    # mention's outline against the page 3:1.
    for mark in page.locator("mark[data-entity]").all():
        background, ink, label = mark.evaluate(
            "el => [getComputedStyle(el).backgroundColor, "
            "getComputedStyle(el).color, getComputedStyle(el, '::after').color]"
        )
        assert _contrast(ink, background) >= 4.5 and _contrast(label, background) >= 4.5
    assert _contrast("rgb(128, 128, 128)", "rgb(255, 255, 255)") >= 3  # the 50% black outline on white
    # Only the CSS tooltip shows: no native title tooltip on top of it.
    assert page.locator("mark[data-entity][title]").count() == 0
    # Focusing a claim in the side panel highlights its span in the text.
    page.locator('aside li[data-ref="c1"]').focus()
    assert page.locator('.claim.active[data-claim="c1"]').count() == 1
    page.screenshot(path=str(screenshots / f"article-{name}.png"), full_page=name == "desktop")
    assert problems == []
    page.close()


@pytest.mark.parametrize("name", VIEWPORTS)
def test_focused_items_stay_in_view_and_claims_are_told_apart(browser, site, name):
    page, problems = _open(browser, (site / "articles" / f"{SEED_ID}.html").as_uri(), VIEWPORTS[name])
    height = VIEWPORTS[name]["height"]
    # The last claim's span is far below the top; focusing it in the panel brings it into view, and on
    # a wide screen the panel stays in view too (it is sticky).
    item = page.locator('aside li[data-ref="c21"]')
    item.focus()
    span = page.locator('.claim[data-claim="c21"]').bounding_box()
    assert span["y"] < height and span["y"] + span["height"] > 0
    if name == "desktop":
        box = item.bounding_box()
        assert 0 <= box["y"] < height
    # Neighbouring claims differ in colour and line style, and every claim begins with a marker.
    style = "el => [getComputedStyle(el).textDecorationColor, getComputedStyle(el).textDecorationStyle]"
    first, second = (page.locator(f'.claim[data-claim="{c}"]').evaluate(style) for c in ("c1", "c2"))
    assert first != second
    assert page.locator('.claim[data-claim="c2"]').evaluate("el => getComputedStyle(el).borderLeftWidth") == "2px"
    # A skip link is the first stop for the keyboard and leads to the panel without tabbing the mentions.
    page.reload()
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "panel"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.kind") == "entity"
    assert problems == []
    page.close()


def test_index_page_renders(browser, site):
    screenshots = Path(os.environ.get("NEWSMARK_SCREENSHOTS", site))
    page, problems = _open(browser, (site / "index.html").as_uri(), VIEWPORTS["desktop"])
    assert page.locator("svg").count() == 5 and page.locator("svg rect").first.is_visible()
    page.locator(f'a[href="articles/{SEED_ID}.html"]').click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"{SEED_ID}.html")
    page.go_back()
    page.screenshot(path=str(screenshots / "index-desktop.png"), full_page=True)
    assert problems == []
    page.close()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """The seed with an independent layer that lacks one "Netanyahu", types c1 as a prediction and files
    the article under economy instead of politics; the report of both, side by side."""
    root = copy_seed(tmp_path_factory.mktemp("compare"))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    layer = root / "annotations" / "independent" / "ann-b"
    layer.mkdir(parents=True)
    text = (root / "annotations" / f"{SEED_ID}.yaml").read_text()
    text = text.replace('      - {start: 735, end: 744, text: "Netanyahu"}\n', "").replace(
        "    type: position", "    type: prediction", 1
    )
    (layer / f"{SEED_ID}.yaml").write_text(
        text.replace("  - medtop:11000000  # politics", "  - medtop:04000000  # economy")
    )
    out = tmp_path_factory.mktemp("compare-report")
    result = run_cli("report", "--compare", "ann-b", "adjudicated", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("name", VIEWPORTS)
def test_comparison_view_marks_differences_and_links_to_them(browser, comparison, name):
    screenshots = Path(os.environ.get("NEWSMARK_SCREENSHOTS", comparison))
    page, problems = _open(browser, (comparison / "compare" / f"{SEED_ID}.html").as_uri(), VIEWPORTS[name])
    sides = page.locator(".sides > section")
    assert sides.count() == 2
    assert (
        sides.nth(0).locator("h2").inner_text() == "ann-b" and sides.nth(1).locator("h2").inner_text() == "adjudicated"
    )
    # the Netanyahu only the adjudicated layer has is outlined there; agreed mentions are plain
    only = page.locator("#s1-m-735-744")
    assert "only" in only.get_attribute("class")
    assert page.locator("#s1-m-56-74").get_attribute("class").split()[-1] == "agree"
    assert "differs" in page.locator("#s0-c-c1").get_attribute("class")
    assert only.evaluate("el => getComputedStyle(el).outlineStyle") == "dashed"
    # both columns side by side on a wide screen, one above the other on a phone
    first, second = (sides.nth(i).bounding_box() for i in (0, 1))
    assert (second["x"] > first["x"]) == (name == "desktop")
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[name]["width"]
    # every disagreement is listed; a span's entry links to it and brings it into view
    items = page.locator("main ol li")
    assert items.count() == 4
    page.locator('main ol a[href="#s1-m-735-744"]').click()
    box = only.bounding_box()
    assert box["y"] + box["height"] > 0 and box["y"] < VIEWPORTS[name]["height"]
    page.screenshot(path=str(screenshots / f"compare-{name}.png"), full_page=False)
    assert problems == []
    page.close()
