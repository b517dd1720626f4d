"""The shared shaping step (raw scores -> the scores a strategy chooses from) and the
decoding options, on small arrays whose answers are written out."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.decoding import Context, DecodingOptions, log_softmax, shape_logits, softmax
from textseq.errors import OptionError


def test_shape_logits_repetition_penalty_and_bans_follow_their_definitions():
    logits = np.array([[2.0, -1.0, 3.0, -2.0, 0.5]])
    ctx = Context(np.array([2, 3]), 5, DecodingOptions(repetition_penalty=2.0))
    x = shape_logits(logits, [[4]], ctx, DecodingOptions(repetition_penalty=2.0), unk_id=0)
    # seen ids 2, 3 (prompt) and 4 (generated): positive / 2, negative * 2; <unk> banned
    np.testing.assert_allclose(x[0], [-np.inf, -1.0, 1.5, -4.0, 0.25])
    assert x.dtype == np.float64
    assert logits[0, 0] == 2.0  # the input is not modified


def test_shape_logits_top_k_and_top_p_keep_the_right_sets():
    logits = np.log(np.array([[0.05, 0.4, 0.3, 0.2, 0.05]]))
    ctx = Context(np.array([], dtype=np.int64), 5, DecodingOptions())
    opt = DecodingOptions(top_k=2, allow_unk=True)
    assert np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0]).tolist() == [
        False,
        True,
        True,
        False,
        False,
    ]
    opt = DecodingOptions(top_p=0.65, allow_unk=True)  # 0.4 + 0.3 reaches 0.65
    kept = np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0])
    assert kept.tolist() == [False, True, True, False, False]
    opt = DecodingOptions(top_p=0.75, allow_unk=True)  # needs 0.4 + 0.3 + 0.2
    kept = np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0])
    assert kept.tolist() == [False, True, True, True, False]
    opt = DecodingOptions(temperature=0.5, allow_unk=True)
    np.testing.assert_allclose(shape_logits(logits, [[]], ctx, opt, 0), logits * 2)
    np.testing.assert_allclose(softmax(logits).sum(), 1.0)


def test_no_repeat_ngram_ban_lists_exactly_the_completing_ids():
    opt = DecodingOptions(no_repeat_ngram_size=3)
    ctx = Context(np.array([5, 6, 7, 5, 6]), 10, opt)
    # history 5 6 7 5 6 -> the bigram (5, 6) was followed by 7
    assert sorted(ctx.banned_ngram_ids([])) == [7]
    # history 5 6 7 5 6 8 6 7 -> (6, 7) was followed by 5 in the prompt
    assert sorted(ctx.banned_ngram_ids([8, 6, 7])) == [5]
    # history ... 6 8 6 9 6 8 -> (6, 8) was followed by 6 in the generated part
    assert sorted(ctx.banned_ngram_ids([8, 6, 9, 6, 8])) == [6]
    one = Context(np.array([2, 3]), 10, DecodingOptions(no_repeat_ngram_size=1))
    assert sorted(one.banned_ngram_ids([4])) == [2, 3, 4]


def test_min_p_keeps_the_ids_at_least_that_fraction_of_the_best():
    logits = np.log(np.array([[0.05, 0.4, 0.3, 0.2, 0.05]]))
    ctx = Context([], 5, DecodingOptions())
    opt = DecodingOptions(min_p=0.5, allow_unk=True)  # 0.3 / 0.4 >= 0.5, 0.2 / 0.4 too
    kept = np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0])
    assert kept.tolist() == [False, True, True, True, False]
    opt = DecodingOptions(min_p=0.6, allow_unk=True)  # 0.2 / 0.4 = 0.5 is dropped
    kept = np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0])
    assert kept.tolist() == [False, True, True, False, False]
    opt = DecodingOptions(min_p=1.0, allow_unk=True)  # only the best
    kept = np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0])
    assert kept.tolist() == [False, True, False, False, False]
    # after the temperature: at 0.5 the ratios are squared, 0.3/0.4 -> 0.5625
    opt = DecodingOptions(min_p=0.55, temperature=0.5, allow_unk=True)
    kept = np.isfinite(shape_logits(logits, [[]], ctx, opt, 0)[0])
    assert kept.tolist() == [False, True, True, False, False]
    everything_banned = np.full((1, 5), -np.inf)
    assert np.isneginf(shape_logits(everything_banned, [[]], ctx, opt, 0)).all()


def test_log_probabilities_shape_as_logits_do():
    """Raw scores may be exact log-probabilities (an adaptive softmax gives them): every
    step reads them as logits shifted by a constant per row, so the kept sets are equal."""
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, size=(3, 40))
    logp = log_softmax(logits)
    ctx = Context([4, 5, 6], 40, DecodingOptions())
    gen = [[1, 2], [7], []]
    for opt in (
        DecodingOptions(top_k=5),
        DecodingOptions(top_p=0.8, temperature=0.7),
        DecodingOptions(min_p=0.1, no_repeat_ngram_size=2),
    ):
        a = shape_logits(logits, gen, ctx, opt, 0)
        b = shape_logits(logp, gen, ctx, opt, 0)
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
        np.testing.assert_allclose(softmax(a), softmax(b), atol=1e-12)


def test_softmax_and_log_softmax_of_banned_entries():
    x = np.array([[0.0, -np.inf, np.log(3.0)], [-np.inf, -np.inf, -np.inf]])
    np.testing.assert_allclose(softmax(x), [[0.25, 0.0, 0.75], [0.0, 0.0, 0.0]])
    out = log_softmax(x)
    np.testing.assert_allclose(out[0], [np.log(0.25), -np.inf, np.log(0.75)])
    assert np.isneginf(out[1]).all()


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"strategy": "greedy"}, "strategy must be one of"),
        ({"max_tokens": -1}, "max-tokens"),
        ({"temperature": float("inf")}, "temperature"),
        ({"top_k": 2.5}, "top-k"),
        ({"top_p": True}, "top-p"),
        ({"min_p": 0.0}, "min-p"),
        ({"min_p": 1.5}, "min-p"),
        ({"repetition_penalty": -1.0}, "repetition penalty"),
        ({"no_repeat_ngram_size": 1.5}, "n-gram"),
        ({"n_best": 0}, "n-best"),
        ({"n_best": 2}, "n-best > 1 needs strategy 'beam'"),
        ({"strategy": "beam", "beam_width": 2, "n_best": 3}, "cannot exceed"),
        ({"strategy": "beam", "length_penalty": float("nan")}, "length penalty"),
        ({"strategy": "beam", "temperature": 0.0}, "temperature 0"),
        ({"seed": 1.0}, "seed"),
    ],
)
def test_options_refuse_bad_values_with_one_line_errors(kw, match):
    with pytest.raises(OptionError, match=match) as info:
        DecodingOptions(**kw).validate()
    assert "\n" not in str(info.value)


def test_valid_options_validate_to_themselves():
    opt = DecodingOptions(strategy="beam", beam_width=3, n_best=3, temperature=0.5, seed=0)
    assert opt.validate() is opt
    assert DecodingOptions(strategy="sample", temperature=0.0).validate().temperature == 0.0
