"""The decoder: recurrent layers started from the encoder, then attention over its states.

A general sequence layer like the encoder: inputs ``y (T, B, D)`` (the previous target
token's embedding in teacher forcing, or any vectors), the initial state of each layer,
and the encoder's memory ``M (B, S, Dm)`` with its padding mask. The attention reads the top
layer's state (Luong's form: the recurrence does not depend on the attention), so in
training the cells run the whole target first and attention then covers every step at once:

    y (T, B, D) -> cells -> h (B, T, H) --attention(M)--> context C (B, T, Dm)
    out = tanh([C ; h] Wc^T + bc)   (B, T, H)      ("none": out = h, no attention)

``out`` feeds the output layer (the model's softmax, or any head). ``step`` is one step of
the same maths for decoding, reading keys computed once per source.
"""

from __future__ import annotations

import numpy as np

from textseq.lm import kernels
from textseq.lm.cells import Cell, make_cell
from textseq.seq2seq.attention import make_attention

State = tuple[np.ndarray, ...]


class Decoder:
    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden: int,
        layers: int,
        memory_size: int,
        attention: str,
        rng: np.random.Generator,
        dtype=np.float32,
    ):
        self.hidden = int(hidden)
        self.cells: list[Cell] = []
        size = input_size
        for _ in range(layers):
            self.cells.append(make_cell(cell, size, hidden, rng, dtype))
            size = hidden
        self.attention = make_attention(attention, hidden, memory_size, rng, dtype)
        self.params: dict[str, np.ndarray] = {}
        if self.attention is not None:
            s = 1.0 / np.sqrt(memory_size + hidden)
            self.params["Wc"] = rng.uniform(-s, s, (hidden, memory_size + hidden)).astype(dtype)
            self.params["bc"] = np.zeros(hidden, dtype=dtype)
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}
        self._cache: dict | None = None

    def named_layers(self) -> list[tuple[str, object]]:
        """Every object with ``params``/``grads``, named."""
        out: list[tuple[str, object]] = [(f"decoder{i}", c) for i, c in enumerate(self.cells)]
        if self.attention is not None:
            out += [("attention", self.attention), ("combine", self)]
        return out

    @property
    def n_states(self) -> int:
        return sum(c.n_states for c in self.cells)

    def forward(self, y, states: list[State], M=None, mask=None, store=True):
        """``y (T, B, D)``, one state per layer, memory ``M (B, S, Dm)`` -> ``out (B, T, H)``
        and the final states."""
        x = y
        finals = []
        for cell, s in zip(self.cells, states):
            x, s = cell.forward(x, s, store=store)
            finals.append(s)
        h = x.transpose(1, 0, 2)  # (B, T, H) view
        if self.attention is None:
            out = np.ascontiguousarray(h)
            if store:
                self._cache = {}
            return out, finals
        C, _ = self.attention.forward(h, M, mask, store=store)
        out = self._combine(C, h)
        if store:
            self._cache = {"ch": self._ch, "out": out}
        return out, finals

    def _combine(self, C, h):
        B, T, Dm = C.shape
        ch = np.empty((B, T, Dm + self.hidden), dtype=C.dtype)
        ch[:, :, :Dm] = C
        ch[:, :, Dm:] = h
        self._ch = ch
        out = kernels.matmul_t(ch.reshape(B * T, -1), self.params["Wc"], bias=self.params["bc"])
        np.tanh(out, out=out)
        return out.reshape(B, T, self.hidden)

    def backward(self, dout: np.ndarray):
        """``dloss/dout (B, T, H)`` -> ``dloss/dy (T, B, D)``, ``dloss/d initial states``
        (one tuple per layer) and ``dloss/dM (B, S, Dm)`` (None without attention)."""
        dM = None
        if self.attention is None:
            dh = np.ascontiguousarray(dout.transpose(1, 0, 2))
        else:
            ch, out = self._cache["ch"], self._cache["out"]
            B, T, H = out.shape
            dz = (dout * (1.0 - out * out)).reshape(B * T, H)
            ch2 = ch.reshape(B * T, -1)
            np.matmul(dz.T, ch2, out=self.grads["Wc"])
            np.sum(dz, axis=0, out=self.grads["bc"])
            dch = np.matmul(dz, self.params["Wc"]).reshape(B, T, -1)
            Dm = ch.shape[2] - H
            dQ, dM = self.attention.backward(dch[:, :, :Dm])
            dQ += dch[:, :, Dm:]
            dh = np.ascontiguousarray(dQ.transpose(1, 0, 2))
        dstates = []
        for cell in reversed(self.cells):
            dh, ds = cell.backward(dh)
            dstates.append(ds)
        return dh, dstates[::-1], dM

    def step(self, x, states: list[State], M=None, K=None, mask=None):
        """One decoding step: ``x (B, D)`` -> ``out (B, H)``, the new states and the
        attention weights ``(B, S)`` (None without attention); nothing is stored."""
        new = []
        for cell, s in zip(self.cells, states):
            x, s = cell.step(x, s)
            new.append(s)
        if self.attention is None:
            return x, new, None
        C, a = self.attention.forward(x[:, None, :], M, mask, K=K, store=False)
        out = self._combine(C, x[:, None, :])
        return out[:, 0], new, a[:, 0]
