"""The epoch plan: segments, chunks, kernel calls, private rows, and the encoded corpus kept
between ``train`` calls."""

import numpy as np
import pytest

from textseq.corpus import Corpus
from textseq.corpus.spool import SpooledIds
from textseq.word2vec import Word2Vec, kernels
from textseq.word2vec.kernel_inputs import sample_thresholds
from textseq.word2vec.plan import (
    CALL_WORDS,
    CHUNK_WORDS,
    CHUNKS_PER_EPOCH,
    MIN_CHUNK_WORDS,
    OWN_MIN_WRITES,
    OWN_ROWS_MAX,
    SYNC_WORDS,
    EncodedCorpus,
    EpochPlan,
    chunk_bounds,
    chunk_words_for,
    private_row_count,
    private_rows_per_thread,
    rows_with_room,
    segment_offsets,
    visit_order,
)


def test_segments_split_long_sentences_and_drop_empty_ones():
    offsets = np.array([0, 3, 3, 3 + 25, 30], dtype=np.int64)  # lengths 3, 0, 25, 2
    seg = segment_offsets(offsets, max_len=10)
    np.testing.assert_array_equal(seg, [0, 3, 13, 23, 28, 30])
    chunks = chunk_bounds(seg, chunk_words=12)
    assert chunks.tolist() == [0, 2, 4, 5]  # segments starting at or after words 12, 24
    # a segment longer than a chunk takes several marks: its index is one bound, not three
    assert chunk_bounds(seg, chunk_words=4).tolist() == [0, 2, 3, 4, 5]
    assert chunk_bounds(seg, chunk_words=100).tolist() == [0, 5]


def test_chunks_shrink_on_small_corpora_so_threads_can_share_an_epoch():
    assert chunk_words_for(6_000_000) == CHUNK_WORDS  # a real corpus: gensim's job size
    assert chunk_words_for(60_000) == MIN_CHUNK_WORDS  # lee: ~60 chunks, not 6
    assert chunk_words_for(200) == MIN_CHUNK_WORDS
    mid = chunk_words_for(320_000)
    assert MIN_CHUNK_WORDS < mid < CHUNK_WORDS and 320_000 // mid == CHUNKS_PER_EPOCH
    model = Word2Vec(min_count=1, epochs=1, progress=False).build_vocab(Corpus("lee"))
    model.train()
    assert model._encoded.plan.num_chunks >= 50  # the plan the epochs ran on


def test_private_rows_are_the_words_written_often_between_two_folds():
    counts = (1e6 / np.arange(1, 50_001)).astype(np.int64)  # Zipf, 50k words
    keep = sample_thresholds(counts, 1e-3)
    k = private_row_count(counts, keep, negative=5, ns_exponent=0.75)
    assert 100 < k < 2000  # a prefix of the ranking, far from the whole vocabulary

    def writes(rank):  # expected writes of row ``rank`` per SYNC_WORDS kept words, by hand
        kept = counts * (keep / (2**32 - 1))
        noise = counts**0.75
        return SYNC_WORDS * (kept[rank] / kept.sum() + 5 * noise[rank] / noise.sum())

    assert writes(k - 1) >= OWN_MIN_WRITES > writes(k)
    # more writes per kept word (skip-gram's pairs), more rows; never past the cap
    assert k < private_row_count(counts, keep, 5, 0.75, updates_per_word=3) <= OWN_ROWS_MAX
    assert private_row_count(counts, keep, 5, 0.75, updates_per_word=1000) == OWN_ROWS_MAX
    small = counts[:300]  # a small vocabulary: every row is written often
    assert private_row_count(small, sample_thresholds(small, 1e-3), 5, 0.75) == 300


def test_private_rows_per_thread_counts_pairs_for_per_pair_skipgram_and_none_for_one_thread():
    counts = (1e6 / np.arange(1, 50_001)).astype(np.int64)
    keep = sample_thresholds(counts, 1e-3)
    args = (counts, keep, 5, 0.75)
    assert private_rows_per_thread(1, kernels.SKIPGRAM_PER_PAIR, 5, *args) == 0
    assert private_rows_per_thread(2, kernels.CBOW, 5, *args) == private_row_count(*args)
    shared = private_rows_per_thread(2, kernels.SKIPGRAM_SHARED, 5, *args)
    assert shared == private_row_count(*args)  # one write of each target per window
    per_pair = private_rows_per_thread(2, kernels.SKIPGRAM_PER_PAIR, 5, *args)
    assert per_pair == private_row_count(*args, updates_per_word=6) > shared


def test_rows_with_room_reuses_an_array_that_fits_and_copies_into_one_that_does():
    syn1 = np.arange(12, dtype=np.float32).reshape(4, 3)
    rows = rows_with_room(syn1, None, 4, 3, threads=3, own_count=2)
    assert rows.shape == (4 + 2 * 2 * 2, 3) and rows.dtype == np.float32
    np.testing.assert_array_equal(rows[:4], syn1)
    assert not rows[4:].any()
    view = rows[:4]
    assert rows_with_room(view, rows, 4, 3, threads=2, own_count=2) is rows  # fits: kept
    bigger = rows_with_room(view, rows, 4, 3, threads=3, own_count=3)  # too small: moved
    assert bigger is not rows and len(bigger) == 4 + 12
    np.testing.assert_array_equal(bigger[:4], syn1)
    zeros = rows_with_room(None, None, 4, 3, threads=1, own_count=5)  # one thread: no room
    assert zeros.shape == (4, 3) and not zeros.any()


def _spool(lengths):
    ids = SpooledIds()
    ids.append(np.arange(sum(lengths), dtype=np.int32) % 7)
    ids.offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return ids


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_calls_cover_every_chunk_once_in_thread_rounds_and_read_back_whole(threads):
    lengths = [1500, 700, 0, 2500, 900] * 40  # ~224k words: chunks of MIN_CHUNK_WORDS and more
    plan = EpochPlan(_spool(lengths))
    everything = np.arange(sum(lengths), dtype=np.int32) % 7
    walk = plan.walk(threads)
    calls = walk.calls
    assert [lo for lo, _ in calls] == [0] + [hi for _, hi in calls[:-1]]
    assert calls[-1][1] == plan.num_chunks
    for lo, hi in calls[:-1]:  # every call but the last: whole thread rounds, enough words
        assert (hi - lo) % threads == 0 and (hi - lo) * plan.chunk_words >= CALL_WORDS
    segment_starts = plan.segments.to_array()
    visited = 0
    for lo, hi in calls:
        ids, seg, chunks, words_before = walk.read_call(lo, hi)
        assert words_before == visited and len(chunks) == hi - lo + 1
        assert seg[0] == 0 and seg[-1] == len(ids) and chunks[0] == 0 and chunks[-1] == len(seg) - 1
        for k, c in enumerate(walk.order[lo:hi]):  # each chunk's words, whole, in visit order
            a, b = plan.chunk_starts[c], plan.chunk_starts[c + 1]
            mine = ids[seg[chunks[k]] : seg[chunks[k + 1]]]
            np.testing.assert_array_equal(mine, everything[a:b])
            start = segment_starts[plan.chunks[c] : plan.chunks[c + 1]]
            np.testing.assert_array_equal(
                seg[chunks[k] : chunks[k + 1]] - seg[chunks[k]], start - a
            )
        visited += len(ids)
    assert visited == plan.num_words
    plan.close()


@pytest.mark.parametrize(("chunks", "threads"), [(10, 1), (10, 3), (12, 2), (7, 4), (2, 4), (0, 2)])
def test_each_thread_reads_its_own_stretch_of_the_corpus_in_order(chunks, threads):
    order = visit_order(chunks, threads)
    assert sorted(order) == list(range(chunks))
    dealt = [order[t::threads] for t in range(threads)]  # as kernels.train_chunks deals them
    for mine in dealt:  # consecutive chunks, in file order
        assert all(np.diff(mine) == 1)
    starts = [mine[0] for mine in dealt if len(mine)]
    assert starts == sorted(starts) and len({len(m) for m in dealt if len(m)}) <= 2
    if threads == 1:
        np.testing.assert_array_equal(order, np.arange(chunks))


def test_the_encoded_corpus_is_kept_for_its_corpus_and_planned_once():
    kept = EncodedCorpus()
    corpus = [["a", "b"]]
    assert not kept.holds(corpus) and not kept.holds(None)
    kept.keep(corpus, _spool([3, 4]))
    assert kept.holds(corpus) and not kept.holds([["a", "b"]])  # the same object only
    plan = kept.planned()
    assert kept.planned() is plan and kept.spool is None and plan.num_words == 7
    kept.close()
    assert kept.plan is None and kept.source is None and not kept.holds(corpus)


def test_training_again_on_the_same_corpus_encodes_it_once():
    corpus = Corpus("lee")
    model = Word2Vec(min_count=5, epochs=1, workers=1, progress=False).build_vocab(corpus)
    model.train(corpus)
    plan = model._encoded.plan
    model.train(corpus)
    assert model._encoded.plan is plan  # not encoded again
    model.train([["the", "war"]])
    assert model._encoded.plan is not plan and model.report_.corpus_words == 2
