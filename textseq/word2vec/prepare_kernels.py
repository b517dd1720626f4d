"""Numba kernels run once before training: the noise words' alias table (per vocabulary)
and the corpus's segments (per corpus). They take and return plain arrays; the training
loops are in ``kernels.py``."""

from __future__ import annotations

import numpy as np
from numba import njit

_U32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)


@njit(cache=True)
def build_alias_table(weights):
    """Vose's alias table for ``weights`` (float64, > 0) packed as uint64 per slot.

    High 32 bits: the probability (times 2**32) of keeping the slot itself; low 32 bits: the
    alias taken otherwise (``kernels._draw_negative`` reads this layout). Drawing costs O(1)
    instead of gensim's binary search.
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
