"""The model's one step path: ``RNNLM.step`` (a handful of rows in the tiled product, more in
BLAS) against the BLAS path and against a one-token ``forward_sequence``, ``advance``, and
whole generations and primings on either path."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.corpus import Vocab
from textseq.lm import kernels, textgen
from textseq.lm.model import RNNLM, LMConfig
from textseq.lm.textgen import generate

VOCAB = Vocab.from_counts({f"w{i}": 10 + i for i in range(200)})


def _model(cell, **kw):
    return RNNLM(LMConfig(cell=cell, embed=24, hidden=32, seed=3, **kw)).init(VOCAB)


def _random_state(model, batch, rng):
    return tuple(rng.standard_normal(s.shape).astype(s.dtype) for s in model.initial_state(batch))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers,tie", [(1, False), (2, False), (1, True)])
def test_small_batch_step_equals_the_blas_step(cell, layers, tie, monkeypatch):
    config = LMConfig(cell=cell, embed=32 if tie else 24, hidden=32, layers=layers, tie=tie)
    model = RNNLM(config).init(VOCAB)
    # bigger weights: saturated gates and a peaked output are covered too
    model.set_weights({k: v * 4 for k, v in model.get_weights().items()})
    for batch in (1, 2, 3, 5, 7, 11):
        rng = np.random.default_rng(batch)
        state = _random_state(model, batch, rng)
        before = [s.copy() for s in state]
        ids = rng.integers(0, len(VOCAB), batch)
        logits, new_state = model.step(ids, state)
        with monkeypatch.context() as m:
            m.setattr(kernels, "SMALL_ROWS", 0)  # every product in BLAS
            ref_logits, ref_state = model.step(ids, state)
        np.testing.assert_allclose(logits, ref_logits, rtol=1e-5, atol=2e-5)
        for a, b in zip(new_state, ref_state):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)
        for a, b in zip(state, before):
            np.testing.assert_array_equal(a, b)
        logits2, _ = model.step(ids, state)  # no state kept between calls
        np.testing.assert_array_equal(logits2, logits)
        # the step is the training path's step: a one-token forward gives the same bits
        seq_logits, seq_state = model.forward_sequence(ids[:, None], state)
        np.testing.assert_array_equal(seq_logits[:, 0], logits)
        for a, b in zip(seq_state, new_state):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_float64_step_equals_the_blas_step(cell, monkeypatch):
    model = _model(cell, layers=2, dtype="float64")
    rng = np.random.default_rng(0)
    state = _random_state(model, 5, rng)
    ids = rng.integers(0, len(VOCAB), 5)
    logits, new_state = model.step(ids, state)
    monkeypatch.setattr(kernels, "SMALL_ROWS", 0)
    ref_logits, ref_state = model.step(ids, state)
    assert logits.dtype == np.float64
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-12, atol=1e-12)
    for a, b in zip(new_state, ref_state):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_advance_is_step_without_the_output_layer(cell):
    model = _model(cell, layers=2)
    rng = np.random.default_rng(4)
    state = _random_state(model, 3, rng)
    ids = np.array([5, 6, 7])
    _, stepped = model.step(ids, state)
    advanced = model.advance(ids, state)
    assert len(advanced) == len(stepped)
    for a, b in zip(advanced, stepped):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="state has"):
        model.step(ids, state[:-1])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"strategy": "beam", "n_best": 3},
        {"strategy": "beam", "no_repeat_ngram_size": 2, "length_penalty": 0.7},
        {"strategy": "sample", "seed": 3, "top_p": 0.9, "temperature": 1.3},
        {"repetition_penalty": 1.5, "no_repeat_ngram_size": 3},
    ],
)
def test_generation_with_the_small_batch_kernels_equals_generation_with_blas(cell, kw, monkeypatch):
    model = _model(cell)
    weights = model.get_weights()
    weights["output.W"] *= 8  # peaked outputs; the recurrence stays contracting, so rounding
    model.set_weights(weights)  # differences do not grow over the steps
    fast = generate(model, "w1 w2 w3", max_tokens=25, stop_at_eos=False, **kw)
    monkeypatch.setattr(kernels, "SMALL_ROWS", 0)
    slow = generate(model, "w1 w2 w3", max_tokens=25, stop_at_eos=False, **kw)
    assert len(fast.hypotheses) == len(slow.hypotheses)
    for a, b in zip(fast.hypotheses, slow.hypotheses):
        assert a.ids == b.ids
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
        assert a.model_logprob == pytest.approx(b.model_logprob, abs=1e-4)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("n_words", [0, 1, 5, textgen.FAST_PRIME_TOKENS - 1, 40])
def test_priming_word_by_word_equals_forward_sequence(cell, n_words, monkeypatch):
    model = RNNLM(LMConfig(cell=cell, embed=24, hidden=32, layers=2)).init(VOCAB)
    ids = np.arange(2, 2 + n_words)
    logits, state = textgen.prime(model, ids)
    monkeypatch.setattr(textgen, "FAST_PRIME_TOKENS", 0)  # always forward_sequence
    ref_logits, ref_state = textgen.prime(model, ids)
    assert logits.shape == ref_logits.shape == (1, len(VOCAB))
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-5, atol=1e-5)
    for a, b in zip(state, ref_state):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_model_predict_next_passes_allow_unk_through():
    model = _model("gru")
    with_unk = dict(model.predict_next("w1 w2", top_k=len(VOCAB)))
    without = model.predict_next("w1 w2", top_k=len(VOCAB), allow_unk=False)
    assert with_unk["<unk>"] > 0 and dict(without)["<unk>"] == 0.0
    scale = 1.0 - with_unk["<unk>"]  # the rest renormalised
    for word, p in without[:5]:
        assert p == pytest.approx(with_unk[word] / scale, rel=1e-9)
