"""Analogy and word-pair evaluation: same numbers as gensim on the same vectors."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.datasets import eval_path
from textseq.errors import InputError, OptionError
from textseq.word2vec.evaluation import (
    C_TOOL_RESTRICT_VOCAB,
    evaluate_word_analogies,
    evaluate_word_pairs,
)
from textseq.word2vec.keyedvectors import KeyedVectors


def scored_pairs(name: str) -> list[tuple[str, str, float]]:
    pairs = []
    for line in eval_path(name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            a, b, score = line.split("\t")
            pairs.append((a.lower(), b.lower(), float(score)))
    return pairs


def planted_vectors(seed: int = 0, dim: int = 24, noise: float = 0.6) -> KeyedVectors:
    """Vectors for the questions-words vocabulary with a planted offset per section.

    Each section gets a random relation vector r; for each pair (x, y) of its questions,
    y = x + r + noise unless y already has a vector. Words serving several sections keep
    their first vector, so some questions are answered right and some wrong. For about half
    of the wordsim353/simlex999 pairs the second word is placed near the first, nearer for a
    higher human score; some words get a capitalised second spelling (near the first)
    further down, and filler words widen the search.
    """
    rng = np.random.default_rng(seed)
    vec: dict[str, np.ndarray] = {}
    order: list[str] = []
    relation = None
    for line in eval_path("questions-words").read_text(encoding="utf-8").splitlines():
        if line.startswith(": "):
            relation = rng.standard_normal(dim)
            continue
        a, b, c, d = (w.lower() for w in line.split())
        for x, y in ((a, b), (c, d)):
            if x not in vec:
                vec[x] = rng.standard_normal(dim)
                order.append(x)
            if y not in vec:
                vec[y] = vec[x] + relation + noise * rng.standard_normal(dim)
                order.append(y)
    for a, b, score in scored_pairs("wordsim353") + scored_pairs("simlex999"):
        if rng.random() < 0.5:
            continue
        if a not in vec:
            vec[a] = rng.standard_normal(dim)
            order.append(a)
        if b not in vec:
            vec[b] = vec[a] + rng.standard_normal(dim) * (0.2 + (10 - score) / 4)
            order.append(b)
    for i in range(400):
        vec[f"filler{i}"] = rng.standard_normal(dim) * 1.3
        order.append(f"filler{i}")
    keys = [order[i] for i in rng.permutation(len(order))]
    # second spellings close to the first: they come up as answers and must be ignored
    capitals = [k.capitalize() for k in keys[:300] if k.capitalize() != k]
    near = [vec[k.lower()] + 0.3 * rng.standard_normal(dim) for k in capitals]
    vectors = np.stack([vec[k] for k in keys] + near)
    return KeyedVectors(keys + capitals, vectors.astype(np.float32))


@pytest.fixture(scope="module")
def kv() -> KeyedVectors:
    return planted_vectors()


@pytest.fixture(scope="module")
def gkv(kv):
    return kv.to_gensim()


@pytest.mark.parametrize(
    "restrict,case_insensitive,dummy",
    [(300000, True, False), (1800, True, False), (2000, False, True)],
)
def test_analogies_agree_with_gensim(kv, gkv, caplog, restrict, case_insensitive, dummy):
    ours = evaluate_word_analogies(kv, "questions-words", restrict, case_insensitive, dummy)
    with caplog.at_level("INFO", logger="gensim.models.keyedvectors"):
        score, sections = gkv.evaluate_word_analogies(
            str(eval_path("questions-words")),
            restrict_vocab=restrict,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy,
        )
    total = sections[-1]
    assert ours["accuracy"] == pytest.approx(score, abs=1e-12)
    assert (ours["correct"], ours["incorrect"]) == (len(total["correct"]), len(total["incorrect"]))
    assert [s["section"] for s in ours["sections"]] == [s["section"] for s in sections[:-1]]
    for mine, theirs in zip(ours["sections"], sections[:-1]):
        assert (mine["correct"], mine["incorrect"]) == (
            len(theirs["correct"]),
            len(theirs["incorrect"]),
        ), mine["section"]
    # the share of skipped questions is only logged by gensim, as a percentage
    logged = [r.getMessage() for r in caplog.records if "out-of-vocabulary" in r.getMessage()]
    assert logged == [f"Quadruplets with out-of-vocabulary words: {100 * ours['skipped']:.1f}%"]
    assert ours["questions"] == 19544
    if dummy:  # questions with unknown words count as wrong answers
        assert ours["total"] == ours["questions"]
    else:
        assert ours["skipped_count"] + ours["total"] == ours["questions"]
    if case_insensitive and restrict == 300000:
        # non-trivial: every question covered, neither all right nor all wrong
        assert ours["skipped"] == 0.0
        assert 0.2 < ours["accuracy"] < 0.95
        accuracies = [s["accuracy"] for s in ours["sections"]]
        assert max(accuracies) - min(accuracies) > 0.2
    else:
        assert 0.05 < ours["skipped"] < 0.95 and ours["correct"] > 0


@pytest.mark.parametrize("name", ["wordsim353", "simlex999"])
@pytest.mark.parametrize(
    "restrict,case_insensitive,dummy",
    [(300000, True, False), (1500, True, True), (300000, False, False)],
)
def test_word_pairs_agree_with_gensim(kv, gkv, name, restrict, case_insensitive, dummy):
    ours = evaluate_word_pairs(kv, name, restrict, case_insensitive, dummy4unknown=dummy)
    pearson, spearman, oov = gkv.evaluate_word_pairs(
        str(eval_path(name)),
        restrict_vocab=restrict,
        case_insensitive=case_insensitive,
        dummy4unknown=dummy,
    )
    assert ours["pearson"] == pytest.approx(pearson[0], abs=1e-6)
    assert ours["spearman"] == pytest.approx(spearman[0], abs=1e-6)
    assert ours["pearson_pvalue"] == pytest.approx(pearson[1], rel=1e-4, abs=1e-12)
    assert 100 * ours["oov_ratio"] == pytest.approx(oov, abs=1e-9)
    if not dummy and case_insensitive and restrict == 300000:
        assert 50 < ours["pairs_used"] and 0.2 < ours["oov_ratio"] < 0.8
        assert ours["spearman"] > 0.1  # planted: the second word sits near the first


def test_keyedvectors_methods_delegate(kv):
    assert kv.evaluate_word_analogies(restrict_vocab=900) == evaluate_word_analogies(
        kv, "questions-words", 900
    )
    assert kv.evaluate_word_pairs("simlex999") == evaluate_word_pairs(kv, "simlex999")


def test_c_tool_restrict_vocab_constant():
    assert C_TOOL_RESTRICT_VOCAB == 30000


# ---- small hand-checked cases --------------------------------------------------------------
def tiny_kv() -> KeyedVectors:
    # man -> king and woman -> queen share the offset (0, 1); apple is far away
    words = ["man", "woman", "king", "queen", "apple", "Queen"]
    vectors = [[1, 0, 0], [1, 0.2, 0], [1, 1, 0], [1, 1.2, 0], [0, 0, 1], [0, 0, 1]]
    return KeyedVectors(words, np.array(vectors, np.float32))


def test_hand_checked_analogy_file(tmp_path):
    path = tmp_path / "q.txt"
    path.write_text(
        ": royal\nman king woman queen\nMAN KING WOMAN QUEEN\nman king woman apple\n"
        ": fruit\nman king woman banana\n\n",
        encoding="utf-8",
    )
    result = evaluate_word_analogies(tiny_kv(), path)
    assert result["questions"] == 4 and result["skipped_count"] == 1
    assert result["skipped"] == 0.25
    assert result["sections"][0] == {
        "section": "royal",
        "correct": 2,
        "incorrect": 1,
        "total": 3,
        "accuracy": 2 / 3,
    }
    assert result["sections"][1]["total"] == 0 and result["sections"][1]["accuracy"] == 0.0
    assert result["correct"] == 2 and result["total"] == 3
    # case-sensitive: the upper-case question becomes unknown
    strict = evaluate_word_analogies(tiny_kv(), path, case_insensitive=False)
    assert strict["skipped_count"] == 2 and strict["correct"] == 1


def test_hand_checked_pairs_file(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text(
        "word1\tword2\tscore\n# comment\nman\twoman\t9\nking\tqueen\t8\nman\tapple\t1\n"
        "king\tbanana\t3\n",
        encoding="utf-8",
    )
    kv = tiny_kv()
    result = evaluate_word_pairs(kv, path)
    assert result["pairs_used"] == 3 and result["pairs_oov"] == 1
    assert result["oov_ratio"] == 0.25
    model = [kv.similarity("man", "woman"), kv.similarity("king", "queen"), 0.0]
    gold = [9, 8, 1]
    assert result["pearson"] == pytest.approx(np.corrcoef(gold, model)[0, 1], abs=1e-6)
    # gold ranks (3, 2, 1), model ranks (2, 3, 1): king-queen is the closer pair here
    assert result["spearman"] == pytest.approx(1 - 6 * 2 / (3 * 8))


# ---- malformed files and options -----------------------------------------------------------
@pytest.mark.parametrize(
    "content,message",
    [
        ("man king woman queen\n", "line 1: a question before the first ': section'"),
        (": s\nman king woman\n", "line 2: expected 4 words"),
        (": s\n", "contains no analogy questions"),
    ],
)
def test_malformed_analogy_files(tmp_path, content, message):
    path = tmp_path / "q.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        evaluate_word_analogies(tiny_kv(), path)
    assert message in str(info.value) and str(path) in str(info.value)


@pytest.mark.parametrize(
    "content,message",
    [
        ("man\twoman\t9\nking queen 8\n", "line 2: expected 3 fields"),
        ("man\twoman\t9\nking\tqueen\thigh\n", "line 2: score 'high' is not a number"),
        ("man\tbanana\t9\nking\tcherry\t8\n", "only 0 of 2 pairs"),
    ],
)
def test_malformed_pair_files(tmp_path, content, message):
    path = tmp_path / "p.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as info:
        evaluate_word_pairs(tiny_kv(), path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_undecodable_and_missing_files(tmp_path):
    path = tmp_path / "q.txt"
    path.write_bytes(b": s\nman king woman qu\xffeen\n")
    with pytest.raises(InputError, match="line 2: not valid UTF-8"):
        evaluate_word_analogies(tiny_kv(), path)
    with pytest.raises(InputError, match="no such evaluation file"):
        evaluate_word_pairs(tiny_kv(), tmp_path / "missing.tsv")
    with pytest.raises(OptionError):
        evaluate_word_pairs(tiny_kv(), "wordsim353", restrict_vocab=0)
