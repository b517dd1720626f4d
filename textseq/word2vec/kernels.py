"""Numba kernels that train word2vec with negative sampling (skip-gram and CBOW).

Everything here takes plain arrays and scalars, some bundled in the records below (named
tuples, which Numba passes as structs); the Python driver lives in ``model.py``. The corpus
is one flat ``int32`` id array cut into *segments* (sentences, with sentences longer than
``MAX_SEGMENT`` words split, as gensim truncates at 10000) and the segments are grouped into
*chunks* of roughly equal word counts (``plan.py``). One call trains a slice of chunks, dealt
out to the threads, which update the shared weights without locks (Hogwild, as in the C tool
and gensim); with two or more threads, all but the first keep their own copy of the most
frequent words' output rows and fold it back now and then (``train_chunks``)::

    ids          the cat sat | on the mat | a dog | ...    int32, one block of the corpus
    seg_offsets  0             3            6       8      where each segment starts in ids
    chunk_segs   0                          2              where each chunk starts, in segments

Randomness: each chunk carries its own 64-bit LCG state seeded from ``(seed, epoch, the
chunk's place in the epoch's visits)`` (``plan.visit_order``), never from the thread id, so
one thread with a fixed seed gives bit-identical weights, and the result does not depend on
how the driver cuts the visits into calls.

The modes: CBOW (0) averages (``cbow_mean=1``) or sums the context vectors to predict the
centre word; skip-gram uses each context word's input vector to predict the centre word,
with fresh negatives for every context word (1, as gensim) or one set of negatives per
centre word shared by its whole window, the target rows written once per window (2). The
single steps are in ``update_kernels.py``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from textseq.word2vec.update_kernels import cbow_update, fold_loss, sg_update, sg_window_update

MAX_SEGMENT = 10000  # longest stretch of words a window can see, as gensim's MAX_SENTENCE_LEN

CBOW, SKIPGRAM_PER_PAIR, SKIPGRAM_SHARED = 0, 1, 2  # the modes (``Settings.mode``)

_LCG_MUL = np.uint64(6364136223846793005)
_LCG_ADD = np.uint64(1442695040888963407)
_U32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


# ---------------------------------------------------------------------------------------------
# the records a call takes


class Weights(NamedTuple):
    """The arrays a call trains in place."""

    syn0: np.ndarray  # (V, dim) float32: the input vectors (the word vectors)
    syn1neg: np.ndarray  # (V + room, dim) float32: the output vectors, then the private rows


class Tables(NamedTuple):
    """The vocabulary's tables, read only."""

    keep_threshold: np.ndarray  # (V,) uint32: a word is kept when 32 random bits are <= it
    neg_table: np.ndarray  # (V,) uint64: alias table of the noise words (build_alias_table)


class Settings(NamedTuple):
    """A training run's settings as the kernels read them."""

    mode: int  # CBOW, SKIPGRAM_PER_PAIR or SKIPGRAM_SHARED
    window: int  # largest distance to a context word
    negative: int  # noise words drawn per positive word
    cbow_mean: int  # 1: CBOW averages the context vectors, 0: sums them
    alpha: float  # learning rate at the start of the run, falling linearly ...
    min_alpha: float  # ... to this at its end
    total_words: int  # words over every epoch of the run (the learning-rate schedule)
    seed: int  # seeds every chunk's generator, with the epoch and the chunk's visit
    compute_loss: bool  # sum the loss (it does not change the training)
    workers: int  # threads sharing the chunks
    own_count: int  # output rows each worker but the first trains in a copy (0: none)
    sync_words: int  # kept words between two folds of such a copy into the shared rows


class Block(NamedTuple):
    """One call's part of the corpus and where it lies in the run."""

    ids: np.ndarray  # (n,) int32: the words of the block
    seg_offsets: np.ndarray  # int64: segment s is ids[seg_offsets[s]:seg_offsets[s + 1]]
    chunk_segs: np.ndarray  # int64: chunk c is segments chunk_segs[c]:chunk_segs[c + 1]
    chunk_lo: int  # the call trains chunks chunk_lo:chunk_hi
    chunk_hi: int
    chunk_base: int  # the epoch's visits before chunk 0 (seeds the chunks' generators)
    epoch: int  # the model's epoch count (seeds the chunks' generators)
    words_done: int  # words the schedule passed before ids[0], earlier epochs included


# ---------------------------------------------------------------------------------------------
# random numbers


@njit(cache=True)
def seed_state(seed, epoch, chunk):
    """Mix (seed, epoch, chunk) through splitmix64 into a non-zero LCG state."""
    z = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
    z ^= np.uint64(epoch) * np.uint64(0xBF58476D1CE4E5B9)
    z ^= np.uint64(chunk) * np.uint64(0x94D049BB133111EB)
    for _ in range(2):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z | np.uint64(1)


@njit(inline="always")
def _next(state):
    """One LCG step; returns (new state, 32 random bits as uint64 from the high half)."""
    state = state * _LCG_MUL + _LCG_ADD
    return state, state >> _U32


@njit(inline="always")
def _draw_negative(state, neg_table, vocab_size):
    """Alias-method draw from the noise distribution (the table of
    ``prepare_kernels.build_alias_table``): two LCG steps, one table load."""
    state, r1 = _next(state)
    state, r2 = _next(state)
    slot = (r1 * np.uint64(vocab_size)) >> _U32
    entry = neg_table[slot]
    if r2 < (entry >> _U32):
        return state, np.int64(slot)
    return state, np.int64(entry & _LOW32)


# ---------------------------------------------------------------------------------------------
# whole chunks


@njit(inline="always")
def _out_row(word, own_lo, own_count):
    """The output row a thread trains for ``word``: its private copy for the ``own_count``
    most frequent words (rows ``own_lo + word``), the shared row ``word`` for the rest."""
    return own_lo + word if word < own_count else word


@njit(inline="always")
def _fill_targets(state, targets, centre, negative, neg_table, vocab_size, own_lo, own_count):
    """The output rows (``_out_row``) of the centre word, then of up to ``negative`` noise
    words (draws equal to the centre are dropped, as gensim does); returns (state, number of
    targets)."""
    targets[0] = _out_row(centre, own_lo, own_count)
    n = 1
    for _ in range(negative):
        state, t = _draw_negative(state, neg_table, vocab_size)
        if t != centre:
            targets[n] = _out_row(t, own_lo, own_count)
            n += 1
    return state, n


@njit(inline="always")
def _private_rows(syn1neg, vocab_size, own_count, t):
    """Where worker ``t >= 1`` keeps its copy (from row ``own_lo``) and, right after it, the
    copied rows as they were at its last fold (``base``); see ``train_chunks``."""
    own_lo = vocab_size + 2 * (t - 1) * own_count
    return own_lo, syn1neg[own_lo + own_count : own_lo + 2 * own_count]


@njit(cache=True)
def _sync_own_rows(syn1neg, own_lo, base):
    """Fold a thread's changes to its private rows ``syn1neg[own_lo:own_lo + len(base)]`` into
    the shared rows ``syn1neg[:len(base)]`` and refresh the copy: shared += own - base, then
    own = base = shared. A value nobody else changed since the last sync is copied as it is,
    so one thread gets the very bits of training in place (no ``fastmath``: the compiler must
    keep ``now + (own - was)`` and the comparisons as written). Without locks, like every
    other write: a sync racing another thread's loses at most that thread's change to one
    value at that instant."""
    _sync_rows(syn1neg, own_lo, base, 0, base.shape[0])


@njit(cache=True)
def _sync_rows(syn1neg, own_lo, base, row_lo, row_hi):
    """``_sync_own_rows`` for rows ``row_lo:row_hi`` only (the end of a call splits the fold
    between the threads by rows, so no two of them write the same shared row)."""
    for r in range(row_lo, row_hi):
        for k in range(base.shape[1]):
            own = syn1neg[own_lo + r, k]
            was = base[r, k]
            now = syn1neg[r, k]
            now = own if now == was else now + (own - was)
            syn1neg[r, k] = now
            syn1neg[own_lo + r, k] = now
            base[r, k] = now


@njit(fastmath=True, cache=True)
def _train_chunk(weights, tables, settings, ids, seg_offsets, seg_lo, seg_hi, epoch_start,
                 state, own_lo, own_base, since_sync):  # fmt: skip
    """Train segments ``seg_lo:seg_hi``; returns (loss, effective words, final state, words
    since the last sync of the private rows).

    Private rows (see ``train_chunks``): the output rows of the ``len(own_base)`` most frequent
    words are read and written at ``own_lo + word``, the thread's copy, and folded into the
    shared rows after each segment that ends ``sync_words`` kept words after the last fold
    (``since_sync`` of them were trained before this chunk)."""
    syn0, syn1neg = weights
    keep_threshold, neg_table = tables
    mode = settings.mode
    window = settings.window
    negative = settings.negative
    cbow_mean = settings.cbow_mean
    alpha0 = settings.alpha
    min_alpha = settings.min_alpha
    total_words = settings.total_words
    compute_loss = settings.compute_loss
    sync_words = settings.sync_words
    vocab_size = syn0.shape[0]
    dim = syn0.shape[1]
    own_count = own_base.shape[0]
    buf = np.empty(MAX_SEGMENT, dtype=np.int64)
    targets = np.empty(negative + 1, dtype=np.int64)
    grads = np.empty(negative + 1, dtype=np.float32)
    context = np.empty(2 * window, dtype=np.int64)
    work = np.empty(dim, dtype=np.float32)
    neu1 = np.empty(dim, dtype=np.float32)
    deltas = np.empty((negative + 1, dim), dtype=np.float32)
    loss = 0.0
    likelihood = 1.0  # product of update likelihoods not yet folded into ``loss``
    effective = 0
    span = alpha0 - min_alpha
    for s in range(seg_lo, seg_hi):
        start = seg_offsets[s]
        end = seg_offsets[s + 1]
        # linear decay over every epoch's words, updated once per segment
        progress = (epoch_start + start) / total_words
        alpha = max(alpha0 - span * progress, min_alpha)
        # frequent-word subsampling: windows are taken over the kept words (gensim)
        n = 0
        for p in range(start, end):
            w = ids[p]
            state, r = _next(state)
            if r <= keep_threshold[w]:
                buf[n] = w
                n += 1
        effective += n
        for i in range(n):
            state, r = _next(state)
            b = np.int64(r % np.uint64(window))  # randomly shrunk window, as gensim
            lo = max(i - window + b, 0)
            hi = min(i + window + 1 - b, n)
            if mode == SKIPGRAM_SHARED:
                state, nt = _fill_targets(
                    state, targets, buf[i], negative, neg_table, vocab_size, own_lo, own_count
                )
                nll, factor = sg_window_update(
                    syn0, syn1neg, buf, lo, hi, i, targets, nt, alpha, work, grads, deltas,
                    compute_loss,
                )  # fmt: skip
                loss += nll
                loss, likelihood = fold_loss(loss, likelihood, factor)
            elif mode == SKIPGRAM_PER_PAIR:
                for j in range(lo, hi):
                    if j == i:
                        continue
                    state, nt = _fill_targets(
                        state, targets, buf[i], negative, neg_table, vocab_size, own_lo,
                        own_count,
                    )  # fmt: skip
                    factor = sg_update(
                        syn0, syn1neg, buf[j], targets, nt, alpha, work, grads, compute_loss
                    )
                    loss, likelihood = fold_loss(loss, likelihood, factor)
            else:
                nc = 0
                for j in range(lo, hi):
                    if j != i:
                        context[nc] = buf[j]
                        nc += 1
                if nc == 0:
                    continue
                state, nt = _fill_targets(
                    state, targets, buf[i], negative, neg_table, vocab_size, own_lo, own_count
                )
                factor = cbow_update(
                    syn0, syn1neg, context, nc, targets, nt, alpha, cbow_mean, neu1, work, grads,
                    compute_loss,
                )  # fmt: skip
                loss, likelihood = fold_loss(loss, likelihood, factor)
        since_sync += n
        if own_count > 0 and since_sync >= sync_words:
            _sync_own_rows(syn1neg, own_lo, own_base)
            since_sync = 0
    return loss - math.log(likelihood), effective, state, since_sync


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def train_chunks(weights, tables, settings, block, out_loss, out_effective):
    """Train the chunks ``block.chunk_lo:block.chunk_hi`` of one epoch in parallel (Hogwild).

    ``block.ids`` may be one block of the corpus (see ``Block``); the learning rate at a
    segment follows from ``block.words_done``, the segment's offset and
    ``settings.total_words``. Per-chunk loss (float64) and effective (kept after
    subsampling) word counts go to ``out_loss[c - chunk_lo]`` and ``out_effective[c - chunk_lo]``.

    ``settings.workers`` (the thread count) share the chunks out as a deck of cards: worker
    ``t`` takes chunks ``t, t + workers, ...``, laid out by ``plan.visit_order`` so that each
    worker reads its own stretch of the corpus. (Numba's ``set_parallel_chunksize`` does not
    hand out a ``prange`` one item at a time with the omp and workqueue threading layers:
    they split it into one contiguous run per thread whatever the setting.)

    Private rows: on a small vocabulary nearly every centre word writes some of the frequent
    words' output rows, as target or noise word, and two threads writing the same rows pass
    their cache lines back and forth at every step. So with ``own_count > 0``, every worker
    but the first trains the output rows of the ``own_count`` most frequent words (ids are
    ranked by count) in a copy of its own and folds its changes into the shared rows, which
    worker 0 trains in place, every ``sync_words`` kept words and at the end of the call
    (``_sync_own_rows``). That turns the exchanges into one per ``sync_words``; each thread
    sees the other's changes to these rows up to that many words late. Worker ``t >= 1``
    keeps its copy in rows ``V + 2 (t - 1) own_count`` onwards of ``syn1neg`` and, right
    after it, the rows as they were at its last fold (``V`` = the vocabulary's rows)::

        syn1neg   | V shared rows | copy 1 | base 1 | copy 2 | base 2 | ...
                                   own_count rows each

    The caller allocates that room once, so a call allocates nothing, and without it every
    row is trained in place. Each worker makes its copy itself, so it lands in its core's
    cache, and the final fold is split by rows between the threads. One worker makes no copy.
    """
    syn0, syn1neg = weights
    ids, seg_offsets, chunk_segs = block.ids, block.seg_offsets, block.chunk_segs
    chunk_lo, chunk_base, epoch = block.chunk_lo, block.chunk_base, block.epoch
    seed = settings.seed
    vocab_size = syn0.shape[0]
    n_chunks = block.chunk_hi - chunk_lo
    workers = max(1, min(settings.workers, n_chunks))
    own_count = settings.own_count
    if own_count <= 0 or own_count > vocab_size or workers == 1:
        own_count = 0
    if vocab_size + 2 * (workers - 1) * own_count > syn1neg.shape[0]:  # no room: in place
        own_count = 0
    no_rows = syn1neg[:0]
    epoch_start = np.int64(block.words_done)
    for t in prange(workers):
        own_lo, base = vocab_size, no_rows  # worker 0 trains the shared rows in place
        if t > 0 and own_count > 0:
            # the worker's copy starts from the shared rows, made by the worker (its cache)
            own_lo, base = _private_rows(syn1neg, vocab_size, own_count, t)
            base[:] = syn1neg[:own_count]
            syn1neg[own_lo : own_lo + own_count] = base
        since_sync = 0
        for ci in range(t, n_chunks, workers):
            c = chunk_lo + ci
            state = seed_state(seed, epoch, chunk_base + c)
            loss, eff, state, since_sync = _train_chunk(
                weights, tables, settings, ids, seg_offsets, chunk_segs[c], chunk_segs[c + 1],
                epoch_start, state, own_lo, base, since_sync,
            )  # fmt: skip
            out_loss[ci] = loss
            out_effective[ci] = eff
    # the call ends with every change in the shared rows: worker p folds every copy's rows
    # in its share of the rows, so the threads never write the same shared row
    for p in prange(workers):
        row_lo = p * own_count // workers
        row_hi = (p + 1) * own_count // workers
        for t in range(1, workers):
            own_lo, base = _private_rows(syn1neg, vocab_size, own_count, t)
            _sync_rows(syn1neg, own_lo, base, row_lo, row_hi)
