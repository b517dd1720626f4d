"""The encoder and decoder are general sequence layers: a window of sin(x) in, the matching
window of cos(x) out, real values both ways, learned with a mean-squared-error loss."""

from __future__ import annotations

import numpy as np

from textseq.lm.optim import Adam
from textseq.seq2seq.decoder import Decoder
from textseq.seq2seq.encoder import Encoder
from textseq.seq2seq.model import Bridge


def windows(rng, n, steps=12, dx=0.3):
    starts = rng.uniform(0, 2 * np.pi, n)
    x = starts[None, :] + dx * np.arange(steps)[:, None]  # (T, B)
    return np.sin(x)[..., None], np.cos(x)[..., None]


def test_sin_to_cos_mse_falls_below_threshold():
    rng = np.random.default_rng(0)
    H = 16
    enc = Encoder("gru", 1, H, 1, True, rng)
    bridge = Bridge(2 * H, H, rng)
    dec = Decoder("gru", 1, H, 1, 2 * H, "general", rng)
    w = rng.uniform(-0.25, 0.25, (H, 1)).astype(np.float32)
    dw = np.zeros_like(w)
    layers = [c for _, c in enc.named_cells()] + [bridge] + [lay for _, lay in dec.named_layers()]
    params = [p for lay in layers for p in lay.params.values()] + [w]
    grads = [g for lay in layers for g in lay.grads.values()] + [dw]
    opt = Adam(0.01)
    steps, B = 12, 32

    def run(src, tgt, train):
        lengths = np.full(B, steps)
        mem, finals = enc.forward(src.astype(np.float32), lengths)
        M = np.ascontiguousarray(mem.transpose(1, 0, 2))
        h0 = bridge.forward(finals[0])
        y_in = np.zeros((steps, B, 1), dtype=np.float32)  # the source is all it sees
        out, _ = dec.forward(y_in, [(h0,)], M)
        pred = out @ w  # (B, T, 1)
        err = pred - tgt.transpose(1, 0, 2)
        mse = float(np.mean(err**2))
        if train:
            dpred = (2.0 / err.size) * err
            np.matmul(out.reshape(-1, H).T, dpred.reshape(-1, 1), out=dw)
            dy, dstates, dM = dec.backward((dpred @ w.T).astype(np.float32))
            dfinal = bridge.backward(dstates[0][0])
            enc.backward(dM.transpose(1, 0, 2), [dfinal])
            opt.step(params, grads)
        return mse

    first = run(*windows(rng, B), train=False)
    for _ in range(400):
        run(*windows(rng, B), train=True)
    last = run(*windows(np.random.default_rng(99), B), train=False)
    assert first > 0.3
    assert last < 0.01, last
