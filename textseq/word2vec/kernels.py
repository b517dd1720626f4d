"""Numba kernels for word2vec with negative sampling (skip-gram and CBOW).

Everything here takes and returns plain arrays and scalars; the Python driver lives in
``model.py``. The corpus is one flat ``int32`` id array cut into *segments* (sentences, with
sentences longer than ``MAX_SEGMENT`` words split, as gensim truncates at 10000) and the
segments are grouped into *chunks* of roughly equal word counts. One call trains a slice of
chunks, dealt out to the threads, which update the shared weights without locks (Hogwild, as
in the C tool and gensim); with two or more threads, all but the first keep their own copy
of the most frequent words' output rows and fold it back now and then (``train_chunks``).

Randomness: each chunk carries its own 64-bit LCG state seeded from ``(seed, epoch, chunk
index)``, never from the thread id, so one thread with a fixed seed gives bit-identical
weights, and the result does not depend on how the driver slices the chunks.

The update rules follow gensim's ``word2vec_inner.pyx``: skip-gram uses the context word's
input vector to predict the centre word (``sg=1``: fresh negatives for every context word,
as gensim; ``sg=2``: one set of negatives per centre word shared by its whole window, the
target rows written once per window, see ``sg_window_update``); CBOW averages
(``cbow_mean=1``) or sums the context vectors, and with the sum the error is divided by the
context size before it is added back.
The sigmoid is computed exactly (argument clamped to +-MAX_EXP as a guard, no skipped updates).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

MAX_SEGMENT = 10000  # longest stretch of words a window can see, as gensim's MAX_SENTENCE_LEN
MAX_EXP = 20.0  # sigmoid argument clamp: exp stays finite in float32 (fastmath assumes no inf)

_LCG_MUL = np.uint64(6364136223846793005)
_LCG_ADD = np.uint64(1442695040888963407)
_U32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


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
    """Alias-method draw from the noise distribution: two LCG steps, one table load."""
    state, r1 = _next(state)
    state, r2 = _next(state)
    slot = (r1 * np.uint64(vocab_size)) >> _U32
    entry = neg_table[slot]
    if r2 < (entry >> _U32):
        return state, np.int64(slot)
    return state, np.int64(entry & _LOW32)


# ---------------------------------------------------------------------------------------------
# tables built once per vocabulary


@njit(cache=True)
def build_alias_table(weights):
    """Vose's alias table for ``weights`` (float64, > 0) packed as uint64 per slot.

    High 32 bits: the probability (times 2**32) of keeping the slot itself; low 32 bits: the
    alias taken otherwise. Drawing costs O(1) instead of gensim's binary search.
    """
    n = weights.shape[0]
    table = np.zeros(n, dtype=np.uint64)
    scaled = weights / weights.sum() * n
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n)
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        nl -= 1
        g = large[nl]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        if scaled[g] < 1.0:
            small[ns] = g
            ns += 1
        else:
            large[nl] = g
            nl += 1
    for i in range(n):  # slots never paired (rounding leftovers) keep themselves
        if prob[i] >= 1.0:
            table[i] = (_LOW32 << _U32) | np.uint64(i)
        else:
            table[i] = (np.uint64(prob[i] * 4294967296.0) << _U32) | np.uint64(alias[i])
    return table


# ---------------------------------------------------------------------------------------------
# single updates (also called on their own by the tests)


@njit(fastmath=True, cache=True, inline="always")
def _score_targets(h, syn1neg, targets, n_targets, alpha, grads, compute_loss):
    """Score the hidden vector ``h`` against every target row before any update: ``grads[d]``
    gets (label - sigmoid) * alpha, label 1 for ``targets[0]`` and 0 for the negatives.
    Returns the likelihood of the labels (1.0 when ``compute_loss`` is false)."""
    dim = h.shape[0]
    likelihood = 1.0
    for d in range(n_targets):
        t = targets[d]
        f = np.float32(0.0)
        for k in range(dim):
            f += h[k] * syn1neg[t, k]
        e = np.float32(math.exp(-min(max(f, np.float32(-MAX_EXP)), np.float32(MAX_EXP))))
        sig = np.float32(1.0) / (np.float32(1.0) + e)
        if d == 0:
            grads[d] = (np.float32(1.0) - sig) * alpha
            if compute_loss:
                likelihood *= sig
        else:
            grads[d] = -sig * alpha
            if compute_loss:
                likelihood *= e * sig
    return likelihood


@njit(fastmath=True, cache=True, inline="always")
def _update_targets(h, syn1neg, targets, n_targets, grads, work):
    """Apply the scored gradients to the target rows and gather ``h``'s error in ``work``."""
    dim = h.shape[0]
    for d in range(n_targets):
        t = targets[d]
        g = grads[d]
        for k in range(dim):
            work[k] += g * syn1neg[t, k]
            syn1neg[t, k] += g * h[k]


@njit(fastmath=True, cache=True)
def sg_update(syn0, syn1neg, inp, targets, n_targets, alpha, work, grads, compute_loss):
    """One skip-gram step: input row ``inp`` predicts ``targets[0]`` (label 1) against
    ``targets[1:n_targets]`` (label 0); updates both matrices in place. ``work`` (dim) and
    ``grads`` (>= n_targets) are scratch buffers.

    Every score is computed first, against the weights as they were before the step, and
    the updates are applied after: the loads of the target rows then overlap instead of
    waiting on each other's updates (10-25% faster). It differs from gensim's order only when
    a noise word is drawn twice for the same step.

    Returns the likelihood of the labels, ``s(f+) * prod s(-f-)`` (float64; 1.0 when
    ``compute_loss`` is false): the caller multiplies these and takes one log now and then,
    which costs far less than a log per target word. The loss is ``-log`` of it.
    """
    dim = syn0.shape[1]
    alpha = np.float32(alpha)
    h = syn0[inp]
    likelihood = _score_targets(h, syn1neg, targets, n_targets, alpha, grads, compute_loss)
    for k in range(dim):
        work[k] = np.float32(0.0)
    _update_targets(h, syn1neg, targets, n_targets, grads, work)
    for k in range(dim):
        syn0[inp, k] += work[k]
    return likelihood


@njit(fastmath=True, cache=True)
def sg_window_update(
    syn0, syn1neg, buf, lo, hi, i, targets, n_targets, alpha, work, grads, deltas, compute_loss
):
    """Skip-gram for one centre word ``buf[i]`` and all its context words ``buf[lo:hi]``
    (``i`` excluded) against one shared set of targets (the centre word, label 1, and the
    negatives ``targets[1:n_targets]``): every context row is scored against the target
    rows as they were at the start, updated at once, and the target rows get the summed
    update of the whole window at the end (``deltas``, ``n_targets x dim`` scratch).

    Each target row is written once per centre word instead of once per context word: two
    threads then write the rows they share (the frequent noise words) several times less
    often. Returns ``(negative log-likelihood folded so far, likelihood not yet folded)``.
    """
    dim = syn0.shape[1]
    alpha = np.float32(alpha)
    for d in range(n_targets):
        for k in range(dim):
            deltas[d, k] = np.float32(0.0)
    nll = 0.0
    likelihood = 1.0
    for j in range(lo, hi):
        if j == i:
            continue
        inp = buf[j]
        h = syn0[inp]
        factor = _score_targets(h, syn1neg, targets, n_targets, alpha, grads, compute_loss)
        nll, likelihood = _fold(nll, likelihood, factor)
        for k in range(dim):
            work[k] = np.float32(0.0)
        for d in range(n_targets):
            t = targets[d]
            g = grads[d]
            for k in range(dim):
                work[k] += g * syn1neg[t, k]
                deltas[d, k] += g * h[k]
        for k in range(dim):
            syn0[inp, k] += work[k]
    for d in range(n_targets):
        t = targets[d]
        for k in range(dim):
            syn1neg[t, k] += deltas[d, k]
    return nll, likelihood


@njit(fastmath=True, cache=True)
def cbow_update(
    syn0,
    syn1neg,
    context,
    n_context,
    targets,
    n_targets,
    alpha,
    cbow_mean,
    neu1,
    work,
    grads,
    compute_loss,
):
    """One CBOW step: the mean (or sum) of the input rows ``context[:n_context]`` predicts
    ``targets[0]`` against the negatives ``targets[1:n_targets]``; scores first, then updates,
    and the likelihood returned, as in ``sg_update``."""
    dim = syn0.shape[1]
    alpha = np.float32(alpha)
    if n_context == 0:
        return 1.0
    for k in range(dim):
        neu1[k] = np.float32(0.0)
        work[k] = np.float32(0.0)
    for c in range(n_context):
        w = context[c]
        for k in range(dim):
            neu1[k] += syn0[w, k]
    inv = np.float32(1.0) / np.float32(n_context)
    if cbow_mean:
        for k in range(dim):
            neu1[k] *= inv
    likelihood = _score_targets(neu1, syn1neg, targets, n_targets, alpha, grads, compute_loss)
    _update_targets(neu1, syn1neg, targets, n_targets, grads, work)
    if not cbow_mean:  # as gensim: the error of a summed window is shared out
        for k in range(dim):
            work[k] *= inv
    for c in range(n_context):
        w = context[c]
        for k in range(dim):
            syn0[w, k] += work[k]
    return likelihood


# ---------------------------------------------------------------------------------------------
# whole chunks


@njit(inline="always")
def _fold(loss, likelihood, factor):
    """Multiply an update's likelihood into the running product; take the log only when the
    product gets small (both stay >= 1e-100, so their product cannot underflow)."""
    if factor < 1e-100:
        return loss - math.log(max(factor, 1e-300)), likelihood
    likelihood *= factor
    if likelihood < 1e-100:
        return loss - math.log(likelihood), 1.0
    return loss, likelihood


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
def _train_chunk(
    sg,
    syn0,
    syn1neg,
    ids,
    seg_offsets,
    seg_lo,
    seg_hi,
    keep_threshold,
    neg_table,
    window,
    negative,
    cbow_mean,
    alpha0,
    min_alpha,
    epoch_start,
    total_words,
    state,
    compute_loss,
    own_lo,
    own_base,
    sync_words,
    since_sync,
):
    """Train segments ``seg_lo:seg_hi``; returns (loss, effective words, final state, words
    since the last sync of the private rows).

    Private rows (see ``train_chunks``): the output rows of the ``len(own_base)`` most frequent
    words are read and written at ``own_lo + word``, the thread's copy, and folded into the
    shared rows after each segment that ends ``sync_words`` kept words after the last fold
    (``since_sync`` of them were trained before this chunk)."""
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
            if sg == 2:
                state, nt = _fill_targets(
                    state, targets, buf[i], negative, neg_table, vocab_size, own_lo, own_count
                )
                nll, factor = sg_window_update(
                    syn0, syn1neg, buf, lo, hi, i, targets, nt, alpha, work, grads, deltas,
                    compute_loss,
                )  # fmt: skip
                loss += nll
                loss, likelihood = _fold(loss, likelihood, factor)
            elif sg:
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
                    loss, likelihood = _fold(loss, likelihood, factor)
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
                loss, likelihood = _fold(loss, likelihood, factor)
        since_sync += n
        if own_count > 0 and since_sync >= sync_words:
            _sync_own_rows(syn1neg, own_lo, own_base)
            since_sync = 0
    return loss - math.log(likelihood), effective, state, since_sync


@njit(parallel=True, fastmath=True, cache=True, nogil=True)
def train_chunks(
    sg,
    syn0,
    syn1neg,
    ids,
    seg_offsets,
    chunk_segs,
    chunk_lo,
    chunk_hi,
    keep_threshold,
    neg_table,
    window,
    negative,
    cbow_mean,
    alpha0,
    min_alpha,
    epoch,
    words_done,
    total_words,
    seed,
    chunk_base,
    compute_loss,
    out_loss,
    out_effective,
    workers,
    own_count,
    sync_words,
):
    """Train chunks ``chunk_lo:chunk_hi`` of one epoch in parallel (Hogwild).

    ``ids`` may be one block of the corpus: ``chunk_segs[c]:chunk_segs[c+1]`` are the segments
    of chunk ``c`` (offsets into ``ids``), ``chunk_base + c`` is its index in the whole
    corpus (it seeds the chunk's generator) and ``words_done`` is the number of words the
    schedule passed before ``ids[0]`` (earlier epochs included); ``total_words`` is the
    number of words over all epochs (learning-rate schedule). Per-chunk loss (float64) and
    effective (kept after subsampling) word counts go to ``out_loss[c - chunk_lo]`` and
    ``out_effective[c - chunk_lo]``.

    ``workers`` (the thread count) share the chunks out as a deck of cards: worker ``t`` takes
    chunks ``t, t + workers, ...``. (Numba's ``set_parallel_chunksize`` does not hand out a
    ``prange`` one item at a time with the omp and workqueue threading layers: they split it
    into one contiguous run per thread whatever the setting.)

    Private rows: on a small vocabulary nearly every centre word writes some of the frequent
    words' output rows, as target or noise word, and two threads writing the same rows pass
    their cache lines back and forth at every step. So with ``own_count > 0``, every worker
    but the first trains the output rows of the ``own_count`` most frequent words (ids are
    ranked by count) in a copy of its own and folds its changes into the shared rows, which
    worker 0 trains in place, every ``sync_words`` kept words and at the end of the call
    (``_sync_own_rows``). That turns the exchanges into one per ``sync_words``; each thread
    sees the other's changes to these rows up to that many words late. Worker ``t >= 1``
    keeps its copy in rows ``V + 2 (t - 1) own_count`` onwards of ``syn1neg`` and, right
    after it, the rows as they were at its last fold (``V`` = the vocabulary's rows): the
    caller allocates that room once, so a call allocates nothing, and without it every row is
    trained in place. Each worker makes its copy itself, so it lands in its core's cache, and
    the final fold is split by rows between the threads. One worker makes no copy.
    """
    vocab_size = syn0.shape[0]
    n_chunks = chunk_hi - chunk_lo
    workers = max(1, min(workers, n_chunks))
    if own_count <= 0 or own_count > vocab_size or workers == 1:
        own_count = 0
    if vocab_size + 2 * (workers - 1) * own_count > syn1neg.shape[0]:  # no room: in place
        own_count = 0
    no_rows = syn1neg[:0]
    epoch_start = np.int64(words_done)
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
                sg,
                syn0,
                syn1neg,
                ids,
                seg_offsets,
                chunk_segs[c],
                chunk_segs[c + 1],
                keep_threshold,
                neg_table,
                window,
                negative,
                cbow_mean,
                alpha0,
                min_alpha,
                epoch_start,
                total_words,
                state,
                compute_loss,
                own_lo,
                base,
                sync_words,
                since_sync,
            )
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


# ---------------------------------------------------------------------------------------------
# corpus preparation


@njit(cache=True)
def split_segments(offsets, max_len):
    """Sentence offsets with empty sentences dropped and long ones cut every ``max_len``
    words; two passes and no temporary, since there is one entry per sentence."""
    count = 0
    for s in range(offsets.shape[0] - 1):
        length = offsets[s + 1] - offsets[s]
        count += (length + max_len - 1) // max_len
    out = np.empty(count + 1, dtype=np.int64)
    n = 0
    for s in range(offsets.shape[0] - 1):
        for start in range(offsets[s], offsets[s + 1], max_len):
            out[n] = start
            n += 1
    out[n] = offsets[-1] if offsets.shape[0] > 0 else 0
    return out
