"""Optimizers (SGD, Adam) and gradient clipping by global norm.

Optimizers update a list of parameter arrays in place from a matching list of gradients.
Their state is plain arrays plus JSON-able scalars (``state_dict``), so a checkpoint needs
no pickle and a resumed run continues bit for bit.
"""

from __future__ import annotations

import math

import numpy as np

from textseq.errors import OptionError
from textseq.lm import kernels


def global_norm(grads: list[np.ndarray]) -> float:
    """The L2 norm of all gradients taken together."""
    total = 0.0
    for g in grads:
        flat = g.reshape(-1)
        total += float(np.dot(flat, flat))
    return math.sqrt(total)


def clip_scale(norm: float, max_norm: float | None) -> float:
    """The factor that brings gradients of global norm ``norm`` down to ``max_norm`` (1.0
    when they are within it, or when ``max_norm`` is None/0 or ``norm`` is not finite)."""
    if max_norm and math.isfinite(norm) and norm > max_norm:
        return max_norm / (norm + 1e-6)
    return 1.0


def clip_global_norm(grads: list[np.ndarray], max_norm: float | None) -> float:
    """Scale all gradients in place so their global norm is at most ``max_norm``; returns
    the norm before clipping (``inf``/``nan`` when a gradient is not finite). (Training
    passes ``clip_scale`` to the optimizer's step instead, which applies it on the fly.)"""
    norm = global_norm(grads)
    scale = clip_scale(norm, max_norm)
    if scale != 1.0:
        for g in grads:
            g *= g.dtype.type(scale)
    return norm


class SGD:
    """Plain stochastic gradient descent: ``p -= lr * g``."""

    name = "sgd"

    def __init__(self, lr: float = 1.0):
        self.lr = float(lr)

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], grad_scale=1.0) -> None:
        """``p -= lr * (g * grad_scale)`` (``grad_scale``: gradient clipping)."""
        for p, g in zip(params, grads):
            if grad_scale != 1.0:
                g = g * g.dtype.type(grad_scale)
            p -= p.dtype.type(self.lr) * g

    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        return {"name": self.name, "lr": self.lr}, {}

    def load_state_dict(self, scalars: dict, arrays: dict[str, np.ndarray], params) -> None:
        self.lr = float(scalars["lr"])


class Adam:
    """Adam (Kingma & Ba) with bias correction, as in PyTorch's default (no weight decay)."""

    name = "adam"

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = float(lr), float(beta1), float(beta2), eps
        self.t = 0
        self.m: list[np.ndarray] | None = None
        self.v: list[np.ndarray] | None = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], grad_scale=1.0) -> None:
        """One update from the gradients times ``grad_scale`` (gradient clipping)."""
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        bc1 = 1.0 - b1**self.t
        bc2 = 1.0 - b2**self.t
        # p -= lr * (m / bc1) / (sqrt(v / bc2) + eps), folded as in PyTorch
        lr_t = self.lr / bc1
        eps_t = self.eps * math.sqrt(bc2)
        lr_t *= math.sqrt(bc2)
        for p, g, m, v in zip(params, grads, self.m, self.v):
            kernels.adam_update(p, g, m, v, lr_t, b1, b2, eps_t, grad_scale)

    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        scalars = {
            "name": self.name,
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "t": self.t,
        }
        arrays = {}
        for i, (m, v) in enumerate(zip(self.m or [], self.v or [])):
            arrays[f"m.{i}"], arrays[f"v.{i}"] = m, v
        return scalars, arrays

    def load_state_dict(self, scalars: dict, arrays: dict[str, np.ndarray], params) -> None:
        self.lr = float(scalars["lr"])
        self.t = int(scalars["t"])
        if self.t == 0:
            self.m = self.v = None
            return
        self.m, self.v = [], []
        for i, p in enumerate(params):
            m, v = arrays.get(f"m.{i}"), arrays.get(f"v.{i}")
            if m is None or v is None or m.shape != p.shape or v.shape != p.shape:
                raise OptionError(f"optimizer state does not match parameter {i}")
            self.m.append(m.astype(p.dtype, copy=True))
            self.v.append(v.astype(p.dtype, copy=True))


def make_optimizer(name: str, lr: float):
    if name == "adam":
        return Adam(lr)
    if name == "sgd":
        return SGD(lr)
    raise OptionError(f"optimizer must be adam or sgd, got {name!r}")
