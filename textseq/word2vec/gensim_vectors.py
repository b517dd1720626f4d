"""Word vectors as arrays to and from gensim's ``KeyedVectors`` (``KeyedVectors.to_gensim``
and ``from_gensim`` build on these). gensim is imported when a conversion runs: it is
needed for nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def to_gensim(words: Sequence[str], vectors: np.ndarray, counts: np.ndarray | None) -> Any:
    """A ``gensim.models.KeyedVectors`` with copies of these words, vectors and counts."""
    from gensim.models import KeyedVectors as GensimKeyedVectors

    kv = GensimKeyedVectors(vectors.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(list(words), vectors.copy())
    if counts is not None:
        kv.allocate_vecattrs(attrs=["count"], types=[np.int64])
        kv.expandos["count"][:] = counts
    return kv


def from_gensim(kv: Any) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Copies of the words, vectors (float32) and, when present, counts (int64) of a gensim
    ``KeyedVectors``."""
    counts = None
    expandos = getattr(kv, "expandos", {}) or {}
    if "count" in expandos:
        raw = np.asarray(expandos["count"])
        if raw.dtype.kind in "iu":
            counts = raw.astype(np.int64)
        else:
            try:
                counts = np.array([int(c) for c in raw], dtype=np.int64)
            except (TypeError, ValueError):
                counts = None
    return list(kv.index_to_key), np.array(kv.vectors, dtype=np.float32), counts
