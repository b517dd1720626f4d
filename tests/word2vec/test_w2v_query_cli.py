"""``textseq similar / analogy / evaluate-w2v`` end to end on small vector files."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.word2vec.keyedvectors import KeyedVectors

WORDS = ["man", "woman", "king", "queen", "apple", "pear", "café", "prince", "princess"]


def small_kv() -> KeyedVectors:
    rng = np.random.default_rng(7)
    base = {"man": rng.standard_normal(8), "apple": rng.standard_normal(8)}
    royal, female = rng.standard_normal(8), rng.standard_normal(8)
    young = rng.standard_normal(8)
    vec = {
        "man": base["man"],
        "woman": base["man"] + female,
        "king": base["man"] + royal,
        "queen": base["man"] + royal + female,
        "prince": base["man"] + royal + young,
        "princess": base["man"] + royal + young + female,
        "apple": base["apple"],
        "pear": base["apple"] + 0.1 * rng.standard_normal(8),
        "café": rng.standard_normal(8),
    }
    return KeyedVectors(WORDS, np.stack([vec[w] for w in WORDS]).astype(np.float32))


@pytest.fixture(params=[False, True], ids=["text", "binary"])
def vectors(request, tmp_path):
    path = tmp_path / ("v.bin" if request.param else "v.txt")
    small_kv().save_word2vec_format(path, binary=request.param)
    return path


def table_words(out: str) -> list[str]:
    return [line.split()[1] for line in out.splitlines() if line.startswith("  ")]


def test_similar_per_word(cli, vectors):
    kv = small_kv()
    result = cli("similar", "apple", "café", "--vectors", vectors, "--top-n", "3")
    assert result.code == 0, result
    expected = [w for w, _ in kv.most_similar("apple", topn=3)]
    expected += [w for w, _ in kv.most_similar("café", topn=3)]
    assert table_words(result.out) == expected
    assert expected[0] == "pear"
    score = kv.most_similar("apple", topn=1)[0][1]
    assert f"{score:.4f}" in result.out
    assert "apple" in result.out.splitlines()[0]


def test_similar_with_negative_and_analogy(cli, vectors):
    kv = small_kv()
    result = cli("similar", "king", "woman", "--negative", "man", "--vectors", vectors, "-n", "2")
    assert result.code == 0, result
    expected = [w for w, _ in kv.most_similar(["king", "woman"], ["man"], topn=2)]
    assert table_words(result.out) == expected and expected[0] == "queen"
    assert result.out.splitlines()[0] == "king + woman - man"
    result = cli("analogy", "man", "king", "woman", "--vectors", vectors, "--top-n", "2")
    assert result.code == 0, result
    assert table_words(result.out) == expected
    assert "man : king = woman : ?" in result.out


def test_evaluate_on_user_files(cli, vectors, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(
        ": royal\nman king woman queen\nman woman king queen\nman woman prince princess\n"
        ": fruit\napple pear man dragon\n",
        encoding="utf-8",
    )
    pairs = tmp_path / "p.tsv"
    pairs.write_text("apple\tpear\t9\nman\tapple\t1\nking\tqueen\t7\nman\tunicorn\t3\n")
    result = cli("evaluate-w2v", "--vectors", vectors, "--analogies", questions, "--pairs", pairs)
    assert result.code == 0, result
    ours = small_kv().evaluate_word_analogies(questions)
    lines = result.out.splitlines()
    royal = next(line for line in lines if line.strip().startswith("royal"))
    assert royal.split()[1:3] == [str(ours["sections"][0]["correct"]), "3"]
    total = next(line for line in lines if line.strip().startswith("total"))
    assert total.split()[1:] == [
        str(ours["correct"]),
        str(ours["total"]),
        f"{100 * ours['accuracy']:.1f}%",
    ]
    fruit = next(line for line in lines if line.strip().startswith("fruit"))
    assert fruit.split()[1:] == ["0", "0", "-"]
    assert "questions skipped (unknown words): 25.0% (1 of 4)" in result.out
    scores = small_kv().evaluate_word_pairs(pairs)
    row = next(line for line in lines if line.strip().startswith(str(pairs)))
    assert row.split()[1:] == [
        f"{scores['pearson']:.4f}",
        f"{scores['spearman']:.4f}",
        "3",
        "25.0%",
    ]


def test_evaluate_builtin_sets_and_none(cli, vectors):
    result = cli("evaluate-w2v", "--vectors", vectors, "--pairs", "none")
    assert result.code == 0, result
    assert "capital-common-countries" in result.out and "word pairs" not in result.out
    # only king/queen/man/woman words of the analogy set are known: almost all skipped
    assert "questions skipped (unknown words): " in result.out
    result = cli("evaluate-w2v", "--vectors", vectors, "--analogies", "none", "--pairs", "x.tsv")
    assert result.code == 1 and "no such evaluation file 'x.tsv'" in result.error


def test_unknown_word_is_a_one_line_error(cli, vectors):
    result = cli("similar", "appel", "--vectors", vectors)
    assert result.code == 1
    assert result.error == ("error: word 'appel' is not in the vocabulary; did you mean: apple?")
    assert "Traceback" not in result.err
    result = cli("analogy", "man", "king", "wman", "--vectors", vectors)
    assert result.code == 1 and "'wman'" in result.error and "woman" in result.error


def test_bad_vector_files(cli, tmp_path):
    missing = cli("similar", "king", "--vectors", tmp_path / "nope.bin")
    assert missing.code == 1 and "does not exist" in missing.error
    bad = tmp_path / "bad.txt"
    bad.write_text("3 4\nking 1 2 3 4\nqueen 1 2\n", encoding="utf-8")
    result = cli("similar", "king", "--vectors", bad)
    assert result.code == 1
    assert result.error == f"error: {bad}, line 3: 2 values after the word, expected 4"
    assert "Traceback" not in result.err


def test_help_lists_the_commands(cli):
    result = cli("--help")
    assert all(c in result.out for c in ("similar", "analogy", "evaluate-w2v"))
    for command in ("similar", "analogy", "evaluate-w2v"):
        result = cli(command, "--help")
        assert result.code == 0 and "Examples:" in result.out, command


def test_limit_and_restrict_vocab(cli, vectors):
    kv = small_kv()
    result = cli("similar", "man", "--vectors", vectors, "--restrict-vocab", "4")
    assert result.code == 0, result
    assert table_words(result.out) == [w for w, _ in kv.most_similar("man", restrict_vocab=4)]
    assert set(table_words(result.out)) == {"woman", "king", "queen"}
    result = cli("similar", "man", "--vectors", vectors, "--limit", "3")
    assert result.code == 0 and set(table_words(result.out)) == {"woman", "king"}
    result = cli("similar", "apple", "--vectors", vectors, "--limit", "3")
    assert result.code == 1 and "'apple' is not in the vocabulary" in result.error
