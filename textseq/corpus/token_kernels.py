"""Numba kernels of the corpus pass: the ``unicode`` tokenizer's words found in a block of
lowercased code points (one pass over the points) and numbered (one pass over the words).

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
UNKNOWN, CLAIMED = 255, 254  # not classified yet; being classified by the caller
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True)
def claim_unknown(points, classes):
    """The distinct code points of ``points`` whose class is ``UNKNOWN``, in order of first
    appearance; each is marked ``CLAIMED`` so that the caller classifies it once."""
    found = np.empty(0x400, np.uint32)
    count = 0
    for p in points:
        if classes[p] == UNKNOWN:
            classes[p] = CLAIMED
            if count == len(found):
                bigger = np.empty(2 * len(found), np.uint32)
                bigger[:count] = found
                found = bigger
            found[count] = p
            count += 1
    return found[:count].copy()


@njit(cache=True)
def _same(points, a, b, length):
    for i in range(length):
        if points[a + i] != points[b + i]:
            return False
    return True


@njit(cache=True)
def _find(table, points, h, start, stop):
    """The record (a row of ``table``: word, hash, start, stop; word -1 when empty) that holds
    the word ``points[start:stop]`` of hash ``h``, or the empty one where it goes. A record
    holds what the comparison needs, so a lookup reads one row and the word's first
    appearance."""
    mask = np.uint64(len(table) - 1)
    slot = h & mask
    length = stop - start
    while True:
        if table[slot, 0] < 0:
            return slot
        first = table[slot, 2]
        if (
            np.uint64(table[slot, 1]) == h
            and table[slot, 3] - first == length
            and _same(points, first, start, length)
        ):
            return slot
        slot = (slot + np.uint64(1)) & mask


@njit(cache=True)
def _records(words, starts, stops, hashes):
    """A table of records (see ``_find``) for ``words`` words, with room for as many more."""
    size = 1 << 12
    while size < 4 * words:
        size *= 2
    table = np.full((size, 4), -1, np.int64)
    mask = np.uint64(size - 1)
    for w in range(words):
        slot = hashes[w] & mask
        while table[slot, 0] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot, 0], table[slot, 1] = w, np.int64(hashes[w])
        table[slot, 2], table[slot, 3] = starts[w], stops[w]
    return table


@njit(cache=True)
def _spans(points, classes):
    """Where the words of a block start and stop, each word's hash (FNV-1a over its code
    points), and the words of every line that has any.

    A code point is in a word when it is a letter, or a joiner between two letters; a word is
    a longest run of such points (which is what the pattern finds). One pass, written with
    few branches: a branch per point that depends on the text is mispredicted at most word
    ends, and that, not the arithmetic, is what a scan by branches costs.
    """
    n = len(points)
    starts = np.empty(n // 2 + 2, np.int64)
    stops = np.empty(n // 2 + 2, np.int64)
    lengths = np.empty(n // 2 + 2, np.int64)
    hashes = np.empty(n // 2 + 2, np.uint64)
    n_starts = n_stops = n_lines = line_words = 0
    prev_in = prev_letter = False
    h = _FNV_OFFSET
    for i in range(n):
        c = points[i]
        k = classes[c]
        letter = k == CLASS_LETTER
        inside = letter
        if k == CLASS_JOINER:
            inside = prev_letter and i + 1 < n and classes[points[i + 1]] == CLASS_LETTER
        begins = inside and not prev_in
        starts[n_starts] = i
        n_starts += begins
        stops[n_stops] = i
        hashes[n_stops] = h
        n_stops += prev_in and not inside
        h = (h if prev_in else _FNV_OFFSET) if inside else _FNV_OFFSET
        h = (h ^ np.uint64(c)) * _FNV_PRIME if inside else h
        newline = k == CLASS_NEWLINE
        lengths[n_lines] = line_words
        n_lines += newline and line_words > 0
        line_words = 0 if newline else line_words + begins
        prev_in, prev_letter = inside, letter
    if prev_in:
        stops[n_stops] = n
        hashes[n_stops] = h
        n_stops += 1
    if line_words:
        lengths[n_lines] = line_words
        n_lines += 1
    return starts[:n_starts], stops[:n_stops], hashes[:n_stops], lengths[:n_lines].copy()


@njit(cache=True)
def scan_block(points, classes):
    """Words of a block of code points (lowercased text, ``_`` counted as a space).

    Returns ``(ids, lengths, starts, stops, counts)``: the provisional id of every word in
    order (int32); the number of words of every line that has any (int64: the sentences); and
    per provisional id the span of its first appearance in ``points`` and its count (int64).
    """
    word_starts, word_stops, word_hashes, lengths = _spans(points, classes)
    ids = np.empty(len(word_starts), np.int32)
    capacity = 1 << 10
    starts = np.empty(capacity, np.int64)
    stops = np.empty(capacity, np.int64)
    hashes = np.empty(capacity, np.uint64)
    counts = np.zeros(capacity, np.int64)
    table = _records(0, starts, stops, hashes)
    distinct = 0
    for t in range(len(word_starts)):
        start, stop = word_starts[t], word_stops[t]
        h = word_hashes[t]
        slot = _find(table, points, h, start, stop)
        word = table[slot, 0]
        if word < 0:
            word = distinct
            distinct += 1
            if distinct == capacity:  # grow the word arrays
                capacity *= 2
                starts = _grown(starts, capacity)
                stops = _grown(stops, capacity)
                hashes = _grown(hashes, capacity)
                counts = _grown(counts, capacity)
                counts[distinct:] = 0
            starts[word], stops[word], hashes[word] = start, stop, h
            table[slot, 0], table[slot, 1] = word, np.int64(h)
            table[slot, 2], table[slot, 3] = start, stop
            if 2 * distinct > len(table):  # keep the table at most half full
                table = _records(distinct, starts, stops, hashes)
        counts[word] += 1
        ids[t] = word
    return (
        ids,
        lengths,
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
