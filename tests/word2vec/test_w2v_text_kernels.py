"""The text writer's float formatting: byte for byte numpy's str of each float32."""

import numpy as np
import pytest

from textseq.word2vec import formats, text_kernels


def _numpy_lines(words, rows):
    texts = rows.astype(str).tolist()
    return "".join(f"{w} {' '.join(t)}\n" for w, t in zip(words, texts)).encode()


def _kernel_lines(words, rows):
    return bytes(formats._text_lines([w.encode() for w in words], rows))


def _neighbours(values):
    """Each value and the float32s one and two steps either side of it."""
    bits = np.asarray(values, dtype=np.float32).view(np.int32)
    near = np.concatenate([bits + step for step in (-2, -1, 0, 1, 2)])
    return near[near > 0].view(np.float32)


def _check(values, width=7):
    values = np.asarray(values, dtype=np.float32).ravel()
    values = np.concatenate([values, -values])
    values = np.resize(values, (-(-len(values) // width), width))
    words = [f"w{i}" for i in range(len(values))]
    assert _kernel_lines(words, values) == _numpy_lines(words, values)


def test_edges_of_the_formats_and_of_the_kernels_range():
    powers_of_two = 2.0 ** np.arange(-30, 27)
    powers_of_ten = 10.0 ** np.arange(-9, 8)
    switches = [1e-4, 1e6, 2.0**-27, 2.0**24, 9.9999999, 0.99999994, 99999.99, 999999.94]
    _check(_neighbours(np.concatenate([powers_of_two, powers_of_ten, switches])))


def test_zeros_and_values_numpy_formats():
    _check([0.0, np.inf, np.nan, 1e-45, 1e-38, 3.4e38, 1e-30, 1e30, 2.0**-28, 2.0**25])


@pytest.mark.parametrize("seed", [0, 1])
def test_random_bit_patterns_over_the_whole_range(seed):
    bits = np.random.default_rng(seed).integers(0, 2**32, 100_000, dtype=np.uint32)
    _check(bits.view(np.float32), width=100)


def test_trained_vector_magnitudes():
    rng = np.random.default_rng(2)
    _check((rng.standard_normal(50_000) * 10.0 ** rng.uniform(-6, 2, 50_000)), width=50)


def test_numpy_is_asked_only_outside_the_kernels_range():
    values = np.array([0.0, -0.0, 2.0**-27, 2.0**24 - 1, 2.0**-28, 2.0**24, np.inf, 1e-45])
    mask = text_kernels.needs_numpy(values.astype(np.float32))
    assert mask.tolist() == [False, False, False, False, True, True, True, True]
