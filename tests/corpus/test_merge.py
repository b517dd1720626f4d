"""The merge of blocks' words held as UTF-8 bytes: the same words, order, counts and tables as
a dict merge of the decoded words, whatever the words hold (a separator, a surrogate, any
script), and the bulk checks of a vocabulary's words raise what the word-by-word check does."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textseq.corpus.blocks import BlockWords, _encoded
from textseq.corpus.parallel import Merge
from textseq.corpus.token_kernels import word_bytes
from textseq.corpus.vocab import check_all_storable, check_storable
from textseq.errors import VocabError


def block(words: list[str], counts: list[int]) -> BlockWords:
    text, ends = _encoded(words)
    lengths = np.array([sum(counts)], np.int64) if words else np.zeros(0, np.int64)
    return BlockWords(text, ends, np.array(counts, np.int64), lengths)


def dict_merge(blocks: list[list[str]]):
    index: dict[str, int] = {}
    tables = []
    for words in blocks:
        tables.append([index.setdefault(w, len(index)) for w in words])
    return list(index), tables


WORDS = st.lists(
    st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=30), min_size=1, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(WORDS)
def test_merge_matches_a_dict_merge(blocks):
    merge = Merge()
    want_words, want_tables = dict_merge(blocks)
    want_counts = np.zeros(len(want_words), np.int64)
    for words, want_table in zip(blocks, want_tables):
        counts = [len(w) + 1 for w in words]
        table = merge.add(block(words, counts))
        assert table.dtype == np.int32 and table.tolist() == want_table
        np.add.at(want_counts, np.array(want_table, np.int64), counts)
    assert merge.words == want_words
    assert merge.counts.tolist() == want_counts.tolist()


def test_merge_grows_past_its_first_arrays_and_keeps_odd_words():
    words = [f"w{i}" for i in range(70_000)] + ["a\nb", "\ud800x", "日本", "\n"]
    merge = Merge()
    merge.add(block(words[:40_000], [1] * 40_000))
    table = merge.add(block(words[::-1], [2] * len(words)))
    want_words, want_tables = dict_merge([words[:40_000], words[::-1]])
    assert table.tolist() == want_tables[1]
    assert merge.words == want_words == words[:40_000] + words[:39_999:-1]
    assert merge.counts[:40_000].tolist() == [3] * 40_000
    assert merge.counts[40_000:].tolist() == [2] * (len(words) - 40_000)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=5), unique=True, max_size=20))
def test_word_bytes_writes_what_python_encodes(words):
    text = "".join(words)
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    stops = np.cumsum([len(w) for w in words], dtype=np.int64)
    starts = stops - np.array([len(w) for w in words], np.int64)
    got, ends = word_bytes(points, starts, stops)
    want, want_ends = _encoded(words)
    assert got.tobytes() == want.tobytes() and ends.tolist() == want_ends.tolist()


@pytest.mark.parametrize(
    "words", [["ok", "a\tb", "c\nd"], ["ok", ""], ["ok", "\udcff"], ["ok", 3], ["x\ry", "z"]]
)
def test_bulk_storable_check_raises_the_first_bad_words_error(words):
    with pytest.raises(VocabError) as want:
        for word in words:
            check_storable(word)
    with pytest.raises(VocabError) as got:
        check_all_storable(words)
    assert str(got.value) == str(want.value)


def test_bulk_storable_check_passes_good_words():
    check_all_storable(["ok", "日本", "it's", "<unk>"])


def test_the_scan_kernel_grows_past_its_first_tables():
    from textseq.corpus import blocks as blocks_module
    from textseq.corpus.blocks import BlockTask, count_block
    from textseq.corpus.word_tokenizers import tokenize_unicode

    lines = [" ".join(f"w{i}é x{i % 7}-{i}" for i in range(j, 9000, 13)) for j in range(13)]
    text = "\n".join(lines * 2)
    got = count_block(
        BlockTask(tokenize_unicode, scan=True), blocks_module.Bytes("t", 0, text.encode())
    )
    tokens = [w for line in lines * 2 for w in tokenize_unicode(line)]
    assert [got.words[i] for i in got.ids.tolist()] == tokens
    assert got.words == list(dict.fromkeys(tokens))
    assert got.counts.tolist() == [2] * len(got.words)
