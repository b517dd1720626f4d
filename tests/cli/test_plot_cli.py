"""plot-embeddings and plot-training through the real CLI, on small trained models."""

import pytest

from textseq.lm import LMConfig, TrainConfig, train_lm
from textseq.word2vec import Word2Vec

TEXT = [line.split() for line in ["the cat sat on the mat", "a dog sat on a log"] * 30]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    w2v = Word2Vec(vector_size=8, min_count=1, epochs=3, workers=1, progress=False).train(TEXT)
    w2v.wv.save_word2vec_format(root / "v.bin", binary=True)
    w2v.save(root / "w2v")
    train_lm(TEXT, LMConfig(cell="rnn", embed=6, hidden=8), TrainConfig(epochs=2, batch_size=2),
             out_dir=root / "lm", progress=False)  # fmt: skip
    return root


def is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_embeddings_top_words_and_chosen_words(cli, models, tmp_path):
    result = cli("plot-embeddings", "--vectors", models / "v.bin", "--top", "8", "-o",
                 tmp_path / "top.png")  # fmt: skip
    assert result.code == 0, result
    assert is_png(tmp_path / "top.png")
    result = cli("plot-embeddings", "--vectors", models / "v.bin", "cat", "dog", "mat",
                 "--method", "pca", "-o", tmp_path / "few.png")  # fmt: skip
    assert result.code == 0 and is_png(tmp_path / "few.png"), result


def test_plot_embeddings_errors(cli, models, tmp_path):
    result = cli("plot-embeddings", "--vectors", models / "v.bin", "cat", "kat", "-o",
                 tmp_path / "x.png")  # fmt: skip
    assert result.code == 1 and "'kat'" in result.error
    result = cli("plot-embeddings", "--vectors", models / "v.bin", "--method", "umap", "-o",
                 tmp_path / "x.png")  # fmt: skip
    assert result.code == 1 and "umap" in result.error
    assert not (tmp_path / "x.png").exists()


def test_plot_training_for_both_kinds_of_model(cli, models, tmp_path):
    for name in ("lm", "w2v"):
        result = cli("plot-training", models / name, "-o", tmp_path / f"{name}.png")
        assert result.code == 0, result
        assert is_png(tmp_path / f"{name}.png")
    result = cli("plot-training", tmp_path, "-o", tmp_path / "none.png")
    assert result.code == 1 and "not a model folder" in result.error
    result = cli("plot-training", tmp_path / "missing", "-o", tmp_path / "none.png")
    assert result.code == 1 and "does not exist" in result.error
