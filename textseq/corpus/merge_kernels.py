"""Numba kernels of the corpus pass's merge: blocks' distinct words (UTF-8 bytes) looked up
in, and added to, one table of the corpus's words, with no Python object per word.

The corpus's words are kept as one byte buffer (each word followed by a ``\\n``, so that the
whole buffer decodes and splits at once at the end), with per word its start, length, hash
and count, and an open-addressing table of records (rows: word id, hash, start, length; word
-1 when empty), a power of two long and at least twice the number of words: a record holds
what a comparison needs, so a lookup reads one row and the word's bytes. The caller grows the
arrays before a block is merged (``rehash`` fills a larger table), so a merge never runs out
of room.

Numba code lives in kernel modules that take and return plain arrays (see DESIGN.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
SEPARATOR = 10  # the byte after every word of the buffer: "\n"


@njit(cache=True)
def _hash(data, start, stop):
    h = _FNV_OFFSET
    for i in range(start, stop):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@njit(cache=True)
def rehash(slots, hashes, starts, lengths, distinct):
    """Fill ``slots`` (records all -1) with the words ``0..distinct-1``."""
    mask = np.uint64(len(slots) - 1)
    for word in range(distinct):
        slot = hashes[word] & mask
        while slots[slot, 0] >= 0:
            slot = (slot + np.uint64(1)) & mask
        slots[slot, 0], slots[slot, 1] = word, np.int64(hashes[word])
        slots[slot, 2], slots[slot, 3] = starts[word], lengths[word]


@njit(cache=True)
def merge_block(
    words, ends, block_counts, text, used, starts, lengths, hashes, counts, slots, distinct
):
    """Merge a block's distinct words (``words[ends[j-1]:ends[j]]``, counts ``block_counts``)
    into the corpus's; new words get the next ids, in the block's order.

    Returns ``(table, distinct, used)``: per block word its corpus id (int32), then the new
    number of words and of bytes of ``text`` in use.
    """
    mask = np.uint64(len(slots) - 1)
    table = np.empty(len(ends), np.int32)
    start = 0
    for j in range(len(ends)):
        stop = ends[j]
        length = stop - start
        h = _hash(words, start, stop)
        slot = h & mask
        while True:
            word = slots[slot, 0]
            if word < 0:  # new: append its bytes and a separator
                word = distinct
                distinct += 1
                for i in range(length):
                    text[used + i] = words[start + i]
                text[used + length] = SEPARATOR
                starts[word], lengths[word], hashes[word] = used, length, h
                counts[word] = 0
                slots[slot, 0], slots[slot, 1] = word, np.int64(h)
                slots[slot, 2], slots[slot, 3] = used, length
                used += length + 1
                break
            if np.uint64(slots[slot, 1]) == h and slots[slot, 3] == length:
                first = slots[slot, 2]
                same = True
                for i in range(length):
                    if text[first + i] != words[start + i]:
                        same = False
                        break
                if same:
                    break
            slot = (slot + np.uint64(1)) & mask
        table[j] = word
        counts[word] += block_counts[j]
        start = stop
    return table, distinct, used
