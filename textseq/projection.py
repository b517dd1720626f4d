"""2-D projections of word vectors for plots: PCA, and a small exact t-SNE in numpy.

The t-SNE is the exact O(n^2) algorithm (van der Maaten and Hinton, 2008): Gaussian
affinities calibrated to a perplexity by bisection, Student-t affinities in 2-D, gradient
descent with momentum and early exaggeration. Fine for the few hundred words a plot can label;
it needs nothing beyond numpy.
"""

from __future__ import annotations

import numpy as np

from textseq.errors import OptionError


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Project rows onto their first two principal components: ``(n, d) -> (n, 2)``."""
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise OptionError("a projection needs at least two vectors")
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    out = x @ vt[:2].T
    if out.shape[1] < 2:  # one-dimensional vectors: pad so the plot still has two axes
        out = np.pad(out, ((0, 0), (0, 2 - out.shape[1])))
    return out


def _affinities(sq_dist: np.ndarray, perplexity: float) -> np.ndarray:
    """Row-wise Gaussian affinities whose entropy matches ``log(perplexity)``."""
    n = len(sq_dist)
    target = np.log(perplexity)
    p = np.zeros((n, n))
    for i in range(n):
        d = np.delete(sq_dist[i], i)
        lo, hi, beta = 0.0, np.inf, 1.0
        for _ in range(64):
            w = np.exp(-(d - d.min()) * beta)
            total = w.sum()
            entropy = np.log(total) + beta * np.sum((d - d.min()) * w) / total
            if abs(entropy - target) < 1e-5:
                break
            if entropy > target:
                lo, beta = beta, beta * 2 if hi == np.inf else (beta + hi) / 2
            else:
                hi, beta = beta, (beta + lo) / 2
        p[i, np.arange(n) != i] = w / total
    return p


def tsne_2d(
    vectors: np.ndarray,
    perplexity: float = 30.0,
    iterations: int = 750,
    seed: int = 0,
) -> np.ndarray:
    """Exact t-SNE to 2-D, seeded; starts from the PCA layout for stability."""
    x = np.asarray(vectors, dtype=np.float64)
    n = len(x)
    if n < 4:
        raise OptionError("t-SNE needs at least four vectors; use PCA for fewer")
    perplexity = min(perplexity, (n - 1) / 3)
    sq = np.square(x).sum(1)
    sq_dist = np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)
    p = _affinities(sq_dist, perplexity)
    p = np.maximum((p + p.T) / (2 * n), 1e-12)
    rng = np.random.default_rng(seed)
    y = pca_2d(x)
    y = y / (y[:, 0].std() + 1e-12) * 1e-4 + rng.normal(0, 1e-6, y.shape)
    velocity = np.zeros_like(y)
    for it in range(iterations):
        exaggeration = 12.0 if it < 100 else 1.0
        momentum = 0.5 if it < 250 else 0.8
        sq_y = np.square(y).sum(1)
        num = 1.0 / (1.0 + np.maximum(sq_y[:, None] + sq_y[None, :] - 2 * y @ y.T, 0))
        np.fill_diagonal(num, 0.0)
        q = np.maximum(num / num.sum(), 1e-12)
        pq = (exaggeration * p - q) * num
        grad = 4.0 * (np.diag(pq.sum(1)) - pq) @ y
        velocity = momentum * velocity - 200.0 * grad
        y = y + velocity
    return y - y.mean(axis=0)


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """``method`` is ``pca`` or ``tsne``."""
    if method == "pca":
        return pca_2d(vectors)
    if method == "tsne":
        return tsne_2d(vectors, seed=seed)
    raise OptionError(f"unknown projection {method!r}; choose pca or tsne")
