"""The weights after the last finished epoch, kept so that an interrupted run (Ctrl-C) can
write them instead of a half-trained epoch.

``LastEpoch`` is a training callback: after each epoch it copies the input vectors (and the
output vectors, when asked: a model folder needs them) into buffers of its own, made once.
A ``KeyboardInterrupt`` is raised between two Python steps, never inside a copy, but it can
come between the two copies or before the epoch count is noted: while copying, the live
weights are themselves the epoch's end state (training resumes only after the callbacks),
so ``restore`` takes them as they are then.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class LastEpoch:
    """Keeps a ``Word2Vec``'s weights as they were after its last finished epoch."""

    def __init__(self, output_vectors: bool = False):
        self.output_vectors = output_vectors
        self.epochs_trained = 0  # the model's epoch count of what the buffers hold; 0: none
        self._copying: int | None = None  # the epoch being copied, while a copy runs
        self._vectors: np.ndarray | None = None
        self._syn1neg: np.ndarray | None = None

    def on_epoch_end(self, model: Any) -> None:
        self._copying = model.epochs_trained_
        self._vectors = _copy_into(self._vectors, model.vectors_)
        if self.output_vectors:
            self._syn1neg = _copy_into(self._syn1neg, model.syn1neg_)
        self.epochs_trained = model.epochs_trained_
        self._copying = None

    def restore(self, model: Any) -> int:
        """Put the kept weights back into ``model`` (its ``epochs_trained_`` too); returns
        how many epochs they hold (0: none finished, nothing restored)."""
        if self._copying is not None:  # interrupted while copying: the live weights are it
            model.epochs_trained_ = self._copying
            return self._copying
        if self.epochs_trained == 0:
            return 0
        np.copyto(model.vectors_, self._vectors)
        if self.output_vectors:
            np.copyto(model.syn1neg_, self._syn1neg)
        model.epochs_trained_ = self.epochs_trained
        model._wv = None  # the query view caches norms of the weights replaced here
        return self.epochs_trained


def _copy_into(buffer: np.ndarray | None, source: np.ndarray) -> np.ndarray:
    """``source`` copied into ``buffer`` (made on first use)."""
    if buffer is None or buffer.shape != source.shape:
        return source.copy()
    np.copyto(buffer, source)
    return buffer
