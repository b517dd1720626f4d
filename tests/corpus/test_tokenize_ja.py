"""The Japanese tokenizer (MeCab + UniDic through the ``ja`` extra) and the tokenizer registry."""

import builtins
import sys

import pytest

from textseq.corpus import Corpus, Vocab, detokenize, get_tokenizer, tokenize
from textseq.corpus import ja as ja_module
from textseq.errors import OptionError

pytest.importorskip("fugashi")
pytest.importorskip("unidic_lite")


def test_unidic_short_units_of_a_known_sentence():
    assert tokenize("吾輩は猫である", "ja") == ["吾輩", "は", "猫", "で", "ある"]


def test_punctuation_kept_by_default_and_dropped_on_request():
    text = "名前はまだ無い。どこで生れたか、とんと見当がつかぬ。"
    kept = tokenize(text, "ja")
    assert kept[:5] == ["名前", "は", "まだ", "無い", "。"]
    assert "、" in kept
    dropped = tokenize(text, "ja:drop-punct")
    assert "。" not in dropped and "、" not in dropped
    assert dropped == [t for t in kept if t not in ("。", "、")]


def test_base_forms_are_dictionary_forms():
    assert tokenize("東京に住んでいます", "ja") == ["東京", "に", "住ん", "で", "い", "ます"]
    assert tokenize("東京に住んでいます", "ja:base") == ["東京", "に", "住む", "で", "いる", "ます"]


def test_spec_names_are_canonical_and_options_checked():
    assert get_tokenizer("ja").name == "ja"
    assert get_tokenizer("ja:drop-punct,base").name == "ja:base,drop-punct"
    assert get_tokenizer("ja:surface,keep-punct").name == "ja"
    with pytest.raises(OptionError, match="unknown ja tokenizer option 'kanji'"):
        get_tokenizer("ja:kanji")
    with pytest.raises(OptionError, match="takes no options"):
        get_tokenizer("unicode:base")


def test_corpus_and_vocab_with_the_ja_tokenizer():
    corpus = Corpus.from_texts(["吾輩は猫である。", "名前はまだ無い。"], tokenizer="ja")
    assert corpus.tokenizer == "ja"
    assert list(corpus)[0] == ["吾輩", "は", "猫", "で", "ある", "。"]
    vocab = Vocab.build(corpus)
    assert vocab["は"] != vocab.unk_id and vocab.counts[vocab["は"]] == 2


def test_ja_detokenize_joins_without_spaces_but_keeps_latin_words_apart():
    for text in ["吾輩は猫である。", "GNU Emacsを使う。", "rmコマンドで3個のファイルを消す。"]:
        tokens = tokenize(text, "ja")
        assert detokenize(tokens, "ja") == text
    assert tokenize("GNU Emacsを使う", "ja")[:2] == ["GNU", "Emacs"]


def test_missing_extra_is_one_error_naming_the_install(monkeypatch):
    real_import = builtins.__import__

    def no_fugashi(name, *args, **kwargs):
        if name == "fugashi":
            raise ImportError("No module named 'fugashi'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fugashi)
    ja_module._tagger.cache_clear()
    monkeypatch.setattr(sys.modules["textseq.corpus.tokenize"], "_CACHE", {})
    try:
        with pytest.raises(OptionError) as info:
            get_tokenizer("ja")
        message = str(info.value)
        assert "pip install 'textseq[ja]'" in message and "\n" not in message
    finally:
        ja_module._tagger.cache_clear()


def test_cli_missing_extra_prints_one_error_line(monkeypatch, cli, tmp_path):
    def missing():
        raise OptionError(
            f"the ja tokenizer needs a Japanese analyzer; install it with: {ja_module.INSTALL}"
        )

    monkeypatch.setattr(ja_module, "_tagger", missing)
    monkeypatch.setattr(sys.modules["textseq.corpus.tokenize"], "_CACHE", {})
    text = tmp_path / "ja.txt"
    text.write_text("吾輩は猫である。\n", encoding="utf-8")
    result = cli("build-dict", text, "-o", tmp_path / "v.tsv", "--tokenizer", "ja")
    assert result.code == 1
    assert result.error == (
        "error: the ja tokenizer needs a Japanese analyzer; install it with: "
        "pip install 'textseq[ja]'"
    )
    assert "Traceback" not in result.err
    assert not (tmp_path / "v.tsv").exists()


def test_cli_build_dict_with_ja_options(cli, tmp_path):
    text = tmp_path / "ja.txt"
    text.write_text("吾輩は猫である。\n猫は住んでいます。\n", encoding="utf-8")
    out = tmp_path / "v.tsv"
    result = cli("build-dict", text, "-o", out, "--tokenizer", "ja", "--ja-form", "base",
                 "--ja-punct", "drop")  # fmt: skip
    assert result.code == 0, result
    words = [line.split("\t")[0] for line in out.read_text(encoding="utf-8").splitlines()]
    assert "猫" in words and "住む" in words and "住ん" not in words and "。" not in words
    bad = cli("build-dict", text, "-o", out, "--tokenizer", "ja", "--ja-form", "kanji")
    assert bad.code == 1 and bad.error == "error: --ja-form must be surface or base, got 'kanji'"
