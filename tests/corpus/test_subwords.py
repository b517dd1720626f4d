"""Subword units: training, round trips, saving, and measuring text."""

import pytest

from textseq.corpus import Corpus
from textseq.corpus.subwords import WORD_START, SubwordTokenizer, train_subwords
from textseq.errors import ModelFileError, OptionError

ENGLISH = "The unbelievable cat sat on the mat, said the government."
MIXED = "I read 吾輩は猫である in Tokyo"


@pytest.fixture(scope="module")
def lee_subwords():
    return train_subwords(Corpus("lee"), 800)


def test_round_trip_is_exact_on_the_words_of_the_base_tokenizer(lee_subwords):
    base = lee_subwords.base
    for text in [ENGLISH, MIXED, "unseen zyxxq words"]:
        pieces = lee_subwords.tokenize(text)
        assert lee_subwords.detokenize(pieces) == base.detokenize(base.tokenize(text))


def test_rare_words_become_pieces_not_unknown(lee_subwords):
    pieces = lee_subwords.tokenize("antidisestablishmentarianism")
    assert len(pieces) > 1 and pieces[0].startswith(WORD_START)
    assert "<unk>" not in pieces
    assert lee_subwords.vocab_size <= 800


def test_training_is_deterministic_and_the_file_reloads(lee_subwords, tmp_path):
    again = train_subwords(Corpus("lee"), 800)
    assert again.model_bytes == lee_subwords.model_bytes
    lee_subwords.save(tmp_path / "subwords.model")
    loaded = SubwordTokenizer.load(tmp_path / "subwords.model", "unicode")
    assert loaded.tokenize(ENGLISH) == lee_subwords.tokenize(ENGLISH)


def test_a_corrupt_or_missing_file_is_a_model_file_error(tmp_path):
    bad = tmp_path / "subwords.model"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="cannot read"):
        SubwordTokenizer.load(bad)
    with pytest.raises(ModelFileError, match="missing"):
        SubwordTokenizer.load(tmp_path / "none.model")


def test_measure_counts_the_words_and_characters_of_the_base_text(lee_subwords):
    words = lee_subwords.base.tokenize(ENGLISH)
    pieces = lee_subwords.tokenize(ENGLISH)
    n_words = sum(lee_subwords.measure(p)[0] for p in pieces)
    n_chars = sum(lee_subwords.measure(p)[1] for p in pieces) + lee_subwords.line_end
    assert n_words == len(words)
    assert n_chars == len(" ".join(words)) + 1  # the line's characters and its end


def test_japanese_subwords_join_without_spaces():
    pytest.importorskip("fugashi")
    lines = [
        "吾輩は猫である。",
        "名前はまだ無い。",
        "吾輩はここで始めて人間というものを見た。",
    ] * 20
    subwords = train_subwords(Corpus.from_texts(lines, tokenizer="ja"), 60, base="ja")
    pieces = subwords.tokenize("吾輩は人間である。")
    assert subwords.detokenize(pieces) == "吾輩は人間である。"
    n_chars = sum(subwords.measure(p)[1] for p in pieces) + subwords.line_end
    assert n_chars == len("吾輩は人間である。") + 1


def test_bad_sizes_are_option_errors():
    with pytest.raises(OptionError, match="at least 16"):
        train_subwords([["a", "b"]], 3)
    with pytest.raises(
        OptionError, match="too small for this text: its characters alone need 28 pieces"
    ):
        train_subwords([list("abcdefghijklmnopqrstuvwxyz")], 20)
    with pytest.raises(OptionError, match="no words"):
        train_subwords([], 100)
