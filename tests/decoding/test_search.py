"""The strategies of ``textseq.decoding`` on a model that offers nothing but the step
protocol (``initial_state`` and ``step``): a fixed table whose answers are known exactly.
Nothing here is a language model, a vocabulary or text."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from textseq import decoding
from textseq.decoding import DecodingOptions, decode, log_softmax, softmax

START, EOS, UNK = 0, 1, 2


class StepTable:
    """Scores ``table[prev]``, plus ``bonus`` on id ``sum(ids read) % V``: with a bonus the
    scores depend on a row's whole history, carried in its state ``(prev, sum)``, so a beam
    that mixed up its rows would score the wrong sequences. ``log_probs``: return exact
    log-probabilities instead of logits."""

    def __init__(self, table, bonus=0.0, log_probs=False):
        self.table = np.asarray(table, dtype=np.float64)
        self.bonus = bonus
        self.log_probs = log_probs
        self.batches: list[int] = []

    def initial_state(self, batch_size):
        return (np.zeros(batch_size, np.int64), np.zeros(batch_size, np.int64))

    def step(self, ids, state):
        ids = np.asarray(ids, dtype=np.int64)
        self.batches.append(len(ids))
        acc = state[1] + ids
        out = self.table[ids].copy()
        if self.bonus:
            out[np.arange(len(ids)), acc % self.table.shape[1]] += self.bonus
        if self.log_probs:
            out = log_softmax(out)
        return out, (ids.copy(), acc)

    def primed(self, context=()):
        """Scores and state after ``START`` and ``context``, as a caller hands them over."""
        scores, state = self.step([START], self.initial_state(1))
        for i in context:
            scores, state = self.step([i], state)
        return scores, state

    def logprob(self, context, ids):
        """The model's log-probability of ``ids`` after ``context``, one step at a time."""
        scores, state = self.primed(context)
        total = 0.0
        for i in ids:
            total += float(log_softmax(scores)[0, i])
            scores, state = self.step([i], state)
        return total


def table_model(vocab_size=7, seed=0, **kw):
    rng = np.random.default_rng(seed)
    table = rng.normal(0.0, 2.0, size=(vocab_size, vocab_size))
    return StepTable(table, **kw)


def run(model, context=(), **kw):
    scores, state = model.primed(context)
    options = DecodingOptions(**kw)
    return decode(model, scores, state, options, eos_id=EOS, unk_id=UNK, context_ids=list(context))


def test_decoding_imports_no_engine_and_no_corpus():
    code = (
        "import sys, textseq.decoding; "
        "bad = [m for m in sys.modules if m.startswith(('textseq.lm', 'textseq.corpus', "
        "'textseq.word2vec', 'textseq.cli'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ), check=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_argmax_follows_the_table_and_scores_with_the_model(seed):
    model = table_model(seed=seed)
    out = run(model, [4], max_tokens=12)
    prev, expected = 4, []
    for _ in range(12):
        row = model.table[prev].copy()
        row[UNK] = -np.inf
        prev = int(np.argmax(row))
        expected.append(prev)
        if prev == EOS:
            break
    assert out.best.ids == expected
    assert out.stop_reason == ("eos" if expected[-1] == EOS else "max_tokens")
    assert math.isclose(out.best.model_logprob, model.logprob([4], out.best.ids), abs_tol=1e-6)


def test_beam_equals_exhaustive_search_with_history_dependent_scores():
    model = table_model(vocab_size=5, seed=4, bonus=3.0)
    length = 4
    scored = [
        (model.logprob([3], list(seq)), list(seq))
        for seq in itertools.product(range(5), repeat=length)
    ]
    scored.sort(key=lambda s: -s[0])
    out = run(
        model, [3], strategy="beam", beam_width=5**3, n_best=3, max_tokens=length,
        allow_unk=True, stop_at_eos=False, length_penalty=0.0,
    )  # fmt: skip
    assert [h.ids for h in out.hypotheses] == [s[1] for s in scored[:3]]
    for h, (lp, _) in zip(out.hypotheses, scored):
        assert math.isclose(h.logprob, lp, abs_tol=1e-6)
        assert math.isclose(h.model_logprob, lp, abs_tol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_beam_width_one_equals_argmax(seed):
    model = table_model(seed=seed, bonus=1.5)
    greedy = run(model, [3, 4], max_tokens=15)
    beam = run(model, [3, 4], max_tokens=15, strategy="beam", beam_width=1, length_penalty=0)
    assert beam.best.ids == greedy.best.ids
    assert math.isclose(beam.best.logprob, greedy.best.logprob, abs_tol=1e-6)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"strategy": "beam", "n_best": 3, "beam_width": 4},
        {"strategy": "beam", "no_repeat_ngram_size": 2, "length_penalty": 0.6},
        {"strategy": "sample", "seed": 5, "top_p": 0.9},
        {"strategy": "sample", "seed": 6, "min_p": 0.05, "top_k": 4},
        {"no_repeat_ngram_size": 3, "temperature": 0.8},
    ],
)
def test_log_probabilities_decode_as_logits_do(kw):
    """A model may return exact log-probabilities (an adaptive softmax does): the decoding
    and its log-probabilities are those of the same model returning logits. (Not with a
    repetition penalty, whose rule depends on the sign of a score; see ``shape_logits``.)"""
    a = run(table_model(seed=7, bonus=1.0), [3], max_tokens=10, **kw)
    b = run(table_model(seed=7, bonus=1.0, log_probs=True), [3], max_tokens=10, **kw)
    assert a.stop_reason == b.stop_reason and len(a.hypotheses) == len(b.hypotheses)
    for x, y in zip(a.hypotheses, b.hypotheses):
        assert x.ids == y.ids and x.finished == y.finished
        assert math.isclose(x.logprob, y.logprob, abs_tol=1e-6)
        assert math.isclose(x.model_logprob, y.model_logprob, abs_tol=1e-6)


def test_beam_advances_all_beams_in_one_step_call():
    model = table_model(seed=6)
    scores, state = model.primed([3])
    model.batches.clear()
    options = DecodingOptions(strategy="beam", beam_width=4, max_tokens=20, stop_at_eos=False)
    decode(model, scores, state, options, eos_id=EOS, unk_id=UNK)
    assert model.batches == [4] * 19  # the primed scores give the first token


def test_sampling_is_seeded_and_follows_the_softmax():
    model = table_model(vocab_size=5, seed=2)
    a = run(model, [3], strategy="sample", seed=9, max_tokens=20, stop_at_eos=False)
    b = run(model, [3], strategy="sample", seed=9, max_tokens=20, stop_at_eos=False)
    assert a.best.ids == b.best.ids and a.best.logprob == b.best.logprob
    counts = np.zeros(5)
    for s in range(2000):
        counts[
            run(model, [3], strategy="sample", seed=s, max_tokens=1, allow_unk=True).best.ids[0]
        ] += 1
    assert np.abs(counts / 2000 - softmax(model.table[3])).max() < 0.035


def test_end_of_sequence_stops_unless_told_not_to():
    t = np.full((4, 4), -8.0)
    t[START, 3] = t[3, EOS] = t[EOS, 3] = 0.0  # START -> 3 -> EOS -> 3 -> EOS ...
    for strategy in ("argmax", "sample", "beam"):
        out = run(StepTable(t), strategy=strategy, seed=0, max_tokens=6)
        assert out.best.ids == [3, EOS] and out.best.finished and out.stop_reason == "eos"
        more = run(StepTable(t), strategy=strategy, seed=0, max_tokens=5, stop_at_eos=False)
        assert more.best.ids == [3, EOS, 3, EOS, 3] and not more.best.finished
        assert more.stop_reason == "max_tokens"


def test_every_id_banned_stops_with_no_allowed_token():
    model = StepTable(np.zeros((3, 3)))
    for strategy in ("argmax", "sample", "beam"):
        out = run(model, strategy=strategy, seed=0, no_repeat_ngram_size=1, max_tokens=5,
                  stop_at_eos=False)  # fmt: skip
        assert sorted(out.best.ids) == [0, 1] and out.stop_reason == "no_allowed_token"


def test_strategy_functions_equal_decode_and_leave_the_model_alone():
    model = table_model(seed=3, bonus=1.0)
    before = model.table.copy()
    scores, state = model.primed([4])
    kept = [s.copy() for s in state], scores.copy()
    ids = {"eos_id": EOS, "unk_id": UNK, "context_ids": [4]}
    settings = {"max_tokens": 8, "seed": 1, "no_repeat_ngram_size": 2}
    for name in ("argmax", "sample", "beam"):
        direct = getattr(decoding, name)(model, scores, state, DecodingOptions(**settings), **ids)
        via = decode(model, scores, state, DecodingOptions(strategy=name, **settings), **ids)
        assert direct == via
    np.testing.assert_array_equal(model.table, before)
    np.testing.assert_array_equal(scores, kept[1])
    for a, b in zip(state, kept[0]):
        np.testing.assert_array_equal(a, b)
