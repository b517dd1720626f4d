"""The Japanese corpus recipe: troff and plain-text readers, and the missing packages."""

import gzip

import pytest

from textseq.datasets import japanese
from textseq.datasets.recipes import RECIPES, Requirement
from textseq.errors import InputError

PAGE = r""".\" a comment
.TH LS "1" "2021年5月" "GNU coreutils" "ユーザーコマンド"
.SH 名前
ls \- ディレクトリの内容をリスト表示する
.SH 説明
.PP
FILE (デフォルトは現在のディレクトリ) に関する情報を
一覧表示します。\fB\-\-sort\fR も指定されていない場合、
要素はアルファベット順でソートされます。
.TP
.B \-a
\&. で始まる要素を無視しない
.nf
例: ls \-l を実行する。
.fi
Only English here.
"""


def test_man_page_sentences_without_troff():
    got = list(japanese.parse_man_page(PAGE.splitlines(keepends=True)))
    assert got == [
        "ls - ディレクトリの内容をリスト表示する",
        "FILE (デフォルトは現在のディレクトリ) に関する情報を一覧表示します。",
        "--sort も指定されていない場合、要素はアルファベット順でソートされます。",
        "-a . で始まる要素を無視しない",
    ]


def test_plain_text_paragraphs_become_sentences():
    text = [
        "第一章\n",
        "\n",
        "これは一つ目の文です。これは\n",
        "二つ目です。\n",
        "\n",
        "code only\n",
    ]
    assert list(japanese.parse_plain_text(text)) == ["これは一つ目の文です。", "これは二つ目です。"]


def test_read_man_pages_walks_sections_in_order(tmp_path):
    for section, name in [("man2", "b.2.gz"), ("man1", "z.1.gz"), ("man1", "a.1.gz")]:
        (tmp_path / section).mkdir(exist_ok=True)
        with gzip.open(tmp_path / section / name, "wt", encoding="utf-8") as handle:
            handle.write(f".SH 名前\n{name} のページです。\n")
    assert list(japanese.read_man_pages(tmp_path)) == [
        "a.1.gz のページです。",
        "z.1.gz のページです。",
        "b.2.gz のページです。",
    ]


def test_the_recipe_names_its_packages_and_the_apt_get_command(monkeypatch):
    recipe = RECIPES["japanese"]
    assert recipe.packages == ("manpages-ja", "manpages-ja-dev", "maint-guide-ja")
    monkeypatch.setattr(Requirement, "present", lambda self: False)
    with pytest.raises(InputError) as info:
        recipe.check_available()
    assert str(info.value).endswith(
        "sudo apt-get install -y manpages-ja manpages-ja-dev maint-guide-ja"
    )
