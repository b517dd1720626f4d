"""The adaptive softmax output layer (Grave et al. 2017, "Efficient softmax approximation for
GPUs"): frequent words in a head, rarer words in tail clusters behind smaller projections,
and still an exact, normalised distribution over every word.

With cutoffs ``c1 < ... < cn`` and ``V`` words (ids by frequency, so frequent words are a
prefix)::

    head    h (N, H) --head.W^T + head.b--> (N, c1 + n): words [0, c1), then one logit per
            tail cluster; log-softmax over these c1 + n entries
    tail i  h (N, H) --tail{i}.proj^T--> z (N, d_i) --tail{i}.W^T--> (N, size_i): words
            [c_i, c_{i+1}) (c_{n+1} = V); log-softmax within the cluster
            d_i = H // div_value ** (i + 1)

    log p(w) = head[w]                                 for w < c1
    log p(w) = head[c1 + i] + tail_i[w - c_i]          for w in cluster i

Training (``forward_loss``/``backward``) computes the head for every row and each tail only
for the rows whose target lies in it, gathered into one block per cluster, so a batch costs
about the head's product plus a small share of each tail's. Inference (``log_probs``, also
under the name ``logits`` for the step protocol) gives the full ``(N, V)`` exact
log-probabilities; ``score`` (perplexity and top-k accuracy) computes a tail only for the
rows that need it, with the same exact result. Being log-probabilities already, the scores
pass through decoding's shaping as logits do, except for the repetition penalty, whose
strength depends on where zero lies (``textseq.decoding.shaping``): every seen word's score
is multiplied by it.

Weight tying is not defined here: the output is not one ``V x H`` matrix.
"""

from __future__ import annotations

import numpy as np

from textseq.lm import kernels
from textseq.lm.adaptive_cutoffs import DIV_VALUE, check_cutoffs, tail_dims


class AdaptiveSoftmaxOutput:
    """Head + tail clusters over ``num_classes`` words; parameters ``head.W (c1+n, H)``,
    ``head.b (c1+n,)``, ``tail{i}.proj (d_i, H)`` and ``tail{i}.W (size_i, d_i)``; gradients
    in ``grads`` under the same names (the interface of ``layers.SoftmaxOutput``)."""

    def __init__(
        self,
        in_dim: int,
        num_classes: int,
        cutoffs,
        rng: np.random.Generator,
        dtype=np.float32,
        div_value: float = DIV_VALUE,
    ):
        self.cutoffs = check_cutoffs(cutoffs, num_classes)
        self.num_classes = int(num_classes)
        self.bounds = [*self.cutoffs, self.num_classes]
        n = len(self.cutoffs)
        self.head_size = self.cutoffs[0] + n
        self.dims = tail_dims(in_dim, n, div_value)
        scale = 0.1
        params = {
            "head.W": rng.uniform(-scale, scale, (self.head_size, in_dim)).astype(dtype),
            "head.b": np.zeros(self.head_size, dtype=dtype),
        }
        for i, d in enumerate(self.dims):
            size = self.bounds[i + 1] - self.bounds[i]
            proj = 1.0 / np.sqrt(in_dim)
            params[f"tail{i}.proj"] = rng.uniform(-proj, proj, (d, in_dim)).astype(dtype)
            params[f"tail{i}.W"] = rng.uniform(-scale, scale, (size, d)).astype(dtype)
        self.params = params
        self.grads = {name: np.zeros_like(p) for name, p in params.items()}
        self._cut = np.asarray(self.cutoffs, dtype=np.int64)
        self._bufs: dict[str, np.ndarray] = {}
        self._rows: list[np.ndarray] = []
        self._h: np.ndarray | None = None

    @property
    def n_clusters(self) -> int:
        return len(self.cutoffs)

    def _buffer(self, key: str, n: int, width: int, dtype) -> np.ndarray:
        """A reusable ``(n, width)`` block (rows grow, never shrink)."""
        buf = self._bufs.get(key)
        if buf is None or buf.shape[0] < n or buf.shape[1] != width or buf.dtype != dtype:
            buf = np.empty((max(n, 1), width), dtype=dtype)
            self._bufs[key] = buf
        return buf[:n]

    def clusters(self, targets: np.ndarray) -> np.ndarray:
        """Per target: 0 for a head word, ``i + 1`` for a word of tail cluster ``i``."""
        return np.searchsorted(self._cut, targets, side="right")

    # ---- training ------------------------------------------------------------------------
    def forward_loss(self, h: np.ndarray, targets: np.ndarray) -> float:
        """Mean cross-entropy of ``targets (N,)`` (``-1`` = ignored) given ``h (N, H)``;
        keeps in its buffers what ``backward`` needs (the logits' gradients, in place)."""
        h = np.ascontiguousarray(h)
        targets = np.ascontiguousarray(targets.reshape(-1), dtype=np.int64)
        N, H = h.shape
        dtype = h.dtype
        scale = 1.0 / max(int(np.count_nonzero(targets >= 0)), 1)
        cl = self.clusters(targets)
        c1 = self.cutoffs[0]
        head_t = np.where(cl == 0, targets, c1 + cl - 1)  # an ignored -1 stays -1 (cluster 0)
        buf = self._buffer("head", N, self.head_size, dtype)
        np.matmul(h, self.params["head.W"].T, out=buf)
        total = self._xent(buf, self.params["head.b"], head_t, scale, self.grads["head.b"])
        self._rows = []
        for i in range(self.n_clusters):
            rows = np.flatnonzero(cl == i + 1)
            self._rows.append(rows)
            m = rows.size
            if m == 0:
                continue
            lo, size, d = self.bounds[i], self.bounds[i + 1] - self.bounds[i], self.dims[i]
            hi = self._buffer(f"h{i}", m, H, dtype)
            np.take(h, rows, axis=0, out=hi)
            z = self._buffer(f"z{i}", m, d, dtype)
            np.matmul(hi, self.params[f"tail{i}.proj"].T, out=z)
            lt = self._buffer(f"l{i}", m, size, dtype)
            np.matmul(z, self.params[f"tail{i}.W"].T, out=lt)
            total += self._xent(lt, None, targets[rows] - lo, scale, None)
        self._h = h
        return total * scale

    def _xent(self, buf, bias, targets, scale, db) -> float:
        """Softmax cross-entropy in place (``buf`` becomes the logits' gradient); sums the
        bias gradient into ``db`` when there is a bias."""
        if buf.dtype == np.float32:  # fused kernel
            if bias is None:
                bias = self._zeros(buf.shape[1])
                db = np.empty(buf.shape[1], np.float32)
            return kernels.softmax_xent_fused(buf, bias, targets, scale, db)
        if bias is not None:  # float64 (gradient checks): exact numpy passes
            buf += bias
        total = kernels.softmax_xent_inplace(buf, targets, scale)
        if db is not None:
            np.sum(buf, axis=0, out=db)
        return total

    def _zeros(self, n: int) -> np.ndarray:
        z = self._bufs.get("zeros")
        if z is None or z.size < n:
            z = np.zeros((1, n), np.float32)
            self._bufs["zeros"] = z
        return z[0, :n]

    def backward(self) -> np.ndarray:
        """Fill ``grads`` and return ``dloss/dh (N, H)`` for the last ``forward_loss``."""
        h = self._h
        N, H = h.shape
        dtype = h.dtype
        buf = self._buffer("head", N, self.head_size, dtype)
        W = self.params["head.W"]
        dh = buf @ W
        gt = np.empty((H, self.head_size), dtype=dtype)  # h^T @ buf: the faster layout
        np.matmul(h.T, buf, out=gt)
        self.grads["head.W"][...] = gt.T
        for i, rows in enumerate(self._rows):
            gW, gP = self.grads[f"tail{i}.W"], self.grads[f"tail{i}.proj"]
            m = rows.size
            if m == 0:
                gW.fill(0)
                gP.fill(0)
                continue
            d = self.dims[i]
            size = self.bounds[i + 1] - self.bounds[i]
            lt = self._buffer(f"l{i}", m, size, dtype)
            z = self._buffer(f"z{i}", m, d, dtype)
            hi = self._buffer(f"h{i}", m, H, dtype)
            np.matmul(lt.T, z, out=gW)
            dz = lt @ self.params[f"tail{i}.W"]
            np.matmul(dz.T, hi, out=gP)
            dh[rows] += dz @ self.params[f"tail{i}.proj"]  # rows are distinct
        return dh

    # ---- inference -----------------------------------------------------------------------
    def log_probs(self, h: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Exact log-probabilities of every word, ``h (N, H)`` -> ``(N, V)`` (a new array
        unless ``out`` is given); each row's probabilities sum to 1."""
        h = np.ascontiguousarray(h)
        N = h.shape[0]
        dtype = self.params["head.W"].dtype
        if out is None:
            out = np.empty((N, self.num_classes), dtype=np.result_type(h, dtype))
        head = kernels.matmul_t(h, self.params["head.W"], bias=self.params["head.b"])
        _log_softmax_rows(head)
        c1 = self.cutoffs[0]
        out[:, :c1] = head[:, :c1]
        for i in range(self.n_clusters):
            tail = self._tail_log_probs(h, i, head[:, c1 + i])
            out[:, self.bounds[i] : self.bounds[i + 1]] = tail
        return out

    def logits(self, h: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The scores of the step protocol: the exact log-probabilities (logits whose
        normaliser is 1)."""
        return self.log_probs(h, out)

    def score(self, h: np.ndarray, targets: np.ndarray) -> tuple[float, int, int, int]:
        """Inference: ``(summed loss, top-1 hits, top-5 hits, count)`` over valid targets,
        exact, without the full ``(N, V)`` log-probabilities: a word of tail cluster ``i``
        has a log-probability at most the cluster's own (head entry ``c1 + i``), so a row
        needs that tail only when its target lies there or the cluster's log-probability is
        above the target's (one of its words might rank higher)."""
        h = np.ascontiguousarray(h)
        targets = np.ascontiguousarray(targets.reshape(-1), dtype=np.int64)
        valid = np.flatnonzero(targets >= 0)
        if valid.size == 0:
            return 0.0, 0, 0, 0
        h, t = h[valid], targets[valid]
        head = kernels.matmul_t(h, self.params["head.W"], bias=self.params["head.b"])
        _log_softmax_rows(head)
        c1 = self.cutoffs[0]
        cl = self.clusters(t)
        lp = np.empty(t.size, dtype=np.float64)
        in_head = np.flatnonzero(cl == 0)
        lp[in_head] = head[in_head, t[in_head]]
        rank = np.zeros(t.size, dtype=np.int64)
        for i in range(self.n_clusters):  # the targets' own clusters: their log-probabilities
            rows = np.flatnonzero(cl == i + 1)
            tail = self._tail_log_probs(h[rows], i, head[rows, c1 + i])
            lp[rows] = tail[np.arange(rows.size), t[rows] - self.bounds[i]]
            rank[rows] += np.count_nonzero(tail > lp[rows, None], axis=1)
        rank += np.count_nonzero(head[:, :c1] > lp[:, None], axis=1)
        for i in range(self.n_clusters):  # other clusters that may hold a better word
            rows = np.flatnonzero((cl != i + 1) & (head[:, c1 + i] > lp))
            if rows.size:
                tail = self._tail_log_probs(h[rows], i, head[rows, c1 + i])
                rank[rows] += np.count_nonzero(tail > lp[rows, None], axis=1)
        total = -float(lp.sum())
        return total, int(np.count_nonzero(rank < 1)), int(np.count_nonzero(rank < 5)), t.size

    def _tail_log_probs(self, h: np.ndarray, i: int, cluster_lp: np.ndarray) -> np.ndarray:
        """Log-probabilities ``(n, size_i)`` of the words of tail cluster ``i`` for rows
        ``h (n, H)`` whose cluster log-probability is ``cluster_lp (n,)``."""
        z = kernels.matmul_t(h, self.params[f"tail{i}.proj"])
        tail = kernels.matmul_t(z, self.params[f"tail{i}.W"])
        _log_softmax_rows(tail)
        tail += cluster_lp.astype(tail.dtype)[:, None]
        return tail


def _log_softmax_rows(x: np.ndarray) -> None:
    """Row-wise log-softmax in place (sums of the exponentials in float64)."""
    x -= x.max(axis=1, keepdims=True)
    lse = np.log(np.exp(x).sum(axis=1, dtype=np.float64))
    x -= lse.astype(x.dtype)[:, None]
