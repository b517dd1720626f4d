"""The step protocol: what decoding needs from a model, and nothing more."""

from __future__ import annotations

from typing import Protocol

import numpy as np

State = tuple[np.ndarray, ...]


class StepModel(Protocol):
    """A model that decoding can drive, one token at a time, for several rows at once.

    ``initial_state(batch_size)`` gives the state before any token: a tuple of arrays with the
    batch on axis 0. The caller primes it with its context (a prompt, an encoder's output)
    and hands decoding the first scores and the state after that.

    ``step(ids, state)`` reads one id per row, ``ids (B,)``, and returns ``scores (B, V)``
    for the next token and the new state. Scores are logits or exact log-probabilities;
    decoding normalises them either way. ``step`` must not modify ``state``: a beam keeps
    its rows by indexing every array of the state (``s[rows]``), so row ``b`` of every
    array must belong to row ``b`` of ``ids``.

        ids (B,) ---> step ---> scores (B, V)
        state ------'    '----> new state (each array (B, ...))
    """

    def initial_state(self, batch_size: int) -> State: ...

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]: ...
