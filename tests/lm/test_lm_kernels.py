"""The language model's Numba kernels: the fused softmax and Adam against numpy, on 1 and 2
threads, the tiled small-batch product against float64 numpy, and the cache rule that would
keep the parallel versions on one thread."""

import numpy as np
import pytest
from numba.core.caching import NullCache
from numba.core.dispatcher import Dispatcher

from textseq.corpus import spool_kernels
from textseq.decoding import kernels as decoding_kernels
from textseq.lm import cell_kernels
from textseq.lm import kernels as K
from textseq.word2vec import kernels as w2v_kernels


def test_no_two_cached_kernels_share_a_cache_file():
    """Numba names cache files after the function's qualified name and first line, not its
    options: two ``njit``s of one function (parallel and serial) would load each other's code.
    """
    seen = {}
    for module in (K, cell_kernels, decoding_kernels, w2v_kernels, spool_kernels):
        for name, obj in vars(module).items():
            cached = isinstance(obj, Dispatcher) and not isinstance(obj._cache, NullCache)
            if cached:
                f = obj.py_func
                key = (f.__module__, f.__qualname__, f.__code__.co_firstlineno)
                if seen.get(key, (None, obj))[1] is not obj:  # (a module may import another's)
                    raise AssertionError(f"{name} and {seen[key][0]} share the cache of {key}")
                seen[key] = (name, obj)
    assert {"_adam_par", "_adam_ser", "_softmax_par", "_softmax_ser"} <= {
        n for n, _ in seen.values()
    }


@pytest.mark.parametrize("threads", [1, 2])
def test_fused_softmax_matches_numpy_on_one_and_two_threads(threads, numba_threads):
    rng = np.random.default_rng(0)
    n, v = 64, 4096  # n * v above the parallel threshold
    logits = rng.standard_normal((n, v)).astype(np.float32) * 3
    bias = rng.standard_normal(v).astype(np.float32) * 0.1
    targets = rng.integers(0, v, n)
    targets[5] = -1  # no loss at this position
    runs = []
    with numba_threads(threads):
        for _ in range(2):  # the same thread count twice: the same bits
            buf, db = logits.copy(), np.zeros(v, np.float32)
            runs.append((K.softmax_xent_fused(buf, bias, targets, 1 / 63, db), buf, db))
    (loss, buf, db), (loss2, buf2, db2) = runs
    assert loss == loss2 and np.array_equal(buf, buf2) and np.array_equal(db, db2)
    ref = (logits + bias).astype(np.float64)
    want = K.softmax_xent_inplace(ref, targets, 1 / 63)
    assert loss == pytest.approx(want, rel=1e-5)
    np.testing.assert_allclose(buf, ref, atol=1e-7)
    np.testing.assert_allclose(db, ref.sum(axis=0), atol=1e-6)


def test_adam_update_matches_the_formula_on_one_and_two_threads(numba_threads):
    rng = np.random.default_rng(1)
    size = K.PARALLEL_MIN + 17  # large enough for the parallel kernel
    p0, g = (
        rng.standard_normal(size).astype(np.float32),
        rng.standard_normal(size).astype(np.float32),
    )
    out = []
    for threads in (1, 2):
        p, m, v = p0.copy(), np.zeros(size, np.float32), np.zeros(size, np.float32)
        with numba_threads(threads):
            K.adam_update(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0.5)
        out.append(p)
    gs = g * 0.5  # one step from zero moments: m = 0.1 g, v = 0.001 g^2
    want = p0 - 1e-3 * (0.1 * gs) / (np.sqrt(0.001 * gs * gs) + 1e-8)
    for p in out:  # the parallel and the serial compilation may round differently
        np.testing.assert_allclose(p, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5, 6, 7, 8, 10, 11])
@pytest.mark.parametrize("n_out", [1, 2, 3, 7, 64])
def test_tiled_product_is_x_times_w_transposed_plus_bias(rows, n_out):
    rng = np.random.default_rng(rows * 100 + n_out)
    x = rng.standard_normal((rows, 37)).astype(np.float32)
    W = rng.standard_normal((n_out, 37)).astype(np.float32)
    bias = rng.standard_normal(n_out).astype(np.float32)
    ref = x.astype(np.float64) @ W.T.astype(np.float64)
    out = np.full((rows, n_out), np.nan, dtype=np.float32)
    K.matmul_t_tiled(x, W, bias, out)
    np.testing.assert_allclose(out, ref + bias, rtol=1e-5, atol=1e-5)
    K.matmul_t_tiled(x, W, None, out)  # no bias
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    out = K.matmul_t(x, W, bias=bias)  # the tiled kernel or BLAS, by the number of rows
    np.testing.assert_allclose(out, ref + bias, rtol=1e-5, atol=1e-5)
    buf = K.gate_buffer(rows, n_out, np.float32)  # column-major above SMALL_ROWS rows
    assert buf.flags.f_contiguous == (rows > K.SMALL_ROWS or n_out == 1 or rows == 1)
    assert K.matmul_t(x, W, buf, bias=bias) is buf
    np.testing.assert_allclose(buf, ref + bias, rtol=1e-5, atol=1e-5)


def test_tiled_product_propagates_nan():
    x = np.ones((5, 8), np.float32)
    W = np.ones((4, 8), np.float32)
    W[2, 3] = np.nan
    out = np.empty((5, 4), np.float32)
    K.matmul_t_tiled(x, W, None, out)
    assert np.isnan(out[:, 2]).all() and np.isfinite(out[:, [0, 1, 3]]).all()
