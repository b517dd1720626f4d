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


def redraw(model, rng: np.random.Generator) -> None:
    """Every named parameter of ``model`` drawn again from N(0, 0.5), larger than an
    initialisation, so that no gradient is trivially small."""
    for _, p, _ in model.named_parameters():
        p[...] = rng.normal(0, 0.5, p.shape)


def assert_model_grads(model, loss) -> dict[str, np.ndarray]:
    """Run ``loss()`` and ``model.backward()``, then check the gradient of every named
    parameter against central differences of ``loss``; returns the analytic gradients."""
    loss()
    model.backward()
    grads = {name: g.copy() for name, _, g in model.named_parameters()}
    for name, p, _ in model.named_parameters():
        assert_grad(grads[name], loss, p, name)
    return grads
