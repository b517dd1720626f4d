import pytest

from textseq.corpus import Corpus
from textseq.corpus.plain import plain_sentences
from textseq.errors import InputError


def test_plain_sentences_become_a_tokenized_corpus_with_one_warning():
    with pytest.warns(UserWarning, match="2 plain strings: each is tokenized") as caught:
        corpus = plain_sentences(["The King rode.", "The queen  stayed"], "unicode")
    assert len(caught) == 1
    assert isinstance(corpus, Corpus)
    assert list(corpus) == [["the", "king", "rode"], ["the", "queen", "stayed"]]


def test_paths_builtin_names_and_token_lists_pass_unchanged(tmp_path):
    path = tmp_path / "a b.txt"  # a space in a file name does not make it a sentence
    path.write_text("x y\n", encoding="utf-8")
    for corpus in ([str(path)], ["lee"], [["the", "king"]], "lee"):
        assert plain_sentences(corpus, "unicode") is corpus


def test_strings_that_are_neither_files_nor_sentences_name_the_accepted_shapes():
    with pytest.raises(InputError, match=r"no such file or built-in corpus: 'nofile'.*token lists"):
        plain_sentences(["nofile", "other"], "unicode")
