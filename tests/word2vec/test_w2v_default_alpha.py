"""The default learning rate depends on the architecture (the C tool's: CBOW 0.05, skip-gram
0.025); an alpha given, gensim's way, is kept whatever the architecture."""

import pytest

from textseq.word2vec import Word2Vec, Word2VecParams
from textseq.word2vec.kernel_inputs import kernel_settings
from textseq.word2vec.params import DEFAULT_ALPHA


def test_the_default_alpha_is_the_architectures():
    assert DEFAULT_ALPHA == {0: 0.05, 1: 0.025}
    assert Word2VecParams().alpha == 0.05
    assert Word2VecParams(sg=1).alpha == 0.025
    assert Word2Vec().alpha == 0.05 and Word2Vec(sg=1).alpha == 0.025


@pytest.mark.parametrize("sg", [0, 1])
def test_an_alpha_given_is_kept(sg):
    assert Word2VecParams(sg=sg, alpha=0.01).alpha == 0.01
    model = Word2Vec(sg=sg, alpha=0.025)
    assert model.alpha == 0.025
    model.sg = 1 - sg  # gensim's attribute writes: the given rate stays
    assert model.alpha == 0.025


def test_a_default_alpha_follows_a_change_of_architecture():
    model = Word2Vec()
    model.sg = 1
    assert model.alpha == 0.025
    model.sg = 0
    assert model.alpha == 0.05
    model.alpha = 0.03
    model.sg = 1
    assert model.alpha == 0.03


def test_the_kernels_start_at_the_resolved_rate():
    settings = kernel_settings(Word2VecParams(), total_words=10, threads=1, own_count=0)
    assert settings.alpha == 0.05
    settings = kernel_settings(Word2VecParams(sg=1), total_words=10, threads=1, own_count=0)
    assert settings.alpha == 0.025


def test_a_default_cbow_model_trains_at_005_and_records_it(tmp_path):
    model = Word2Vec(min_count=1, vector_size=8, epochs=1, workers=1, progress=False)
    model.train([["a", "b", "c", "a", "b"], ["c", "a"]])
    assert model.get_params()["alpha"] == 0.05
    model.save(tmp_path / "m")
    assert Word2Vec.load(tmp_path / "m").alpha == 0.05
