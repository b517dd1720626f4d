"""Hot loops of generation: one recurrent step for a handful of rows (beams), float32.

Plain arrays in, plain arrays out; :mod:`textseq.lm.generate` drives them. Why not BLAS: with
1 to 10 rows, ``x @ W.T`` for the output layer (W 5,958 x 256) is dominated by BLAS packing
all of ``W`` on every call; a dot product per (row of x, row of W) re-reads ``x`` for every
row of ``W``. Here each pass over ``k`` works on a tile of a few rows of ``W`` and up to 5
rows of ``x`` held in accumulators, so ``W`` is read once per tile of ``x`` and LLVM
vectorises the ``k`` loop. Measured on this machine (2 shared cores under load 3, kjv-sized
output layer, 49 calls, CPU time): batch 5 about 12 ms against
24 ms for a dot product per pair (``kernels.matmul_t``) and 45 ms for BLAS; batch 1 (a 1 x 4
tile) about 6 ms against 7 ms. Batch 5 and 4 run as one tile of 5 rows of ``x`` by 2 rows of
``W`` (10 accumulators): the pass is then bound by reading ``W`` (6 MB) once.

The element-wise cell updates follow ``textseq.lm.cells`` (gate order, GRU's reset on
``h Un + bh_n``) and its float32 maths (the same polynomial exp); only the order of the sums
differs, so results agree to float rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from textseq.lm.kernels import _exp_parts, _vexp  # the package's one vectorisable float32 exp

# fast-math as in textseq.lm.kernels, without "nnan"/"ninf": a NaN weight gives NaN scores
_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(fastmath=_FLAGS, cache=True, inline="always")
def _dense_row1(x0, W, out0):
    N, K = W.shape
    z = np.float32(0.0)
    n = 0
    while n + 4 <= N:
        w0, w1, w2, w3 = W[n], W[n + 1], W[n + 2], W[n + 3]
        a0 = z
        a1 = z
        a2 = z
        a3 = z
        for k in range(K):
            y = x0[k]
            a0 += w0[k] * y
            a1 += w1[k] * y
            a2 += w2[k] * y
            a3 += w3[k] * y
        out0[n] = a0
        out0[n + 1] = a1
        out0[n + 2] = a2
        out0[n + 3] = a3
        n += 4
    while n < N:
        w0 = W[n]
        a0 = z
        for k in range(K):
            a0 += w0[k] * x0[k]
        out0[n] = a0
        n += 1


@njit(fastmath=_FLAGS, cache=True, inline="always")
def _dense_row5(x0, x1, x2, x3, x4, W, o0, o1, o2, o3, o4):
    N, K = W.shape
    z = np.float32(0.0)
    n = 0
    while n + 2 <= N:
        w0, w1 = W[n], W[n + 1]
        a0 = z
        a1 = z
        b0 = z
        b1 = z
        c0 = z
        c1 = z
        d0 = z
        d1 = z
        e0 = z
        e1 = z
        for k in range(K):
            u0 = w0[k]
            u1 = w1[k]
            y = x0[k]
            a0 += u0 * y
            a1 += u1 * y
            y = x1[k]
            b0 += u0 * y
            b1 += u1 * y
            y = x2[k]
            c0 += u0 * y
            c1 += u1 * y
            y = x3[k]
            d0 += u0 * y
            d1 += u1 * y
            y = x4[k]
            e0 += u0 * y
            e1 += u1 * y
        o0[n] = a0
        o0[n + 1] = a1
        o1[n] = b0
        o1[n + 1] = b1
        o2[n] = c0
        o2[n + 1] = c1
        o3[n] = d0
        o3[n + 1] = d1
        o4[n] = e0
        o4[n + 1] = e1
        n += 2
    if n < N:
        w0 = W[n]
        a0 = z
        b0 = z
        c0 = z
        d0 = z
        e0 = z
        for k in range(K):
            u0 = w0[k]
            a0 += u0 * x0[k]
            b0 += u0 * x1[k]
            c0 += u0 * x2[k]
            d0 += u0 * x3[k]
            e0 += u0 * x4[k]
        o0[n] = a0
        o1[n] = b0
        o2[n] = c0
        o3[n] = d0
        o4[n] = e0


@njit(fastmath=_FLAGS, cache=True, inline="always")
def _dense_row3(x0, x1, x2, W, o0, o1, o2):
    N, K = W.shape
    z = np.float32(0.0)
    n = 0
    while n + 3 <= N:
        w0, w1, w2 = W[n], W[n + 1], W[n + 2]
        a0 = z
        a1 = z
        a2 = z
        c0 = z
        c1 = z
        c2 = z
        d0 = z
        d1 = z
        d2 = z
        for k in range(K):
            u0 = w0[k]
            u1 = w1[k]
            u2 = w2[k]
            y0 = x0[k]
            y1 = x1[k]
            y2 = x2[k]
            a0 += u0 * y0
            a1 += u1 * y0
            a2 += u2 * y0
            c0 += u0 * y1
            c1 += u1 * y1
            c2 += u2 * y1
            d0 += u0 * y2
            d1 += u1 * y2
            d2 += u2 * y2
        o0[n] = a0
        o0[n + 1] = a1
        o0[n + 2] = a2
        o1[n] = c0
        o1[n + 1] = c1
        o1[n + 2] = c2
        o2[n] = d0
        o2[n + 1] = d1
        o2[n + 2] = d2
        n += 3
    while n < N:
        w0 = W[n]
        a0 = z
        c0 = z
        d0 = z
        for k in range(K):
            a0 += w0[k] * x0[k]
            c0 += w0[k] * x1[k]
            d0 += w0[k] * x2[k]
        o0[n] = a0
        o1[n] = c0
        o2[n] = d0
        n += 1


@njit(fastmath=_FLAGS, cache=True)
def dense_rows(x, W, bias, out):
    """``out = x @ W.T + bias`` for ``x (B, K)``, ``W (N, K)``, ``bias (N,)`` or ``(0,)``
    (no bias), ``out (B, N)``; all float32 and C-contiguous. Rows of ``x`` go in tiles of
    3, then 2 or 1."""
    B = x.shape[0]
    N = W.shape[0]
    b = 0
    while b < B:  # a tile of r rows; a short tile repeats its last row (one read of W)
        r = min(5, B - b)
        last = b + r - 1
        if r == 1:
            _dense_row1(x[b], W, out[b])
        elif r <= 3:
            i1 = min(b + 1, last)
            _dense_row3(x[b], x[i1], x[last], W, out[b], out[i1], out[last])
        else:
            i3 = min(b + 3, last)
            _dense_row5(
                x[b], x[b + 1], x[b + 2], x[i3], x[last],
                W, out[b], out[b + 1], out[b + 2], out[i3], out[last],
            )  # fmt: skip
        b += r
    if bias.shape[0] > 0:
        for i in range(B):
            o = out[i]
            for j in range(N):
                o[j] += bias[j]


# ---- the element-wise part of a cell step (float32) ----------------------------------------
# As in textseq.lm.kernels: sigmoid(z) = 1 / (1 + exp(-z)), tanh(z) = 2 / (1 + exp(-2z)) - 1,
# the exponentials of a whole row at once by the vectorised polynomial (numpy's scalar exp
# and tanh took ~0.1 ms per LSTM step of 5 rows, as long as the products).


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
def rnn_point(gx, gh, h_out):
    """``h' = tanh(gx + gh)`` (``gx`` holds ``x Wx + b``)."""
    B, H = h_out.shape
    one, two = np.float32(1.0), np.float32(2.0)
    u = np.empty(H, np.float32)
    ibuf = np.empty(H, np.int32)
    for r in range(B):
        for j in range(H):
            u[j] = -two * (gx[r, j] + gh[r, j])
        _vexp(u, ibuf, False)
        for j in range(H):
            h_out[r, j] = two / (one + u[j]) - one


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
def lstm_point(gx, gh, c, h_out, c_out):
    """Gates i, f, o, g from ``gx + gh``; ``c' = f c + i g``, ``h' = o tanh(c')``."""
    B, H = h_out.shape
    G = 4 * H
    one, two = np.float32(1.0), np.float32(2.0)
    u = np.empty(G, np.float32)
    ibuf = np.empty(G, np.int32)
    for r in range(B):
        for j in range(3 * H):
            u[j] = -(gx[r, j] + gh[r, j])
        for j in range(3 * H, G):
            u[j] = -two * (gx[r, j] + gh[r, j])
        _vexp(u, ibuf, False)
        for j in range(3 * H):
            u[j] = one / (one + u[j])
        for j in range(3 * H, G):
            u[j] = two / (one + u[j]) - one
        for j in range(H):
            cn = u[H + j] * c[r, j] + u[j] * u[3 * H + j]
            c_out[r, j] = cn
            u[3 * H + j] = -two * cn  # the g slot is free now
        _vexp(u[3 * H :], ibuf, False)
        for j in range(H):
            h_out[r, j] = u[2 * H + j] * (two / (one + u[3 * H + j]) - one)


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
def gru_point(gx, gh, h, h_out):
    """PyTorch's GRU: ``gh`` holds ``h Uh + bh``; the reset gate scales its n part."""
    B, H = h_out.shape
    one, two = np.float32(1.0), np.float32(2.0)
    u = np.empty(3 * H, np.float32)
    ibuf = np.empty(3 * H, np.int32)
    for r in range(B):
        for j in range(2 * H):
            u[j] = -(gx[r, j] + gh[r, j])
        _vexp(u[: 2 * H], ibuf, False)
        for j in range(2 * H):
            u[j] = one / (one + u[j])  # r, then z
        for j in range(H):
            u[2 * H + j] = -two * (gx[r, 2 * H + j] + u[j] * gh[r, 2 * H + j])
        _vexp(u[2 * H :], ibuf, False)
        for j in range(H):
            n = two / (one + u[2 * H + j]) - one
            z = u[H + j]
            h_out[r, j] = (one - z) * n + z * h[r, j]


@njit(cache=True)
def top_extensions(x, offset, k, rows, toks, vals):
    """The ``k`` largest finite ``x[r, t] + offset[r]``, best first, ties by lower ``(r, t)``,
    into ``rows``, ``toks``, ``vals`` (each of length >= ``k``); returns how many were found
    (fewer than ``k`` when fewer are finite). One pass, no sort of the whole array: a value
    enters the sorted short list only when it beats the list's last entry."""
    B, V = x.shape
    n = 0
    last = -np.inf  # the value to beat once the list is full
    for r in range(B):
        off = offset[r]
        if not np.isfinite(off):
            continue
        for t in range(V):
            v = x[r, t] + off
            if v > last or (n < k and v > -np.inf):
                if not np.isfinite(v):
                    continue
                j = min(n, k - 1)  # insert after every entry >= v (earlier ids win ties)
                while j > 0 and vals[j - 1] < v:
                    vals[j] = vals[j - 1]
                    rows[j] = rows[j - 1]
                    toks[j] = toks[j - 1]
                    j -= 1
                vals[j] = v
                rows[j] = r
                toks[j] = t
                if n < k:
                    n += 1
                if n == k:
                    last = vals[k - 1]
    return n


@njit(fastmath=_FLAGS, cache=True, inline="always", error_model="numpy")
def _row_max(row):
    """The largest value of a row, as float64 (NaN is dealt with by the caller's sums). Eight
    running maxima instead of one: without 'nnan' LLVM keeps a single maximum as one chain of
    dependent comparisons (~8 us per 5,958 values), eight run side by side (~4x faster)."""
    n = row.shape[0]
    m0 = m1 = m2 = m3 = m4 = m5 = m6 = m7 = -np.inf
    j = 0
    while j + 8 <= n:
        m0 = max(m0, row[j])
        m1 = max(m1, row[j + 1])
        m2 = max(m2, row[j + 2])
        m3 = max(m3, row[j + 3])
        m4 = max(m4, row[j + 4])
        m5 = max(m5, row[j + 5])
        m6 = max(m6, row[j + 6])
        m7 = max(m7, row[j + 7])
        j += 8
    m = max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
    while j < n:
        m = max(m, row[j])
        j += 1
    return m


@njit(fastmath=_FLAGS, cache=True, inline="always", error_model="numpy")
def _row_logsumexp(row, mant, bits):
    """``log(sum(exp(row)))``, ``-inf`` for an all-``-inf`` row. The shifted exponentials are
    taken in float32 by the Cephes polynomial of ``textseq.lm.kernels`` (vectorised, several
    times numpy's float32 ``exp`` here) and summed in float64: accurate to about 1e-7
    absolute. Values more than 87 below the maximum count as ``exp(-87)`` (~1e-38), which no
    float64 sum of at least 1 can see. ``mant``, ``bits``: float32/int32 scratch rows."""
    m = _row_max(row)
    if m == -np.inf:
        return -np.inf
    if not np.isfinite(m):  # +inf or NaN: let numpy's rules decide
        return m + np.log(np.sum(np.exp(row - m)))
    V = row.shape[0]
    for j in range(V):  # three simple loops vectorise better than one (36 -> 22 us)
        mant[j] = max(np.float32(row[j] - m), np.float32(-87.0))
    for j in range(V):
        mant[j], bits[j] = _exp_parts(mant[j])
    scale = bits.view(np.float32)
    s = 0.0
    for j in range(V):
        s += mant[j] * scale[j]
    return m + np.log(s)


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
def row_logsumexp_pair(x, raw, same, out_x, out_raw):
    """Row log-sum-exp (see ``_row_logsumexp``) of the shaped scores ``x`` (float64) and of
    the raw logits ``raw`` (same shape, float32 or float64) in one call: generation needs
    both at every step. ``same``: ``x`` equals ``raw`` wherever it is not ``-inf`` (only
    bans were applied); the raw normaliser is then the shaped one plus the banned words'
    mass, added back exactly, which spares a second pass of exponentials."""
    V = x.shape[1]
    mant = np.empty(V, np.float32)
    bits = np.empty(V, np.int32)
    for r in range(x.shape[0]):
        lse = _row_logsumexp(x[r], mant, bits)
        out_x[r] = lse
        if same and np.isfinite(lse):
            extra = 0.0
            for j in range(V):
                if x[r, j] == -np.inf:
                    extra += np.exp(np.float64(raw[r, j]) - lse)
            out_raw[r] = lse + np.log1p(extra)
        else:
            out_raw[r] = _row_logsumexp(raw[r], mant, bits)
