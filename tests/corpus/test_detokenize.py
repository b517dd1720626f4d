"""tokens -> text for every tokenizer: round trips on Japanese, English and mixed text."""

import pytest

from textseq.corpus import TOKENIZERS, detokenize, get_tokenizer, tokenize
from textseq.corpus.word_tokenizers import join_spaced, join_unspaced

ENGLISH = "The cat sat on the mat. It's a well-known story, isn't it?"
JAPANESE = "吾輩は猫である。名前はまだ無い。"
MIXED = "I read 吾輩は猫である in Tokyo, 2024年に。"


def _available(name):
    if name == "ja":
        pytest.importorskip("fugashi")
        pytest.importorskip("unidic_lite")
    return name


@pytest.mark.parametrize("name", TOKENIZERS)
@pytest.mark.parametrize("text", [ENGLISH, JAPANESE, MIXED])
def test_round_trip_up_to_whitespace(name, text):
    """detokenize then tokenize again gives the same tokens, whatever the script."""
    tok = get_tokenizer(_available(name))
    tokens = tok.tokenize(text)
    again = tok.tokenize(tok.detokenize(tokens))
    assert again == tokens


def test_spaced_words_join_with_spaces_and_punctuation_rule():
    assert join_spaced(["hello", ",", "world", "!"]) == "hello, world!"
    assert join_spaced(["(", "a", ")", "b", "."]) == "(a) b."
    assert join_spaced(["the", "cat", "sat"]) == "the cat sat"
    assert (
        detokenize(tokenize(ENGLISH)) == "the cat sat on the mat it's a well-known story isn't it"
    )


def test_unicode_words_of_unspaced_scripts_stay_apart():
    assert join_spaced(["猫", "です", "。"]) == "猫 です。"
    assert detokenize(tokenize(MIXED)) == "i read 吾輩は猫である in tokyo 2024年に"


def test_unspaced_join_keeps_latin_words_apart():
    assert join_unspaced(["GNU", "Emacs", "を", "使う"]) == "GNU Emacsを使う"
    assert join_unspaced(["3", "個", "の", "rm"]) == "3個のrm"


def test_char_tokens_join_without_spaces():
    assert detokenize(tokenize("猫 です", "char"), "char") == "猫です"


def test_ja_round_trip_is_exact_without_spaces():
    _available("ja")
    for text in [JAPANESE, "東京都に住んでいます。", "rmコマンドで消す"]:
        assert detokenize(tokenize(text, "ja"), "ja") == text


@pytest.mark.parametrize("name", ["unicode", "ascii", "char"])
def test_measure_counts_the_characters_of_the_detokenized_text(name):
    """Per-character perplexity divides by these: a line's tokens plus its end give the
    length of the detokenized line with its newline (spaced scripts: one space per word)."""
    tok = get_tokenizer(name)
    tokens = tok.tokenize("the cat sat on the mat")
    chars = sum(tok.measure(t)[1] for t in tokens) + tok.line_end
    assert chars == len(tok.detokenize(tokens)) + 1
