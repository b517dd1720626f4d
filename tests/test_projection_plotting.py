import numpy as np
import pytest

from textseq.errors import OptionError
from textseq.plotting import plot_curves, plot_embeddings
from textseq.projection import pca_2d, project_2d, tsne_2d


def clustered(seed=0, clusters=4, per=30, dim=40):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)) * 5
    points = np.vstack([c + rng.normal(size=(per, dim)) for c in centres])
    return points, np.repeat(np.arange(clusters), per)


def neighbour_agreement(points, labels):
    d = np.square(points[:, None] - points[None]).sum(-1)
    np.fill_diagonal(d, np.inf)
    return (labels[d.argmin(1)] == labels).mean()


def test_pca_matches_the_top_singular_directions():
    x, _ = clustered()
    y = pca_2d(x)
    centred = x - x.mean(0)
    s = np.linalg.svd(centred, compute_uv=False)
    assert np.allclose(np.sort(np.linalg.svd(y, compute_uv=False))[::-1], s[:2])


def test_tsne_keeps_clusters_apart_and_is_seeded():
    x, labels = clustered()
    y = tsne_2d(x, iterations=400, seed=3)
    assert neighbour_agreement(y, labels) > 0.95
    assert np.array_equal(y, tsne_2d(x, iterations=400, seed=3))


def test_projection_errors():
    with pytest.raises(OptionError):
        project_2d(np.zeros((5, 3)), "umap")
    with pytest.raises(OptionError):
        tsne_2d(np.zeros((3, 3)))


def test_plots_write_png(tmp_path):
    x, _ = clustered(per=5)
    plot_embeddings([f"w{i}" for i in range(len(x))], x, tmp_path / "e.png")
    plot_curves({"loss": [3.0, 2.0], "valid ppl": [50.0, 40.0]}, tmp_path / "c.png", "t")
    for name in ("e.png", "c.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
