"""The option names of docs/CLI.md at work: --top-k / --top-n / -o, the Python ``top_k=``,
the retired spellings still accepted, and the analogy's plain notation."""

from __future__ import annotations

import warnings

import pytest

SENTENCE = "the quick brown fox jumps over the lazy dog"


@pytest.fixture(scope="module")
def lm_dir(tmp_path_factory):
    from textseq.lm import LMConfig, TrainConfig, train_lm

    folder = tmp_path_factory.mktemp("lm") / "model"
    config = LMConfig(cell="gru", embed=8, hidden=16, seed=1)
    train = TrainConfig(bptt=8, batch_size=4, epochs=8, lr=1e-2, split=(1.0, 0.0, 0.0), threads=1)
    train_lm([SENTENCE.split()] * 40, config, train, out_dir=folder, progress=False)
    return folder


@pytest.fixture
def vectors(tmp_path):
    path = tmp_path / "v.txt"
    rows = {"man": "1 0 0", "king": "1 1 0", "woman": "0 0 1", "queen": "0 1 1", "they": "0 0.2 1"}
    path.write_text(f"{len(rows)} 3\n" + "".join(f"{w} {v}\n" for w, v in rows.items()))
    return path


def test_predict_takes_top_k_and_its_former_spelling(cli, lm_dir):
    new = cli("predict", "-m", lm_dir, "-p", "the quick", "--top-k", "2")
    short = cli("predict", "-m", lm_dir, "-p", "the quick", "-k", "2")
    old = cli("predict", "-m", lm_dir, "-p", "the quick", "--topk", "2")
    assert new.code == short.code == old.code == 0
    assert new.out == short.out == old.out and len(new.out.strip().splitlines()) == 3


def test_generate_has_no_n_flag_and_takes_k_for_top_k(cli, lm_dir):
    assert cli("generate", "-m", lm_dir, "-n", "3").code == 2  # -n is --top-n's, not here
    result = cli(
        "generate", "-m", lm_dir, "-p", "the", "-s", "sample", "-k", "1", "--max-tokens", "3"
    )
    assert result.code == 0 and len(result.out.split()) == 3


def test_python_top_k_everywhere_and_topk_still_works_with_a_warning(lm_dir):
    from textseq.lm import RNNLM

    model = RNNLM.load(lm_dir)
    top = model.predict_next("the quick", top_k=2)
    with pytest.warns(DeprecationWarning, match="top_k"):
        assert model.predict_next("the quick", topk=2) == top
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = model.generate("the", max_tokens=4, strategy="sample", top_k=1, seed=0)
    with pytest.warns(DeprecationWarning):
        b = model.generate("the", max_tokens=4, strategy="sample", topk=1, seed=0)
    assert a.text == b.text


def test_similar_and_analogy_take_top_n_and_their_former_spelling(cli, vectors):
    new = cli("similar", "king", "--vectors", vectors, "--top-n", "2")
    old = cli("similar", "king", "--vectors", vectors, "--topn", "2")
    short = cli("similar", "king", "--vectors", vectors, "-n", "2")
    assert new.code == 0 and new.out == old.out == short.out
    result = cli("analogy", "man", "king", "they", "--vectors", vectors, "--top-n", "1")
    assert result.code == 0, result
    assert result.out.splitlines()[0] == "man : king = they : ?"  # no "they is to"
    assert "queen" in result.out


def test_demo_and_corpora_write_to_output(cli, tmp_path):
    assert "-o, --output" in cli("demo", "--help").out
    for args in (("corpora", "list", "-o", tmp_path), ("corpora", "list", "--out-dir", tmp_path)):
        assert cli(*args).code == 0


def test_train_lm_help_shows_where_it_writes(cli):
    text = " ".join(cli("train-lm", "--help").out.split())
    assert "Model folder to write. [default: model]" in text
