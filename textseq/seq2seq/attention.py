"""Attention scores and the context they weigh, forward and backward, batch-first.

For queries ``Q (B, T, H)`` (the decoder's states) and a memory ``M (B, S, Dm)`` (the
encoder's states), with ``mask (B, S)`` true at padding::

    keys     K = M                      dot       (needs Dm == H)
             K = M Wa^T                 general   Wa (H, Dm)  (training: Q Wa instead,
                                                  when the target is the shorter side)
             K = M W2^T + b             additive  W2 (A, Dm), b (A,)
    scores   Q K^T                      dot, general           (B, T, S)
             v . tanh(Q W1^T + K)       additive  W1 (A, H), v (A,)
    weights  a = softmax over S of the scores, padding at -inf (weight exactly 0)
    context  C = a M                    (B, T, Dm)

Keys depend on the memory only, so decoding computes them once per source (``keys``) and
passes them to every step. All products are batched matmuls over the whole target.
"""

from __future__ import annotations

import numpy as np


def _uniform(rng, shape, fan_in, dtype):
    s = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-s, s, shape).astype(dtype)


def masked_softmax(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Softmax over the last axis of ``scores (B, T, S)`` in place, ``mask (B, S)`` true
    where the weight must be 0."""
    if mask is not None:
        scores[np.broadcast_to(mask[:, None, :], scores.shape)] = -np.inf
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores


class Attention:
    """One kind of score; ``params``/``grads`` as the other layers keep them."""

    kind = "?"

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self._cache: dict | None = None

    def keys(self, M: np.ndarray) -> np.ndarray:
        return M

    def _scores(self, Q: np.ndarray, K: np.ndarray) -> np.ndarray:
        return np.matmul(Q, K.transpose(0, 2, 1))

    def forward(self, Q, M, mask=None, K=None, store=True):
        """``Q (B, T, H)``, ``M (B, S, Dm)`` -> context ``(B, T, Dm)`` and weights
        ``(B, T, S)``. ``K``: the keys of ``M`` when already computed."""
        if K is None:
            K = self.keys(M)
        a = masked_softmax(self._scores(Q, K), mask)
        C = np.matmul(a, M)
        if store:
            self._cache = {"Q": Q, "M": M, "K": K, "a": a}
        return C, a

    def backward(self, dC: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``dloss/dcontext (B, T, Dm)`` -> ``dloss/dQ``, ``dloss/dM``; fills ``grads``."""
        ca = self._cache
        Q, M, K, a = ca["Q"], ca["M"], ca["K"], ca["a"]
        dM = np.matmul(a.transpose(0, 2, 1), dC)
        da = np.matmul(dC, M.transpose(0, 2, 1))
        # softmax backward; masked weights are 0, so their scores get no gradient
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True))
        dQ, dK = self._scores_backward(ds, Q, K)
        dM += self._keys_backward(dK, M)
        return dQ, dM

    def _scores_backward(self, ds, Q, K):
        return np.matmul(ds, K), np.matmul(ds.transpose(0, 2, 1), Q)

    def _keys_backward(self, dK, M):
        return dK


class DotAttention(Attention):
    kind = "dot"


class GeneralAttention(Attention):
    kind = "general"

    def __init__(self, query_size, memory_size, rng, dtype=np.float32):
        super().__init__()
        self.params["Wa"] = _uniform(rng, (query_size, memory_size), memory_size, dtype)
        self.grads["Wa"] = np.zeros_like(self.params["Wa"])

    def keys(self, M):
        B, S, Dm = M.shape
        Wa = self.params["Wa"]
        return np.matmul(M.reshape(B * S, Dm), Wa.T).reshape(B, S, Wa.shape[0])

    def forward(self, Q, M, mask=None, K=None, store=True):
        """As ``Attention.forward``; without keys given and with fewer queries than memory
        rows (training: targets shorter than sources), the product goes to the query side,
        ``(Q Wa) M^T``: the same scores for less work."""
        B, T, H = Q.shape
        if K is not None or T >= M.shape[1]:
            return super().forward(Q, M, mask, K, store)
        Wa = self.params["Wa"]
        QW = np.matmul(Q.reshape(B * T, H), Wa).reshape(B, T, -1)
        a = masked_softmax(np.matmul(QW, M.transpose(0, 2, 1)), mask)
        C = np.matmul(a, M)
        if store:
            self._cache = {"Q": Q, "M": M, "QW": QW, "a": a}
        return C, a

    def backward(self, dC):
        ca = self._cache
        if "QW" not in ca:
            return super().backward(dC)
        Q, M, QW, a = ca["Q"], ca["M"], ca["QW"], ca["a"]
        B, T, H = Q.shape
        dM = np.matmul(a.transpose(0, 2, 1), dC)
        da = np.matmul(dC, M.transpose(0, 2, 1))
        ds = a * (da - (da * a).sum(axis=-1, keepdims=True))
        dQW = np.matmul(ds, M).reshape(B * T, -1)
        dM += np.matmul(ds.transpose(0, 2, 1), QW)
        Q2 = Q.reshape(B * T, H)
        np.matmul(Q2.T, dQW, out=self.grads["Wa"])
        return np.matmul(dQW, self.params["Wa"].T).reshape(B, T, H), dM

    def _keys_backward(self, dK, M):
        B, S, Dm = M.shape
        H = dK.shape[2]
        dK2 = dK.reshape(B * S, H)
        np.matmul(dK2.T, M.reshape(B * S, Dm), out=self.grads["Wa"])
        return np.matmul(dK2, self.params["Wa"]).reshape(B, S, Dm)


class AdditiveAttention(Attention):
    """Bahdanau's score ``v . tanh(W1 q + W2 m + b)`` with ``A`` = the query size."""

    kind = "additive"

    def __init__(self, query_size, memory_size, rng, dtype=np.float32):
        super().__init__()
        A = query_size
        self.params = {
            "W1": _uniform(rng, (A, query_size), query_size, dtype),
            "W2": _uniform(rng, (A, memory_size), memory_size, dtype),
            "b": np.zeros(A, dtype=dtype),
            "v": _uniform(rng, (A,), A, dtype),
        }
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}

    def keys(self, M):
        B, S, Dm = M.shape
        W2 = self.params["W2"]
        K = np.matmul(M.reshape(B * S, Dm), W2.T)
        K += self.params["b"]
        return K.reshape(B, S, -1)

    def _scores(self, Q, K):
        B, T, H = Q.shape
        W1 = self.params["W1"]
        P = np.matmul(Q.reshape(B * T, H), W1.T).reshape(B, T, 1, -1)
        E = np.tanh(P + K[:, None, :, :])  # (B, T, S, A)
        self._E = E
        return np.matmul(E, self.params["v"])

    def _scores_backward(self, ds, Q, K):
        B, T, H = Q.shape
        E = self._E
        A = E.shape[3]
        np.einsum("btsa,bts->a", E, ds, out=self.grads["v"], optimize=True)
        dpre = (1.0 - E * E) * (ds[..., None] * self.params["v"])
        dP = dpre.sum(axis=2).reshape(B * T, A)
        dK = dpre.sum(axis=1)
        np.matmul(dP.T, Q.reshape(B * T, H), out=self.grads["W1"])
        dQ = np.matmul(dP, self.params["W1"]).reshape(B, T, H)
        return dQ, dK

    def _keys_backward(self, dK, M):
        B, S, Dm = M.shape
        dK2 = dK.reshape(B * S, -1)
        np.matmul(dK2.T, M.reshape(B * S, Dm), out=self.grads["W2"])
        np.sum(dK2, axis=0, out=self.grads["b"])
        return np.matmul(dK2, self.params["W2"]).reshape(B, S, Dm)


def make_attention(kind: str, query_size: int, memory_size: int, rng, dtype=np.float32):
    """The attention named ``kind`` (``none`` gives None)."""
    if kind == "none":
        return None
    if kind == "dot":
        return DotAttention()
    if kind == "general":
        return GeneralAttention(query_size, memory_size, rng, dtype)
    if kind == "additive":
        return AdditiveAttention(query_size, memory_size, rng, dtype)
    raise ValueError(f"unknown attention {kind!r}")
