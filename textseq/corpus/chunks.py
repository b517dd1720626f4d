"""Fixed-size chunks for next-word prediction, splits, and one-hot forms.

The classic exercise turns a text into windows of ``k`` words and the word that follows:

    ids      : w0 w1 w2 w3 w4 w5 ...
    inputs   : [w0 w1 w2]  [w1 w2 w3]  [w2 w3 w4] ...   (N, k), position 0 = oldest word
    targets  :     w3          w4          w5     ...   (N,)

Both are views of ``ids`` (no copy). One-hot comes as a ``scipy.sparse`` CSR matrix for any
size, dense for one batch, and dense for the whole data set only when it fits in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from textseq.errors import MemoryLimitError, OptionError


def make_chunks(ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of ``k`` ids ``(N, k)`` and the id after each ``(N,)``, as read-only views."""
    ids = np.asarray(ids)
    if ids.ndim != 1:
        raise OptionError(f"ids must be one-dimensional, got shape {ids.shape}")
    if k < 1:
        raise OptionError(f"chunk size must be at least 1, got {k}")
    if len(ids) <= k:
        raise OptionError(f"need more than {k} ids to make chunks of {k}, got {len(ids)}")
    inputs = sliding_window_view(ids, k)[:-1]
    targets = ids[k:]
    return inputs, targets


def split_range(n: int, ratios: tuple[float, ...] = (0.8, 0.2)) -> list[slice]:
    """Contiguous slices of ``range(n)`` in the given proportions (they must sum to 1)."""
    if any(r < 0 for r in ratios) or abs(sum(ratios) - 1.0) > 1e-6:
        raise OptionError(f"split ratios must be non-negative and sum to 1, got {list(ratios)}")
    bounds = np.round(np.cumsum((0.0,) + tuple(ratios)) * n).astype(int)
    bounds[-1] = n
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def one_hot_sparse(ids: np.ndarray, vocab_size: int, dtype=np.float32):
    """One-hot rows of ``ids`` (flattened) as a ``scipy.sparse`` CSR matrix ``(n, vocab_size)``."""
    import scipy.sparse as sp  # loaded only when asked for: a slow import

    ids = np.asarray(ids).ravel()
    _check_ids(ids, vocab_size)
    data = np.ones(len(ids), dtype=dtype)
    indptr = np.arange(len(ids) + 1, dtype=np.int64)
    return sp.csr_matrix((data, ids.astype(np.int64), indptr), shape=(len(ids), vocab_size))


def one_hot_dense(ids: np.ndarray, vocab_size: int, dtype=np.float32) -> np.ndarray:
    """Dense one-hot of a batch: shape ``ids.shape + (vocab_size,)``."""
    ids = np.asarray(ids)
    _check_ids(ids, vocab_size)
    out = np.zeros(ids.shape + (vocab_size,), dtype=dtype)
    np.put_along_axis(out, ids[..., None].astype(np.intp), 1, axis=-1)
    return out


def _check_ids(ids: np.ndarray, vocab_size: int) -> None:
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise OptionError(f"ids must lie in [0, {vocab_size}), got {ids.min()}..{ids.max()}")


def available_memory() -> int:
    """Bytes of memory available now (Linux ``MemAvailable``; else a cautious 2 GiB)."""
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 2 << 30


@dataclass
class PreparedData:
    """Chunks split into train and test; dense one-hot arrays only when asked and possible."""

    inputs_train: np.ndarray
    targets_train: np.ndarray
    inputs_test: np.ndarray
    targets_test: np.ndarray
    vocab_size: int
    x_train: np.ndarray | None = None  # (N_train, k, V) one-hot
    y_train: np.ndarray | None = None  # (N_train, V) one-hot
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def dense_one_hot_bytes(n: int, k: int, vocab_size: int, dtype=np.float32) -> int:
    return n * (k + 1) * vocab_size * np.dtype(dtype).itemsize


def prepare_data(
    ids: np.ndarray,
    vocab_size: int,
    k: int,
    train_share: float = 0.8,
    one_hot: bool = False,
    dtype=np.float32,
    max_bytes: int | None = None,
) -> PreparedData:
    """Chunks of ``k`` words -> next word, split contiguously ``train_share : rest``.

    With ``one_hot=True`` also the classic dense arrays ``(N, k, V)`` and ``(N, V)``, but only
    when they fit in ``max_bytes`` (default: half the memory available now); otherwise a
    ``MemoryLimitError`` says how much they would need and points to the id/sparse forms.
    """
    if not 0.0 < train_share < 1.0:
        raise OptionError(f"the train share must lie strictly between 0 and 1, got {train_share}")
    inputs, targets = make_chunks(ids, k)
    train, test = split_range(len(targets), (train_share, 1.0 - train_share))
    data = PreparedData(inputs[train], targets[train], inputs[test], targets[test], vocab_size)
    if one_hot:
        limit = available_memory() // 2 if max_bytes is None else max_bytes
        need = dense_one_hot_bytes(len(targets), k, vocab_size, dtype)
        if need > limit:
            raise MemoryLimitError(
                f"dense one-hot arrays for {len(targets):,} chunks of {k} words over "
                f"{vocab_size:,} words would need {need / 1e9:,.2f} GB, more than the "
                f"{limit / 1e9:,.2f} GB allowed; use the id arrays (the default) or "
                "one_hot_sparse() for a scipy.sparse matrix"
            )
        data.x_train = one_hot_dense(data.inputs_train, vocab_size, dtype)
        data.y_train = one_hot_dense(data.targets_train, vocab_size, dtype)
        data.x_test = one_hot_dense(data.inputs_test, vocab_size, dtype)
        data.y_test = one_hot_dense(data.targets_test, vocab_size, dtype)
    return data
