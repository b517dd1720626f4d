"""The element-wise maths of one time step of each recurrent cell, forward and backward.

Plain arrays in, plain arrays out; ``textseq.lm.cells`` drives them. The matmuls
(``h @ Wh^T`` forward, ``dgates @ Wh`` backward) run apart (``textseq.lm.kernels.matmul_t``);
everything element-wise in a step is one Numba call instead of 15-25 numpy calls on
``(B, H)`` arrays. Training, ``forward_sequence`` and the inference ``step`` all use these
kernels, so a step equals the same position of a whole window bit for bit.

``exact`` (float64, used by the gradient checks) takes ``np.exp``; float32 takes the
vectorised polynomial exp of ``textseq.fastmath`` (relative error ~1e-7).
sigmoid(z) = one / (one + exp(-z)), tanh(z) = two / (one + exp(-2z)) - 1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from textseq.fastmath import FLAGS, exp_parts


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
def _vexp(u, ibuf, exact):
    """``u <- exp(u)`` in place (arguments clamped to a finite range)."""
    n = u.shape[0]
    if exact:
        for j in range(n):
            u[j] = np.exp(min(max(u[j], -700.0), 700.0))
        return
    for j in range(n):
        x = min(max(u[j], np.float32(-87.0)), np.float32(88.0))
        u[j], ibuf[j] = exp_parts(x)
    scale = ibuf.view(np.float32)
    for j in range(n):
        u[j] = u[j] * scale[j]


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
def rnn_fwd_step(a, gh, h, exact):
    """``h = tanh(a + gh)``; ``a`` (B, H) is the input projection of this step."""
    B, H = a.shape
    one = np.ones(1, a.dtype)[0]
    two = one + one
    u = np.empty(H, a.dtype)
    ibuf = np.empty(H, np.int32)
    for b in range(B):
        for j in range(H):
            u[j] = -two * (a[b, j] + gh[b, j])
        _vexp(u, ibuf, exact)
        for j in range(H):
            h[b, j] = two / (one + u[j]) - 1


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
def rnn_bwd_step(dh, dhs_t, h, da):
    """``da = (dh + dhs_t) * (one - h^2)``."""
    B, H = h.shape
    one = np.ones(1, h.dtype)[0]
    for b in range(B):
        for j in range(H):
            da[b, j] = (dh[b, j] + dhs_t[b, j]) * (one - h[b, j] * h[b, j])


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
def lstm_fwd_step(a, gh, c_prev, c, tc, h, exact):
    """Gates ``a`` (B, 4H: input, forget, output, candidate) hold the input projection on
    entry and the activations on exit; writes the cell ``c``, ``tanh(c)`` and ``h``."""
    B, G = a.shape
    one = np.ones(1, a.dtype)[0]
    two = one + one
    H = G // 4
    u = np.empty(G, a.dtype)
    ibuf = np.empty(G, np.int32)
    for b in range(B):
        for j in range(3 * H):
            u[j] = -(a[b, j] + gh[b, j])
        for j in range(3 * H, G):
            u[j] = -two * (a[b, j] + gh[b, j])
        _vexp(u, ibuf, exact)
        for j in range(3 * H):
            a[b, j] = one / (one + u[j])
        for j in range(3 * H, G):
            a[b, j] = two / (one + u[j]) - 1
        for j in range(H):
            cj = a[b, H + j] * c_prev[b, j] + a[b, j] * a[b, 3 * H + j]
            c[b, j] = cj
            u[j] = -two * cj
        _vexp(u[:H], ibuf, exact)
        for j in range(H):
            t = two / (one + u[j]) - 1
            tc[b, j] = t
            h[b, j] = a[b, 2 * H + j] * t


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
def lstm_bwd_step(acts, tc, c_prev, dh, dhs_t, dc, dg):
    """Backward of one LSTM step: from ``dh`` (through the recurrence) plus ``dhs_t`` (from
    above) and ``dc`` (in: from step t+1, out: to step t-1) to the pre-activation gradients
    ``dg`` (B, 4H)."""
    B, G = acts.shape
    one = np.ones(1, acts.dtype)[0]
    H = G // 4
    for b in range(B):
        for j in range(H):
            i = acts[b, j]
            f = acts[b, H + j]
            o = acts[b, 2 * H + j]
            g = acts[b, 3 * H + j]
            t = tc[b, j]
            dhv = dh[b, j] + dhs_t[b, j]
            dcv = dc[b, j] + dhv * o * (one - t * t)
            dg[b, j] = dcv * g * i * (one - i)
            dg[b, H + j] = dcv * c_prev[b, j] * f * (one - f)
            dg[b, 2 * H + j] = dhv * t * o * (one - o)
            dg[b, 3 * H + j] = dcv * i * (one - g * g)
            dc[b, j] = dcv * f


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
def gru_fwd_step(a, gh, h_prev, n, hn, h, exact):
    """GRU step. ``a`` (B, 3H: reset, update, new) holds the input projection (with ``b``)
    on entry and ``r, z`` activations in its first 2H columns on exit; ``gh`` is
    ``h_prev @ Wh + bh``. Writes ``n``, ``hn`` (= gh's new-gate part) and ``h``."""
    B, G = a.shape
    one = np.ones(1, a.dtype)[0]
    two = one + one
    H = G // 3
    u = np.empty(2 * H, a.dtype)
    ibuf = np.empty(2 * H, np.int32)
    for b in range(B):
        for j in range(2 * H):
            u[j] = -(a[b, j] + gh[b, j])
        _vexp(u, ibuf, exact)
        for j in range(2 * H):
            a[b, j] = one / (one + u[j])
        for j in range(H):
            hv = gh[b, 2 * H + j]
            hn[b, j] = hv
            u[j] = -two * (a[b, 2 * H + j] + a[b, j] * hv)
        _vexp(u[:H], ibuf, exact)
        for j in range(H):
            nv = two / (one + u[j]) - 1
            n[b, j] = nv
            h[b, j] = nv + a[b, H + j] * (h_prev[b, j] - nv)


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
def gru_bwd_step(acts, n, hn, h_prev, dh, dhs_t, dgx, dgh, dh_direct):
    """Backward of one GRU step: pre-activation gradients of the input part ``dgx`` and of
    the recurrent part ``dgh`` (B, 3H), and the direct path ``dh * z`` to ``h_prev``."""
    B, G = acts.shape
    one = np.ones(1, acts.dtype)[0]
    H = G // 3
    for b in range(B):
        for j in range(H):
            r = acts[b, j]
            z = acts[b, H + j]
            nv = n[b, j]
            dhv = dh[b, j] + dhs_t[b, j]
            dan = dhv * (one - z) * (one - nv * nv)
            daz = dhv * (h_prev[b, j] - nv) * z * (one - z)
            dar = dan * hn[b, j] * r * (one - r)
            dgx[b, j] = dar
            dgx[b, H + j] = daz
            dgx[b, 2 * H + j] = dan
            dgh[b, j] = dar
            dgh[b, H + j] = daz
            dgh[b, 2 * H + j] = dan * r
            dh_direct[b, j] = dhv * z
