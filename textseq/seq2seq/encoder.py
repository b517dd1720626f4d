"""The encoder: recurrent layers over a padded batch of sequences, optionally bidirectional.

A general sequence layer: real-valued inputs ``x (S, B, D)`` (time-major) and the length of
each sequence ``lengths (B,)``; the source's embedding lives in the model, so the same
encoder reads vectors (``tests/seq2seq``'s sin -> cos exercise). Each layer runs one cell
forward in time and, when bidirectional, a second cell over each sequence reversed *within
its length*, so padding always comes after the real steps of both directions:

    x[:, b] = a b c d _ _      forward cell reads  a b c d _ _
                               backward cell reads d c b a _ _   (then put back in place)
    memory[t] = [h_fwd[t] ; h_bwd[t]]   (S, B, 2H)
    final     = [h_fwd at len-1 ; h_bwd at len-1 of the reversed order]   (B, 2H)

With ``share_threads`` set, the two directions of a layer run at once, one on a worker
thread (``textseq.threads.SharedChunks``); each computes its own arrays, so the result is the
same bits either way.

Steps after a sequence's end read padding and produce states nobody reads (attention gives
them zero weight, the finals are taken at ``len - 1``), so their gradients are zero and a
padded batch trains exactly as its sequences would one at a time.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from textseq import threads
from textseq.lm.cells import Cell, make_cell


def reversal_index(lengths: np.ndarray, steps: int) -> np.ndarray:
    """``(S, B)`` time index that reverses each column within its length and keeps the
    padding in place; applying it twice is the identity."""
    t = np.arange(steps)[:, None]
    lengths = np.asarray(lengths)[None, :]
    return np.where(t < lengths, lengths - 1 - t, t)


class Encoder:
    """``layers`` recurrent layers of ``hidden`` units per direction.

    Parameters live in the cells (``forward_cells``, ``backward_cells``); ``named_cells``
    lists them with their names."""

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden: int,
        layers: int,
        bidirectional: bool,
        rng: np.random.Generator,
        dtype=np.float32,
    ):
        self.hidden = int(hidden)
        self.bidirectional = bool(bidirectional)
        self.directions = 2 if bidirectional else 1
        self.forward_cells: list[Cell] = []
        self.backward_cells: list[Cell] = []
        size = input_size
        for _ in range(layers):
            self.forward_cells.append(make_cell(cell, size, hidden, rng, dtype))
            if bidirectional:
                self.backward_cells.append(make_cell(cell, size, hidden, rng, dtype))
            size = hidden * self.directions
        self._cache: dict | None = None
        self.share_threads = False

    def _both(self, fwd, bwd):
        """``(fwd(), bwd())``, at once on two threads when ``share_threads``."""
        if not self.share_threads:
            return fwd(), bwd()
        out = [None, None]

        def run(i):
            out[i] = fwd() if i == 0 else bwd()

        threads.SharedChunks(run, 2).finish()
        return out[0], out[1]

    @property
    def output_size(self) -> int:
        return self.hidden * self.directions

    def named_cells(self) -> list[tuple[str, Cell]]:
        out = []
        for i, cell in enumerate(self.forward_cells):
            out.append((f"encoder{i}.fwd", cell))
            if self.bidirectional:
                out.append((f"encoder{i}.bwd", self.backward_cells[i]))
        return out

    def forward(self, x: np.ndarray, lengths: np.ndarray, store: bool = True):
        """``x (S, B, D)``, ``lengths (B,)`` (each >= 1) -> the top layer's states
        ``(S, B, H*dirs)`` and each layer's final states ``[(B, H*dirs), ...]``."""
        S, B, _ = x.shape
        lengths = np.asarray(lengths, dtype=np.int64)
        cols = np.arange(B)
        last = lengths - 1
        rev = reversal_index(lengths, S) if self.bidirectional else None
        finals = []
        for i, fcell in enumerate(self.forward_cells):
            if not self.bidirectional:
                hs, _ = fcell.forward(x, fcell.initial_state(B), store=store)
                finals.append(hs[last, cols])
                x = hs
                continue
            bcell, xf, xr = self.backward_cells[i], x, x[rev, cols]
            (hs, _), (hr, _) = self._both(
                partial(fcell.forward, xf, fcell.initial_state(B), store=store),
                partial(bcell.forward, xr, bcell.initial_state(B), store=store),
            )
            finals.append(np.concatenate([hs[last, cols], hr[last, cols]], axis=1))
            x = np.concatenate([hs, hr[rev, cols]], axis=2)
        if store:
            self._cache = {"lengths": lengths, "rev": rev, "shape": (S, B)}
        return x, finals

    def backward(self, dmemory: np.ndarray, dfinals: list[np.ndarray | None]) -> np.ndarray:
        """From ``dloss/dmemory (S, B, H*dirs)`` and ``dloss/dfinals`` (None: zero) to
        ``dloss/dx (S, B, D)``; fills the cells' gradients."""
        ca = self._cache
        (_, B), lengths, rev = ca["shape"], ca["lengths"], ca["rev"]
        cols = np.arange(B)
        last = lengths - 1
        H = self.hidden
        dx = dmemory
        for i in range(len(self.forward_cells) - 1, -1, -1):
            dfin = dfinals[i]
            if not self.bidirectional:
                dh = np.array(dx, copy=True)
                if dfin is not None:
                    dh[last, cols] += dfin
                dx, _ = self.forward_cells[i].backward(dh)
                continue
            dh_f = np.ascontiguousarray(dx[:, :, :H])
            dh_r = dx[:, :, H:][rev, cols]  # into the backward cell's (reversed) time
            if dfin is not None:
                dh_f[last, cols] += dfin[:, :H]
                dh_r[last, cols] += dfin[:, H:]
            fcell, bcell = self.forward_cells[i], self.backward_cells[i]
            (dx_f, _), (dx_r, _) = self._both(
                partial(fcell.backward, dh_f), partial(bcell.backward, dh_r)
            )
            dx = dx_f + dx_r[rev, cols]
        return dx
