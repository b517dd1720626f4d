import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textseq.corpus import Vocab
from textseq.errors import OptionError, UnknownWordError, VocabError

SENTENCES = [["b", "a", "c"], ["a", "b", "a"], ["d", "c", "b"], ["a"]]
# counts: a=4, b=3, c=2, d=1


def test_ids_are_specials_then_frequency_then_word():
    vocab = Vocab.build([["y", "x", "z", "z", "x"], ["w"]], min_count=1)
    assert vocab.words == ["<unk>", "<eos>", "x", "z", "w", "y"]
    assert vocab.counts.tolist() == [0, 2, 2, 2, 1, 1]


def test_threshold_boundary_keeps_words_seen_exactly_min_count_times():
    vocab = Vocab.build(SENTENCES, min_count=3)
    assert "b" in vocab and "a" in vocab  # b is seen exactly 3 times
    assert "c" not in vocab  # seen 2 times: one fewer than min_count
    assert vocab["c"] == vocab.unk_id
    assert vocab.counts[vocab.unk_id] == 3  # c twice, d once
    assert vocab.stats.unknown_tokens == 3
    assert vocab.stats.tokens == 10


def test_classic_unknown_threshold_three_is_min_count_four():
    sentences = [["w"] * 3 + ["v"] * 4]
    vocab = Vocab.build(sentences, min_count=3 + 1)
    assert "w" not in vocab and "v" in vocab


def test_max_size_counts_specials_and_keeps_the_most_frequent():
    vocab = Vocab.build(SENTENCES, max_size=4)
    assert vocab.words == ["<unk>", "<eos>", "a", "b"]


def test_custom_and_absent_specials():
    vocab = Vocab.build(SENTENCES, min_count=2, unk_token="<???>", eos_token=None)
    assert vocab.words[0] == "<???>" and vocab.eos_id is None
    assert vocab.decode(vocab.encode(["a", "zzz"])) == ["a", "<???>"]
    bare = Vocab.build(SENTENCES, min_count=2, unk_token=None, eos_token=None)
    assert bare.encode(["a", "zzz", "b"]).tolist() == [bare["a"], bare["b"]]
    with pytest.raises(UnknownWordError, match="'aa'.*did you mean: a"):
        bare["aa"]
    with pytest.raises(KeyError):
        bare["zzz"]


def test_encode_decode_and_dtype():
    vocab = Vocab.build(SENTENCES)
    ids = vocab.encode(["a", "b", "nope"])
    assert ids.dtype == np.int32
    assert vocab.decode(ids) == ["a", "b", "<unk>"]


def test_errors_for_empty_and_all_unknown_corpora():
    with pytest.raises(VocabError, match="empty"):
        Vocab.build([])
    with pytest.raises(VocabError, match="no word is seen at least 5 times"):
        Vocab.build(SENTENCES, min_count=5)
    with pytest.raises(OptionError):
        Vocab.build(SENTENCES, min_count=0)


def test_tsv_round_trip_and_format(tmp_path):
    vocab = Vocab.build(SENTENCES, min_count=2)
    path = tmp_path / "v.tsv"
    vocab.save(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == f"<unk>\t{vocab.counts[0]}\tspecial:unk"
    assert lines[3] == "a\t4"
    loaded = Vocab.load(path)
    assert loaded.words == vocab.words
    assert loaded.counts.tolist() == vocab.counts.tolist()
    assert (loaded.unk_id, loaded.eos_id) == (vocab.unk_id, vocab.eos_id)


@pytest.mark.parametrize("word", ["a\tb", "a\nb", "a\rb", ""])
def test_words_that_tsv_cannot_hold_are_rejected(word):
    with pytest.raises(VocabError):
        Vocab.from_counts({word: 3, "ok": 3})


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "not a textseq vocabulary"),
        ("word\t3\n", "not a textseq vocabulary"),
        ("#textseq-vocab\t1\na\t3", "truncated"),
        ("#textseq-vocab\t1\na\tx\n", "not a number"),
        ("#textseq-vocab\t1\na\t3\tspecial:foo\n", "special-token mark"),
        ("#textseq-vocab\t1\na\t3\na\t2\n", "twice"),
        ("#textseq-vocab\t1\n", "no words"),
    ],
)
def test_corrupt_vocab_files_raise_vocab_error(tmp_path, content, message):
    path = tmp_path / "v.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(VocabError, match=message):
        Vocab.load(path)


def test_non_utf8_vocab_file(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_bytes(b"#textseq-vocab\t1\n\xff\t3\n")
    with pytest.raises(VocabError, match="not UTF-8"):
        Vocab.load(path)


storable = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\n\r"),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(storable, st.integers(1, 10**12), min_size=1, max_size=30))
def test_tsv_round_trip_property(tmp_path_factory, counts):
    counts = {w: c for w, c in counts.items() if w not in ("<unk>", "<eos>")}
    if not counts:
        return
    vocab = Vocab.from_counts(counts)
    path = tmp_path_factory.mktemp("v") / "v.tsv"
    vocab.save(path)
    loaded = Vocab.load(path)
    assert loaded.words == vocab.words
    assert loaded.counts.tolist() == vocab.counts.tolist()
    assert all(loaded[w] == vocab[w] for w in counts)


def test_word_index_is_built_on_first_use_and_agrees_with_the_words():
    vocab = Vocab.build(SENTENCES)
    assert vocab._index is None  # a trainer that only reads ids never pays for the dict
    assert vocab.unk_id == vocab.words.index("<unk>")
    assert vocab.eos_id == vocab.words.index("<eos>")
    assert vocab["b"] == vocab.words.index("b")
    assert vocab.index == {w: i for i, w in enumerate(vocab.words)}
    assert vocab.index is vocab.index  # built once
    with pytest.raises(VocabError, match="twice"):
        Vocab(["<unk>", "<eos>", "a", "a"], [0, 0, 1, 1])
