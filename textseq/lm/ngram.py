"""Interpolated Kneser-Ney trigram: the count-based baseline the neural models must beat.

Works on encoded ids (a flat ``int`` stream where each sentence ends with ``<eos>``, the format
every trainer consumes). Every token of a stream is predicted from the two before it, with
sentence starts handled as KenLM does for ``<s>``: the word after an ``<eos>`` (or at the very
start) is predicted from the context ``(BOS, <eos>)``, where ``BOS`` is an extra context-only id,
so no context crosses a sentence boundary and ``<eos>`` itself is predicted like any word.

Probabilities (Chen & Goodman's interpolated Kneser-Ney, one discount per order)::

    P3(w|u,v) = max(c(uvw) - D3, 0) / c(uv.) + D3 N1+(uv.) / c(uv.) * P2(w|v)
    P2(w|v)   = max(a(vw)  - D2, 0) / a(v.)  + D2 N1+(v.)  / a(v.)  * P1(w)
    P1(w)     = max(a(w)   - D1, 0) / a(.)   + D1 N1+(.)   / a(.)   * 1 / V

where ``c`` are raw counts, ``a(vw) = N1+(.vw)`` (how many different words precede ``vw``) and
``a(w) = N1+(.w)`` are continuation counts (raw counts for bigrams starting a sentence, whose
left neighbour is always ``BOS``), and an unseen context falls through to the lower order. The
uniform floor gives every word of the vocabulary, ``<unk>`` included, a non-zero probability,
and each level sums to one over the vocabulary. ``D = n1 / (n1 + 2 n2)`` per order (``n1``,
``n2``: n-grams of that order with count 1 and 2), or 0.75 when that is undefined.
"""

from __future__ import annotations

import math

import numpy as np

from textseq.errors import OptionError

DEFAULT_DISCOUNT = 0.75


class KneserNeyTrigram:
    """Fit on a training id stream, then score streams: ``KneserNeyTrigram(V, eos).fit(ids)``.

    ``discount=None`` estimates one discount per order from the counts; a number in (0, 1)
    fixes all three. Learned tables end with ``_``; ``discounts_`` is ``(D1, D2, D3)``.
    """

    def __init__(self, vocab_size: int, eos_id: int, discount: float | None = None):
        self.vocab_size = vocab_size
        self.eos_id = eos_id
        self.discount = discount

    # ---- fitting --------------------------------------------------------------------
    def _triples(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u, v, w) for every token w of the stream; see the module doc for sentence starts."""
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise OptionError(f"ids must be a flat array, got shape {ids.shape}")
        ids = ids.astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise OptionError(
                f"ids must lie in [0, {self.vocab_size}), found {ids.min()}..{ids.max()}"
            )
        bos = self.vocab_size
        padded = np.concatenate([[self.eos_id], ids])
        w = padded[1:]
        v = padded[:-1]
        u = np.concatenate([[bos], padded[:-2]])
        u = np.where(v == self.eos_id, bos, u)
        return u, v, w

    def fit(self, ids) -> KneserNeyTrigram:
        """Count trigrams and continuation counts of the stream ``ids``; returns ``self``."""
        if not isinstance(self.vocab_size, (int, np.integer)) or self.vocab_size < 1:
            raise OptionError(f"vocab_size must be a whole number >= 1, got {self.vocab_size!r}")
        if not 0 <= self.eos_id < self.vocab_size:
            raise OptionError(f"eos_id {self.eos_id} is outside the vocabulary")
        d = self.discount
        if d is not None and not 0.0 < d < 1.0:
            raise OptionError(f"discount must be in (0, 1), got {d!r}")
        u, v, w = self._triples(ids)
        if w.size == 0:
            raise OptionError("cannot fit a trigram model on an empty stream")
        n1 = self.vocab_size + 1  # ids plus BOS
        self._n1 = n1

        keys3, c3 = np.unique((u * n1 + v) * n1 + w, return_counts=True)
        ctx3, inv3 = np.unique(keys3 // n1, return_inverse=True)
        self.tri_keys_, self.tri_counts_ = keys3, c3.astype(np.float64)
        self.tri_ctx_keys_ = ctx3
        self.tri_ctx_total_ = np.bincount(inv3, weights=c3).astype(np.float64)
        self.tri_ctx_types_ = np.bincount(inv3).astype(np.float64)

        bg, inv2 = np.unique(keys3 % (n1 * n1), return_inverse=True)  # (v, w) keys
        left_types = np.bincount(inv2)  # distinct u before (v, w)
        raw2 = np.bincount(inv2, weights=c3)
        bg_v, bg_w = bg // n1, bg % n1
        a2 = np.where(bg_v == self.eos_id, raw2, left_types).astype(np.float64)
        self.bi_keys_, self.bi_counts_ = bg, a2
        self.bi_ctx_total_ = np.bincount(bg_v, weights=a2, minlength=self.vocab_size)
        self.bi_ctx_types_ = np.bincount(bg_v, minlength=self.vocab_size).astype(np.float64)

        a1 = np.bincount(bg_w, minlength=self.vocab_size).astype(np.float64)  # distinct v
        self.uni_counts_ = a1
        self.uni_total_ = float(a1.sum())
        self.uni_types_ = float((a1 > 0).sum())

        if d is not None:
            self.discounts_ = (float(d),) * 3
        else:
            self.discounts_ = tuple(_estimate_discount(c) for c in (a1[a1 > 0], a2, c3))
        return self

    # ---- scoring --------------------------------------------------------------------
    def _prob(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        self._check_fitted()
        d1, d2, d3 = self.discounts_
        n1 = self._n1
        p1 = (
            np.maximum(self.uni_counts_[w] - d1, 0.0) + d1 * self.uni_types_ / self.vocab_size
        ) / (self.uni_total_)
        a2 = _lookup(self.bi_keys_, self.bi_counts_, v * n1 + w)
        tot2, types2 = self.bi_ctx_total_[v], self.bi_ctx_types_[v]
        with np.errstate(divide="ignore", invalid="ignore"):
            p2 = np.where(tot2 > 0, (np.maximum(a2 - d2, 0.0) + d2 * types2 * p1) / tot2, p1)
        ctx = u * n1 + v
        c3 = _lookup(self.tri_keys_, self.tri_counts_, ctx * n1 + w)
        tot3 = _lookup(self.tri_ctx_keys_, self.tri_ctx_total_, ctx)
        types3 = _lookup(self.tri_ctx_keys_, self.tri_ctx_types_, ctx)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(tot3 > 0, (np.maximum(c3 - d3, 0.0) + d3 * types3 * p2) / tot3, p2)

    def log_prob(self, ids) -> np.ndarray:
        """Natural-log probability of every token of the stream ``ids``, float64."""
        self._check_fitted()
        return np.log(self._prob(*self._triples(ids)))

    def perplexity(self, ids) -> float:
        """``exp`` of the mean negative log-probability over every token of ``ids``."""
        lp = self.log_prob(ids)
        if lp.size == 0:
            raise OptionError("cannot compute the perplexity of an empty stream")
        return float(math.exp(-lp.mean()))

    def next_distribution(self, context=()) -> np.ndarray:
        """P(w | context) for every id w, float64.

        ``context``: the ids read so far in the stream (only the last two matter); ``()`` is a
        sentence start and a one-id context is the first word of a sentence.
        """
        self._check_fitted()
        ctx = [self.eos_id] + [int(c) for c in context]
        u = self.vocab_size if len(ctx) < 2 else ctx[-2]
        v = ctx[-1]
        if v == self.eos_id:
            u = self.vocab_size
        w = np.arange(self.vocab_size, dtype=np.int64)
        return self._prob(np.full_like(w, u), np.full_like(w, v), w)

    def _check_fitted(self) -> None:
        if not hasattr(self, "discounts_"):
            raise OptionError("the trigram model is not fitted yet: call fit(ids) first")


def _estimate_discount(counts: np.ndarray) -> float:
    """``n1 / (n1 + 2 n2)``, or 0.75 when there are no singletons or doubletons."""
    n1 = float((counts == 1).sum())
    n2 = float((counts == 2).sum())
    if n1 == 0 or n2 == 0:
        return DEFAULT_DISCOUNT
    return n1 / (n1 + 2.0 * n2)


def _lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values[keys == q]`` for each query (0 where absent); ``keys`` sorted and unique."""
    pos = np.searchsorted(keys, query)
    pos = np.minimum(pos, len(keys) - 1)
    found = keys[pos] == query
    return np.where(found, values[pos], 0.0)
