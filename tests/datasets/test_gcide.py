"""The GCIDE reader on a tiny dictd database written in dict-gcide's real format.

The samples mimic the real files (checked by hand against dict-gcide 0.48); no test needs the
Debian packages.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from textseq.datasets.gcide import clean_gcide_paragraph, gcide_header_ranges, read_gcide

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
