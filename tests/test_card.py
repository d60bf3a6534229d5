"""The dataset card as a template the data fills: every placeholder of pipeline/card.md.template has a value
from the build, and no value goes unused."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, SEED_ID, copy_seed

import newsmark
import newsmark.pipeline.build as build_module
from newsmark.pipeline.card import card_fields, card_template


@pytest.fixture(scope="module")
def seed_card(tmp_path_factory):
    """A real build of the seed corpus: the card it wrote, and the summary, corpus and settings it handed
    ``card_markdown`` (recorded on the way through, the card rendered as usual)."""
    root = copy_seed(tmp_path_factory.mktemp("card") / "repo")
    # Two more annotators on the seed: a person, and a model whose record gives name, version and date.
    annotation = root / "annotations" / f"{SEED_ID}.yaml"
    annotation.write_text(
        annotation.read_text(encoding="utf-8").replace(
            "annotators:\n",
            "annotators:\n  - {id: ann-lee, kind: human}\n"
            '  - {id: nm-gpt, kind: model, model: GPT-4o, version: gpt-4o-2024-08-06, date: "2024-09-01"}\n',
            1,
        ),
        encoding="utf-8",
    )
    for name in ("pyproject.toml", "CITATION.cff"):
        shutil.copy(REPO / name, root / name)
    handed = []
    render = build_module.card_markdown

    def recording(*inputs):
        handed.append(inputs)
        return render(*inputs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module, "card_markdown", recording)
        newsmark.build(root, root / "dist")
    (inputs,) = handed
    return (root / "dist" / "README.md").read_text(encoding="utf-8"), inputs


def test_every_placeholder_of_the_template_is_filled_and_every_field_used(seed_card):
    card, inputs = seed_card
    template = card_template()
    assert template.is_valid()  # no stray $ that substitute() would stop at
    assert set(template.get_identifiers()) == set(card_fields(*inputs))
    assert "<!--" not in card  # the template's own comment stays out of the card


def test_the_card_says_what_each_annotator_record_gives(seed_card):
    card, _ = seed_card
    annotators = card.split("#### Who are the annotators?\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert annotators == [
        "- `ann-lee` (human) on 1 article",
        "- `newsmark-maintainers` (model: name, version and date not recorded) on 1 article",
        "- `nm-claude-review` (model: Claude, run on 2026-12-05; version not recorded) on 1 article",
        "- `nm-gpt` (model: GPT-4o, version gpt-4o-2024-08-06, run on 2024-09-01) on 1 article",
    ]
