"""Corpus recipes: the registry, missing packages, building, and the ``corpora`` CLI.

The readers of each Debian source have their own tests (test_kjv, test_gcide, test_wordnet);
none of these tests needs the Debian packages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from textseq.cli.main import main
from textseq.datasets import gcide, kjv, recipes, wordnet
from textseq.datasets.recipes import RECIPES, Recipe, Requirement, get_recipe
from textseq.errors import InputError

# --- Recipes ----------------------------------------------------------------------------------


def test_registry_names_and_packages():
    assert list(RECIPES) == ["kjv", "gcide", "wordnet", "english", "japanese"]
    assert RECIPES["kjv"].packages == ("bible-kjv", "bible-kjv-text")
    assert RECIPES["english"].packages == (
        "bible-kjv",
        "bible-kjv-text",
        "dict-gcide",
        "wordnet-base",
    )
    assert RECIPES["english"].approx_tokens == sum(
        RECIPES[n].approx_tokens for n in ("kjv", "gcide", "wordnet")
    )
    with pytest.raises(InputError, match="unknown corpus recipe 'bible'.*kjv, gcide"):
        get_recipe("bible")


def test_missing_packages_name_the_apt_get_command(tmp_path, monkeypatch):
    monkeypatch.setattr(recipes.shutil, "which", lambda name: None)
    recipe = RECIPES["kjv"]
    assert "bible-kjv" in recipe.missing_packages()
    assert not recipe.available()
    with pytest.raises(InputError, match=r"apt-get install -y bible-kjv\b"):
        recipe.build(tmp_path, progress=False)
    assert not (tmp_path / "kjv").exists() or not any((tmp_path / "kjv").iterdir())


def test_missing_files_list_only_the_missing_packages(tmp_path):
    present = tmp_path / "here.txt"
    present.write_text("x")
    recipe = Recipe(
        "demo",
        "demo",
        "test",
        (
            Requirement("pkg-here", str(present)),
            Requirement("pkg-gone", str(tmp_path / "gone.txt")),
            Requirement("pkg-gone", str(tmp_path / "gone2.txt")),
            Requirement("pkg-prog", "no-such-program-textseq", "program"),
        ),
        approx_tokens=1,
        approx_lines=1,
        reader=lambda: iter(["x"]),
    )
    assert recipe.missing_packages() == ["pkg-gone", "pkg-prog"]
    with pytest.raises(InputError) as info:
        recipe.build(tmp_path, progress=False)
    assert str(info.value).endswith("sudo apt-get install -y pkg-gone pkg-prog")


def _fake_recipe(tmp_path: Path, lines: list[str], name: str = "fake") -> Recipe:
    marker = tmp_path / f"{name}-installed.txt"
    marker.write_text("x")
    return Recipe(
        name,
        "a fake corpus",
        "test data",
        (Requirement("fake-pkg", str(marker)),),
        approx_tokens=7,
        approx_lines=3,
        reader=lambda: iter(lines),
    )


def test_build_writes_one_clean_line_per_sentence_and_counts(tmp_path):
    recipe = _fake_recipe(tmp_path, ["one two  three", "", "  four\tfive ", "six"])
    result = recipe.build(tmp_path / "out", progress=False)
    assert result.path == tmp_path / "out" / "fake" / "fake.txt"
    assert result.path.read_text(encoding="utf-8") == "one two three\nfour five\nsix\n"
    assert (result.lines, result.tokens) == (3, 6)
    assert recipe.is_built(tmp_path / "out")


def test_failed_build_leaves_the_old_file_untouched(tmp_path):
    def broken():
        yield "new text"
        raise InputError("disk gone")

    old = _fake_recipe(tmp_path, ["old text"])
    old.build(tmp_path, progress=False)
    new = Recipe(old.name, "", "", old.requirements, 1, 1, reader=broken)
    with pytest.raises(InputError, match="disk gone"):
        new.build(tmp_path, progress=False)
    assert old.output_path(tmp_path).read_text() == "old text\n"
    assert [p.name for p in (tmp_path / "fake").iterdir()] == ["fake.txt"]  # no temp file left


def test_english_joins_the_three_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(Requirement, "present", lambda self: True)
    monkeypatch.setattr(kjv, "read_kjv", lambda: iter(["verse"]))
    monkeypatch.setattr(gcide, "read_gcide", lambda: iter(["para one", "para two"]))
    monkeypatch.setattr(wordnet, "read_wordnet", lambda: iter(["gloss"]))
    result = RECIPES["english"].build(tmp_path, progress=False)
    assert result.path.read_text().splitlines() == ["verse", "para one", "para two", "gloss"]
    assert (result.lines, result.tokens) == (4, 6)


# --- CLI --------------------------------------------------------------------------------------


def test_cli_list_shows_builtins_and_recipe_states(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(RECIPES, "fake", _fake_recipe(tmp_path, ["a b"]))
    missing = Recipe("gone", "gone", "nowhere", (Requirement("gone-pkg", "/no/such"),), 1, 1, iter)
    monkeypatch.setitem(RECIPES, "gone", missing)
    out_dir = tmp_path / "corpora"

    assert main(["corpora", "list", "-o", str(out_dir)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    for name in ("lee", "wiki500", "questions-words", "wordsim353", "simlex999", "kjv", "english"):
        assert name in rows
    assert "available (" in rows["lee"] and "lee_background.cor" in rows["lee"]
    assert "available, not built" in rows["fake"]
    assert "needs: apt-get install gone-pkg" in rows["gone"]

    assert main(["corpora", "build", "fake", "-o", str(out_dir), "--no-progress"]) == 0
    assert main(["corpora", "list", "-o", str(out_dir)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert f"built: {out_dir / 'fake' / 'fake.txt'}" in rows["fake"]


def test_cli_build_prints_counts(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(RECIPES, "fake", _fake_recipe(tmp_path, ["a b c", "d e"]))
    code = main(["corpora", "build", "fake", "-o", str(tmp_path), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"wrote {tmp_path / 'fake' / 'fake.txt'}: 2 lines, 5 tokens" in out
    assert (tmp_path / "fake" / "fake.txt").read_text() == "a b c\nd e\n"


def test_cli_build_errors_are_one_line(tmp_path, monkeypatch, capsys):
    missing = Recipe("gone", "gone", "nowhere", (Requirement("gone-pkg", "/no/such"),), 1, 1, iter)
    monkeypatch.setitem(RECIPES, "gone", missing)
    assert main(["corpora", "build", "gone", "-o", str(tmp_path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: corpus recipe 'gone' needs the Debian package(s) gone-pkg; "
        "install them with: sudo apt-get install -y gone-pkg"
    ]
    assert main(["corpora", "build", "nope", "-o", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("error: unknown corpus recipe 'nope'")
    assert not (tmp_path / "gone").exists()
