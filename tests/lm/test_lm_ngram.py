"""Interpolated Kneser-Ney trigram: normalisation, a hand-computed case, a brute-force check."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from textseq.errors import OptionError
from textseq.lm.ngram import KneserNeyTrigram

UNK, EOS = 0, 1


def brute_force(stream, vocab_size, discount=None):
    """P(w | u, v) for every (u, v, w) by the textbook formulas, with dictionaries and loops."""
    bos = vocab_size
    padded = [EOS] + list(stream)
    c3 = Counter()
    for i in range(1, len(padded)):
        v = padded[i - 1]
        u = padded[i - 2] if i >= 2 and v != EOS else bos
        c3[(u, v, padded[i])] += 1
    left, raw2 = defaultdict(set), Counter()
    for (u, v, w), c in c3.items():
        left[(v, w)].add(u)
        raw2[(v, w)] += c
    a2 = {vw: (raw2[vw] if vw[0] == EOS else len(us)) for vw, us in left.items()}
    a1 = Counter(w for (_, w) in a2)

    def estimate(values):
        n1 = sum(1 for c in values if c == 1)
        n2 = sum(1 for c in values if c == 2)
        return 0.75 if n1 == 0 or n2 == 0 else n1 / (n1 + 2 * n2)

    if discount is None:
        d1, d2, d3 = estimate(a1.values()), estimate(a2.values()), estimate(c3.values())
    else:
        d1 = d2 = d3 = discount
    total1, types1 = sum(a1.values()), len(a1)

    def p1(w):
        return (max(a1.get(w, 0) - d1, 0) + d1 * types1 / vocab_size) / total1

    def p2(w, v):
        row = {x: c for (y, x), c in a2.items() if y == v}
        if not row:
            return p1(w)
        tot = sum(row.values())
        return (max(row.get(w, 0) - d2, 0) + d2 * len(row) * p1(w)) / tot

    def p3(w, u, v):
        row = {x: c for (a, b, x), c in c3.items() if (a, b) == (u, v)}
        if not row:
            return p2(w, v)
        tot = sum(row.values())
        return (max(row.get(w, 0) - d3, 0) + d3 * len(row) * p2(w, v)) / tot

    return p3, (d1, d2, d3)


def small_stream(seed=0, vocab_size=7, sentences=40):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(sentences):
        n = int(rng.integers(1, 6))
        # skewed word choice so that counts of 1, 2 and more all occur
        out.extend(rng.choice(np.arange(2, vocab_size), size=n, p=_zipf(vocab_size - 2)).tolist())
        out.append(EOS)
    out[3] = UNK
    return np.array(out, dtype=np.int32)


def _zipf(n):
    p = 1.0 / np.arange(1, n + 1)
    return p / p.sum()


def test_hand_computed_probability():
    # "a b <eos> a b <eos>", V = {<unk>, <eos>, a, b}, D = 0.5:
    # P1(b) = (1 - .5 + .5 * 3/4) / 3; P2(b|a) = .5 + .5 P1(b); P3(b|<eos>,a) = .75 + .25 P2
    lm = KneserNeyTrigram(4, EOS, discount=0.5).fit([2, 3, 1, 2, 3, 1])
    p1 = (0.5 + 0.5 * 3 / 4) / 3
    p3 = 0.75 + 0.25 * (0.5 + 0.5 * p1)
    assert math.isclose(lm.next_distribution([2])[3], p3, rel_tol=1e-12)
    assert math.isclose(lm.next_distribution([1, 2])[3], p3, rel_tol=1e-12)
    assert math.isclose(lm.next_distribution([0, 0])[0], 0.5 * 3 / 4 / 3, rel_tol=1e-12)


@pytest.mark.parametrize("discount", [None, 0.75, 0.3])
def test_matches_the_brute_force_formulas_for_every_context(discount):
    stream = small_stream()
    vocab_size = 7
    lm = KneserNeyTrigram(vocab_size, EOS, discount=discount).fit(stream)
    ref, ref_discounts = brute_force(stream.tolist(), vocab_size, discount)
    np.testing.assert_allclose(lm.discounts_, ref_discounts, rtol=1e-12)
    if discount is None:
        assert len(set(lm.discounts_)) > 1  # estimated per order, not a constant
    w = np.arange(vocab_size)
    for u in range(vocab_size + 1):  # BOS included
        for v in range(vocab_size):
            got = lm._prob(np.full(vocab_size, u), np.full(vocab_size, v), w)
            want = [ref(x, u, v) for x in range(vocab_size)]
            np.testing.assert_allclose(got, want, rtol=1e-12)
            assert math.isclose(got.sum(), 1.0, rel_tol=1e-12)


def test_distributions_sum_to_one_and_are_positive_for_seen_and_unseen_contexts():
    stream = small_stream(seed=1, vocab_size=12, sentences=200)
    lm = KneserNeyTrigram(12, EOS).fit(stream)
    for ctx in ([], [2], [2, 3], [stream[10], stream[11]], [11, 11], [UNK, 5], [5, EOS], [4, UNK]):
        p = lm.next_distribution(ctx)
        assert p.shape == (12,) and (p > 0).all()
        assert math.isclose(p.sum(), 1.0, rel_tol=1e-12), ctx


def test_perplexity_is_the_exponent_of_the_mean_log_probability():
    stream = small_stream(seed=2, vocab_size=9, sentences=100)
    train, test = stream[:300], stream[300:]
    lm = KneserNeyTrigram(9, EOS).fit(train)
    ref, _ = brute_force(train.tolist(), 9)
    padded = [EOS] + test.tolist()
    logs = []
    for i in range(1, len(padded)):
        v = padded[i - 1]
        u = padded[i - 2] if i >= 2 and v != EOS else 9
        logs.append(math.log(ref(padded[i], u, v)))
    np.testing.assert_allclose(lm.log_prob(test), logs, rtol=1e-12)
    assert math.isclose(lm.perplexity(test), math.exp(-np.mean(logs)), rel_tol=1e-12)
    assert 1.0 < lm.perplexity(test) < 9  # better than uniform on text from the same source


def test_a_repeated_sentence_becomes_nearly_certain():
    sentence = [2, 3, 4, 5, EOS]
    lm = KneserNeyTrigram(8, EOS).fit(sentence * 200)
    assert lm.perplexity(sentence * 3) < 1.05
    assert lm.perplexity([7, 6, 7, 6, EOS]) > 8  # never-seen words stay possible, but rare


def test_errors():
    with pytest.raises(OptionError, match="not fitted"):
        KneserNeyTrigram(5, EOS).perplexity([2, 3])
    with pytest.raises(OptionError, match="discount"):
        KneserNeyTrigram(5, EOS, discount=1.5).fit([2, 3])
    with pytest.raises(OptionError, match=r"\[0, 5\)"):
        KneserNeyTrigram(5, EOS).fit([2, 3, 9])
    with pytest.raises(OptionError, match="empty"):
        KneserNeyTrigram(5, EOS).fit([])
    lm = KneserNeyTrigram(5, EOS).fit([2, 3, EOS])
    with pytest.raises(OptionError, match="empty"):
        lm.perplexity([])
