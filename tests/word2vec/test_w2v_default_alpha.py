"""The default learning-rate schedule depends on the architecture (CBOW 0.075 to 0.005,
skip-gram 0.05 to 0.0025); a rate given, gensim's way, is kept whatever the architecture,
and an alpha given alone ends at gensim's 0.0001."""

import pytest

from textseq.word2vec import Word2Vec, Word2VecParams
from textseq.word2vec.kernel_inputs import kernel_settings
from textseq.word2vec.params import DEFAULT_SCHEDULE, GIVEN_ALPHA_MIN


def test_the_default_schedule_is_the_architectures():
    assert DEFAULT_SCHEDULE == {0: (0.075, 0.005), 1: (0.05, 0.0025)}
    assert (Word2VecParams().alpha, Word2VecParams().min_alpha) == (0.075, 0.005)
    assert (Word2VecParams(sg=1).alpha, Word2VecParams(sg=1).min_alpha) == (0.05, 0.0025)
    assert Word2Vec().alpha == 0.075 and Word2Vec(sg=1).alpha == 0.05


@pytest.mark.parametrize("sg", [0, 1])
def test_an_alpha_given_is_kept_and_ends_at_gensims_rate(sg):
    params = Word2VecParams(sg=sg, alpha=0.01)
    assert (params.alpha, params.min_alpha) == (0.01, GIVEN_ALPHA_MIN)
    model = Word2Vec(sg=sg, alpha=0.025)
    assert model.alpha == 0.025
    model.sg = 1 - sg  # gensim's attribute writes: the given rate stays
    assert (model.alpha, model.min_alpha) == (0.025, GIVEN_ALPHA_MIN)


def test_a_min_alpha_given_keeps_the_schedules_start():
    params = Word2VecParams(min_alpha=0.001)
    assert (params.alpha, params.min_alpha) == (0.075, 0.001)
    assert Word2VecParams(sg=1, min_alpha=0.001).alpha == 0.05


def test_a_default_schedule_follows_a_change_of_architecture_or_of_alpha():
    model = Word2Vec()
    model.sg = 1
    assert (model.alpha, model.min_alpha) == (0.05, 0.0025)
    model.sg = 0
    assert (model.alpha, model.min_alpha) == (0.075, 0.005)
    model.alpha = 0.03
    assert model.min_alpha == GIVEN_ALPHA_MIN
    model.sg = 1
    assert model.alpha == 0.03


def test_the_kernels_follow_the_resolved_schedule():
    settings = kernel_settings(Word2VecParams(), total_words=10, threads=1, own_count=0)
    assert (settings.alpha, settings.min_alpha) == (0.075, 0.005)
    settings = kernel_settings(Word2VecParams(sg=1), total_words=10, threads=1, own_count=0)
    assert (settings.alpha, settings.min_alpha) == (0.05, 0.0025)


def test_train_start_alpha_alone_ends_at_gensims_rate():
    model = Word2Vec(min_count=1, vector_size=8, epochs=1, workers=1, progress=False)
    model.train([["a", "b", "c", "a", "b"], ["c", "a"]], start_alpha=0.001)
    assert (model.alpha, model.min_alpha) == (0.001, GIVEN_ALPHA_MIN)


def test_a_default_cbow_model_records_its_schedule(tmp_path):
    model = Word2Vec(min_count=1, vector_size=8, epochs=1, workers=1, progress=False)
    model.train([["a", "b", "c", "a", "b"], ["c", "a"]])
    assert (model.get_params()["alpha"], model.get_params()["min_alpha"]) == (0.075, 0.005)
    model.save(tmp_path / "m")
    loaded = Word2Vec.load(tmp_path / "m")
    assert (loaded.alpha, loaded.min_alpha) == (0.075, 0.005)
