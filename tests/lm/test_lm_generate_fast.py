"""The fast generation path: its kernels against plain numpy, ``FastStep`` against
``RNNLM.step``, and whole generations with it against generations with ``model.step``."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from textseq.corpus import Vocab
from textseq.lm import generate_kernels as gk
from textseq.lm.generate import FastStep, generate
from textseq.lm.model import RNNLM, LMConfig

# the module itself (``textseq.lm.generate`` as an attribute is the re-exported function)
gen_module = importlib.import_module("textseq.lm.generate")


@pytest.mark.parametrize("rows", [1, 2, 3, 4, 5, 6, 7, 8, 10, 11])
@pytest.mark.parametrize("n_out", [1, 2, 3, 7, 64])
def test_dense_rows_is_x_times_w_transposed_plus_bias(rows, n_out):
    rng = np.random.default_rng(rows * 100 + n_out)
    x = rng.standard_normal((rows, 37)).astype(np.float32)
    W = rng.standard_normal((n_out, 37)).astype(np.float32)
    bias = rng.standard_normal(n_out).astype(np.float32)
    ref = x.astype(np.float64) @ W.T.astype(np.float64)
    out = np.full((rows, n_out), np.nan, dtype=np.float32)
    gk.dense_rows(x, W, bias, out)
    np.testing.assert_allclose(out, ref + bias, rtol=1e-5, atol=1e-5)
    gk.dense_rows(x, W, np.zeros(0, np.float32), out)  # no bias
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_dense_rows_propagates_nan():
    x = np.ones((5, 8), np.float32)
    W = np.ones((4, 8), np.float32)
    W[2, 3] = np.nan
    out = np.empty((5, 4), np.float32)
    gk.dense_rows(x, W, np.zeros(0, np.float32), out)
    assert np.isnan(out[:, 2]).all() and np.isfinite(out[:, [0, 1, 3]]).all()


def test_top_extensions_equal_a_stable_sort_of_all_finite_values():
    rng = np.random.default_rng(0)
    for _ in range(300):
        B, V, k = rng.integers(1, 7), rng.integers(1, 40), rng.integers(1, 12)
        x = np.round(rng.standard_normal((B, V)), 1)  # rounding makes ties common
        x[rng.random((B, V)) < 0.2] = -np.inf
        offset = np.round(rng.standard_normal(B), 1)
        if rng.random() < 0.2:
            offset[0] = -np.inf
        rows, toks, vals = (np.empty(k, np.int64), np.empty(k, np.int64), np.empty(k))
        n = gk.top_extensions(x, offset, k, rows, toks, vals)
        flat = (x + offset[:, None]).ravel()
        order = np.argsort(-flat, kind="stable")
        order = order[np.isfinite(flat[order])][:k]
        assert n == len(order)
        np.testing.assert_array_equal(rows[:n] * V + toks[:n], order)
        np.testing.assert_array_equal(vals[:n], flat[order])


def test_normalisers_match_numpy_and_keep_empty_rows_at_minus_inf():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 5000)) * 6
    x[0, :100] = -np.inf
    x[2] = -np.inf
    x[3, 7] = 300.0  # everything else is far below the maximum
    raw = (rng.standard_normal((4, 5000)) * 6).astype(np.float32)
    lse, mlse = gen_module.normalisers(x, raw)
    assert lse[2] == -np.inf
    for r in range(4):
        if r != 2:
            assert abs(lse[r] - np.logaddexp.reduce(x[r])) < 1e-6
        assert abs(mlse[r] - np.logaddexp.reduce(raw[r].astype(np.float64))) < 1e-6
    lse64, _ = gen_module.normalisers(x, raw.astype(np.float64))  # float64 logits too
    np.testing.assert_array_equal(lse64, lse)


def test_normaliser_of_banned_scores_adds_the_banned_mass_back():
    rng = np.random.default_rng(2)
    raw = (rng.standard_normal((3, 3000)) * 5).astype(np.float32)
    x = raw.astype(np.float64)
    x[0, [0, 5, 17]] = -np.inf  # a few banned words
    x[1, rng.random(3000) < 0.9] = -np.inf  # most words banned (top-p)
    x[2] = -np.inf  # every word: the raw normaliser is computed in full
    lse, mlse = gen_module.normalisers(x, raw, same_values=True)
    ref = [np.logaddexp.reduce(r) for r in raw.astype(np.float64)]
    np.testing.assert_allclose(mlse, ref, rtol=0, atol=1e-6)
    assert lse[2] == -np.inf and lse[1] < lse[0]


VOCAB = Vocab.from_counts({f"w{i}": 10 + i for i in range(200)})


def _model(cell, **kw):
    return RNNLM(LMConfig(cell=cell, embed=24, hidden=32, seed=3, **kw)).init(VOCAB)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("layers,tie", [(1, False), (2, False), (1, True)])
def test_fast_step_equals_model_step(cell, layers, tie):
    config = LMConfig(cell=cell, embed=32 if tie else 24, hidden=32, layers=layers, tie=tie)
    model = RNNLM(config).init(VOCAB)
    # bigger weights: saturated gates and a peaked output are covered too
    model.set_weights({k: v * 4 for k, v in model.get_weights().items()})
    fast = FastStep.for_model(model)
    assert fast is not None
    for batch in (1, 2, 3, 5, 7, 11):
        rng = np.random.default_rng(batch)
        state = tuple(
            rng.standard_normal(s.shape).astype(np.float32) for s in model.initial_state(batch)
        )
        before = [s.copy() for s in state]
        ids = rng.integers(0, len(VOCAB), batch)
        ref_logits, ref_state = model.step(ids, state)
        logits, new_state = fast(ids, state)
        np.testing.assert_allclose(logits, ref_logits, rtol=1e-5, atol=2e-5)
        for a, b in zip(new_state, ref_state):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-6)
        for a, b in zip(state, before):
            np.testing.assert_array_equal(a, b)
        logits2, _ = fast(ids, state)  # buffers are reused, results are not
        np.testing.assert_array_equal(logits2, logits)


def test_fast_step_is_only_used_for_float32_rnnlm():
    assert FastStep.for_model(_model("lstm", dtype="float64")) is None
    assert FastStep.for_model(object()) is None


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
def test_generation_with_the_fast_step_equals_generation_with_model_step(cell, kw, monkeypatch):
    model = _model(cell)
    weights = model.get_weights()
    weights["output.W"] *= 8  # peaked outputs; the recurrence stays contracting, so rounding
    model.set_weights(weights)  # differences do not grow over the steps
    fast = generate(model, "w1 w2 w3", max_tokens=25, stop_at_eos=False, **kw)
    monkeypatch.setattr(gen_module, "_stepper", lambda m: m.step)
    slow = generate(model, "w1 w2 w3", max_tokens=25, stop_at_eos=False, **kw)
    assert len(fast.hypotheses) == len(slow.hypotheses)
    for a, b in zip(fast.hypotheses, slow.hypotheses):
        assert a.ids == b.ids
        assert a.logprob == pytest.approx(b.logprob, abs=1e-4)
        assert a.model_logprob == pytest.approx(b.model_logprob, abs=1e-4)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("n_words", [0, 1, 5, gen_module.FAST_PRIME_TOKENS - 1, 40])
def test_priming_word_by_word_equals_forward_sequence(cell, n_words, monkeypatch):
    model = RNNLM(LMConfig(cell=cell, embed=24, hidden=32, layers=2)).init(VOCAB)
    ids = np.arange(2, 2 + n_words)
    logits, state = gen_module.prime(model, ids)
    monkeypatch.setattr(gen_module, "_stepper", lambda m: m.step)
    ref_logits, ref_state = gen_module.prime(model, ids)
    assert logits.shape == ref_logits.shape == (1, len(VOCAB))
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-5, atol=1e-5)
    for a, b in zip(state, ref_state):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_model_predict_next_passes_allow_unk_through():
    model = _model("gru")
    with_unk = dict(model.predict_next("w1 w2", topk=len(VOCAB)))
    without = model.predict_next("w1 w2", topk=len(VOCAB), allow_unk=False)
    assert with_unk["<unk>"] > 0 and dict(without)["<unk>"] == 0.0
    scale = 1.0 - with_unk["<unk>"]  # the rest renormalised
    for word, p in without[:5]:
        assert p == pytest.approx(with_unk[word] / scale, rel=1e-9)
