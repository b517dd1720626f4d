"""The non-recurrent layers of the language model: embedding, dropout, softmax output.

Each layer keeps its parameters in ``params`` and their gradients (same names, same shapes)
in ``grads``; ``forward`` stores what ``backward`` needs, ``backward`` fills ``grads`` and
returns the gradient with respect to the layer's input. Arrays are time-major where a time
axis exists: ``(T, B, ...)``, so that one step ``x[t]`` is a contiguous block.
"""

from __future__ import annotations

import numpy as np

from textseq.lm import kernels


class Embedding:
    """A lookup table ``W (V, D)``: row ``i`` is the vector of id ``i``.

    The maths is a one-hot row times ``W``; the lookup gives the same result without building
    the one-hot, and the backward scatters the output gradient back into the rows it read.
    """

    def __init__(self, num_embeddings: int, dim: int, rng: np.random.Generator, dtype=np.float32):
        scale = 0.1
        self.params = {"W": rng.uniform(-scale, scale, (num_embeddings, dim)).astype(dtype)}
        self.grads = {"W": np.zeros_like(self.params["W"])}
        self._ids: np.ndarray | None = None

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """``ids`` of any shape -> vectors of shape ``ids.shape + (D,)``."""
        self._ids = ids
        return self.params["W"][ids]

    def backward(self, dout: np.ndarray, accumulate: bool = False) -> None:
        """Scatter-add ``dout`` into the rows of ``grads['W']`` (zeroed first unless
        ``accumulate``, used when the table is tied to the output layer)."""
        g = self.grads["W"]
        if not accumulate:
            g.fill(0)
        kernels.scatter_add_rows(g, self._ids.reshape(-1), dout.reshape(-1, g.shape[1]))


class Dropout:
    """Inverted dropout: in training, zero each value with probability ``p`` and scale the
    rest by ``1/(1-p)`` so inference needs no change. The mask comes from the caller's
    seeded generator, so a fixed seed gives a fixed mask (which the gradient check uses)."""

    def __init__(self, p: float):
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p = float(p)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        """Apply a fresh mask drawn from ``rng``; ``rng=None`` (inference) is the identity."""
        if rng is None or self.p == 0.0:
            self._mask = None
            return x
        return x * self.draw_mask(x.shape, x.dtype, rng)

    def draw_mask(self, shape, dtype, rng: np.random.Generator) -> np.ndarray:
        """Draw and keep the mask that ``forward`` would apply to an array of ``shape``
        (the caller applies it, e.g. in pieces); the same draws as ``forward``."""
        keep = rng.random(shape, dtype=np.float32) >= self.p
        mask = keep.astype(dtype)
        mask *= 1.0 / (1.0 - self.p)
        self._mask = mask
        return mask

    def backward(self, dout: np.ndarray) -> np.ndarray:
        if self._mask is None:
            return dout
        return dout * self._mask


class SoftmaxOutput:
    """Linear projection to ``V`` classes followed by softmax cross-entropy.

    ``W`` is ``(V, H)`` (one row per class, the layout of an embedding table, so the two can
    be tied) and ``b`` is ``(V,)``. All ``N`` positions of a window go through one matmul.
    The ``(N, V)`` logits live in one reusable float buffer that is turned into probabilities
    and then into the logits' gradient in place: no other ``(N, V)`` array is made.

        h (N, H) --W^T--> logits (N, V) --softmax--> p ; loss = mean(-log p[target])
    """

    def __init__(self, in_dim: int, num_classes: int, rng: np.random.Generator, dtype=np.float32):
        scale = 0.1
        self.params = {
            "W": rng.uniform(-scale, scale, (num_classes, in_dim)).astype(dtype),
            "b": np.zeros(num_classes, dtype=dtype),
        }
        self.grads = {name: np.zeros_like(p) for name, p in self.params.items()}
        self._buf: np.ndarray | None = None
        self._h: np.ndarray | None = None

    def _buffer(self, n: int) -> np.ndarray:
        v = self.params["W"].shape[0]
        dtype = self.params["W"].dtype
        if self._buf is None or self._buf.shape[0] < n or self._buf.dtype != dtype:
            self._buf = np.empty((n, v), dtype=dtype)
        return self._buf[:n]

    def logits(self, h: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``h (N, H)`` -> logits ``(N, V)`` (a new array unless ``out`` is given)."""
        return kernels.matmul_t(h, self.params["W"], out, bias=self.params["b"])

    def forward_loss(self, h: np.ndarray, targets: np.ndarray) -> float:
        """Mean cross-entropy of ``targets (N,)`` (``-1`` = ignored) given ``h (N, H)``."""
        h = np.ascontiguousarray(h)
        self.project_rows(h, 0, h.shape[0])
        return self.loss_from_logits(h, targets)

    def project_rows(self, h: np.ndarray, r0: int, r1: int) -> None:
        """Rows ``r0:r1`` of the logits buffer (without the bias) from ``h (N, H)``: the
        first half of ``forward_loss``, in pieces so that two threads can share it."""
        buf = self._buffer(h.shape[0])
        np.matmul(h[r0:r1], self.params["W"].T, out=buf[r0:r1])

    def loss_from_logits(self, h: np.ndarray, targets: np.ndarray) -> float:
        """The rest of ``forward_loss`` once every row of the buffer is projected."""
        targets = np.ascontiguousarray(targets.reshape(-1), dtype=np.int64)
        buf = self._buffer(h.shape[0])
        b = self.params["b"]
        n_valid = int(np.count_nonzero(targets >= 0))
        scale = 1.0 / max(n_valid, 1)
        # softmax in place, loss summed over valid rows, probabilities -> logits' gradient
        if buf.dtype == np.float32:  # fused kernel, also sums the bias gradient
            total = kernels.softmax_xent_fused(buf, b, targets, scale, self.grads["b"])
        else:  # float64 (gradient checks): exact numpy passes
            buf += b
            total = kernels.softmax_xent_inplace(buf, targets, scale)
            np.sum(buf, axis=0, out=self.grads["b"])
        self._h = h
        return total * scale

    def backward(self) -> np.ndarray:
        """Fill ``grads`` and return ``dloss/dh (N, H)`` for the last ``forward_loss``."""
        self.weight_grad_rows(0, 1)
        return self.input_grad()

    def input_grad(self, parts: int = 1, run=None) -> np.ndarray:
        """``dloss/dh (N, H)`` for the last ``forward_loss`` (one half of ``backward``);
        with ``run``, as ``parts`` row blocks handed to ``run(fn, parts).finish()`` (two
        threads sharing the product)."""
        buf, W = self._buffer(self._h.shape[0]), self.params["W"]
        if run is None:
            return buf @ W
        dh = np.empty((buf.shape[0], W.shape[1]), dtype=np.result_type(buf, W))
        n = buf.shape[0]

        def rows(i):
            r0, r1 = i * n // parts, (i + 1) * n // parts
            np.matmul(buf[r0:r1], W, out=dh[r0:r1])

        run(rows, parts).finish()
        return dh

    def weight_grad_rows(self, part: int, parts: int) -> None:
        """Rows ``part`` of ``parts`` equal blocks of ``grads['W']`` (the other half of
        ``backward``), so that two threads can share the product. Computed transposed,
        ``h^T @ buf``, a layout OpenBLAS runs faster than ``buf^T @ h``, then copied into
        place."""
        buf, h, g = self._buffer(self._h.shape[0]), self._h, self.grads["W"]
        V = g.shape[0]
        r0, r1 = part * V // parts, (part + 1) * V // parts
        gt = np.empty((h.shape[1], r1 - r0), dtype=g.dtype)
        np.matmul(h.T, buf[:, r0:r1], out=gt)
        g[r0:r1] = gt.T

    def score(self, h: np.ndarray, targets: np.ndarray) -> tuple[float, int, int, int]:
        """Inference: ``(summed loss, top-1 hits, top-5 hits, count)`` over valid targets.

        The rank of the target is the number of logits above its own, so top-k needs one
        comparison pass rather than a sort."""
        h = np.ascontiguousarray(h)
        targets = np.ascontiguousarray(targets.reshape(-1), dtype=np.int64)
        buf = self._buffer(h.shape[0])
        self.logits(h, out=buf)
        return kernels.score_rows(buf, targets)
