"""Decoding's Numba kernels against plain numpy: the beam's candidate selection and the
row normalisers."""

from __future__ import annotations

import numpy as np

from textseq.decoding import kernels, normalisers


def test_top_extensions_equal_a_stable_sort_of_all_finite_values():
    rng = np.random.default_rng(0)
    for _ in range(300):
        B, V, k = rng.integers(1, 7), rng.integers(1, 40), rng.integers(1, 12)
        x = np.round(rng.standard_normal((B, V)), 1)  # rounding makes ties common
        x[rng.random((B, V)) < 0.2] = -np.inf
        offset = np.round(rng.standard_normal(B), 1)
        if rng.random() < 0.2:
            offset[0] = -np.inf
        rows, toks, vals = (np.empty(k, np.int64), np.empty(k, np.int64), np.empty(k))
        n = kernels.top_extensions(x, offset, k, rows, toks, vals)
        flat = (x + offset[:, None]).ravel()
        order = np.argsort(-flat, kind="stable")
        order = order[np.isfinite(flat[order])][:k]
        assert n == len(order)
        np.testing.assert_array_equal(rows[:n] * V + toks[:n], order)
        np.testing.assert_array_equal(vals[:n], flat[order])


def test_normalisers_match_numpy_and_keep_empty_rows_at_minus_inf():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5000)) * 6
    x[0, :100] = -np.inf
    x[2] = -np.inf
    x[3, 7] = 300.0  # everything else is far below the maximum
    raw = (rng.standard_normal((4, 5000)) * 6).astype(np.float32)
    lse, mlse = normalisers(x, raw)
    assert lse[2] == -np.inf
    for r in range(4):
        if r != 2:
            assert abs(lse[r] - np.logaddexp.reduce(x[r])) < 1e-6
        assert abs(mlse[r] - np.logaddexp.reduce(raw[r].astype(np.float64))) < 1e-6
    lse64, _ = normalisers(x, raw.astype(np.float64))  # float64 logits too
    np.testing.assert_array_equal(lse64, lse)


def test_normaliser_of_banned_scores_adds_the_banned_mass_back():
    rng = np.random.default_rng(2)
    raw = (rng.standard_normal((3, 3000)) * 5).astype(np.float32)
    x = raw.astype(np.float64)
    x[0, [0, 5, 17]] = -np.inf  # a few banned words
    x[1, rng.random(3000) < 0.9] = -np.inf  # most words banned (top-p)
    x[2] = -np.inf  # every word: the raw normaliser is computed in full
    lse, mlse = normalisers(x, raw, same_values=True)
    ref = [np.logaddexp.reduce(r) for r in raw.astype(np.float64)]
    np.testing.assert_allclose(mlse, ref, rtol=0, atol=1e-6)
    assert lse[2] == -np.inf and lse[1] < lse[0]
