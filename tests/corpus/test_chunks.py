import numpy as np
import pytest

from textseq.corpus import (
    Corpus,
    Vocab,
    encode_corpus,
    make_chunks,
    one_hot_dense,
    one_hot_sparse,
    prepare_data,
    split_range,
)
from textseq.errors import MemoryLimitError, OptionError


def test_chunks_match_a_naive_loop_and_are_views():
    ids = np.random.default_rng(0).integers(0, 50, size=103).astype(np.int32)
    inputs, targets = make_chunks(ids, 4)
    naive_x = [ids[i : i + 4] for i in range(len(ids) - 4)]
    naive_y = [ids[i + 4] for i in range(len(ids) - 4)]
    assert np.array_equal(inputs, np.array(naive_x))
    assert np.array_equal(targets, np.array(naive_y))
    assert np.shares_memory(inputs, ids) and np.shares_memory(targets, ids)
    assert inputs[0, 0] == ids[0]  # position 0 is the oldest word


def test_chunk_errors():
    with pytest.raises(OptionError):
        make_chunks(np.arange(3), 3)
    with pytest.raises(OptionError):
        make_chunks(np.arange(10), 0)


def test_split_is_contiguous_and_complete():
    parts = split_range(10, (0.8, 0.2))
    assert parts == [slice(0, 8), slice(8, 10)]
    three = split_range(7, (0.8, 0.1, 0.1))
    assert three[0].start == 0 and three[-1].stop == 7
    assert all(a.stop == b.start for a, b in zip(three, three[1:]))
    with pytest.raises(OptionError):
        split_range(10, (0.5, 0.2))


def test_one_hot_sparse_equals_dense():
    ids = np.array([[3, 0, 2], [1, 1, 4]], dtype=np.int32)
    dense = one_hot_dense(ids, 5)
    assert dense.shape == (2, 3, 5)
    assert np.array_equal(dense.argmax(-1), ids) and dense.sum() == ids.size
    sparse = one_hot_sparse(ids, 5)
    assert sparse.shape == (6, 5)
    assert np.array_equal(sparse.toarray(), dense.reshape(6, 5))
    with pytest.raises(OptionError):
        one_hot_dense(np.array([5]), 5)


def test_prepare_data_dense_shapes_and_refusal():
    ids = np.arange(25, dtype=np.int32) % 7
    data = prepare_data(ids, 7, 3, train_share=0.8, one_hot=True)
    n = len(ids) - 3
    assert data.x_train.shape == (round(0.8 * n), 3, 7)
    assert data.y_test.shape == (n - round(0.8 * n), 7)
    assert np.array_equal(data.x_train.argmax(-1), data.inputs_train)
    assert np.array_equal(data.y_test.argmax(-1), data.targets_test)
    with pytest.raises(MemoryLimitError, match=r"would need .* GB.*one_hot_sparse"):
        prepare_data(ids, 7, 3, one_hot=True, max_bytes=1000)


def test_encode_corpus_offsets_and_eos():
    corpus = Corpus.from_texts(["a b c", "b a", "c"])
    vocab = Vocab.build(corpus)
    encoded = encode_corpus(corpus, vocab, add_eos=True)
    assert encoded.ids.dtype == np.int32 and encoded.offsets.dtype == np.int64
    assert encoded.offsets.tolist() == [0, 4, 7, 9]
    assert vocab.decode(encoded.sentence(1)) == ["b", "a", "<eos>"]
    part = encoded.sentence_range(1, 3)
    assert vocab.decode(part.ids) == ["b", "a", "<eos>", "c", "<eos>"]
