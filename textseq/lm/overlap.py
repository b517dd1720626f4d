"""The language model's training step on two threads as two tasks (``share_threads``).

``overlapped_loss(model, ...)`` and ``overlapped_backward(model)`` compute what
``model.loss`` and ``model.backward`` compute, with the same maths and the same random
draws, but split the work between this thread and a worker (``textseq.threads``):

    forward   this thread:  embedding, lower cells, top cell step 1 .. T
              worker:                          project steps [block 1] [block 2] ... onto V
    backward  this thread:  dh = dloss/dlogits @ W (halves shared), then cells' backward
              worker:       grads['W'] row blocks (h^T @ dloss/dlogits)

The output layer's products are independent row blocks, so each runs on whichever thread
is free; the cells' per-step products stay on this thread. BLAS runs on one thread in both
tasks throughout: an OpenBLAS call on two threads leaves its helper thread spinning on the
core that the worker needs. The trainer picks these functions instead of the model's own
when ``TrainConfig.share_threads`` is set and BLAS has two threads or more, and tries them
beside the other ways when ``TrainConfig.adapt_threads`` is (``Trainer.ways``).
"""

from __future__ import annotations

import threading

import numpy as np

from textseq import threads

FWD_CHUNKS = 5  # blocks of steps projected onto the vocabulary while later steps run
OUT_CHUNKS = 8  # row blocks of the output weight gradient shared by two threads


def overlapped_loss(model, inputs, targets, state, rng=None, last_only=False):
    """``model.loss`` (an ``RNNLM``'s) on two threads: while the top cell runs its steps,
    the worker projects the finished steps onto the vocabulary, ``FWD_CHUNKS`` blocks of
    steps; this thread takes the blocks left. Window mode (``last_only``) scores one
    position per sequence, leaving nothing to overlap: it takes the model's own path, as
    does an adaptive softmax (whose products are split by cluster, not by rows)."""
    if last_only or model.config.adaptive_softmax is not None:
        return model.loss(inputs, targets, state, rng=rng, last_only=last_only)
    with threads.single_thread_blas():
        return _loss_one_thread_blas(model, inputs, targets, state, rng)


def _loss_one_thread_blas(model, inputs, targets, state, rng):
    T, B = inputs.shape
    top, drop, out = model.cells_[-1], model.dropouts_[-1], model.output_
    H = top.hidden_size
    split = model._split_state(state)
    x = model.dropouts_[0].forward(model.embedding_.forward(inputs), rng)
    new_state = []
    for cell, d, s in zip(model.cells_[:-1], model.dropouts_[1:-1], split[:-1]):
        x, s = cell.forward(x, s, store=True)
        x = d.forward(x, rng)
        new_state.extend(s)
    # the top dropout's mask, drawn now: the cell itself draws nothing, so the order of
    # draws is the plain path's
    mask = None
    if rng is not None and drop.p > 0:
        mask = drop.draw_mask((T, B, H), top.dtype, rng)
    else:
        drop.forward(x, None)  # forgets any earlier mask
    hdrop = np.empty((T, B, H), top.dtype) if mask is not None else None
    bounds = [c * T // FWD_CHUNKS for c in range(FWD_CHUNKS + 1)]
    ready = [threading.Event() for _ in range(FWD_CHUNKS)]
    seen = {"hs": None, "next": 0}
    out._buffer(T * B)  # sized once, before two threads use it

    def on_step(hs, t):
        seen["hs"] = hs
        while seen["next"] < FWD_CHUNKS and bounds[seen["next"] + 1] <= t:
            ready[seen["next"]].set()
            seen["next"] += 1

    def project(c):
        ready[c].wait()
        t0, t1, hs = bounds[c], bounds[c + 1], seen["hs"]
        if t0 == t1 or hs is None:  # (None: the cell failed; its error is raised)
            return
        src = hs
        if mask is not None:
            np.multiply(hs[t0:t1], mask[t0:t1], out=hdrop[t0:t1])
            src = hdrop
        out.project_rows(src.reshape(T * B, H), t0 * B, t1 * B)

    job = threads.SharedChunks(project, FWD_CHUNKS)
    try:
        hs, s = top.forward(x, split[-1], store=True, on_step=on_step)
    finally:
        for e in ready:
            e.set()
        job.finish()
    new_state.extend(s)
    # what ``model.backward_layers`` reads, as ``model.loss`` leaves it
    model._last_only = False
    model._hs_shape = (T, B, H)
    h = (hs if mask is None else hdrop).reshape(T * B, H)
    return out.loss_from_logits(h, targets.reshape(-1)), tuple(new_state)


def overlapped_backward(model) -> tuple[np.ndarray, ...]:
    """``model.backward`` on two threads: the output layer's weight gradient runs in
    ``OUT_CHUNKS`` row blocks on the worker while this thread runs the cells' backward, and
    this thread takes the blocks left when it is done."""
    if model.config.adaptive_softmax is not None:
        return model.backward()
    out = model.output_
    with threads.single_thread_blas():
        dh = out.input_grad(parts=2, run=threads.SharedChunks)  # halves: W packed twice
        job = threads.SharedChunks(lambda i: out.weight_grad_rows(i, OUT_CHUNKS), OUT_CHUNKS)
        try:
            dx, dstate = model.backward_layers(dh)
        finally:
            job.finish()
    model.embedding_.backward(dx, accumulate=model.config.tie)  # after: W may be tied
    return dstate
