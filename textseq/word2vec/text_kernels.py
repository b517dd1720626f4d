"""Numba kernels that write float32 rows as text: the word2vec text format's lines.

Each value is written as numpy's ``str`` of a float32, byte for byte: the shortest digits
that read back to the same float32 (Dragon4's "unique" mode, ties to the even digit),
positional from 1e-4 up to 1e6 (``0.0123``, ``512.0``) and scientific outside it
(``1e-05``, ``-1.25e+06``). The digits come from exact integer arithmetic on the float's
mantissa and exponent, which fits 64 bits for zero and for normal floats of magnitude
2**-27 to 2**24; ``needs_numpy`` marks the other values (subnormals, the far ends of the
range, inf, nan) and the caller passes their text, made by numpy, for the kernel to copy.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Normal float32s whose biased exponent lies in this range (magnitude 2**-27 to 2**24) are
# formatted here; every integer below stays under 2**61 for them.
_LOWEST_EXPONENT = 100
_HIGHEST_EXPONENT = 150
_LOG10_2 = 0.30102999566398119521373889472449302676818988146210854131
_POSITIONAL_FROM = 1e-4
_POSITIONAL_BELOW = 1e6
# The longest value text: a sign, "0.000", then nine digits.
MAX_VALUE_BYTES = 16


@njit(cache=True)
def _formatted_here(bits):
    if bits & 0x7FFFFFFF == 0:
        return True
    exponent = (bits >> 23) & 0xFF
    return _LOWEST_EXPONENT <= exponent <= _HIGHEST_EXPONENT


@njit(cache=True)
def needs_numpy(values):
    """Mask over a float32 array: True where the caller supplies the text."""
    bits = values.view(np.uint32)
    out = np.empty(values.shape, dtype=np.bool_)
    flat_bits = bits.ravel()
    flat_out = out.ravel()
    for i in range(flat_bits.shape[0]):
        flat_out[i] = not _formatted_here(np.int64(flat_bits[i]))
    return out


@njit(cache=True)
def _shortest_digits(bits, digits):
    """Write the shortest round-trip decimal digits of a positive normal float32 (given by
    its bits) into ``digits``; return (digit count, exponent of the first digit)."""
    fraction = bits & 0x7FFFFF
    biased = (bits >> 23) & 0xFF
    mantissa = np.int64(fraction | 0x800000)
    shift = 150 - biased  # value = mantissa / 2**shift, 0 <= shift <= 50
    even = (mantissa & 1) == 0
    # The neighbouring floats are half a gap away on each side; at a power of two (every
    # float here is normal) the gap below is half the gap above. value/scale is the float;
    # margins are the half gaps.
    margin_low = np.int64(1)
    if fraction == 0:
        value = mantissa * 4
        scale = np.int64(4) << shift
        margin_high = np.int64(2)
    else:
        value = mantissa * 2
        scale = np.int64(2) << shift
        margin_high = np.int64(1)
    # floor(log10(value)) + 1, estimated low by at most one, then corrected.
    exponent = int(np.ceil((23 - shift) * _LOG10_2 - 0.69))
    if exponent > 0:
        for _ in range(exponent):
            scale *= 10
    else:
        for _ in range(-exponent):
            value *= 10
            margin_low *= 10
            margin_high *= 10
    if value >= scale:
        exponent += 1
    else:
        value *= 10
        margin_low *= 10
        margin_high *= 10
    first_exponent = exponent - 1
    count = 0
    while True:
        digit = value // scale
        value -= digit * scale
        if even:
            low = value <= margin_low
            high = value + margin_high >= scale
        else:
            low = value < margin_low
            high = value + margin_high > scale
        if low or high:
            break
        digits[count] = digit
        count += 1
        value *= 10
        margin_low *= 10
        margin_high *= 10
    round_down = low
    if low == high:
        twice = 2 * value
        round_down = twice < scale or (twice == scale and digit % 2 == 0)
    if round_down or digit < 9:
        digits[count] = digit if round_down else digit + 1
        return count + 1, first_exponent
    # Rounding a 9 up carries into the digits before it.
    while count > 0 and digits[count - 1] == 9:
        count -= 1
    if count == 0:
        digits[0] = 1
        return 1, first_exponent + 1
    digits[count - 1] += 1
    return count, first_exponent


@njit(cache=True)
def _write_value(value, bits, out, at, digits):
    """Write one float32 (formatted here; ``bits`` its bit pattern) at ``out[at:]``; return
    the next position."""
    if bits & 0x80000000:
        out[at] = 45  # -
        at += 1
        bits &= 0x7FFFFFFF
    if bits == 0:
        out[at] = 48
        out[at + 1] = 46
        out[at + 2] = 48
        return at + 3
    count, first = _shortest_digits(bits, digits)
    magnitude = abs(value)
    if _POSITIONAL_FROM <= magnitude < _POSITIONAL_BELOW:
        if first >= 0:
            for i in range(first + 1):
                out[at] = 48 + (digits[i] if i < count else 0)
                at += 1
            out[at] = 46  # .
            at += 1
            if count <= first + 1:
                out[at] = 48
                at += 1
            for i in range(first + 1, count):
                out[at] = 48 + digits[i]
                at += 1
        else:
            out[at] = 48
            out[at + 1] = 46
            at += 2
            for _ in range(-first - 1):
                out[at] = 48
                at += 1
            for i in range(count):
                out[at] = 48 + digits[i]
                at += 1
        return at
    out[at] = 48 + digits[0]
    at += 1
    if count > 1:
        out[at] = 46
        at += 1
        for i in range(1, count):
            out[at] = 48 + digits[i]
            at += 1
    out[at] = 101  # e
    out[at + 1] = 45 if first < 0 else 43  # - or +
    at += 2
    power = abs(first)
    if power >= 10:
        out[at] = 48 + power // 10
        at += 1
    else:
        out[at] = 48
        at += 1
    out[at] = 48 + power % 10
    return at + 1


@njit(cache=True)
def write_lines(vectors, words, word_ends, numpy_texts, numpy_text_ends, out):
    """Write ``word v1 ... vd\\n`` for each row of ``vectors`` into ``out``; return the
    number of bytes written.

    ``words`` holds the rows' words as concatenated bytes, ``word_ends`` where each ends.
    ``numpy_texts``/``numpy_text_ends`` hold, in row-major order, the text of each value
    that ``needs_numpy`` marks. ``out`` needs room for the words plus
    ``rows * (dimension * (MAX_VALUE_BYTES + 1) + 1)`` bytes plus the numpy texts.
    """
    all_bits = vectors.view(np.uint32)
    digits = np.empty(10, dtype=np.int64)
    at = 0
    word_start = 0
    next_text = 0
    text_start = 0
    for row in range(vectors.shape[0]):
        for i in range(word_start, word_ends[row]):
            out[at] = words[i]
            at += 1
        word_start = word_ends[row]
        for col in range(vectors.shape[1]):
            out[at] = 32
            at += 1
            bits = np.int64(all_bits[row, col])
            if _formatted_here(bits):
                at = _write_value(vectors[row, col], bits, out, at, digits)
            else:
                for i in range(text_start, numpy_text_ends[next_text]):
                    out[at] = numpy_texts[i]
                    at += 1
                text_start = numpy_text_ends[next_text]
                next_text += 1
        out[at] = 10
        at += 1
    return at
