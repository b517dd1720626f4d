"""Corpus recipes: parsers on small samples written in each real format, errors, and the CLI.

None of these tests needs the Debian packages: the samples mimic the real files (checked by
hand against bible-kjv 4.x, dict-gcide 0.48 and wordnet-base 3.0).
"""

from __future__ import annotations

import gzip
import stat
from pathlib import Path

import pytest

from textseq.cli.main import main
from textseq.datasets import recipes
from textseq.datasets.recipes import (
    RECIPES,
    Recipe,
    Requirement,
    clean_gcide_paragraph,
    gcide_header_ranges,
    get_recipe,
    parse_bible_output,
    parse_wordnet_data,
    read_gcide,
    read_kjv,
    read_wordnet,
)
from textseq.errors import InputError

# --- King James Bible -------------------------------------------------------------------------

BIBLE_SAMPLE = """
Genesis 1

  1 In the beginning God created the heaven and the earth.
  2 And the earth was without form, and void; and darkness was upon the face of the deep.

Revelation 22

  20 He which testifieth these things saith, Surely I come quickly. Amen.
  21 The grace of our Lord Jesus Christ be with you all. Amen.
"""

BIBLE_VERSES = [
    "In the beginning God created the heaven and the earth.",
    "And the earth was without form, and void; and darkness was upon the face of the deep.",
    "He which testifieth these things saith, Surely I come quickly. Amen.",
    "The grace of our Lord Jesus Christ be with you all. Amen.",
]


def test_bible_output_keeps_verse_text_only():
    verses = list(parse_bible_output(BIBLE_SAMPLE.splitlines(keepends=True)))
    assert verses == BIBLE_VERSES


def _fake_program(tmp_path: Path, body: str) -> str:
    program = tmp_path / "bible"
    program.write_text("#!/bin/sh\n" + body)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return str(program)


def test_read_kjv_runs_the_program_with_the_whole_canon(tmp_path):
    (tmp_path / "sample.txt").write_text(BIBLE_SAMPLE)
    args_file = tmp_path / "args.txt"
    program = _fake_program(tmp_path, f'echo "$@" > {args_file}\ncat {tmp_path / "sample.txt"}\n')
    assert list(read_kjv(program)) == BIBLE_VERSES
    assert args_file.read_text().split() == ["-l100000", "gen1:1-rev22:21"]


def test_read_kjv_failing_program_is_an_input_error(tmp_path):
    program = _fake_program(tmp_path, "echo 'no data file' >&2\nexit 3\n")
    with pytest.raises(InputError, match="exit 3.*no data file"):
        list(read_kjv(program))


# --- GCIDE ------------------------------------------------------------------------------------

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(n: int) -> str:
    digits = ""
    while True:
        digits = _B64[n % 64] + digits
        n //= 64
        if n == 0:
            return digits


GCIDE_HEADER = [
    ("00-database-url", "00-database-url\n   ftp://ftp.gnu.org/gnu/gcide\n"),
    ("00-database-short", "00-database-short\n   The Collaborative International Dictionary\n"),
    (
        "00-database-info",
        "00-database-info\n   This file was converted from the original database.\n\n"
        "The original data was distributed with the notice shown below.\n\n"
        "GCIDE is free software; you can redistribute it.\n",
    ),
]
GCIDE_ENTRIES = [
    (
        "Abandon",
        'Abandon \\A*ban"don\\ ([.a]*b[a^]n"d[u^]n), v. t. [imp. & p. p.\n'
        "   {Abandoned} (-d[u^]nd); p. pr. & vb. n. {Abandoning}.] [OF.\n"
        "   abandoner; see {Ban}.]\n"
        "   1. To cast or drive out; to banish; to reject.\n"
        "      [Obs.]\n"
        "      [1913 Webster]\n"
        "\n"
        "            That he might . . . abandon them from him. --Udall.\n"
        "      [1913 Webster]\n",
    ),
    (
        "Skillful",
        "Skillful \\Skill\"ful\\, a. Having skill; expert; as, a f[oe]tal caf['e].\n"
        '   -- Skill"ful*ly, adv.\n'
        "   [1913 Webster]\n",
    ),
]
GCIDE_EXPECTED = [
    "Abandon, v. t. 1. To cast or drive out; to banish; to reject.",
    "That he might . . . abandon them from him. --Udall.",
    "Skillful, a. Having skill; expert; as, a fœtal café. -- Skillfully, adv.",
]


def _write_gcide(folder: Path) -> tuple[Path, Path]:
    """A tiny dictd database: gzip text plus an index of base64 offsets, like dict-gcide's."""
    data = b"\n\n"
    index = []
    for word, text in GCIDE_HEADER + GCIDE_ENTRIES:
        raw = text.encode("utf-8")
        index.append(f"{word}\t{_b64(len(data))}\t{_b64(len(raw))}\n")
        data += raw + b"\n"
    dict_path, index_path = folder / "gcide.dict.dz", folder / "gcide.index"
    dict_path.write_bytes(gzip.compress(data))
    index_path.write_text("".join(sorted(index)))
    return dict_path, index_path


def test_gcide_index_numbers_are_dictd_base64(tmp_path):
    # Real pair from dict-gcide's index: "00-database-info<TAB>Kj<TAB>uk" is offset 675.
    (tmp_path / "x.index").write_text("00-database-info\tKj\tuk\nabandon\tA\tB\n")
    assert gcide_header_ranges(tmp_path / "x.index") == [(675, 675 + 46 * 64 + 36)]


def test_gcide_drops_header_entries_pronunciations_and_tags(tmp_path):
    dict_path, index_path = _write_gcide(tmp_path)
    assert list(read_gcide(dict_path, index_path)) == GCIDE_EXPECTED


def test_gcide_cleaning_rules_one_by_one():
    assert clean_gcide_paragraph("Ab \\Ab\\ (pron), n. x") == "Ab, n. x"  # pronunciation
    assert clean_gcide_paragraph("a [outer [inner] tag] b") == "a b"  # nested tags
    assert clean_gcide_paragraph("an {Abandon} b") == "an Abandon b"  # braces
    assert clean_gcide_paragraph('co["o]rdinate [=a]n ca[~n]on') == "coördinate ān cañon"
    assert clean_gcide_paragraph('Al*go*met"ric') == "Algometric"  # syllable marks


def test_gcide_stray_cp1252_byte_does_not_stop_the_build(tmp_path):
    data = b"\nWord \\Word\\ n. the market\x92s drop\n\n"
    (tmp_path / "g.dict.dz").write_bytes(gzip.compress(data))
    (tmp_path / "g.index").write_text("")
    lines = list(read_gcide(tmp_path / "g.dict.dz", tmp_path / "g.index"))
    assert lines == ["Word n. the market\u2019s drop"]


# --- WordNet ----------------------------------------------------------------------------------

WORDNET_NOUN = (
    "  1 This software and database is being provided to you, the LICENSEE, by  \n"
    "  2 Princeton University under the following license. | not a gloss  \n"
    "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived or known  \n"
    "00001930 03 n 01 physical_entity 0 001 @ 00001740 n 0000 | an entity that has physical "
    'existence; "a physical thing"  \n'
)
WORDNET_ADV = (
    "  1 This software and database is being provided to you  \n"
    "00001740 02 r 01 a_cappella 0 000 | without musical accompaniment  \n"
)


def test_wordnet_glosses_skip_header_lines():
    glosses = list(parse_wordnet_data(WORDNET_NOUN.splitlines(keepends=True)))
    assert glosses == [
        "that which is perceived or known",
        'an entity that has physical existence; "a physical thing"',
    ]


def test_wordnet_reads_the_four_parts_in_order(tmp_path):
    (tmp_path / "data.noun").write_text(WORDNET_NOUN)
    (tmp_path / "data.verb").write_text("  1 header\n00000001 29 v 01 go 0 000 | move  \n")
    (tmp_path / "data.adj").write_text("  1 header\n")
    (tmp_path / "data.adv").write_text(WORDNET_ADV)
    glosses = list(read_wordnet(tmp_path))
    assert glosses[0] == "that which is perceived or known"
    assert glosses[2:] == ["move", "without musical accompaniment"]


# --- Recipes ----------------------------------------------------------------------------------


def test_registry_names_and_packages():
    assert list(RECIPES) == ["kjv", "gcide", "wordnet", "english"]
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
    monkeypatch.setattr(recipes, "read_kjv", lambda: iter(["verse"]))
    monkeypatch.setattr(recipes, "read_gcide", lambda: iter(["para one", "para two"]))
    monkeypatch.setattr(recipes, "read_wordnet", lambda: iter(["gloss"]))
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
