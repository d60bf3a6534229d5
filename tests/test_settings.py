"""pyproject.toml is read in one place (newsmark/settings.py) with one behaviour: a wrong value is an error
located at its line and column, wherever it is read (validate, build, dedup), never silently replaced by a
default; an absent key takes its documented default, except those the split rule needs."""

from __future__ import annotations

import pytest
from conftest import CASES, copy_corpus, run_cli

from newsmark.settings import DedupSettings, Settings, SettingsError, read_dedup_settings, read_settings

PYPROJECT = '[project]\nname = "t"\nversion = "1.0.0"\n\n[tool.newsmark]\nsalt = "s"\ntest_fraction = 0.1\n'


def _root(tmp_path, extra: str = "", text: str = PYPROJECT):
    (tmp_path / "pyproject.toml").write_text(text + extra, encoding="utf-8")
    return tmp_path


def test_absent_keys_take_the_documented_defaults(tmp_path):
    assert read_settings(_root(tmp_path)) == Settings("1.0.0", "s", 0.1, 0.0, None)
    assert read_dedup_settings(tmp_path) == DedupSettings(5, 128, 0.4)
    assert read_dedup_settings(tmp_path / "bare") == DedupSettings()  # no pyproject.toml: a bare corpus
    root = _root(tmp_path, "dedup_shingle = 3\ndedup_permutations = 64\ndedup_threshold = 0.5\n")
    assert read_dedup_settings(root) == DedupSettings(3, 64, 0.5)


@pytest.mark.parametrize(
    ("extra", "line", "col", "says"),
    [
        ('dedup_threshold = "high"\n', 8, 19, "[tool.newsmark].dedup_threshold must be a number, not 'high'"),
        ("dedup_shingle = 2.5\n", 8, 17, "[tool.newsmark].dedup_shingle must be a whole number, not 2.5"),
        ("dedup_permutations = 0\n", 8, 22, "[tool.newsmark].dedup_permutations must be between 1 and 4096"),
        ("dedup_threshold = 0\n", 8, 19, "[tool.newsmark].dedup_threshold must be above 0 and at most 1"),
        ("validation_fraction = 1.5\n", 8, 23, "[tool.newsmark].validation_fraction must be a number between 0 and 1"),
        (
            "validation_fraction = 0.95\n",
            8,
            23,
            "[tool.newsmark].validation_fraction and test_fraction add up to more than 1",
        ),
        ('repo_id = "no-owner"\n', 8, 11, "[tool.newsmark].repo_id must be OWNER/NAME"),
    ],
)
def test_a_wrong_value_is_an_error_at_its_line_and_column(tmp_path, extra, line, col, says):
    root = _root(tmp_path, extra)
    readers = [read_settings] + ([read_dedup_settings] if "dedup" in extra else [])
    for reader in readers:
        with pytest.raises(SettingsError) as caught:
            reader(root)
        assert (caught.value.line, caught.value.col) == (line, col)
        assert str(caught.value).startswith(f"{root / 'pyproject.toml'}:{line}:{col}: {says}")


def test_a_number_written_as_text_is_refused_not_converted(tmp_path):
    root = _root(tmp_path, text=PYPROJECT.replace("test_fraction = 0.1", 'test_fraction = "0.1"'))
    with pytest.raises(SettingsError, match=r":7:17: \[tool.newsmark\].test_fraction must be a number between"):
        read_settings(root)


def test_a_missing_split_setting_is_located_at_its_table(tmp_path):
    root = _root(tmp_path, text=PYPROJECT.replace("test_fraction = 0.1\n", ""))
    with pytest.raises(SettingsError, match=r"pyproject.toml:5:1: \[tool.newsmark\] has no test_fraction"):
        read_settings(root)
    with pytest.raises(SettingsError, match=r"pyproject.toml: not found"):
        read_settings(tmp_path / "elsewhere")


def test_validate_build_and_dedup_all_refuse_a_wrong_near_duplicate_setting(tmp_path):
    """Before, the near-duplicate reader used the default for a value it could not read: validate passed,
    build built and dedup grouped with a threshold nobody chose."""
    root = copy_corpus(CASES / "valid", tmp_path / "corpus")
    for folder, key in (("corpus", "id"), ("annotations", "article")):  # two articles: the workers compute
        for path in (root / folder).glob("tiny.*"):  # MinHash signatures, with the settings, before any rule
            text = path.read_text().replace(f"{key}: tiny", f"{key}: tiny-two")
            path.with_name(f"tiny-two{path.suffix}").write_text(text)
    _root(root, 'dedup_threshold = "high"\n')
    where = f"{root / 'pyproject.toml'}:8:19: [tool.newsmark].dedup_threshold must be a number, not 'high'"
    validated = run_cli("validate", "--root", str(root), "--no-cache")
    assert validated.returncode == 1, validated.stderr
    # located at the value itself, as every finding is
    assert "pyproject.toml:8:19: NM606 [tool.newsmark].dedup_threshold must be a number, not 'high'" in validated.stdout
    built = run_cli("build", "--root", str(root), "--out", str(tmp_path / "out"))
    assert built.returncode == 1 and where in built.stderr and not (tmp_path / "out").exists()
    grouped = run_cli("dedup", "--root", str(root))
    assert grouped.returncode == 1 and where in grouped.stderr
