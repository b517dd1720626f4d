"""Numba kernels for one training step of word2vec with negative sampling: a skip-gram
pair, a skip-gram window sharing its noise words, a CBOW window.

Each takes plain arrays and scalars, updates the weights in place and returns the step's
likelihood; the tests check each against a float64 numpy reference. ``kernels.train_chunks``
calls them over whole chunks.

The rules follow gensim's ``word2vec_inner.pyx``: skip-gram uses the context word's input
vector to predict the centre word; CBOW averages (``cbow_mean=1``) or sums the context
vectors, and with the sum the error is divided by the context size before it is added back.
The sigmoid is computed exactly (argument clamped to +-MAX_EXP as a guard, no skipped
updates).

Numba's cache keys a function on its own file only: after a change here, run
``make clean-kernels`` so that ``kernels.train_chunks``, which inlines these steps, is
compiled again.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

MAX_EXP = 20.0  # sigmoid argument clamp: exp stays finite in float32 (fastmath assumes no inf)


@njit(inline="always")
def fold_loss(loss, likelihood, factor):
    """Multiply an update's likelihood into the running product; take the log only when the
    product gets small (both stay >= 1e-100, so their product cannot underflow)."""
    if factor < 1e-100:
        return loss - math.log(max(factor, 1e-300)), likelihood
    likelihood *= factor
    if likelihood < 1e-100:
        return loss - math.log(likelihood), 1.0
    return loss, likelihood


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
    waiting on each other's updates. It differs from gensim's order only when a noise word
    is drawn twice for the same step.

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
        nll, likelihood = fold_loss(nll, likelihood, factor)
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
