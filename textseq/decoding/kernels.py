"""Hot loops of decoding over a ``(B, V)`` array of scores: plain arrays in, plain arrays out.

``top_extensions`` picks a beam's best candidates in one pass (no sort of ``B * V`` values);
``row_logsumexp_pair`` gives the normalisers of the shaped and of the raw scores, which every
step needs, in one call, with the shifted exponentials in float32 (vectorised) and their sum
in float64.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from textseq.fastmath import FLAGS, exp_parts


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


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
def _row_max(row):
    """The largest value of a row, as float64 (NaN is dealt with by the caller's sums). Eight
    running maxima instead of one: without 'nnan' LLVM keeps a single maximum as one chain of
    dependent comparisons, while eight independent chains run side by side."""
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


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
def _row_logsumexp(row, mant, bits):
    """``log(sum(exp(row)))``, ``-inf`` for an all-``-inf`` row. The shifted exponentials are
    taken in float32 by the vectorised polynomial of ``textseq.fastmath`` (faster than
    numpy's float32 ``exp``) and summed in float64: accurate to about 1e-7
    absolute. Values more than 87 below the maximum count as ``exp(-87)`` (~1e-38), which no
    float64 sum of at least 1 can see. ``mant``, ``bits``: float32/int32 scratch rows."""
    m = _row_max(row)
    if m == -np.inf:
        return -np.inf
    if not np.isfinite(m):  # +inf or NaN: let numpy's rules decide
        return m + np.log(np.sum(np.exp(row - m)))
    V = row.shape[0]
    for j in range(V):  # three simple loops: LLVM vectorises each, not their fusion
        mant[j] = max(np.float32(row[j] - m), np.float32(-87.0))
    for j in range(V):
        mant[j], bits[j] = exp_parts(mant[j])
    scale = bits.view(np.float32)
    s = 0.0
    for j in range(V):
        s += mant[j] * scale[j]
    return m + np.log(s)


@njit(fastmath=FLAGS, cache=True, error_model="numpy")
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
