import pytest

from textseq.corpus import get_tokenizer, tokenize
from textseq.errors import OptionError


def test_ascii_classic_rule():
    text = "Hello, World!\nIt's a well-known -dash test: 3 cats & U.S.A.\ttab"
    assert tokenize(text, "ascii") == [
        "hello",
        "world",
        "it's",
        "a",
        "well-known",
        "test",
        "cats",
        "usa",
        "tab",
    ]


def test_ascii_drops_accented_letters_and_leading_hyphen_tokens():
    assert tokenize("Café --- -x x- naïve", "ascii") == ["caf", "x-", "nave"]


def test_unicode_keeps_letters_of_every_spaced_script():
    text = "Привет, мир! Καλημέρα κόσμε. नमस्ते दुनिया. مرحبا بالعالم"
    assert tokenize(text) == [
        "привет",
        "мир",
        "καλημέρα",
        "κόσμε",
        "नमस्ते",
        "दुनिया",
        "مرحبا",
        "بالعالم",
    ]


def test_unicode_inner_apostrophes_and_hyphens_only():
    assert tokenize("'quoted' rock'n'roll state-of-the-art -x- don’t 3rd _under_score") == [
        "quoted",
        "rock'n'roll",
        "state-of-the-art",
        "x",
        "don’t",
        "3rd",
        "under",
        "score",
    ]


def test_char_tokenizer_skips_spaces():
    assert tokenize("我爱 北京\n", "char") == ["我", "爱", "北", "京"]


def test_unknown_tokenizer_is_an_option_error():
    with pytest.raises(OptionError, match="unknown tokenizer 'words'"):
        get_tokenizer("words")
