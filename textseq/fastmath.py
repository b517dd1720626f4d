"""What the float32 Numba kernels of the language model and of decoding share: their
fast-math flags and one vectorisable single-precision exponential.

``FLAGS`` is Numba's fast-math without ``nnan`` and ``ninf``: a NaN or an infinity must reach
the caller (the training loss stops with a clear message, a NaN weight gives NaN scores)
rather than be optimised into a finite number.

Numba caches each caller of ``exp_parts`` against the caller's own file: after a change here,
run ``make clean-kernels`` so that they compile again.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}


@njit(fastmath=FLAGS, cache=True, inline="always", error_model="numpy")
def exp_parts(x):
    """Cephes' single-precision exp of ``x`` in [-87, 88] as ``(mantissa, bits of 2**n)``.

    Cody-Waite reduction ``x = n ln2 + r`` and a degree-6 polynomial for ``exp(r)``
    (relative error ~1e-7); the caller stores the int32 bits ``(n + 127) << 23`` in a scratch
    row and multiplies by its float32 view in a second loop, which LLVM vectorises (Numba's
    scalar ``exp`` does not vectorise).
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
