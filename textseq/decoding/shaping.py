"""The one step from a model's raw scores to the scores every strategy chooses from, and the
row normalisers (softmax, log-softmax, log-sum-exp) the strategies need.

:func:`shape_logits` applies, in this order (as nanoGPT does, plus the penalties that keep
real text from looping)::

    scores -> repetition penalty -> ban <unk> -> ban repeated n-grams
           -> / temperature -> keep top-k -> keep top-p -> keep min-p     (float64 throughout)

``argmax`` takes the largest score, ``sample`` draws from ``softmax(scores)``, ``beam`` adds
``log_softmax(scores)`` to each hypothesis' running total. Raw scores may be logits or exact
log-probabilities: a row's log-probabilities are its logits minus a constant, which every step
but one ignores. The exception is the repetition penalty: CTRL's rule divides a positive
score by the penalty and multiplies a negative one, so its strength depends on where zero
lies (log-probabilities are all negative: each seen id's score is multiplied).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textseq.decoding import kernels
from textseq.decoding.options import DecodingOptions


class Context:
    """The context's ids and what the penalties need from them, computed once per decoding.

    ``seen`` marks every id of the context (for the repetition penalty); ``table`` maps each
    (n-1)-gram of the context to the ids that followed it (for the n-gram ban). Generated ids
    are handled per hypothesis, so beams share this object.
    """

    def __init__(self, context_ids, vocab_size: int, options: DecodingOptions):
        context_ids = np.asarray(context_ids, dtype=np.int64).reshape(-1)
        self.ids = [int(i) for i in context_ids]
        self.seen = np.zeros(vocab_size, dtype=bool)
        if options.repetition_penalty != 1.0 and len(self.ids):
            self.seen[context_ids] = True
        self.n = options.no_repeat_ngram_size
        self.id_set = set(self.ids)
        self.table: dict[tuple[int, ...], set[int]] = {}
        if self.n > 0:
            n, ids = self.n, self.ids
            for j in range(len(ids) - n + 1):
                self.table.setdefault(tuple(ids[j : j + n - 1]), set()).add(ids[j + n - 1])

    def banned_ngram_ids(self, generated: Sequence[int]) -> list[int]:
        """Ids that would complete an n-gram already present in context + ``generated``."""
        n = self.n
        if n == 1:
            return list(self.id_set.union(generated))
        tail = self.ids[-(n - 1) :] + list(generated)  # n-grams ending in the generated part
        if len(self.ids) + len(generated) < n - 1:
            return []
        key = tuple(tail[len(tail) - (n - 1) :])
        banned = set(self.table.get(key, ()))
        start = len(tail) - len(generated) - (n - 1)
        for j in range(max(start, 0), len(tail) - n + 1):
            if tuple(tail[j : j + n - 1]) == key:
                banned.add(tail[j + n - 1])
        return list(banned)


def shape_logits(
    logits: np.ndarray,
    generated: Sequence[Sequence[int]],
    context: Context,
    options: DecodingOptions,
    unk_id: int | None,
    warp: bool = True,
) -> np.ndarray:
    """Raw scores ``(B, V)`` -> float64 scores ``(B, V)``; banned ids get ``-inf``.

    ``generated[b]`` lists the ids generated so far by row ``b``. ``warp=False`` stops after the
    bans (temperature, top-k, top-p and min-p cannot change an argmax).
    """
    x = np.array(logits, dtype=np.float64)  # a copy: the model's array is never modified
    if options.repetition_penalty != 1.0:  # CTRL: shrink the logits of ids already seen
        seen = np.broadcast_to(context.seen, x.shape).copy()
        for b, gen in enumerate(generated):
            seen[b, np.asarray(gen, dtype=np.int64)] = True
        p = options.repetition_penalty
        x = np.where(seen, np.where(x > 0, x / p, x * p), x)
    if not options.allow_unk and unk_id is not None:
        x[:, unk_id] = -np.inf
    if options.no_repeat_ngram_size > 0:
        for b, gen in enumerate(generated):
            banned = context.banned_ngram_ids(gen)
            if banned:
                x[b, banned] = -np.inf
    if not warp:
        return x
    if options.temperature > 0 and options.temperature != 1.0:
        x /= options.temperature
    vocab_size = x.shape[1]
    if options.top_k is not None and options.top_k < vocab_size:
        kth = np.partition(x, vocab_size - options.top_k, axis=1)[:, vocab_size - options.top_k]
        x[x < kth[:, None]] = -np.inf
    if options.top_p is not None and options.top_p < 1.0:
        order = np.argsort(-x, axis=1, kind="stable")
        probs = softmax(np.take_along_axis(x, order, axis=1))
        before = np.cumsum(probs, axis=1) - probs  # mass of the strictly better ids
        drop = before >= options.top_p  # keeps the smallest prefix reaching top_p (>= 1 id)
        rows = np.nonzero(drop)
        x[rows[0], order[rows]] = -np.inf
    if options.min_p is not None:  # keep ids whose probability is >= min_p * the largest
        with np.errstate(invalid="ignore"):  # (an all-banned row: -inf - -inf)
            x[x - x.max(axis=1, keepdims=True) < np.log(options.min_p)] = -np.inf
    return x


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64; ``-inf`` entries get probability 0."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    z = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    total = z.sum(axis=-1, keepdims=True)
    return z / np.where(total > 0, total, 1.0)  # an all-banned row is all zeros, not nan


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float64; ``-inf`` entries stay ``-inf``."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.where(np.isneginf(x), -np.inf, out)  # an all-banned row stays -inf, not nan


def normalisers(
    x: np.ndarray, logits: np.ndarray, same_values: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Row log-normalisers ``log(sum(exp(.)))`` of the shaped scores ``x`` and of the model's
    raw ``logits``, in one kernel call: the shifted exponentials are taken in float32 (a
    vectorised polynomial) and summed in float64, so both are accurate to about 1e-7
    absolute. An all-``-inf`` row gives ``-inf``. ``same_values``: the shaping only banned
    words (no temperature, no repetition penalty), so the raw normaliser is the shaped one
    plus the banned words' mass (one exponential per banned word instead of a full pass)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    raw = np.ascontiguousarray(logits)
    if raw.dtype not in (np.float32, np.float64):
        raw = raw.astype(np.float64)
    lse, mlse = np.empty(x.shape[0]), np.empty(x.shape[0])
    kernels.row_logsumexp_pair(x, raw, same_values, lse, mlse)
    return lse, mlse
