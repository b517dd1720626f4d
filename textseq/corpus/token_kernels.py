"""Numba kernel of the corpus pass: the ``unicode`` tokenizer's words found and numbered in
one scan over a block of lowercased code points.

``tokenize_unicode`` is a regular expression, ``L+(?:J L+)*`` with ``L`` a letter, mark or
digit and ``J`` one of ``' ’ -``, applied line by line. Over a block of many lines the same
words come from a scan with a class per code point (``CLASS_*``; a newline ends a sentence),
and each word gets a provisional id (order of first appearance in the block) from a hash table
kept here, so that no Python string is made per token: only one per distinct word.

Numba code lives in kernel modules that take and return plain arrays (see DESIGN.md).
"""

from __future__ import annotations

import numpy as np
from numba import njit

CLASS_OTHER, CLASS_LETTER, CLASS_JOINER, CLASS_NEWLINE = 0, 1, 2, 3
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True)
def _hash(points, start, stop):
    h = _FNV_OFFSET
    for i in range(start, stop):
        h = (h ^ np.uint64(points[i])) * _FNV_PRIME
    return h


@njit(cache=True)
def _same(points, a, b, length):
    for i in range(length):
        if points[a + i] != points[b + i]:
            return False
    return True


@njit(cache=True)
def _insert(slots, hashes, starts, stops, points, slot_mask, h, start, stop):
    """The provisional id of the word ``points[start:stop]`` of hash ``h``; -1 when it is
    new (the caller numbers it and stores it in the slot returned second)."""
    slot = h & slot_mask
    length = stop - start
    while True:
        word = slots[slot]
        if word < 0:
            return -1, slot
        if (
            hashes[word] == h
            and stops[word] - starts[word] == length
            and _same(points, starts[word], start, length)
        ):
            return word, slot
        slot = (slot + np.uint64(1)) & slot_mask


@njit(cache=True)
def scan_block(points, classes):
    """Words of a block of code points (lowercased text, ``_`` counted as a space).

    Returns ``(ids, lengths, starts, stops, counts)``: the provisional id of every word in
    order (int32); the number of words of every line that has any (int64: the sentences); and
    per provisional id the span of its first appearance in ``points`` and its count (int64).
    """
    n = len(points)
    ids = np.empty(n // 2 + 1, np.int32)  # a word takes a code point and a separator
    lengths = np.empty(n // 2 + 1, np.int64)
    capacity = 1 << 12
    starts = np.empty(capacity, np.int64)
    stops = np.empty(capacity, np.int64)
    hashes = np.empty(capacity, np.uint64)
    counts = np.zeros(capacity, np.int64)
    slots = np.full(capacity * 2, -1, np.int64)
    slot_mask = np.uint64(capacity * 2 - 1)
    distinct = n_ids = n_lines = line_words = 0
    i = 0
    while i < n:
        c = points[i]
        k = classes[c]
        if k == CLASS_NEWLINE:
            if line_words:
                lengths[n_lines] = line_words
                n_lines += 1
                line_words = 0
            i += 1
            continue
        if k != CLASS_LETTER:
            i += 1
            continue
        start = i
        i += 1
        while True:  # L+ then, while a joiner is followed by a letter, J L+
            while i < n and classes[points[i]] == CLASS_LETTER:
                i += 1
            if i + 1 < n and classes[points[i]] == CLASS_JOINER:
                if classes[points[i + 1]] == CLASS_LETTER:
                    i += 1
                    continue
            break
        h = _hash(points, start, i)
        word, slot = _insert(slots, hashes, starts, stops, points, slot_mask, h, start, i)
        if word < 0:
            if distinct == capacity:  # grow the word arrays and the slots
                capacity *= 2
                starts = _grown(starts, capacity)
                stops = _grown(stops, capacity)
                hashes = _grown(hashes, capacity)
                counts = _grown(counts, capacity)
                counts[distinct:] = 0
                slots = np.full(capacity * 2, -1, np.int64)
                slot_mask = np.uint64(capacity * 2 - 1)
                for w in range(distinct):
                    s = hashes[w] & slot_mask
                    while slots[s] >= 0:
                        s = (s + np.uint64(1)) & slot_mask
                    slots[s] = w
                _, slot = _insert(slots, hashes, starts, stops, points, slot_mask, h, start, i)
            word = distinct
            distinct += 1
            starts[word], stops[word], hashes[word] = start, i, h
            slots[slot] = word
        counts[word] += 1
        ids[n_ids] = word
        n_ids += 1
        line_words += 1
    if line_words:
        lengths[n_lines] = line_words
        n_lines += 1
    return (
        ids[:n_ids].copy(),
        lengths[:n_lines].copy(),
        starts[:distinct].copy(),
        stops[:distinct].copy(),
        counts[:distinct].copy(),
    )


@njit(cache=True)
def _grown(values, capacity):
    out = np.empty(capacity, values.dtype)
    out[: len(values)] = values
    return out


@njit(cache=True)
def word_bytes(points, starts, stops):
    """The words ``points[starts[w]:stops[w]]`` as UTF-8 bytes one after another (uint8;
    a surrogate takes three bytes, as Python's ``surrogatepass`` writes it), and where each
    word's bytes end (int64)."""
    total = 0
    for w in range(len(starts)):
        for i in range(starts[w], stops[w]):
            c = points[i]
            total += 1 if c < 0x80 else 2 if c < 0x800 else 3 if c < 0x10000 else 4
    out = np.empty(total, np.uint8)
    ends = np.empty(len(starts), np.int64)
    k = 0
    for w in range(len(starts)):
        for i in range(starts[w], stops[w]):
            c = np.uint32(points[i])
            if c < 0x80:
                out[k] = c
                k += 1
            elif c < 0x800:
                out[k] = 0xC0 | (c >> 6)
                out[k + 1] = 0x80 | (c & 0x3F)
                k += 2
            elif c < 0x10000:
                out[k] = 0xE0 | (c >> 12)
                out[k + 1] = 0x80 | ((c >> 6) & 0x3F)
                out[k + 2] = 0x80 | (c & 0x3F)
                k += 3
            else:
                out[k] = 0xF0 | (c >> 18)
                out[k + 1] = 0x80 | ((c >> 12) & 0x3F)
                out[k + 2] = 0x80 | ((c >> 6) & 0x3F)
                out[k + 3] = 0x80 | (c & 0x3F)
                k += 4
        ends[w] = k
    return out, ends
