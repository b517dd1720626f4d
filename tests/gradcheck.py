"""Float64 finite-difference checks of hand-written gradients, shared by the tests of every
layer, cell, attention and output layer."""

from __future__ import annotations

import numpy as np

EPS = 1e-5  # central-difference step
TOL = 1e-6  # largest relative error between the analytic and the numeric gradient


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """``|a - b| / (|a| + |b|)`` (Frobenius norms), 0 when both are 0."""
    denom = max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)
    return float(np.linalg.norm(a - b) / denom)


def numeric_grad(f, x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to ``x``, perturbed in place
    one element at a time and restored."""
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return g


def assert_grad(analytic, f, x: np.ndarray, what: str, tol: float = TOL) -> None:
    """The analytic gradient of ``f()`` with respect to ``x`` equals the numeric one within
    ``tol``; a numeric gradient of all zeros fails (the check would prove nothing)."""
    num = numeric_grad(f, x)
    assert np.abs(num).max() > 0, f"{what}: numeric gradient is all zero, the check is void"
    err = rel_error(np.asarray(analytic), num)
    assert err < tol, f"{what}: relative error {err:.2e}"
