"""`newsmark agree` through the real CLI: every figure pinned on small hand-computed layers, identical and
disjoint layers, located disagreements, and independent layers validated like any annotation."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from conftest import REPO, SEED_ID, run_cli

TEXT = "Ann saw Ben. Ann and Ben left. Ben stayed."
META = 'id: {id}\ntitle: null\ndate: "2024-01-02"\nlanguage: en\nsource: null\nlicense: unknown\n'


def _span(quote: str, occurrence: int = 1) -> dict:
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(quote, start + 1)
    return {"start": start, "end": start + len(quote), "text": quote}


def _layer(entities: dict, claims: list, topics=("medtop:13000000",), annotator="ann-a") -> dict:
    return {
        "article": "tiny-two",
        "guidelines": "1.0",
        "annotators": [{"id": annotator, "kind": "human"}],
        "topics": list(topics),
        "entities": [
            {"id": entity_id, "type": entity_type, "name": spans[0]["text"], "mentions": spans}
            for entity_id, (entity_type, spans) in entities.items()
        ],
        "claims": [
            {
                "id": f"c{n}",
                **span,
                "claimer": "author",
                "type": claim_type,
                "attribution": "authorial",
                "checkworthy": True,
            }
            for n, (span, claim_type) in enumerate(claims, 1)
        ],
    }


# Layer A: Ann twice, Ben three times; two claims.
A = _layer(
    {
        "ann": ("PERSON", [_span("Ann"), _span("Ann", 2)]),
        "ben": ("PERSON", [_span("Ben"), _span("Ben", 2), _span("Ben", 3)]),
    },
    [(_span("Ann saw Ben"), "event"), (_span("Ann and Ben left"), "event")],
)
# Layer B: the last Ben a separate entity; the first claim the same, the second longer and an opinion.
B = _layer(
    {
        "ann": ("PERSON", [_span("Ann"), _span("Ann", 2)]),
        "ben": ("PERSON", [_span("Ben"), _span("Ben", 2)]),
        "ben-2": ("PERSON", [_span("Ben", 3)]),
    },
    [(_span("Ann saw Ben"), "event"), (_span("Ann and Ben left. Ben stayed"), "opinion")],
    annotator="ann-b",
)


@pytest.fixture
def corpus(tmp_path):
    root = tmp_path / "corpus"
    (root / "corpus").mkdir(parents=True)
    (root / "corpus" / "tiny-two.txt").write_text(TEXT + "\n")
    (root / "corpus" / "tiny-two.yaml").write_text(META.format(id="tiny-two"))
    (root / "annotations").mkdir()
    (root / "annotations" / "tiny-two.yaml").write_text(yaml.safe_dump(A, sort_keys=False))
    layer = root / "annotations" / "independent" / "ann-b"
    layer.mkdir(parents=True)
    (layer / "tiny-two.yaml").write_text(yaml.safe_dump(B, sort_keys=False))
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def _agree(root, *args):
    result = run_cli("agree", *args, "--format", "json", "--root", str(root))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_figures_match_hand_computed_values(corpus):
    assert run_cli("validate", "--root", str(corpus)).returncode == 0  # both layers are valid
    got = _agree(corpus)  # one independent annotator: compared with the adjudicated layer
    assert got["annotators"] == ["ann-b", "adjudicated"] and got["articles"] == 1
    assert got["mentions"]["strict_f1"] == 1.0 and got["mentions"]["strict_typed_f1"] == 1.0
    # B3 with the adjudicated layer as key: precision 1 for every mention; recall 1, 1 (Ann), 2/3, 2/3
    # (the first two Bens), 1/3 (the last): R = 11/15, F1 = 2 * 11/15 / (1 + 11/15) = 11/13
    assert got["entities"]["b3_f1"] == pytest.approx(11 / 13)
    # claims: one identical span of 2 + 2 -> strict F1 0.5; the longer second claim overlaps the other's
    # whole span (at least half of the shorter), so both match: overlap F1 1.0
    assert got["claims"]["strict_f1"] == 0.5 and got["claims"]["overlap_f1"] == 1.0
    assert got["claims"]["matched"] == 2
    # type over matched claims: (event, event), (opinion, event): p_o = 1/2, p_e = 1/2 -> kappa 0
    assert got["claims"]["kappa"] == {"type": 0.0, "attribution": 1.0, "checkworthy": 1.0}
    assert got["topics"]["kappa"] == 1.0
    messages = [(d["path"], d["line"], d["message"]) for d in got["disagreements"]]
    layer = "annotations/independent/ann-b/tiny-two.yaml"
    # every point an adjudicator must decide: the Bens grouped apart (each of B's entities once), the second
    # claim's span (matched by overlap, so one claim in the figures) and its type
    assert messages == [
        (
            layer,
            23,
            "entity ben groups 2 shared mention(s); annotations/tiny-two.yaml groups the mention 8:11 with 3 "
            "(its entity ben)",
        ),
        (
            layer,
            33,
            "entity ben-2 groups 1 shared mention(s); annotations/tiny-two.yaml groups the mention 31:34 "
            "with 3 (its entity ben)",
        ),
        (layer, 45, "claim c2 spans 13:41; annotations/tiny-two.yaml spans 13:29 (its claim c2)"),
        (layer, 50, "claim c2 has type 'opinion'; annotations/tiny-two.yaml has 'event' (its claim c2)"),
    ]


def test_claimers_and_dates_of_matched_claims_are_disagreements(corpus):
    # The same claim, the same speaker under another id in B (their mentions share a span), then another
    # speaker and a date: only the last two are disagreements.
    path = corpus / "annotations" / "independent" / "ann-b" / "tiny-two.yaml"
    data = yaml.safe_load(path.read_text())
    data["claims"][0]["claimer"] = "ben"
    adjudicated = yaml.safe_load((corpus / "annotations" / "tiny-two.yaml").read_text())
    adjudicated["entities"][1]["id"] = "benjamin"  # the same Ben, another id
    adjudicated["claims"][0]["claimer"] = "benjamin"
    (corpus / "annotations" / "tiny-two.yaml").write_text(yaml.safe_dump(adjudicated, sort_keys=False))
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    same_speaker = [d["message"] for d in _agree(corpus)["disagreements"] if "claimer" in d["message"]]
    assert same_speaker == []
    data["claims"][0]["claimer"] = "ann"
    data["claims"][0]["date"] = "2024-01-01"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    messages = [d["message"] for d in _agree(corpus)["disagreements"]]
    assert "claim c1 has claimer 'ann'; annotations/tiny-two.yaml has 'benjamin' (its claim c1)" in messages
    assert "claim c1 has date '2024-01-01'; annotations/tiny-two.yaml has None (its claim c1)" in messages


def test_identical_layers_agree_fully_and_disjoint_ones_not_at_all(corpus, tmp_path):
    same = _agree(
        corpus, "--files", str(corpus / "annotations" / "tiny-two.yaml"), str(corpus / "annotations" / "tiny-two.yaml")
    )
    assert same["mentions"]["strict_f1"] == same["entities"]["b3_f1"] == same["claims"]["overlap_f1"] == 1.0
    assert same["claims"]["kappa"]["type"] == 1.0 and same["disagreements"] == []
    other = _layer({"saw": ("EVENT", [_span("saw")])}, [(_span("Ben stayed"), "event")], topics=("medtop:15000000",))
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(other, sort_keys=False))
    apart = _agree(corpus, "--files", str(tmp_path / "other.yaml"), str(corpus / "annotations" / "tiny-two.yaml"))
    assert apart["mentions"]["strict_f1"] == apart["claims"]["strict_f1"] == apart["claims"]["overlap_f1"] == 0.0
    assert apart["claims"]["matched"] == 0 and apart["claims"]["kappa"]["type"] is None
    # 17 topics: 15 absent from both, one in each only: p_o = 15/17, p_e = (1*1 + 16*16) / 17**2
    observed, expected = 15 / 17, (1 + 256) / 289
    assert apart["topics"]["kappa"] == pytest.approx((observed - expected) / (1 - expected))
    assert len(apart["disagreements"]) == 1 + 5 + 1 + 2 + 2  # mentions, claims, topics on both sides


def test_two_independent_layers_and_the_text_report(corpus):
    layer = corpus / "annotations" / "independent" / "ann-c"
    layer.mkdir()
    (layer / "tiny-two.yaml").write_text(yaml.safe_dump(A, sort_keys=False))
    got = _agree(corpus)
    assert got["annotators"] == ["ann-b", "ann-c"]
    assert got["entities"]["b3_f1"] == pytest.approx(11 / 13)
    text = run_cli("agree", "--annotators", "ann-c", "adjudicated", "--root", str(corpus))
    assert text.returncode == 0 and "agreement over 1 article(s): ann-c vs adjudicated" in text.stdout
    assert "0 disagreement" not in text.stdout and "B3 F1 1.000" in text.stdout


def test_usage_and_refusals(corpus, tmp_path):
    cases = [
        (("agree", "--annotators", "nobody", "adjudicated"), 1, "no annotations/independent/nobody/ folder"),
        (("agree", "no-such-article"), 1, "no annotation of no-such-article"),
        (("agree", "--files", str(corpus / "annotations" / "tiny-two.yaml")), 2, "expected 2 arguments"),
        (("agree", "--files", "a.yaml", "b.yaml", "--annotators", "x", "y"), 2, "--files compares two files by itself"),
    ]
    for args, code, message in cases:
        result = run_cli(*args, "--root", str(corpus))
        assert result.returncode == code and message in result.stderr, (args, result.stderr)
    seed = REPO / "annotations" / f"{SEED_ID}.yaml"
    result = run_cli("agree", "--files", str(seed), str(corpus / "annotations" / "tiny-two.yaml"), "--root", str(REPO))
    assert result.returncode == 1 and "compare two annotations of one article" in result.stderr


def test_independent_layers_are_validated_and_never_built(corpus, tmp_path):
    layer = corpus / "annotations" / "independent" / "ann-b" / "tiny-two.yaml"
    broken = yaml.safe_load(layer.read_text())
    broken["entities"][0]["mentions"][0]["start"] = 1  # "nn", not "Ann"
    layer.write_text(yaml.safe_dump(broken, sort_keys=False))
    result = run_cli("validate", "--root", str(corpus))
    assert result.returncode == 1 and "annotations/independent/ann-b/tiny-two.yaml:" in result.stdout
    assert "NM401" in result.stdout
    unbuilt = run_cli("build", "--root", str(corpus), "--out", str(tmp_path / "refused"))
    assert unbuilt.returncode == 1 and "annotations/independent/ann-b/tiny-two.yaml:" in unbuilt.stdout + unbuilt.stderr
    assert not (tmp_path / "refused").exists()
    refused = run_cli("agree", "--root", str(corpus))
    assert refused.returncode == 1 and "does not validate" in refused.stderr
    layer.write_text(yaml.safe_dump(B, sort_keys=False))
    orphan = corpus / "annotations" / "independent" / "ann-b" / "gone.yaml"
    orphan.write_text(yaml.safe_dump({**B, "article": "gone"}, sort_keys=False))
    (corpus / "annotations" / "independent" / "not a handle").mkdir()
    found = run_cli("validate", "--root", str(corpus), "--format", "json")
    codes = sorted((f["path"], f["code"]) for f in json.loads(found.stdout)["findings"])
    assert codes == [
        ("annotations/independent/ann-b/gone.yaml", "NM503"),
        ("annotations/independent/not a handle", "NM109"),
    ]
    orphan.unlink()
    (corpus / "annotations" / "independent" / "not a handle").rmdir()
    built = run_cli("build", "--root", str(corpus), "--out", str(tmp_path / "out"))
    assert built.returncode == 0, built.stdout + built.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "annotations/independent/ann-b/tiny-two.yaml" not in json.dumps(manifest)


def test_the_card_and_the_datasheet_give_agreement_or_say_not_measured(corpus, tmp_path):
    (corpus / "DATASHEET.md").write_text("# Datasheet\n\n<!-- newsmark:stats:start -->\n<!-- newsmark:stats:end -->\n")
    assert run_cli("build", "--root", str(corpus), "--out", str(tmp_path / "out")).returncode == 0
    card, datasheet = (tmp_path / "out" / "README.md").read_text(), (corpus / "DATASHEET.md").read_text()
    line = (
        "1 double-annotated article(s), ann-b vs adjudicated: mention span F1 1.000 (with type 1.000), entity "
        "B3 F1 0.846, claim overlap F1 1.000 (strict 0.500), kappa: claim type 0.000, attribution 1.000, "
        "check-worthy 1.000, topics 1.000"
    )
    assert f"| agreement | {line} |" in datasheet and f"| agreement | {line} |" in card
    assert f"Inter-annotator agreement: {line}" in card
    assert run_cli("validate", "--root", str(corpus)).returncode == 0  # the datasheet block is current
    shutil.rmtree(corpus / "annotations" / "independent")
    stale = run_cli("validate", "--root", str(corpus))
    assert "NM602" in stale.stdout  # the layer went: the block must say so
    assert run_cli("build", "--root", str(corpus), "--out", str(tmp_path / "out")).returncode == 0
    assert "| agreement | not measured (no independent annotation layer) |" in (corpus / "DATASHEET.md").read_text()
    assert "Inter-annotator agreement: not measured" in (tmp_path / "out" / "README.md").read_text()


def test_a_model_annotator_is_recorded_with_its_version_and_day(corpus):
    path = corpus / "annotations" / "independent" / "ann-b" / "tiny-two.yaml"
    layer = yaml.safe_load(path.read_text())
    layer["annotators"] = [
        {"id": "ann-b", "kind": "model", "model": "example-model", "version": "2024-05-01", "date": "2024-06-01"}
    ]
    path.write_text(yaml.safe_dump(layer, sort_keys=False))
    assert run_cli("validate", "--root", str(corpus)).returncode == 0
    layer["annotators"][0]["date"] = "2024-06-31"
    path.write_text(yaml.safe_dump(layer, sort_keys=False))
    result = run_cli("validate", "--root", str(corpus))
    assert result.returncode == 1 and "NM307 annotators[0].date: '2024-06-31' is not a calendar date" in result.stdout


def test_three_layers_give_krippendorffs_alpha_and_every_pair(corpus):
    layer = corpus / "annotations" / "independent" / "ann-c"
    layer.mkdir()
    (layer / "tiny-two.yaml").write_text(
        yaml.safe_dump({**A, "annotators": [{"id": "ann-c", "kind": "human"}]}, sort_keys=False)
    )
    got = _agree(corpus, "--annotators", "adjudicated", "ann-b", "ann-c")
    # claim type over the first layer's claims, matched in the others: (event, event, event) and
    # (event, opinion, event). Coincidences: event-event 3 + 1, event-opinion 1 + 1 of n = 6 values, so
    # D_o = 2/6 and D_e = (5*1 + 1*5) / (6*5) = 1/3: alpha = 1 - D_o/D_e = 0
    assert got["alpha"]["type"] == pytest.approx(0.0)
    assert got["alpha"]["attribution"] == 1.0 and got["alpha"]["topics"] == 1.0  # no disagreement at all
    assert set(got["pairs"]) == {"adjudicated vs ann-b", "adjudicated vs ann-c", "ann-b vs ann-c"}
    assert got["pairs"]["adjudicated vs ann-c"]["entities"]["b3_f1"] == 1.0
    assert got["pairs"]["adjudicated vs ann-b"]["entities"]["b3_f1"] == pytest.approx(11 / 13)
    text = run_cli("agree", "--annotators", "adjudicated", "ann-b", "ann-c", "--root", str(corpus))
    assert "Krippendorff's alpha  type 0.000, attribution 1.000" in text.stdout
    assert run_cli("agree", "--annotators", "ann-b", "--root", str(corpus)).returncode == 2


def test_the_double_annotation_sample_is_a_stated_random_rule(synthetic_corpus):
    import hashlib
    import math

    result = run_cli("agree", "--sample", "0.1", "--root", str(synthetic_corpus))
    assert result.returncode == 0, result.stderr
    ids = sorted(path.stem for path in (synthetic_corpus / "corpus").glob("*.txt"))
    expected = sorted(ids, key=lambda i: hashlib.sha256(f"newsmark-double-annotation:{i}".encode()).hexdigest())
    assert result.stdout.split() == expected[: math.ceil(len(ids) / 10)]
    assert run_cli("agree", "--sample", "0.1", "--root", str(synthetic_corpus)).stdout == result.stdout
    assert run_cli("agree", "--sample", "1.5", "--root", str(synthetic_corpus)).returncode == 2
