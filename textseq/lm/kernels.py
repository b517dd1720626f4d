"""Hot loops of the language model: plain arrays in, plain arrays out.

Numba is used only where it measurably beats numpy on this machine (2 cores, float32,
kjv-sized model, measured while writing this module):

- ``adam_update``: one fused pass over parameter, gradient and both moments: ~7.5 ms for
  2.7M parameters against ~25 ms for the same update as in-place numpy ufuncs (10 passes).
- ``scatter_add_rows`` (embedding backward): ~0.1 ms for 1,120 rows of 128 against ~2.5 ms
  for ``np.add.at``.

- ``softmax_xent_fused`` (float32): bias, softmax, loss, gradient and the bias gradient in
  one pass per row, with a vectorisable polynomial exp: ~11 ms for 1,120 x 5,958 against
  ~48 ms for the numpy passes (a fused row loop with Numba's own scalar ``exp`` took 44 ms).
"""

from __future__ import annotations

import types

import numba
import numpy as np
from numba import njit, prange


def _serial_and_parallel(impl, **options):
    """Two cached compilations of ``impl``: serial, and parallel over its ``prange``.

    Numba names its cache files after the function's qualified name and first line, not its
    options: two ``njit``s of one function load each other's machine code from the cache, so
    whichever compiled first served both (the "parallel" Adam and softmax ran on one
    thread). The parallel one therefore compiles a copy of ``impl`` under a name of its own.
    """
    twin = types.FunctionType(impl.__code__, impl.__globals__, impl.__name__ + "_par")
    twin.__qualname__ = impl.__qualname__ + "_par"
    serial = njit(cache=True, **options)(impl)
    parallel = njit(parallel=True, cache=True, **options)(twin)
    return serial, parallel


# fast-math without 'nnan'/'ninf': a NaN or inf must survive to the loss, where training
# stops with a clear message, rather than be optimised into a finite number.
_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(cache=True)
def _scatter_add_rows(G, ids, d):
    n, k = d.shape
    for i in range(n):
        r = ids[i]
        for j in range(k):
            G[r, j] += d[i, j]


def scatter_add_rows(G: np.ndarray, ids: np.ndarray, d: np.ndarray) -> None:
    """``G[ids[i]] += d[i]`` for every ``i``, repeated ids adding up (in place)."""
    _scatter_add_rows(G, np.ascontiguousarray(ids, dtype=np.int64), np.ascontiguousarray(d))


def _adam_impl(p, g, m, v, lr_t, b1, b2, eps, gscale):
    for i in prange(p.size):
        gi = g[i] * gscale
        mi = b1 * m[i] + (1 - b1) * gi
        vi = b2 * v[i] + (1 - b2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] -= lr_t * mi / (np.sqrt(vi) + eps)


# Parallel regions cost a thread hand-off (milliseconds when the cores are busy), so small
# arrays, and runs limited to one thread, take the serial compilation of the same code.
_adam_ser, _adam_par = _serial_and_parallel(_adam_impl, error_model="numpy")
PARALLEL_MIN = 1 << 18


def _parallel(size: int) -> bool:
    return size >= PARALLEL_MIN and numba.get_num_threads() > 1


def adam_update(p, g, m, v, lr_t: float, b1: float, b2: float, eps: float, gscale=1.0) -> None:
    """One Adam step in place on contiguous arrays of one dtype; ``lr_t`` already carries
    the bias corrections; the gradient used is ``g * gscale`` (gradient clipping folded in,
    which saves a pass over every gradient). Element-wise, so the result does not depend on
    the thread count."""
    dt = p.dtype.type
    kernel = _adam_par if _parallel(p.size) else _adam_ser
    kernel(
        p.reshape(-1),
        g.reshape(-1),
        m.reshape(-1),
        v.reshape(-1),
        dt(lr_t),
        dt(b1),
        dt(b2),
        dt(eps),
        dt(gscale),
    )


@njit(fastmath=_FLAGS, cache=True, inline="always", error_model="numpy")
def _exp_parts(x):
    """Cephes' single-precision exp of ``x`` in [-87, 88] as ``(mantissa, bits of 2**n)``.

    Cody-Waite reduction ``x = n ln2 + r`` and a degree-6 polynomial for ``exp(r)``
    (relative error ~1e-7); the caller stores the int32 bits ``(n + 127) << 23`` in a scratch
    row and multiplies by its float32 view in a second loop, which LLVM vectorises.
    """
    fx = np.floor(x * np.float32(1.4426950408889634) + np.float32(0.5))
    r = x - fx * np.float32(0.693359375) - fx * np.float32(-2.12194440e-4)
    p = np.float32(1.9875691500e-4)
    p = p * r + np.float32(1.3981999507e-3)
    p = p * r + np.float32(8.3334519073e-3)
    p = p * r + np.float32(4.1665795894e-2)
    p = p * r + np.float32(1.6666665459e-1)
    p = p * r + np.float32(5.0000001201e-1)
    return p * r * r + r + np.float32(1.0), (np.int32(fx) + np.int32(127)) << 23


@njit(fastmath=_FLAGS, cache=True, inline="always", error_model="numpy")
def _exp_shifted_row(row, m, ibuf):
    """``row[j] <- exp(row[j] - m)`` in float32, returning the row sum.

    Cephes' single-precision exp (Cody-Waite reduction and a degree-6 polynomial, relative
    error ~1e-7) written so that LLVM vectorises it: the ``2**n`` factor is built as float
    bits in an int32 scratch row and applied in a second loop. Arguments below -87 are
    clamped (their exp is below float32's smallest normal number anyway)."""
    v = row.shape[0]
    for j in range(v):
        x = row[j] - m
        if x < -87.0:
            x = np.float32(-87.0)
        row[j], ibuf[j] = _exp_parts(x)
    scale = ibuf.view(np.float32)
    s = np.float32(0.0)
    for j in range(v):
        e = row[j] * scale[j]
        row[j] = e
        s += e
    return s


def _softmax_xent_impl(buf, bias, targets, scale, losses, db_parts):
    n, v = buf.shape
    nchunks = db_parts.shape[0]  # fixed count: the result does not depend on threads
    for c in prange(nchunks):
        ibuf = np.empty(v, np.int32)
        db = db_parts[c]
        db[:] = 0
        for i in range(c * n // nchunks, (c + 1) * n // nchunks):
            row = buf[i]
            m = np.float32(-np.inf)
            for j in range(v):
                x = row[j] + bias[j]
                row[j] = x
                m = max(m, x)
            t = targets[i]
            if t < 0:
                row[:] = 0
                losses[i] = 0.0
                continue
            xt = row[t] - m
            s = _exp_shifted_row(row, m, ibuf)
            losses[i] = np.log(np.float64(s)) - xt
            k = np.float32(scale) / s
            for j in range(v):
                g = row[j] * k
                row[j] = g
                db[j] += g
            row[t] -= np.float32(scale)
            db[t] -= np.float32(scale)


_softmax_ser, _softmax_par = _serial_and_parallel(
    _softmax_xent_impl, fastmath=_FLAGS, error_model="numpy"
)
DB_CHUNKS = 8


def softmax_xent_fused(buf, bias, targets, scale: float, db_out) -> float:
    """float32, one pass per row: add ``bias``, softmax, cross-entropy, and turn ``buf`` into
    ``scale * (p - onehot)`` while summing its columns into ``db_out``; rows whose target is
    negative get a zero gradient. Returns the summed loss. (See ``softmax_xent_inplace``
    for the plain numpy version used for float64.)"""
    n, v = buf.shape
    losses = np.empty(n, np.float64)
    parts = np.empty((min(DB_CHUNKS, max(n, 1)), v), np.float32)
    kernel = _softmax_par if _parallel(buf.size) else _softmax_ser
    kernel(buf, bias, targets, scale, losses, parts)
    np.sum(parts, axis=0, out=db_out)
    return float(losses.sum())


def softmax_xent_inplace(buf: np.ndarray, targets: np.ndarray, scale: float) -> float:
    """Turn logits ``buf (N, V)`` into ``scale * (softmax - onehot(target))`` in place and
    return the summed cross-entropy over rows whose target is ``>= 0`` (other rows get a
    zero gradient). ``scale`` is ``1/count`` for a mean loss."""
    rows = np.flatnonzero(targets >= 0)
    t = targets[rows]
    m = buf.max(axis=1, keepdims=True)
    buf -= m
    z_t = buf[rows, t].astype(np.float64)
    np.exp(buf, out=buf)
    s = buf.sum(axis=1, keepdims=True)
    total = float(np.log(s[rows, 0].astype(np.float64)).sum() - z_t.sum())
    s = scale / s
    buf *= s.astype(buf.dtype, copy=False)
    buf[rows, t] -= buf.dtype.type(scale)
    if rows.size != buf.shape[0]:
        buf[targets < 0] = 0
    return total


def score_rows(buf: np.ndarray, targets: np.ndarray) -> tuple[float, int, int, int]:
    """From logits ``buf (N, V)`` (overwritten): summed cross-entropy, top-1 hits, top-5
    hits and the number of rows with a target ``>= 0``."""
    rows = np.flatnonzero(targets >= 0)
    if rows.size == 0:
        return 0.0, 0, 0, 0
    t = targets[rows]
    sub = buf[rows] if rows.size != buf.shape[0] else buf
    z_t = sub[np.arange(rows.size), t]
    rank = np.count_nonzero(sub > z_t[:, None], axis=1)
    m = sub.max(axis=1, keepdims=True)
    sub -= m
    lse = np.log(np.exp(sub, out=sub).sum(axis=1, dtype=np.float64)) + m[:, 0]
    total = float((lse - z_t).sum())
    return total, int(np.count_nonzero(rank < 1)), int(np.count_nonzero(rank < 5)), rows.size


# ---- recurrent cells: the element-wise part of one time step ------------------------------
# The matmuls (h @ Wh forward, dgates @ Wh^T backward) stay in numpy/BLAS; everything
# element-wise in a step is one Numba call instead of 15-25 numpy calls on (B, H) arrays.
# ``exact`` (float64, used by the gradient checks) takes np.exp; float32 takes the
# vectorised polynomial exp (relative error ~1e-7). sigmoid(z) = one / (one + exp(-z)),
# tanh(z) = two / (one + exp(-2z)) - 1.


@njit(fastmath=_FLAGS, cache=True, inline="always", error_model="numpy")
def _vexp(u, ibuf, exact):
    """``u <- exp(u)`` in place (arguments clamped to a finite range)."""
    n = u.shape[0]
    if exact:
        for j in range(n):
            u[j] = np.exp(min(max(u[j], -700.0), 700.0))
        return
    for j in range(n):
        x = min(max(u[j], np.float32(-87.0)), np.float32(88.0))
        u[j], ibuf[j] = _exp_parts(x)
    scale = ibuf.view(np.float32)
    for j in range(n):
        u[j] = u[j] * scale[j]


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
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


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
def rnn_bwd_step(dh, dhs_t, h, da):
    """``da = (dh + dhs_t) * (one - h^2)``."""
    B, H = h.shape
    one = np.ones(1, h.dtype)[0]
    for b in range(B):
        for j in range(H):
            da[b, j] = (dh[b, j] + dhs_t[b, j]) * (one - h[b, j] * h[b, j])


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
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


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
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


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
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


@njit(fastmath=_FLAGS, cache=True, error_model="numpy")
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


# ---- small-batch products (generation) -----------------------------------------------------
SMALL_ROWS = 8  # up to this many rows, x @ W.T runs here rather than in BLAS


@njit(fastmath=True, cache=True, error_model="numpy")  # full fast-math: 2x, vectorised sums
def _matmul_t_small(x, W, out):
    B, K = x.shape
    zero = np.zeros(1, out.dtype)[0]
    for n in range(W.shape[0]):
        w = W[n]
        for b in range(B):
            s = zero
            for k in range(K):
                s += w[k] * x[b, k]
            out[b, n] = s


def matmul_t(x: np.ndarray, W: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``x @ W.T`` for ``x (B, K)`` and ``W (N, K)``.

    With a handful of rows (generation steps, beams) BLAS spends its time packing the whole
    of ``W`` for every call (~1 ms for 5 x 256 by 256 x 5,958); reading each row of ``W``
    once and dotting it with every row of ``x`` is several times faster. Larger batches go
    to BLAS."""
    if out is None:
        out = np.empty((x.shape[0], W.shape[0]), dtype=np.result_type(x, W))
    if x.shape[0] <= SMALL_ROWS and x.dtype == W.dtype == out.dtype and W.flags.c_contiguous:
        _matmul_t_small(np.ascontiguousarray(x), W, out)
    else:
        np.matmul(x, W.T, out=out)
    return out
