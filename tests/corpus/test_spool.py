"""The id spool: ids written once to a temporary file and read back block by block."""

import numpy as np
import pytest

from textseq.corpus import Vocab, encode_corpus
from textseq.corpus import spool as spool_module
from textseq.corpus.spool import SpooledIds, count_and_spool, remap_spool, spool_encode
from textseq.errors import InputError


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 7 ids, so that a few sentences already cross block boundaries."""
    monkeypatch.setattr(spool_module, "BLOCK_WORDS", 7)


def _sentences(rng, count=40):
    words = [f"w{i}" for i in range(15)]
    p = 0.7 ** np.arange(15)  # a few frequent words, a tail of rare ones
    picks = [rng.choice(15, size=rng.integers(0, 9), p=p / p.sum()) for _ in range(count)]
    return [[words[i] for i in pick] for pick in picks]


def test_append_and_read_back_ranges():
    with SpooledIds() as spool:
        spool.append(np.arange(10, dtype=np.int32))
        spool.append(np.arange(10, 15, dtype=np.int32))
        assert len(spool) == 15
        np.testing.assert_array_equal(spool.read(3, 12), np.arange(3, 12))
        buffer = np.empty(20, np.int32)
        got = spool.read(0, 5, buffer)
        assert np.shares_memory(got, buffer) and got.tolist() == [0, 1, 2, 3, 4]
        with pytest.raises(OSError, match="shorter"):
            spool.read(10, 16)


@pytest.mark.parametrize("blocks", ["default", "small"])
def test_count_and_spool_then_remap_equals_encode_corpus(blocks, request):
    if blocks == "small":
        request.getfixturevalue("small_blocks")
    sentences = _sentences(np.random.default_rng(0))
    words, counts, raw = count_and_spool(sentences)
    assert sum(counts) == sum(len(s) for s in sentences) == len(raw)
    assert words == list(dict.fromkeys(w for s in sentences for w in s))  # first appearance
    vocab = Vocab.from_counts(
        dict(zip(words, counts.tolist())), min_count=6, unk_token=None, eos_token=None
    )
    assert 0 < len(vocab) < len(words)  # some words are dropped
    table = np.array([vocab.index.get(w, -1) for w in words], np.int32)
    encoded = remap_spool(raw, table)
    want = encode_corpus(sentences, vocab)  # no <unk>: unknown words are dropped
    np.testing.assert_array_equal(encoded.to_array(), want.ids)
    np.testing.assert_array_equal(encoded.offsets, want.offsets)
    again = spool_encode(sentences, vocab.index)
    np.testing.assert_array_equal(again.to_array(), want.ids)
    np.testing.assert_array_equal(again.offsets, want.offsets)


def test_empty_corpus_is_an_error_and_empty_sentences_are_kept():
    with pytest.raises(InputError, match="empty"):
        spool_encode([], {"a": 0})
    words, counts, raw = count_and_spool([[], ["a"], []])
    assert words == ["a"] and counts.tolist() == [1]
    assert raw.offsets.tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize("block_words", [1, 3, 7, 1 << 18])
def test_remap_spool_matches_a_plain_python_remap_at_every_block_edge(block_words, monkeypatch):
    """Empty sentences first, last and at block edges, blocks where every id is dropped,
    and -1 ids (which index the table from its end, as numpy does)."""
    monkeypatch.setattr(spool_module, "BLOCK_WORDS", block_words)
    rng = np.random.default_rng(block_words)
    sentences = [[]] + [list(rng.integers(-1, 6, size=rng.integers(0, 6))) for _ in range(60)]
    sentences += [[], []]
    table = np.array([0, -1, 1, -1, -1, 2, -1], np.int32)  # ids 1, 3, 4 and -1 are dropped
    raw = SpooledIds()
    raw.append(np.array([w for s in sentences for w in s], np.int32))
    raw.offsets = np.cumsum([0] + [len(s) for s in sentences]).astype(np.int64)
    kept = [[int(table[w]) for w in s if table[w] >= 0] for s in sentences]
    out = remap_spool(raw, table)
    assert out.to_array().tolist() == [w for s in kept for w in s]
    assert out.offsets.tolist() == np.cumsum([0] + [len(s) for s in kept]).tolist()


@pytest.mark.parametrize("unk, eos", [(None, None), ("<unk>", "<eos>")])
def test_vocab_from_count_array_equals_from_counts(unk, eos):
    sentences = _sentences(np.random.default_rng(1), count=80) + [["<unk>", "w0"]]
    words, counts, _ = count_and_spool(sentences)
    kw = dict(min_count=4, unk_token=unk, eos_token=eos, sentences=len(sentences))
    got = Vocab.from_count_array(words, counts, **kw)
    want = Vocab.from_counts(dict(zip(words, counts.tolist())), **kw)
    assert got.words == want.words and got.counts.tolist() == want.counts.tolist()
    assert got.stats == want.stats and want.stats.unknown_tokens > 0
    sized = dict(kw, max_size=5)
    capped = Vocab.from_count_array(words, counts, **sized)
    assert capped.words == Vocab.from_counts(dict(zip(words, counts.tolist())), **sized).words
    with pytest.raises(Exception, match="'w0'"):  # names the most frequent word
        Vocab.from_count_array(words, counts, min_count=10**6, unk_token=unk, eos_token=eos)
