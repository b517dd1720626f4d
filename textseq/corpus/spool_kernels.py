"""Numba kernel for the id spool (``spool.py``): remapping a block of ids in one pass, in place.

Numba code lives in kernel modules that take and return plain arrays (see DESIGN.md).
"""

from __future__ import annotations

from numba import njit


@njit(cache=True)
def remap_block(block, table, old_offsets, k, start, kept_before, new_offsets):
    """Replace each id of ``block`` (the ids at ``start:start + len(block)``) by ``table[id]``,
    dropping ids mapped to -1, compacted at the front of ``block`` in place; and set
    ``new_offsets[k:]`` for the sentence offsets ``old_offsets[k:]`` that fall in the block
    to the count of ids kept before them. Returns (ids kept, the next ``k``).

    One pass with no temporary array: the numpy form needed a mapped copy, a mask and an
    int64 prefix sum per block (17 bytes a word). An id of -1 picks the table's last entry
    (``spool_encode`` spools unknown words as -1).
    """
    n = 0
    while k < len(old_offsets) and old_offsets[k] <= start:  # sentences starting here
        new_offsets[k] = kept_before
        k += 1
    for i in range(len(block)):
        mapped = table[block[i]]  # Numba wraps a negative index, as numpy does
        if mapped >= 0:
            block[n] = mapped
            n += 1
        end = start + i + 1
        while k < len(old_offsets) and old_offsets[k] <= end:  # sentences ending here
            new_offsets[k] = kept_before + n
            k += 1
    return n, k
