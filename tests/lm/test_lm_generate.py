"""Prediction and generation from text, tested exactly on table models whose answers are known.

``TableModel`` implements the model protocol of ``textseq.lm.textgen``: its logits are a fixed
bigram table row for the previous word, optionally plus a bonus for the word whose id is the
running sum of every id read so far (mod V), so that its answer depends on the whole prompt.
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from textseq.corpus import Vocab
from textseq.decoding import log_softmax, softmax
from textseq.errors import OptionError
from textseq.lm.textgen import PROMPT_CHUNK, generate, predict_next

UNK, EOS = 0, 1


class TableModel:
    """Bigram logits ``table[prev]`` (+ ``sum_bonus`` on id ``sum(ids read) % V``)."""

    def __init__(self, words, table, sum_bonus=0.0):
        self.vocab_ = Vocab(list(words), np.ones(len(words), dtype=np.int64))
        self.table = np.asarray(table, dtype=np.float32)
        self.sum_bonus = sum_bonus
        self.step_batches: list[int] = []
        self.chunk_lengths: list[int] = []

    def tokenize(self, text):
        return text.lower().split()

    def initial_state(self, batch_size):
        return (np.full(batch_size, EOS, dtype=np.int64), np.zeros(batch_size, dtype=np.int64))

    def _logits(self, prev, acc):
        out = self.table[prev].copy()
        if self.sum_bonus:
            out[np.arange(len(prev)), acc % self.table.shape[1]] += self.sum_bonus
        return out

    def step(self, ids, state):
        ids = np.asarray(ids, dtype=np.int64)
        self.step_batches.append(len(ids))
        acc = state[1] + ids
        return self._logits(ids, acc), (ids.copy(), acc)

    def forward_sequence(self, ids, state):
        ids = np.asarray(ids, dtype=np.int64)
        self.chunk_lengths.append(ids.shape[1])
        prev, acc = state
        out = []
        for t in range(ids.shape[1]):
            prev = ids[:, t]
            acc = acc + prev
            out.append(self._logits(prev, acc))
        return np.stack(out, axis=1), (prev.copy(), acc)


def random_model(vocab_size=12, seed=0, sum_bonus=0.0):
    rng = np.random.default_rng(seed)
    words = ["<unk>", "<eos>"] + [f"w{i}" for i in range(vocab_size - 2)]
    table = rng.normal(0.0, 2.0, size=(vocab_size, vocab_size))
    table[:, UNK] -= 3.0  # <unk> possible but not dominant
    return TableModel(words, table, sum_bonus)


def rescore(model, prompt_ids, gen_ids):
    """Sum of the model's log-probabilities of ``gen_ids`` after <eos> + prompt."""
    ctx = [EOS] + list(prompt_ids) + list(gen_ids)
    logits, _ = model.forward_sequence(np.array([ctx[:-1]]), model.initial_state(1))
    lp = log_softmax(logits[0])
    start = len(prompt_ids)  # position whose output predicts gen_ids[0]
    return float(sum(lp[start + i, tok] for i, tok in enumerate(gen_ids)))


# ------------------------------------------------------------------ layering


def test_the_text_layer_does_not_import_the_model():
    """``RNNLM.generate`` calls ``textgen``; ``textgen`` knows the model by its protocol only,
    so there is no import cycle between them."""
    code = (
        "import sys, textseq.lm.textgen; "
        "assert 'textseq.lm.model' not in sys.modules, 'textgen imported the model'"
    )
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ), check=True)


# ------------------------------------------------------------------ predict_next


def test_predict_next_is_the_softmax_of_the_models_row_highest_first():
    model = random_model()
    pairs = predict_next(model, "w3 w4", top_k=12)
    expected = softmax(model.table[model.vocab_["w4"]])
    assert [w for w, _ in pairs] == [model.vocab_.words[i] for i in np.argsort(-expected)]
    np.testing.assert_allclose([p for _, p in pairs], np.sort(expected)[::-1], rtol=1e-12)
    assert math.isclose(sum(p for _, p in pairs), 1.0, rel_tol=1e-12)
    assert len(predict_next(model, "w3", top_k=3)) == 3
    no_unk = predict_next(model, "w3", top_k=12, allow_unk=False)
    assert "<unk>" not in [w for w, _ in no_unk][:11] and no_unk[-1] == ("<unk>", 0.0)


def test_empty_prompt_starts_from_eos_and_unknown_words_warn_and_become_unk():
    model = random_model()
    first = predict_next(model, "", top_k=1)[0][0]
    assert first == model.vocab_.words[int(np.argmax(model.table[EOS]))]
    with pytest.warns(UserWarning, match="zzz, qqq"):
        pairs = predict_next(model, "w1 zzz qqq", top_k=1)
    assert pairs[0][0] == model.vocab_.words[int(np.argmax(model.table[UNK]))]
    with pytest.warns(UserWarning, match="read as <unk>: foo, bar"):
        out = generate(model, "foo bar foo", max_tokens=3)
    assert out.prompt_tokens == ["foo", "bar", "foo"]


def test_a_10k_word_prompt_conditions_the_state_entirely():
    model = random_model(sum_bonus=50.0)
    rng = np.random.default_rng(1)
    ids = rng.integers(2, 12, size=10_000)
    words = [model.vocab_.words[i] for i in ids]
    pairs = predict_next(model, " ".join(words), top_k=1)
    # the bonus makes the top word the running sum of every id read (<eos> + prompt) mod V
    assert pairs[0][0] == model.vocab_.words[(EOS + int(ids.sum())) % 12]
    assert max(model.chunk_lengths) <= PROMPT_CHUNK and sum(model.chunk_lengths) == 10_001
    out = generate(model, words, max_tokens=5)  # a token list works as a prompt too
    assert len(out.tokens) == 5


def test_multiline_prompt_lines_are_joined_by_eos():
    model = random_model(sum_bonus=50.0)
    pairs = predict_next(model, "w1\n\nw2", top_k=1)
    ids = [EOS, model.vocab_["w1"], EOS, model.vocab_["w2"]]
    assert pairs[0][0] == model.vocab_.words[sum(ids) % 12]


# ------------------------------------------------------------------ argmax and sampling


def greedy_reference(model, prompt_ids, n, ban_unk=True):
    prev, out = prompt_ids[-1] if prompt_ids else EOS, []
    for _ in range(n):
        row = model.table[prev].astype(np.float64).copy()
        if ban_unk:
            row[UNK] = -np.inf
        prev = int(np.argmax(row))
        out.append(prev)
        if prev == EOS:
            break
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_argmax_is_greedy_and_logprob_matches_the_model(seed):
    model = random_model(seed=seed)
    out = generate(model, "w2 w5", max_tokens=20)
    prompt_ids = [model.vocab_["w2"], model.vocab_["w5"]]
    assert out.ids == greedy_reference(model, prompt_ids, 20)
    assert out.best.finished == (out.ids[-1] == EOS)
    assert math.isclose(out.model_logprob, rescore(model, prompt_ids, out.ids), abs_tol=1e-6)


def test_sampling_with_a_seed_reproduces_and_seeds_differ():
    model = random_model()
    kw = dict(strategy="sample", max_tokens=25, stop_at_eos=False)
    a = generate(model, "w2", seed=7, **kw)
    b = generate(model, "w2", seed=7, **kw)
    assert a.ids == b.ids and a.logprob == b.logprob
    others = {tuple(generate(model, "w2", seed=s, **kw).ids) for s in range(8)}
    assert len(others) > 4


def test_sampling_frequencies_follow_the_softmax():
    model = random_model(vocab_size=5)
    counts = np.zeros(5)
    for s in range(3000):
        counts[
            generate(model, "w1", strategy="sample", max_tokens=1, seed=s, allow_unk=True).ids[0]
        ] += 1
    expected = softmax(model.table[model.vocab_["w1"]])
    assert np.abs(counts / 3000 - expected).max() < 0.03


@pytest.mark.parametrize(
    "kw",
    [
        {"temperature": 0.0},
        {"temperature": 1e-6},
        {"top_k": 1},
        {"top_p": 1e-9},
        {"min_p": 1.0},
        {"top_k": 1, "temperature": 3.0},
    ],
)
def test_sampling_limits_equal_argmax(kw):
    for seed in range(3):
        model = random_model(seed=seed)
        greedy = generate(model, "w3", max_tokens=20, stop_at_eos=False)
        sampled = generate(
            model, "w3", max_tokens=20, stop_at_eos=False, strategy="sample", seed=seed, **kw
        )
        assert sampled.ids == greedy.ids


def test_sampling_logprob_is_under_the_search_distribution():
    model = random_model()
    out = generate(model, "w3", strategy="sample", max_tokens=10, seed=3, allow_unk=True)
    prompt_ids = [model.vocab_["w3"]]
    # no option changes the distribution here: both log-probabilities are the model's
    assert math.isclose(out.logprob, rescore(model, prompt_ids, out.ids), abs_tol=1e-6)
    assert math.isclose(out.model_logprob, out.logprob, abs_tol=1e-6)


# ------------------------------------------------------------------ beam search


def tricky_model():
    """Greedy takes 'a' (0.5) then a flat row (best 0.2); 'b' (0.4) then 'c' (0.99) is better."""
    words = ["<unk>", "<eos>", "a", "b", "c", "d", "e", "f"]
    p = np.full((8, 8), 1e-6)
    p[EOS, [2, 3]] = [0.5, 0.4]
    p[2, [4, 5, 6, 7]] = [0.2, 0.2, 0.2, 0.2]
    p[2, 1] = 0.2
    p[3, 4] = 0.99
    for w in (4, 5, 6, 7):
        p[w, EOS] = 0.9
    p /= p.sum(axis=1, keepdims=True)
    return TableModel(words, np.log(p))


def test_beam_finds_the_better_sequence_greedy_misses():
    model = tricky_model()
    greedy = generate(model, "", max_tokens=5)
    beam = generate(model, "", max_tokens=5, strategy="beam", beam_width=2, length_penalty=0.0)
    assert greedy.tokens[0] == "a"
    assert beam.tokens == ["b", "c"] and beam.best.finished
    assert beam.model_logprob > greedy.model_logprob
    prob = softmax(model.table)  # rows renormalised from the 0.4, 0.99, 0.9 above
    expected = prob[EOS, 3] * prob[3, 4] * prob[4, EOS]
    np.testing.assert_allclose(math.exp(beam.model_logprob), expected, rtol=1e-5)


def test_beam_equals_exhaustive_search_on_a_small_model():
    model = random_model(vocab_size=5, seed=4)
    length = 4
    best_seq, best_lp = None, -np.inf
    for seq in itertools.product(range(5), repeat=length):
        lp = rescore(model, [2], list(seq))
        if lp > best_lp:
            best_seq, best_lp = list(seq), lp
    out = generate(
        model, ["w0"], max_tokens=length, strategy="beam", beam_width=5**3, n_best=3,
        allow_unk=True, stop_at_eos=False, length_penalty=0.0,
    )  # fmt: skip
    assert out.ids == best_seq
    assert math.isclose(out.logprob, best_lp, abs_tol=1e-6)
    scores = [h.score for h in out.hypotheses]
    assert (
        scores == sorted(scores, reverse=True) and len({tuple(h.ids) for h in out.hypotheses}) == 3
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_beam_width_one_equals_argmax(seed):
    model = random_model(seed=seed)
    for prompt in ("", "w1", "w4 w2"):
        greedy = generate(model, prompt, max_tokens=15)
        beam = generate(
            model, prompt, max_tokens=15, strategy="beam", beam_width=1, length_penalty=0
        )
        assert beam.ids == greedy.ids
        assert math.isclose(beam.logprob, greedy.logprob, abs_tol=1e-6)


@pytest.mark.parametrize("length_penalty", [0.0, 1.0, 0.6])
def test_beam_logprobs_equal_the_models_scores_of_its_hypotheses(length_penalty):
    model = random_model(seed=5)
    prompt_ids = [model.vocab_["w2"], model.vocab_["w7"]]
    out = generate(
        model, "w2 w7", max_tokens=12, strategy="beam", beam_width=5, n_best=5,
        length_penalty=length_penalty, allow_unk=True,
    )  # fmt: skip
    assert len(out.hypotheses) == 5
    for h in out.hypotheses:
        ref = rescore(model, prompt_ids, h.ids)
        assert math.isclose(h.model_logprob, ref, abs_tol=1e-6)
        assert math.isclose(h.logprob, ref, abs_tol=1e-6)  # no option changed the distribution
        assert math.isclose(h.score, h.logprob / len(h.ids) ** length_penalty, rel_tol=1e-12)
        assert h.finished == (h.ids[-1] == EOS) and EOS not in h.ids[:-1]
    # with <unk> banned the search distribution is renormalised, the model's score is not
    out = generate(model, "w2 w7", max_tokens=12, strategy="beam", n_best=3)
    for h in out.hypotheses:
        assert UNK not in h.ids
        assert math.isclose(h.model_logprob, rescore(model, prompt_ids, h.ids), abs_tol=1e-6)
        assert h.logprob >= h.model_logprob


def test_beam_advances_all_beams_in_one_step_call():
    model = random_model(seed=6)
    model.step_batches.clear()
    generate(model, "w1", max_tokens=30, strategy="beam", beam_width=5, stop_at_eos=False)
    assert len(model.step_batches) == 29  # the prompt's logits give the first token
    assert set(model.step_batches) == {5}


# ------------------------------------------------------------------ bans and stopping


def looping_model():
    """Strongly prefers a -> b -> a -> b ...; c, d are the runners-up."""
    words = ["<unk>", "<eos>", "a", "b", "c", "d"]
    t = np.full((6, 6), -5.0)
    t[:, 2] = 0.0
    t[2, 3] = 4.0
    t[3, 2] = 4.0
    t[:, 4] = 1.0
    t[:, 5] = 0.5
    t[:, UNK] = 6.0  # <unk> is each row's favourite
    return TableModel(words, t)


@pytest.mark.parametrize("strategy", ["argmax", "sample", "beam"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_no_repeat_ngram_blocks_every_repeat(strategy, n):
    model = looping_model()
    out = generate(
        model, "a", max_tokens=20, strategy=strategy, no_repeat_ngram_size=n, seed=0,
        stop_at_eos=False, beam_width=3,
    )  # fmt: skip
    history = [model.vocab_["a"]] + out.ids
    grams = [tuple(history[i : i + n]) for i in range(len(history) - n + 1)]
    assert len(grams) == len(set(grams))
    assert len(out.ids) > 2
    free = generate(model, "a", max_tokens=20, strategy=strategy, seed=0, stop_at_eos=False)
    free_hist = [model.vocab_["a"]] + free.ids
    assert (
        len({tuple(free_hist[i : i + n]) for i in range(len(free_hist) - n + 1)})
        < len(free_hist) - n + 1
    )  # without the ban the same model repeats


def test_no_repeat_unigram_stops_when_every_word_is_used():
    model = looping_model()
    out = generate(model, "", max_tokens=20, no_repeat_ngram_size=1, stop_at_eos=False)
    assert sorted(out.ids) == [1, 2, 3, 4, 5] and out.stop_reason == "no_allowed_token"


def test_repetition_penalty_breaks_the_loop():
    model = looping_model()
    plain = generate(model, "a", max_tokens=6, stop_at_eos=False)
    assert plain.tokens == ["b", "a", "b", "a", "b", "a"]
    penalised = generate(model, "a", max_tokens=6, stop_at_eos=False, repetition_penalty=50.0)
    assert penalised.tokens[:2] == ["b", "c"]


@pytest.mark.parametrize("strategy", ["argmax", "sample", "beam"])
def test_unk_is_never_emitted_unless_allowed(strategy):
    model = looping_model()
    out = generate(model, "a", max_tokens=10, strategy=strategy, seed=1)
    assert "<unk>" not in out.tokens and len(out.tokens) == 10
    allowed = generate(model, "a", max_tokens=3, strategy="argmax", allow_unk=True)
    assert allowed.tokens == ["<unk>"] * 3


@pytest.mark.parametrize("strategy", ["argmax", "sample", "beam"])
def test_generation_stops_at_eos_unless_told_not_to(strategy):
    words = ["<unk>", "<eos>", "x", "y"]
    t = np.full((4, 4), -8.0)
    t[EOS, 2] = t[2, 3] = t[3, EOS] = 0.0  # <eos> -> x -> y -> <eos>
    model = TableModel(words, t)
    out = generate(model, "", max_tokens=10, strategy=strategy, seed=0)
    assert out.tokens == ["x", "y"] and out.ids == [2, 3, EOS]
    assert out.best.finished and out.stop_reason == "eos" and out.text == "x y"
    more = generate(model, "", max_tokens=7, strategy=strategy, seed=0, stop_at_eos=False)
    assert more.tokens == ["x", "y", "<eos>", "x", "y", "<eos>", "x"]
    assert more.text == "x y\nx y\nx" and more.stop_reason == "max_tokens"


def test_max_tokens_zero_and_model_arrays_untouched():
    model = random_model()
    before = model.table.copy()
    assert generate(model, "w1", max_tokens=0).tokens == []
    assert generate(model, "w1", max_tokens=0, strategy="beam").tokens == []
    generate(
        model, "w1", max_tokens=8, strategy="beam", repetition_penalty=1.3, no_repeat_ngram_size=2
    )
    np.testing.assert_array_equal(model.table, before)


# ------------------------------------------------------------------ option errors


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"temperature": -1.0}, "temperature"),
        ({"temperature": float("nan")}, "temperature"),
        ({"strategy": "beam", "temperature": 0.0}, "temperature 0"),
        ({"strategy": "beam", "beam_width": 0}, "beam width"),
        ({"top_p": 0.0}, "top-p"),
        ({"top_p": 1.5}, "top-p"),
        ({"min_p": 0.0}, "min-p"),
        ({"top_k": 0}, "top-k"),
        ({"max_tokens": -1}, "max-tokens"),
        ({"strategy": "greedy"}, "strategy"),
        ({"repetition_penalty": 0.0}, "repetition penalty"),
        ({"no_repeat_ngram_size": -2}, "n-gram"),
        ({"n_best": 2}, "n-best"),
        ({"strategy": "beam", "beam_width": 2, "n_best": 3}, "n-best"),
        ({"seed": -3}, "seed"),
    ],
)
def test_bad_options_raise_one_line_option_errors(kw, match):
    with pytest.raises(OptionError, match=match) as info:
        generate(random_model(), "w1", **kw)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_predict_next_rejects_bad_topk():
    with pytest.raises(OptionError, match="top-k"):
        predict_next(random_model(), "w1", top_k=0)


def test_no_warning_for_known_words():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        generate(random_model(), "w1 w2", max_tokens=2)


# ------------------------------------------------------------------ a real RNNLM

SENTENCE = "the quick brown fox jumps over the lazy dog".split()


@pytest.fixture(scope="module", params=["gru", "lstm"])
def trained(request):
    """A tiny model trained to near-zero loss on one sentence repeated (about 1 s)."""
    from textseq.lm import LMConfig, TrainConfig, train_lm

    config = LMConfig(cell=request.param, embed=16, hidden=32, seed=1)
    train = TrainConfig(bptt=10, batch_size=4, epochs=15, lr=1e-2, split=(1.0, 0.0, 0.0), threads=1)
    model, history = train_lm([SENTENCE] * 60, config, train, progress=False)
    assert history.epochs[-1].train_loss < 0.02
    return model


def test_real_model_continues_the_sentence_by_argmax_and_beam(trained):
    out = generate(trained, "the quick", max_tokens=20)
    assert out.tokens == SENTENCE[2:] and out.best.finished
    beam = generate(trained, "", max_tokens=20, strategy="beam", n_best=3)
    assert beam.tokens == SENTENCE and beam.best.finished
    assert beam.hypotheses[1].score < beam.best.score
    top = predict_next(trained, "the quick brown", top_k=3)
    assert top[0][0] == "fox" and top[0][1] > 0.9
    # the model's thin methods give the same answers
    assert trained.predict_next("the quick brown", top_k=3) == top
    assert trained.generate("", 20, strategy="beam", n_best=3).hypotheses == beam.hypotheses


def test_real_model_beam_logprobs_equal_forward_sequence_scores(trained):
    vocab = trained.vocab_
    prompt_ids = list(vocab.encode(["over", "the"]))
    out = generate(trained, "over the", max_tokens=6, strategy="beam", n_best=4, allow_unk=True,
                   stop_at_eos=False)  # fmt: skip
    for h in out.hypotheses:
        ctx = [vocab.eos_id] + prompt_ids + h.ids
        logits, _ = trained.forward_sequence(np.array([ctx[:-1]]), trained.initial_state(1))
        lp = log_softmax(logits[0])
        ref = sum(lp[len(prompt_ids) + i, tok] for i, tok in enumerate(h.ids))
        assert math.isclose(h.model_logprob, ref, abs_tol=1e-5)
        assert math.isclose(h.logprob, ref, abs_tol=1e-5)


def test_real_model_state_is_not_modified_and_sampling_reproduces(trained):
    state = trained.initial_state(2)
    before = [s.copy() for s in state]
    trained.step(np.array([2, 3]), state)
    for a, b in zip(state, before):
        np.testing.assert_array_equal(a, b)
    a = generate(trained, "the", strategy="sample", temperature=2.0, seed=5, max_tokens=15)
    b = generate(trained, "the", strategy="sample", temperature=2.0, seed=5, max_tokens=15)
    assert a.ids == b.ids


@pytest.mark.parametrize("strategy", ["argmax", "sample", "beam"])
def test_every_word_banned_stops_cleanly_with_top_p(strategy):
    words = ["<unk>", "<eos>", "x"]
    model = TableModel(words, np.zeros((3, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = generate(model, "x", max_tokens=5, strategy=strategy, top_p=0.5, seed=0,
                       no_repeat_ngram_size=1, stop_at_eos=False)  # fmt: skip
    assert out.ids == [EOS] and out.stop_reason == "no_allowed_token"
