"""Kernel tests: single updates against a numpy reference, the noise table, determinism,
and planted structure on a synthetic corpus."""

import numpy as np
import pytest

from textseq.word2vec import kernels, prepare_kernels, update_kernels
from textseq.word2vec.kernels import Block, Settings, Tables, Weights


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _weights(rng, vocab=7, dim=8):
    syn0 = rng.uniform(-0.5, 0.5, (vocab, dim)).astype(np.float32)
    syn1 = rng.uniform(-0.5, 0.5, (vocab, dim)).astype(np.float32)
    return syn0, syn1


def _scores(h, syn1, targets, alpha):
    """Loss and gradient scales of one step, every score taken before any update."""
    labels = np.array([1.0] + [0.0] * (len(targets) - 1))
    p = _sigmoid(syn1[targets] @ h)
    loss = -np.log(np.where(labels == 1.0, p, 1 - p)).sum()
    return loss, (labels - p) * alpha


def reference_sg(syn0, syn1, inp, targets, alpha):
    """Skip-gram step in float64: targets[0] is the positive word, the rest negatives."""
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    h = syn0[inp].copy()
    grad_h = np.zeros_like(h)
    loss, gs = _scores(h, syn1, targets, alpha)
    for t, g in zip(targets, gs):  # sequential: a repeated row's second update sees the first
        grad_h += g * syn1[t]
        syn1[t] += g * h
    syn0[inp] += grad_h
    return syn0, syn1, loss


def reference_sg_window(syn0, syn1, buf, lo, hi, i, targets, alpha):
    """Skip-gram for centre ``buf[i]`` and every context word of ``buf[lo:hi]`` against one
    shared set of targets: each context row is scored against the target rows as they were
    before the window and updated at once; the target rows get the window's summed update
    at the end."""
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    before = syn1.copy()
    deltas = np.zeros((len(targets), syn0.shape[1]))
    total = 0.0
    for j in range(lo, hi):
        if j == i:
            continue
        h = syn0[buf[j]].copy()
        loss, gs = _scores(h, before, targets, alpha)
        total += loss
        syn0[buf[j]] += gs @ before[targets]
        deltas += gs[:, None] * h[None, :]
    for t, d in zip(targets, deltas):  # a noise word drawn twice gets both updates
        syn1[t] += d
    return syn0, syn1, total


def reference_cbow(syn0, syn1, context, targets, alpha, mean):
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    h = syn0[context].sum(axis=0)
    if mean:
        h /= len(context)
    grad_h = np.zeros_like(h)
    loss, gs = _scores(h, syn1, targets, alpha)
    for t, g in zip(targets, gs):
        grad_h += g * syn1[t]
        syn1[t] += g * h
    if not mean:  # gensim shares the error of a summed window out over its words
        grad_h /= len(context)
    for w in context:
        syn0[w] += grad_h
    return syn0, syn1, loss


def test_sg_update_matches_numpy_reference():
    rng = np.random.default_rng(0)
    syn0, syn1 = _weights(rng)
    targets = np.array([3, 0, 5, 0], dtype=np.int64)  # a noise word drawn twice
    want0, want1, want_loss = reference_sg(syn0, syn1, 2, targets, 0.1)
    work, grads = np.zeros(syn0.shape[1], np.float32), np.zeros(len(targets), np.float32)
    likelihood = update_kernels.sg_update(
        syn0, syn1, 2, targets, len(targets), 0.1, work, grads, True
    )
    np.testing.assert_allclose(syn0, want0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, want1, rtol=1e-5, atol=1e-6)
    assert -np.log(likelihood) == pytest.approx(want_loss, rel=1e-5)
    # only the input row and the target rows move
    untouched = [1, 4, 6]
    np.testing.assert_array_equal(syn1[untouched], _weights(np.random.default_rng(0))[1][untouched])


def test_sg_window_update_matches_numpy_reference():
    rng = np.random.default_rng(7)
    syn0, syn1 = _weights(rng)
    buf = np.array([3, 1, 4, 1, 5, 6], dtype=np.int64)  # context word 1 twice in the window
    targets = np.array([4, 0, 2, 0], dtype=np.int64)  # centre 4, noise word 0 drawn twice
    want0, want1, want_loss = reference_sg_window(syn0, syn1, buf, 0, 6, 2, targets, 0.1)
    dim = syn0.shape[1]
    work, grads = np.zeros(dim, np.float32), np.zeros(len(targets), np.float32)
    deltas = np.zeros((len(targets), dim), np.float32)
    nll, likelihood = update_kernels.sg_window_update(
        syn0, syn1, buf, 0, 6, 2, targets, len(targets), 0.1, work, grads, deltas, True
    )
    np.testing.assert_allclose(syn0, want0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, want1, rtol=1e-5, atol=1e-6)
    assert nll - np.log(likelihood) == pytest.approx(want_loss, rel=1e-5)
    untouched = [1, 3, 5, 6]  # output rows of words that are no target
    np.testing.assert_array_equal(syn1[untouched], _weights(np.random.default_rng(7))[1][untouched])


def test_sg_window_update_writes_each_target_row_once_per_window():
    # with a single context word, the shared window step is exactly the per-pair step
    rng = np.random.default_rng(8)
    syn0, syn1 = _weights(rng)
    a0, a1, b0, b1 = syn0.copy(), syn1.copy(), syn0.copy(), syn1.copy()
    targets = np.array([2, 5, 6], dtype=np.int64)
    dim = syn0.shape[1]
    work, grads = np.zeros(dim, np.float32), np.zeros(3, np.float32)
    update_kernels.sg_update(a0, a1, 3, targets, 3, 0.1, work, grads, False)
    buf = np.array([3, 2], dtype=np.int64)
    deltas = np.zeros((3, dim), np.float32)
    update_kernels.sg_window_update(
        b0, b1, buf, 0, 2, 1, targets, 3, 0.1, work, grads, deltas, False
    )
    np.testing.assert_allclose(b0, a0, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(b1, a1, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mean", [1, 0])
def test_cbow_update_matches_numpy_reference(mean):
    rng = np.random.default_rng(1)
    syn0, syn1 = _weights(rng)
    context = np.array([0, 4, 6, 1], dtype=np.int64)
    targets = np.array([2, 5, 3], dtype=np.int64)
    want0, want1, want_loss = reference_cbow(syn0, syn1, context, targets, 0.05, mean)
    dim = syn0.shape[1]
    neu1, work = np.zeros(dim, np.float32), np.zeros(dim, np.float32)
    grads = np.zeros(len(targets), np.float32)
    likelihood = update_kernels.cbow_update(
        syn0, syn1, context, len(context), targets, len(targets), 0.05, mean, neu1, work, grads,
        True,
    )  # fmt: skip
    np.testing.assert_allclose(syn0, want0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, want1, rtol=1e-5, atol=1e-6)
    assert -np.log(likelihood) == pytest.approx(want_loss, rel=1e-5)


def test_update_without_loss_returns_one_and_still_updates():
    rng = np.random.default_rng(2)
    syn0, syn1 = _weights(rng)
    before = syn0.copy()
    targets = np.array([1, 2], dtype=np.int64)
    work, grads = np.zeros(8, np.float32), np.zeros(2, np.float32)
    factor = update_kernels.sg_update(syn0, syn1, 0, targets, 2, 0.1, work, grads, False)
    assert factor == 1.0
    assert not np.array_equal(before[0], syn0[0])


def _alias_masses(table):
    """Exact probability of each word under an alias table (not sampled)."""
    n = len(table)
    keep = (table >> np.uint64(32)).astype(np.float64) / 2**32
    alias = (table & np.uint64(0xFFFFFFFF)).astype(np.int64)
    mass = keep.copy()
    np.add.at(mass, alias, 1.0 - keep)
    return mass / n


def test_alias_table_reproduces_the_noise_distribution():
    counts = np.array([1000, 300, 300, 50, 7, 1, 1, 2500], dtype=np.float64)
    weights = counts**0.75
    table = prepare_kernels.build_alias_table(weights)
    np.testing.assert_allclose(_alias_masses(table), weights / weights.sum(), atol=1e-7)
    # and the drawing code follows it: empirical frequencies over many draws
    draws = _draw_many(table, 200_000)
    freq = np.bincount(draws, minlength=len(counts)) / len(draws)
    np.testing.assert_allclose(freq, weights / weights.sum(), atol=0.005)


def _draw_many(table, n):
    from numba import njit

    @njit
    def run(table, n):
        state = kernels.seed_state(7, 0, 0)
        out = np.empty(n, np.int64)
        for i in range(n):
            state, out[i] = kernels._draw_negative(state, table, table.shape[0])
        return out

    return run(table, n)


def _synthetic(rng, groups=2, words_per_group=12, sentences=400, length=12):
    """Sentences that only ever mix words of one group: group g owns ids g*W..g*W+W-1."""
    ids = []
    for s in range(sentences):
        g = s % groups
        ids.append(g * words_per_group + rng.integers(0, words_per_group, length))
    ids = np.concatenate(ids).astype(np.int32)
    offsets = np.arange(0, len(ids) + 1, length, dtype=np.int64)
    return ids, offsets, groups * words_per_group


def _train(
    sg,
    ids,
    offsets,
    vocab,
    seed=1,
    epochs=5,
    chunk_segs=None,
    dim=16,
    per_call=None,
    loss=True,
    alpha=0.05,
    workers=1,
    own_count=0,
    sync_words=0,
    room=None,
):
    """Train and return (input vectors, output vectors, per-epoch loss); ``room``: rows left
    after the vocabulary's for private rows (default: what the workers need)."""
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((vocab, dim)) - 0.5) / dim).astype(np.float32)
    room = 2 * (workers - 1) * own_count if room is None else room
    syn1 = np.zeros((vocab + room, dim), np.float32)
    counts = np.bincount(ids, minlength=vocab).astype(np.float64)
    keep = np.full(vocab, 2**32 - 1, np.uint32)
    table = prepare_kernels.build_alias_table(counts**0.75)
    n_seg = len(offsets) - 1
    if chunk_segs is None:
        chunk_segs = np.array([0, n_seg // 3, 2 * n_seg // 3, n_seg], np.int64)
    n_chunks = len(chunk_segs) - 1
    losses = []
    per_call = per_call or n_chunks
    weights, tables = Weights(syn0, syn1), Tables(keep, table)
    settings = Settings(
        mode=sg, window=3, negative=5, cbow_mean=1, alpha=alpha, min_alpha=min(alpha, 0.0001),
        total_words=len(ids) * epochs, seed=seed, compute_loss=loss, workers=workers,
        own_count=own_count, sync_words=sync_words,
    )  # fmt: skip
    for epoch in range(epochs):
        out_loss, out_eff = np.zeros(n_chunks), np.zeros(n_chunks, np.int64)
        for lo in range(0, n_chunks, per_call):
            hi = min(lo + per_call, n_chunks)
            block = Block(ids, offsets, chunk_segs, lo, hi, chunk_base=0, epoch=epoch,
                          words_done=epoch * len(ids))  # fmt: skip
            kernels.train_chunks(weights, tables, settings, block, out_loss[lo:hi], out_eff[lo:hi])
        assert out_eff.sum() == len(ids)  # no subsampling: every word is effective
        losses.append(out_loss.sum())
    return syn0, syn1[:vocab], losses


@pytest.mark.parametrize("workers,own_count", [(1, 0), (2, 10)])
@pytest.mark.parametrize("sg", [2, 1, 0])
def test_planted_groups_end_up_in_separate_neighbourhoods(sg, workers, own_count):
    ids, offsets, vocab = _synthetic(np.random.default_rng(3))
    syn0, _, losses = _train(
        sg, ids, offsets, vocab, epochs=5, workers=workers, own_count=own_count, sync_words=50
    )
    assert losses[-1] < losses[0]
    unit = syn0 / np.linalg.norm(syn0, axis=1, keepdims=True)
    sims = unit @ unit.T
    group = np.arange(vocab) // 12
    same = group[:, None] == group[None, :]
    off_diag = ~np.eye(vocab, dtype=bool)
    assert sims[same & off_diag].mean() > sims[~same].mean() + 0.3
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.argmax(axis=1)
    assert (group[nearest] == group).all()


@pytest.mark.parametrize("sg", [2, 1, 0])
def test_same_seed_same_bits_and_slicing_does_not_matter(sg, numba_threads):
    ids, offsets, vocab = _synthetic(np.random.default_rng(4), sentences=60)
    with numba_threads(1):  # bit-identical results are promised for one thread only
        a0, a1, _ = _train(sg, ids, offsets, vocab, seed=5, epochs=2)
        b0, b1, _ = _train(sg, ids, offsets, vocab, seed=5, epochs=2, per_call=1)
        c0, _, _ = _train(sg, ids, offsets, vocab, seed=6, epochs=2)
    np.testing.assert_array_equal(a0, b0)  # one call for all chunks == one call per chunk
    np.testing.assert_array_equal(a1, b1)
    assert not np.array_equal(a0, c0)


@pytest.mark.parametrize("sg", [2, 1, 0])
def test_computing_the_loss_does_not_change_training(sg, numba_threads):
    ids, offsets, vocab = _synthetic(np.random.default_rng(5), sentences=30)
    with numba_threads(1):
        a0, _, with_loss = _train(sg, ids, offsets, vocab, epochs=1, loss=True)
        b0, _, without = _train(sg, ids, offsets, vocab, epochs=1, loss=False)
    np.testing.assert_array_equal(a0, b0)
    assert with_loss[0] > 0 and without == [0.0]


@pytest.mark.parametrize("sg", [2, 1, 0])
def test_loss_of_an_untrained_model_is_log2_per_target(sg):
    # alpha = 0: nothing moves, the output vectors stay zero, every score is 0 and every
    # target word (positive or noise) costs exactly log 2
    ids, offsets, vocab = _synthetic(np.random.default_rng(6), sentences=20)
    syn0, syn1, losses = _train(sg, ids, offsets, vocab, epochs=1, alpha=0.0)
    assert not syn1.any()
    targets = losses[0] / np.log(2)
    assert targets == pytest.approx(round(targets), abs=1e-6)
    updates_low = len(ids)  # CBOW: one update per word; skip-gram: at least one pair per word
    assert updates_low <= targets <= 6 * len(ids) * (6 if sg else 1)


def test_windows_never_cross_sentence_boundaries():
    # Sentences of one word each: skip-gram has no pair to train on, CBOW no context.
    ids = np.array([0, 1, 2, 3, 0, 1], np.int32)
    offsets = np.arange(len(ids) + 1, dtype=np.int64)
    for sg in (2, 1, 0):
        syn0, syn1, losses = _train(sg, ids, offsets, 4, epochs=1, chunk_segs=None)
        assert losses == [0.0]
        assert not syn1.any()


def test_seed_state_depends_on_seed_epoch_and_chunk():
    states = {kernels.seed_state(s, e, c) for s in (1, 2) for e in (0, 1) for c in (0, 1, 2)}
    assert len(states) == 12


@pytest.mark.parametrize("sg", [2, 1, 0])
def test_private_rows_change_no_bit_when_nobody_else_writes(sg, numba_threads):
    # One Numba thread runs worker 0's chunks (in place), then worker 1's, which trains 10
    # rows in its copy, folded back every 7 kept words and at each call's end. Nobody writes
    # the shared rows meanwhile, so each fold must copy the values as they are: the same bits
    # as training every row in place.
    ids, offsets, vocab = _synthetic(np.random.default_rng(5))
    with numba_threads(1):
        plain = _train(sg, ids, offsets, vocab, epochs=2, workers=2)
        private = _train(sg, ids, offsets, vocab, epochs=2, workers=2, own_count=10, sync_words=7)
    for got, want in zip(private, plain):
        np.testing.assert_array_equal(got, want)


def test_two_workers_with_private_rows_repeat_on_one_thread(numba_threads):
    # one Numba thread runs worker 0's chunks, then worker 1's: no race, so the private
    # rows' copies, folds and final fold must give the same bits every time
    ids, offsets, vocab = _synthetic(np.random.default_rng(9))
    with numba_threads(1):
        runs = [
            _train(0, ids, offsets, vocab, epochs=2, workers=2, own_count=10, sync_words=7)
            for _ in range(2)
        ]
    for got, want in zip(*runs):
        np.testing.assert_array_equal(got, want)
    assert np.isfinite(runs[0][1]).all() and np.abs(runs[0][1]).max() > 0


@pytest.mark.parametrize("workers,own_count", [(2, 24), (3, 23)])
def test_a_call_ends_with_every_private_copy_folded_into_the_shared_rows(workers, own_count):
    # Every output row private (24 words), or all but one, a row count that three threads
    # split unevenly in the final fold; no fold before the call's end. That fold takes the
    # copies in worker order for each row: every row must end equal to the last worker's copy.
    ids, offsets, vocab = _synthetic(np.random.default_rng(8))
    rng = np.random.default_rng(1)
    syn0 = ((rng.random((vocab, 16)) - 0.5) / 16).astype(np.float32)
    syn1 = np.zeros((vocab + 2 * (workers - 1) * own_count, 16), np.float32)
    table = prepare_kernels.build_alias_table(np.bincount(ids, minlength=vocab) ** 0.75)
    keep = np.full(vocab, 2**32 - 1, np.uint32)
    chunks = np.linspace(0, len(offsets) - 1, 7).astype(np.int64)
    loss, eff = np.zeros(6), np.zeros(6, np.int64)
    settings = Settings(
        mode=kernels.CBOW, window=3, negative=5, cbow_mean=1, alpha=0.05, min_alpha=0.0001,
        total_words=len(ids), seed=1, compute_loss=True, workers=workers, own_count=own_count,
        sync_words=10**9,
    )  # fmt: skip
    block = Block(ids, offsets, chunks, 0, 6, chunk_base=0, epoch=0, words_done=0)
    kernels.train_chunks(Weights(syn0, syn1), Tables(keep, table), settings, block, loss, eff)
    assert eff.sum() == len(ids)
    assert np.abs(syn1[:own_count]).max(axis=1).min() > 0
    last_lo = vocab + 2 * (workers - 2) * own_count  # copy, then its rows at the last fold
    last = syn1[last_lo : last_lo + own_count]
    np.testing.assert_array_equal(last, syn1[:own_count])


def test_private_rows_without_room_train_in_place():
    ids, offsets, vocab = _synthetic(np.random.default_rng(6))
    plain = _train(2, ids, offsets, vocab, epochs=1)
    # private rows asked for, but no room after the vocabulary's rows
    unroomed = _train(2, ids, offsets, vocab, epochs=1, own_count=10, sync_words=7, room=0)
    for got, want in zip(unroomed, plain):
        np.testing.assert_array_equal(got, want)


def test_sync_folds_the_other_threads_changes_and_ours():
    vocab, own, dim = 5, 2, 3
    rng = np.random.default_rng(0)
    base = rng.uniform(-1, 1, (own, dim)).astype(np.float32)
    theirs = np.array([[0.5, 0.0, 0.25], [0.0, 0.0, -0.5]], np.float32)  # the other thread's
    mine = np.array([[0.125, 0.75, 0.0], [0.0, -0.25, 0.0]], np.float32)
    rows = rng.uniform(-1, 1, (vocab + own, dim)).astype(np.float32)
    untouched = rows[own:vocab].copy()
    rows[:own] = base + theirs
    rows[vocab:] = base + mine
    mine_before = rows[vocab:].copy()
    base_arg = base.copy()
    kernels._sync_own_rows(rows, vocab, base_arg)
    np.testing.assert_allclose(rows[:own], base + theirs + mine, rtol=1e-6)
    only_mine = (theirs == 0) & (mine != 0)  # copied as they are: one thread changes no bit
    np.testing.assert_array_equal(rows[:own][only_mine], mine_before[only_mine])
    np.testing.assert_array_equal(rows[vocab:], rows[:own])  # the copy starts again from both
    np.testing.assert_array_equal(base_arg, rows[:own])
    np.testing.assert_array_equal(rows[own:vocab], untouched)
