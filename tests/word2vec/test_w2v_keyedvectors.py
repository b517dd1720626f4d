"""KeyedVectors queries against brute-force numpy and against gensim on the same vectors."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.errors import OptionError, UnknownWordError
from textseq.word2vec.keyedvectors import KeyedVectors

SPECIAL = ["café", "naïve", "日本", "Straße"]


def make_kv(n: int = 300, dim: int = 16, seed: int = 0, counts: bool = True) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n - len(SPECIAL))] + SPECIAL
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors *= rng.uniform(0.2, 3.0, size=(n, 1)).astype(np.float32)  # norms differ
    c = np.sort(rng.integers(1, 1000, size=n))[::-1].astype(np.int64) if counts else None
    return KeyedVectors(words, vectors, c)


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    return make_kv()


def unit(v: np.ndarray) -> np.ndarray:
    v = v.astype(np.float64)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def brute_most_similar(kv, positive, negative, topn, restrict=None):
    """Reference: weighted mean of unit vectors, cosine with every word, inputs dropped."""
    vecs = unit(kv.vectors)
    mean = sum(vecs[kv.key_to_index[w]] for w in positive) - sum(
        (vecs[kv.key_to_index[w]] for w in negative), np.zeros(kv.vector_size)
    )
    mean = mean / np.linalg.norm(mean)
    end = restrict or len(kv)
    sims = vecs[:end] @ mean
    inputs = {kv.key_to_index[w] for w in [*positive, *negative]}
    order = [i for i in np.argsort(-sims) if i not in inputs][:topn]
    return [(kv.index_to_key[i], sims[i]) for i in order]


def brute_cosmul(kv, positive, negative, topn, restrict=None):
    vecs = unit(kv.vectors)
    end = restrict or len(kv)
    num = np.ones(end)
    den = np.ones(end)
    for w in positive:
        num *= (1 + vecs[:end] @ vecs[kv.key_to_index[w]]) / 2
    for w in negative:
        den *= (1 + vecs[:end] @ vecs[kv.key_to_index[w]]) / 2
    scores = num / ((den if negative else 1) + 1e-6)
    inputs = {kv.key_to_index[w] for w in [*positive, *negative]}
    order = [i for i in np.argsort(-scores) if i not in inputs][:topn]
    return [(kv.index_to_key[i], scores[i]) for i in order]


def assert_same_ranking(ours, ref, atol=1e-5):
    assert [w for w, _ in ours] == [w for w, _ in ref]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in ref], atol=atol)


# ---- container -----------------------------------------------------------------------------
def test_container_protocol(kv):
    assert len(kv) == 300 and kv.vector_size == 16
    assert "w3" in kv and "café" in kv and "nope" not in kv and 3 not in kv
    assert kv.key_to_index["w3"] == 3 and kv.index_to_key[3] == "w3"
    np.testing.assert_array_equal(kv["w3"], kv.vectors[3])
    np.testing.assert_array_equal(kv[["w3", "café"]], kv.vectors[[3, kv.key_to_index["café"]]])
    assert kv[["w1", "w2"]].shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(kv.get_vector("w5", norm=True)), 1.0, rtol=1e-6)
    np.testing.assert_allclose(kv.get_vector("w5", norm=True), unit(kv.vectors[5]), atol=1e-6)
    got = kv["w3"]
    got[:] = 0  # a copy: the model is not changed through it
    assert np.any(kv.vectors[3] != 0)
    assert list(kv)[:2] == ["w0", "w1"]


def test_constructor_validation():
    v = np.zeros((2, 3), np.float32)
    with pytest.raises(OptionError, match="one row per word"):
        KeyedVectors(["a"], v)
    with pytest.raises(OptionError, match="twice"):
        KeyedVectors(["a", "a"], v)
    with pytest.raises(OptionError, match="2-D"):
        KeyedVectors(["a", "b"], np.zeros(2))
    with pytest.raises(OptionError, match="counts"):
        KeyedVectors(["a", "b"], v, np.array([1, 2, 3]))
    kv = KeyedVectors(["a", "b"], np.ones((2, 3), np.float64), [5, 1])
    assert kv.vectors.dtype == np.float32 and kv.counts.dtype == np.int64


def test_zero_vector_and_cache_reset():
    kv = KeyedVectors(["a", "b", "c"], np.array([[1, 0], [0, 0], [1, 1]], np.float32))
    assert np.all(np.isfinite(kv.unit_vectors)) and kv.similarity("a", "b") == 0.0
    kv.vectors[1] = [0, 2]
    kv.clear_cache()
    assert kv.similarity("a", "b") == pytest.approx(0.0)
    assert kv.similarity("c", "b") == pytest.approx(np.sqrt(0.5), rel=1e-6)


# ---- queries vs brute force ----------------------------------------------------------------
@pytest.mark.parametrize(
    "positive,negative",
    [
        (["w1"], []),
        (["w1", "w7"], []),
        (["w2", "café"], ["w9"]),
        ([], ["w4"]),
        (["日本"], ["w0", "w5"]),
    ],
)
def test_most_similar_matches_brute_force(kv, positive, negative):
    ours = kv.most_similar(positive=positive, negative=negative, topn=12)
    assert_same_ranking(ours, brute_most_similar(kv, positive, negative, 12))
    assert not {w for w, _ in ours} & {*positive, *negative}


def test_most_similar_forms_of_input(kv):
    ref = kv.most_similar(positive=["w1"], topn=5)
    assert kv.most_similar("w1", topn=5) == ref
    assert kv.similar_by_word("w1", topn=5) == ref
    assert kv.most_similar(positive=[("w1", 1.0)], topn=5) == ref
    # a raw vector is used as given and nothing is excluded: w1 itself comes first
    by_vec = kv.similar_by_vector(kv["w1"], topn=6)
    assert by_vec[0][0] == "w1" and by_vec[0][1] == pytest.approx(1.0, abs=1e-5)
    assert [w for w, _ in by_vec[1:]] == [w for w, _ in ref]
    # weights: doubling the negative weight changes the mean as the reference says
    weighted = kv.most_similar(positive=["w2"], negative=[("w3", -2.0)], topn=5)
    vecs = unit(kv.vectors)
    mean = vecs[2] - 2 * vecs[3]
    sims = vecs @ (mean / np.linalg.norm(mean))
    expected = [kv.index_to_key[i] for i in np.argsort(-sims) if i not in (2, 3)][:5]
    assert [w for w, _ in weighted] == expected
    assert kv.most_similar("w1", topn=0) == []
    everything = kv.most_similar("w1", topn=None)
    assert everything.shape == (len(kv),)
    assert everything[1] == pytest.approx(1.0, abs=1e-5)


def test_restrict_vocab(kv):
    ours = kv.most_similar(positive=["w1", "w250"], negative=["w3"], topn=10, restrict_vocab=50)
    ref = brute_most_similar(kv, ["w1", "w250"], ["w3"], 10, restrict=50)
    assert_same_ranking(ours, ref)
    assert all(kv.key_to_index[w] < 50 for w, _ in ours)
    assert len(kv.most_similar("w1", topn=100, restrict_vocab=5)) == 4  # w1 itself excluded
    assert kv.most_similar("w1", topn=None, restrict_vocab=7).shape == (7,)
    with pytest.raises(OptionError):
        kv.most_similar("w1", restrict_vocab=-3)


@pytest.mark.parametrize(
    "positive,negative,restrict",
    [(["w1"], [], None), (["w2", "w8"], ["w5"], None), (["naïve", "w8"], ["w5", "w6"], 100)],
)
def test_most_similar_cosmul_matches_brute_force(kv, positive, negative, restrict):
    ours = kv.most_similar_cosmul(positive, negative, topn=10, restrict_vocab=restrict)
    assert_same_ranking(ours, brute_cosmul(kv, positive, negative, 10, restrict))


def test_single_positive_cosmul_ranks_like_most_similar(kv):
    a = [w for w, _ in kv.most_similar_cosmul("w11", topn=10)]
    b = [w for w, _ in kv.most_similar("w11", topn=10)]
    assert a == b


def test_similarity_analogy_doesnt_match(kv):
    vecs = unit(kv.vectors)
    assert kv.similarity("w1", "w2") == pytest.approx(vecs[1] @ vecs[2], abs=1e-6)
    assert kv.distance("w1", "w2") == pytest.approx(1 - vecs[1] @ vecs[2], abs=1e-6)
    assert kv.similarity("w1", "w1") == pytest.approx(1.0, abs=1e-6)
    assert kv.analogy("w1", "w2", "w3", topn=4) == kv.most_similar(
        positive=["w2", "w3"], negative=["w1"], topn=4
    )
    words = ["w1", "w2", "w3", "w4", "w5"]
    mean = vecs[[1, 2, 3, 4, 5]].mean(axis=0)
    farthest = words[int(np.argmin(vecs[[1, 2, 3, 4, 5]] @ mean))]
    assert kv.doesnt_match(words) == farthest
    m1, m2 = kv.vectors[[1, 2]].mean(0), kv.vectors[[3]].mean(0)
    expected = m1 @ m2 / (np.linalg.norm(m1) * np.linalg.norm(m2))
    assert kv.n_similarity(["w1", "w2"], ["w3"]) == pytest.approx(expected, abs=1e-6)


def test_planted_structure():
    """Three tight clusters: neighbours stay in the cluster, the odd one out is found."""
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((3, 20)) * 4
    words, vecs = [], []
    for c in range(3):
        for j in range(10):
            words.append(f"c{c}_{j}")
            vecs.append(centres[c] + rng.standard_normal(20) * 0.3)
    kv = KeyedVectors(words, np.array(vecs))
    for c in range(3):
        near = kv.most_similar(f"c{c}_0", topn=9)
        assert all(w.startswith(f"c{c}_") for w, _ in near)
    assert kv.doesnt_match(["c0_1", "c0_2", "c0_3", "c2_5"]) == "c2_5"
    # analogy along a planted offset: x_i + r = y_i
    r = rng.standard_normal(20) * 3
    base = rng.standard_normal((5, 20)) * 3
    kv2 = KeyedVectors(
        [f"x{i}" for i in range(5)] + [f"y{i}" for i in range(5)],
        np.vstack([base, base + r + rng.standard_normal((5, 20)) * 0.05]),
    )
    assert kv2.analogy("x0", "y0", "x3")[0][0] == "y3"


# ---- unknown words and empty inputs ---------------------------------------------------------
UNKNOWN_CALLS = [
    lambda kv: kv["w1x"],
    lambda kv: kv[["w1", "w1x"]],
    lambda kv: kv.get_vector("w1x"),
    lambda kv: kv.get_index("w1x"),
    lambda kv: kv.most_similar("w1x"),
    lambda kv: kv.most_similar(positive=["w1"], negative=["w1x"]),
    lambda kv: kv.most_similar_cosmul(["w1x"]),
    lambda kv: kv.most_similar_cosmul(["w1"], ["w1x"]),
    lambda kv: kv.similar_by_word("w1x"),
    lambda kv: kv.similarity("w1", "w1x"),
    lambda kv: kv.n_similarity(["w1"], ["w1x"]),
    lambda kv: kv.doesnt_match(["w1", "w2", "w1x"]),
    lambda kv: kv.analogy("w1", "w2", "w1x"),
]


@pytest.mark.parametrize("call", UNKNOWN_CALLS)
def test_unknown_word_raises_keyerror_with_suggestion(kv, call):
    with pytest.raises(UnknownWordError) as info:
        call(kv)
    assert isinstance(info.value, KeyError)
    assert info.value.word == "w1x"
    message = str(info.value)
    assert "'w1x'" in message and "not in the vocabulary" in message
    assert "w1" in info.value.suggestions and "did you mean" in message


def test_suggestions(kv):
    assert kv.suggest("cafe")[0] == "café"
    assert kv.suggest("straße")[0] == "Straße"  # other capitalisation first
    assert kv.suggest("zzzzzzzzzzzzzzz") == []
    assert kv.suggest("") == []


def test_suggestions_on_a_large_vocabulary():
    rng = np.random.default_rng(0)
    codes = rng.integers(ord("a"), ord("z") + 1, size=(100000, 10), dtype=np.uint8)
    lengths = rng.integers(3, 11, size=100000)
    words = sorted({bytes(row[:n]).decode() for row, n in zip(codes, lengths.tolist())})
    words += ["helicopter", "xylophone"]
    kv = KeyedVectors(words, np.zeros((len(words), 2), np.float32))
    assert "helicopter" in kv.suggest("helicoptr")
    assert "xylophone" in kv.suggest("zylophone")  # first letter wrong: second pass finds it


EMPTY_CALLS = [
    lambda kv: kv.most_similar(),
    lambda kv: kv.most_similar(positive=[], negative=[]),
    lambda kv: kv.most_similar_cosmul(),
    lambda kv: kv.most_similar_cosmul(negative=["w1"]),
    lambda kv: kv.doesnt_match([]),
    lambda kv: kv.n_similarity([], ["w1"]),
    lambda kv: kv.similar_by_vector(np.zeros(3)),
]


@pytest.mark.parametrize("call", EMPTY_CALLS)
def test_empty_or_bad_inputs_raise_option_error(kv, call):
    with pytest.raises(OptionError):
        call(kv)


def test_non_string_key_is_a_type_error(kv):
    with pytest.raises(TypeError):
        kv.get_index(3)


# ---- gensim agreement ----------------------------------------------------------------------
QUERIES = [
    (["w1"], []),
    (["w2", "w30"], ["w7"]),
    (["café", "w3"], ["日本", "w8"]),
    ([], ["w9"]),
]


@pytest.fixture(scope="module")
def gkv(kv):
    return kv.to_gensim()


@pytest.mark.parametrize("positive,negative", QUERIES)
@pytest.mark.parametrize("restrict", [None, 120])
def test_most_similar_agrees_with_gensim(kv, gkv, positive, negative, restrict):
    ours = kv.most_similar(positive, negative, topn=15, restrict_vocab=restrict)
    theirs = gkv.most_similar(
        positive=positive, negative=negative, topn=15, restrict_vocab=restrict
    )
    assert_same_ranking(ours, theirs)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("positive,negative", [q for q in QUERIES if q[0]])
def test_cosmul_and_pair_queries_agree_with_gensim(kv, gkv, positive, negative):
    assert_same_ranking(
        kv.most_similar_cosmul(positive, negative, topn=15),
        gkv.most_similar_cosmul(positive=positive, negative=negative, topn=15),
    )


def test_other_queries_agree_with_gensim(kv, gkv):
    for a, b in [("w1", "w2"), ("café", "日本"), ("w5", "w5")]:
        assert kv.similarity(a, b) == pytest.approx(float(gkv.similarity(a, b)), abs=1e-6)
    assert kv.n_similarity(["w1", "w4"], ["w2"]) == pytest.approx(
        float(gkv.n_similarity(["w1", "w4"], ["w2"])), abs=1e-6
    )
    for words in (["w1", "w2", "w3", "w4"], ["café", "naïve", "w10", "w11", "w12"]):
        assert kv.doesnt_match(words) == gkv.doesnt_match(words)
    vec = np.random.default_rng(1).standard_normal(16).astype(np.float32)
    assert_same_ranking(kv.similar_by_vector(vec, topn=8), gkv.similar_by_vector(vec, topn=8))


def test_gensim_conversion_round_trip(kv, gkv):
    assert gkv.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(gkv.vectors, kv.vectors)
    assert [gkv.get_vecattr(w, "count") for w in kv.index_to_key[:5]] == kv.counts[:5].tolist()
    back = KeyedVectors.from_gensim(gkv)
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)
    np.testing.assert_array_equal(back.counts, kv.counts)
    no_counts = make_kv(counts=False).to_gensim()
    assert "count" not in no_counts.expandos
    assert KeyedVectors.from_gensim(no_counts).counts is None
