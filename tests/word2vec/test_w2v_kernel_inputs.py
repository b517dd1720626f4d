"""The kernels' inputs made from a model: subsampling thresholds, noise table, settings."""

import os

import numpy as np

from textseq.word2vec import kernels
from textseq.word2vec.kernel_inputs import (
    kernel_mode,
    kernel_settings,
    noise_table,
    sample_thresholds,
)
from textseq.word2vec.params import DEFAULTS, Word2VecParams
from textseq.word2vec.plan import SYNC_WORDS


def test_sample_thresholds_follow_gensims_formula():
    counts = np.array([5000, 800, 40, 3], dtype=np.int64)
    sample = 1e-2
    t = sample * counts.sum()
    prob = np.minimum((np.sqrt(counts / t) + 1) * t / counts, 1.0)
    got = sample_thresholds(counts, sample).astype(np.float64) / (2**32 - 1)
    np.testing.assert_allclose(got, prob, rtol=1e-8)
    assert got[0] < 0.5 and got[-1] == 1.0
    assert (sample_thresholds(counts, 0) == 2**32 - 1).all()  # sample=0: keep every word


def test_the_noise_table_draws_in_proportion_to_count_to_the_exponent():
    counts = np.array([100, 10, 1], dtype=np.int64)
    table = noise_table(counts, 0.75)
    keep = (table >> np.uint64(32)).astype(np.float64) / 2**32
    alias = (table & np.uint64(0xFFFFFFFF)).astype(np.int64)
    mass = keep.copy()
    np.add.at(mass, alias, 1.0 - keep)
    want = counts**0.75 / (counts**0.75).sum()
    np.testing.assert_allclose(mass / len(counts), want, atol=1e-7)


def test_modes_and_settings_have_the_types_the_warm_up_compiled_for():
    assert kernel_mode(DEFAULTS) == kernels.CBOW
    assert kernel_mode(Word2VecParams(sg=1)) == kernels.SKIPGRAM_SHARED
    assert kernel_mode(Word2VecParams(sg=1, shared_negatives=False)) == kernels.SKIPGRAM_PER_PAIR
    params = Word2VecParams(window=np.int64(3), alpha=1, cbow_mean=True, seed=np.uint32(2))
    settings = kernel_settings(params, total_words=np.int64(10), threads=2, own_count=0)
    types = {name: type(getattr(settings, name)) for name in settings._fields}
    assert types == {
        "mode": int, "window": int, "negative": int, "cbow_mean": int, "alpha": float,
        "min_alpha": float, "total_words": int, "seed": int, "compute_loss": bool,
        "workers": int, "own_count": int, "sync_words": int,
    }  # fmt: skip
    assert settings.window == 3 and settings.alpha == 1.0 and settings.sync_words == SYNC_WORDS


def test_openmp_threads_wait_passively_unless_the_user_chose(monkeypatch):
    """A thread spinning at a kernel call's end starves the one still working when other
    programs share the cores: word2vec asks OpenMP for sleeping waits, before its first call."""
    from textseq.threads import passive_thread_waits

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    passive_thread_waits()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    passive_thread_waits()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
