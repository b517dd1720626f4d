"""Hot loops of the language model's training, and the product every layer uses: plain
arrays in, plain arrays out.

- ``adam_update``: one fused pass over parameter, gradient and both moments (the same update
  as numpy ufuncs takes ten passes over memory).
- ``scatter_add_rows`` (embedding backward): repeated rows add up, as ``np.add.at`` does,
  without its per-element overhead.
- ``softmax_xent_fused`` (float32): bias, softmax, loss, gradient and the bias gradient in one
  pass per row, with the vectorisable polynomial exp of ``textseq.fastmath``.
- ``matmul_t``: ``x @ W.T (+ bias)`` for the cells and the output layer; a handful of rows
  (inference steps, beams, small batches) go through a tiled kernel instead of BLAS.

The element-wise maths of the recurrent cells is in ``textseq.lm.cell_kernels``.
"""

import types

import numba
import numpy as np
from numba import njit, prange

from textseq.fastmath import FLAGS, exp_parts


def _serial_and_parallel(impl, **options):
    """Two cached compilations of ``impl``: serial, and parallel over its ``prange``.

    Numba names its cache files after the function's qualified name and first line, not its
    options: two ``njit``s of one function would load each other's machine code from the
    cache, and whichever compiled first would serve both (a "parallel" kernel running on one
    thread). The parallel one therefore compiles a copy of ``impl`` under a name of its own.
    """
    twin = types.FunctionType(impl.__code__, impl.__globals__, impl.__name__ + "_par")
    twin.__qualname__ = impl.__qualname__ + "_par"
    serial = njit(cache=True, **options)(impl)
    parallel = njit(parallel=True, cache=True, **options)(twin)
    return serial, parallel


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


def _adam_impl(p, g, m, v, lr_t, b1, b2, c1, c2, eps, gscale):
    # every scalar comes in the arrays' dtype (c1 = 1 - b1, c2 = 1 - b2), so the arithmetic
    # stays in that dtype and vectorises: a Python ``1 - b1`` would promote float32 to float64
    for i in prange(p.size):
        gi = g[i] * gscale
        mi = b1 * m[i] + c1 * gi
        vi = b2 * v[i] + c2 * gi * gi
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
    """One Adam step in place on contiguous arrays of one dtype, computed in that dtype (as
    PyTorch's float32 Adam is); ``lr_t`` already carries the bias corrections; the gradient
    used is ``g * gscale`` (gradient clipping folded in, which saves a pass over every
    gradient). Element-wise, so the result does not depend on the thread count."""
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
        dt(1.0 - b1),
        dt(1.0 - b2),
        dt(eps),
        dt(gscale),
    )


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
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
        row[j], ibuf[j] = exp_parts(x)
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
    _softmax_xent_impl, fastmath=FLAGS, error_model="numpy"
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


# ---- x @ W.T (+ bias) -----------------------------------------------------------------------
# With a handful of rows, BLAS spends its time packing the whole of W on every call, and a dot
# product per (row of x, row of W) re-reads x for every row of W. The tiled kernel keeps a few
# rows of W and up to 5 rows of x in accumulators, so each pass over k reads W once per tile
# of x, and LLVM vectorises the k loop. Tiles: 5 rows of x by 2 rows of W (10 accumulators,
# the pass bound by reading W), 3 by 3, and 1 by 4. Larger batches go to BLAS.
SMALL_ROWS = 8  # up to this many rows of x, the tiled kernel; above, BLAS


@njit(fastmath=FLAGS, cache=True, inline="always")
def _tile_1x4(x0, W, out0, z):
    N, K = W.shape
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


@njit(fastmath=FLAGS, cache=True, inline="always")
def _tile_5x2(x0, x1, x2, x3, x4, W, o0, o1, o2, o3, o4, z):
    N, K = W.shape
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


@njit(fastmath=FLAGS, cache=True, inline="always")
def _tile_3x3(x0, x1, x2, W, o0, o1, o2, z):
    N, K = W.shape
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


@njit(fastmath=FLAGS, cache=True)
def matmul_t_tiled(x, W, bias, out):
    """``out = x @ W.T (+ bias)`` for ``x (B, K)``, ``W (N, K)``, ``bias (N,)`` or ``None``,
    ``out (B, N)``, all of one float dtype. Rows of ``x`` go in groups of up to 5: one row
    by the 1x4 tile, 2-3 rows by the 3x3 tile, 4-5 rows by the 5x2 tile (a group shorter than
    its tile repeats its last row, which costs no extra read of ``W``). Any ``B`` works; it
    is fastest for a few rows (see ``matmul_t``)."""
    B = x.shape[0]
    N = W.shape[0]
    z = np.zeros(1, out.dtype)[0]
    b = 0
    while b < B:
        r = min(5, B - b)
        last = b + r - 1
        if r == 1:
            _tile_1x4(x[b], W, out[b], z)
        elif r <= 3:
            i1 = min(b + 1, last)
            _tile_3x3(x[b], x[i1], x[last], W, out[b], out[i1], out[last], z)
        else:
            i3 = min(b + 3, last)
            _tile_5x2(
                x[b], x[b + 1], x[b + 2], x[i3], x[last],
                W, out[b], out[b + 1], out[b + 2], out[i3], out[last], z,
            )  # fmt: skip
        b += r
    if bias is not None:
        for i in range(B):
            o = out[i]
            for j in range(N):
                o[j] += bias[j]


def matmul_t(
    x: np.ndarray, W: np.ndarray, out: np.ndarray | None = None, bias: np.ndarray | None = None
) -> np.ndarray:
    """``x @ W.T (+ bias)`` for ``x (B, K)``, ``W (N, K)`` and ``bias (N,)``, into ``out``
    (a new row-major array unless given). Up to ``SMALL_ROWS`` rows of one dtype with a
    C-contiguous ``W`` run in ``matmul_t_tiled``, larger batches in BLAS (as ``W @ x.T``
    when ``out`` is column-major, see ``gate_buffer``); the bias is added after the product
    either way."""
    dt = W.dtype
    if (
        x.shape[0] <= SMALL_ROWS
        and x.dtype == dt
        and (out is None or out.dtype == dt)
        and (bias is None or bias.dtype == dt)
        and W.flags.c_contiguous
    ):
        if out is None:
            out = np.empty((x.shape[0], W.shape[0]), dtype=dt)
        matmul_t_tiled(np.ascontiguousarray(x), W, bias, out)
        return out
    if out is None:
        out = np.empty((x.shape[0], W.shape[0]), dtype=np.result_type(x, W))
    if out.flags.f_contiguous and not out.flags.c_contiguous:
        np.matmul(W, x.T, out=out.T)  # column-major result: see ``gate_buffer``
    else:
        np.matmul(x, W.T, out=out)
    if bias is not None:
        out += bias
    return out


def matmul_into(x: np.ndarray, W: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``x @ W`` into ``out``, computed as ``(W^T @ x^T)^T`` when ``out`` is column-major (a
    ``gate_buffer``): the recurrent product of a backward step, ``dgates @ Wh``."""
    if out.flags.f_contiguous and not out.flags.c_contiguous:
        np.matmul(W.T, x.T, out=out.T)
    else:
        np.matmul(x, W, out=out)
    return out


def gate_buffer(rows: int, cols: int, dtype) -> np.ndarray:
    """An empty ``(rows, cols)`` array for ``matmul_t(x, W, out=...)`` with ``rows`` rows of
    ``x`` and ``cols`` rows of ``W``, in the layout the product fills fastest: row-major for
    the tiled kernel (up to ``SMALL_ROWS`` rows), column-major above. Into a column-major
    ``out`` BLAS computes ``W @ x.T`` (the recurrent product of a step: a few dozen rows
    against a large ``W``), which OpenBLAS runs faster than ``x @ W.T`` at these shapes, and
    on two threads without the hand-off that makes the row-major form many times slower
    when the other core is busy; ``matmul_into`` does the same for ``x @ W``. The
    element-wise step kernels read either layout."""
    order = "C" if rows <= SMALL_ROWS else "F"
    return np.empty((rows, cols), dtype=dtype, order=order)
