"""The cutoffs of an adaptive softmax: parsed from the command line, checked against the
vocabulary, or chosen from the vocabulary's frequencies (``auto``). Plain Python, so the CLI
and ``LMConfig`` check them without loading the kernels.

Cutoffs ``c1 < c2 < ... < cn`` split the ids (ordered by frequency, so the most frequent words
are a prefix) into a head ``[0, c1)`` and tail clusters ``[c1, c2)``, ..., ``[cn, V)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textseq.errors import OptionError

AUTO = "auto"
# ``auto``: the head holds the most frequent words that cover AUTO_SHARES[0] of the tokens,
# the first tail cluster those up to AUTO_SHARES[1], the last tail cluster the rest
AUTO_SHARES = (0.8, 0.95)
AUTO_RULE = (
    "auto: the head holds the most frequent words covering 80% of the tokens, the first "
    "tail cluster those up to 95%, the last one the rest"
)
DIV_VALUE = 4.0  # each tail cluster's projection is this many times smaller than the last


def parse_cutoffs(text: str | Sequence[int] | None) -> list[int] | str | None:
    """``"2000,10000"`` -> ``[2000, 10000]``; ``"auto"`` stays ``"auto"``; ``None``, ``""``
    and ``"none"`` -> ``None`` (full softmax). Checks the order (not the vocabulary size)."""
    if text is None:
        return None
    if isinstance(text, str):
        s = text.strip().lower()
        if s in ("", "none", "off"):
            return None
        if s == AUTO:
            return AUTO
        try:
            values = [int(p) for p in s.split(",")]
        except ValueError:
            raise OptionError(
                f"--adaptive-softmax takes increasing word counts like 2000,10000 or 'auto', "
                f"got {text!r}"
            ) from None
    else:
        values = [int(v) for v in text]
    check_cutoffs(values)
    return values


def check_settings(cutoffs, div_value: float) -> list[int] | str | None:
    """The output-layer settings of a model's config: ``cutoffs`` parsed (``parse_cutoffs``)
    and ``div_value`` checked (at least 1, so no tail is wider than the hidden state)."""
    cutoffs = parse_cutoffs(cutoffs)
    if not float(div_value) >= 1.0:
        raise OptionError(f"div-value must be at least 1, got {div_value}")
    return cutoffs


def resolve_cutoffs(cutoffs, counts: np.ndarray) -> list[int]:
    """The cutoffs a layer is built with: ``auto`` chosen from the per-id ``counts`` of the
    vocabulary it predicts (``auto_cutoffs``), given ones as they are."""
    return auto_cutoffs(counts) if cutoffs == AUTO else [int(c) for c in cutoffs]


def check_cutoffs(cutoffs: Sequence[int], vocab_size: int | None = None) -> list[int]:
    """``cutoffs`` as a list of ints, or one ``OptionError`` naming what is wrong: empty,
    not positive, not strictly increasing (a duplicate leaves an empty cluster), or not
    below ``vocab_size`` (a cluster needs at least one word)."""
    values = [int(v) for v in cutoffs]
    if not values:
        raise OptionError("--adaptive-softmax needs at least one cutoff, e.g. 2000,10000")
    if values[0] <= 0:
        raise OptionError(f"--adaptive-softmax cutoffs must be positive, got {values[0]}")
    for a, b in zip(values, values[1:]):
        if b == a:
            raise OptionError(f"--adaptive-softmax cutoffs hold {a} twice (an empty cluster)")
        if b < a:
            raise OptionError(f"--adaptive-softmax cutoffs must increase, got {a} before {b}")
    if vocab_size is not None and values[-1] >= vocab_size:
        raise OptionError(
            f"--adaptive-softmax cutoff {values[-1]} is not below the vocabulary size "
            f"{vocab_size} (each tail cluster needs at least one word)"
        )
    return values


def auto_cutoffs(counts: np.ndarray, shares: Sequence[float] = AUTO_SHARES) -> list[int]:
    """Cutoffs from the per-id counts of a vocabulary (ids by frequency, specials first):
    cutoff ``k`` is the number of leading ids whose counts reach ``shares[k]`` of the total
    (see ``AUTO_RULE``), each at least one above the last and below the vocabulary size; a
    cutoff with no room left is dropped."""
    counts = np.asarray(counts, dtype=np.float64)
    V = counts.size
    if V < 2:
        raise OptionError(f"an adaptive softmax needs at least 2 words, the vocabulary has {V}")
    total = counts.sum()
    cum = np.cumsum(counts) / (total if total > 0 else 1.0)
    out: list[int] = []
    for share in shares:
        c = int(np.searchsorted(cum, share, side="left")) + 1  # ids covering the share
        c = max(c, out[-1] + 1 if out else 1)
        if c < V:
            out.append(c)
    if not out:
        out = [V - 1]
    return out


def tail_dims(hidden: int, n_clusters: int, div_value: float) -> list[int]:
    """The projection size of each tail cluster: ``hidden // div_value ** (i + 1)``, at
    least 1 (PyTorch's ``AdaptiveLogSoftmaxWithLoss`` rule)."""
    return [max(1, int(hidden // (div_value ** (i + 1)))) for i in range(n_clusters)]
