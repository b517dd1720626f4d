"""The adaptive softmax output layer: gradients, exact probabilities, the model around it,
files, decoding and the command line."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from gradcheck import assert_grad

from textseq.cli.main import main
from textseq.errors import OptionError
from textseq.lm import RNNLM, LMConfig, TrainConfig, train_lm
from textseq.lm.adaptive import AdaptiveSoftmaxOutput
from textseq.lm.adaptive_cutoffs import auto_cutoffs, check_cutoffs, parse_cutoffs, tail_dims

SENTENCE = "a quick brown fox jumps over one lazy dog"


def _layer(H=6, V=17, cutoffs=(5, 9, 14), div=2.0, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    out = AdaptiveSoftmaxOutput(H, V, list(cutoffs), rng, dtype, div)
    for p in out.params.values():  # non-trivial values everywhere, the head bias included
        p[...] = rng.normal(0, 0.6, p.shape)
    return out


def test_shapes_follow_the_cutoffs_and_div_value():
    out = _layer(H=16, V=40, cutoffs=(10, 20, 30), div=2.0)
    assert out.head_size == 10 + 3 and out.dims == [8, 4, 2] == tail_dims(16, 3, 2.0)
    assert out.params["head.W"].shape == (13, 16)
    assert out.params["tail0.proj"].shape == (8, 16) and out.params["tail0.W"].shape == (10, 8)
    assert out.params["tail2.W"].shape == (10, 2)
    assert tail_dims(512, 2, 4.0) == [128, 32] and tail_dims(3, 2, 4.0) == [1, 1]


def test_gradients_of_head_tails_projections_and_input_match_finite_differences():
    out = _layer()
    rng = np.random.default_rng(3)
    N = 12
    h = rng.normal(size=(N, 6))
    # every cluster hit, plus ignored rows (-1)
    t = np.array([0, 4, 5, 8, 9, 13, 14, 16, -1, 2, 11, -1])

    def loss():
        return out.forward_loss(h, t)

    loss()
    dh = out.backward()
    grads = {k: g.copy() for k, g in out.grads.items()}
    for name, p in out.params.items():
        assert_grad(grads[name], loss, p, name, tol=1e-7)
    assert_grad(dh, loss, h, "input", tol=1e-7)
    assert np.all(dh[t < 0] == 0)


def test_a_cluster_no_target_needs_is_skipped_and_gets_zero_gradients():
    out = _layer()
    h = np.random.default_rng(4).normal(size=(4, 6))
    t = np.array([1, 6, 2, 7])  # head and the first tail only
    for g in out.grads.values():
        g.fill(7.0)
    loss = out.forward_loss(h, t)
    out.backward()
    assert [r.size for r in out._rows] == [2, 0, 0]
    for name in ("tail1.W", "tail1.proj", "tail2.W", "tail2.proj"):
        assert not out.grads[name].any()
    lp = out.log_probs(h)
    assert loss == pytest.approx(-lp[np.arange(4), t].mean(), rel=1e-13)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_probs_are_exact_and_sum_to_one(seed):
    out = _layer(seed=seed)
    rng = np.random.default_rng(seed + 10)
    h = rng.normal(0, 2, size=(9, 6))
    lp = out.log_probs(h)
    assert lp.shape == (9, 17) and np.all(lp < 0)
    np.testing.assert_allclose(np.exp(lp).sum(axis=1), 1.0, rtol=0, atol=1e-13)
    # the loss is the mean negative log-probability of the targets
    t = rng.integers(0, 17, 9)
    assert out.forward_loss(h, t) == pytest.approx(-lp[np.arange(9), t].mean(), rel=1e-12)
    # and the scores of evaluation are those of the same log-probabilities
    total, hit1, hit5, count = out.score(h, t)
    assert total == pytest.approx(-lp[np.arange(9), t].sum(), rel=1e-12) and count == 9
    rank = (lp > lp[np.arange(9), t][:, None]).sum(axis=1)
    assert (hit1, hit5) == (int((rank < 1).sum()), int((rank < 5).sum()))


def test_scores_read_a_tail_only_where_a_word_of_it_could_rank_higher(monkeypatch):
    out = _layer(seed=4)
    out.params["head.b"][:3] += 4.0  # three likely head words: most rows skip some tails
    rng = np.random.default_rng(8)
    h = rng.normal(0, 1, size=(40, 6))
    t = rng.integers(0, 17, 40)
    lp = out.log_probs(h)
    rows_read = []
    original = out._tail_log_probs
    monkeypatch.setattr(
        out, "_tail_log_probs", lambda x, i, c: rows_read.append(len(x)) or original(x, i, c)
    )
    total, hit1, hit5, count = out.score(h, t)
    rank = (lp > lp[np.arange(40), t][:, None]).sum(axis=1)
    assert (hit1, hit5, count) == (int((rank < 1).sum()), int((rank < 5).sum()), 40)
    assert total == pytest.approx(-lp[np.arange(40), t].sum(), rel=1e-12)
    assert 0 < sum(rows_read) < 40 * out.n_clusters  # some rows skipped, some read


def test_float32_matches_float64():
    o64 = _layer()
    o32 = AdaptiveSoftmaxOutput(6, 17, [5, 9, 14], np.random.default_rng(0), np.float32, 2.0)
    for k in o32.params:
        o32.params[k][...] = o64.params[k]
    h = np.random.default_rng(5).normal(size=(30, 6))
    t = np.random.default_rng(6).integers(-1, 17, 30)
    assert o32.forward_loss(h.astype(np.float32), t) == pytest.approx(o64.forward_loss(h, t), 1e-6)
    np.testing.assert_allclose(o32.backward(), o64.backward(), atol=1e-6)
    for k in o64.grads:
        np.testing.assert_allclose(o32.grads[k], o64.grads[k], atol=1e-6, err_msg=k)
    np.testing.assert_allclose(o32.log_probs(h.astype(np.float32)), o64.log_probs(h), atol=1e-5)


def test_the_whole_model_backpropagates_through_the_adaptive_layer():
    from textseq.corpus import Vocab

    vocab = Vocab.build([[f"w{i}" for i in range(10)] * 2], min_count=1)
    cfg = LMConfig(
        cell="lstm",
        embed=4,
        hidden=6,
        adaptive_softmax=[4, 8],
        div_value=2,
        dtype="float64",
        seed=2,
    )
    model = RNNLM(cfg).init(vocab)
    rng = np.random.default_rng(1)
    x = rng.integers(0, len(vocab), (3, 2))
    y = rng.integers(0, len(vocab), (3, 2))
    state = model.initial_state(2)

    def loss():
        return model.loss(x, y, state)[0]

    loss()
    model.backward()
    for name, p, g in model.named_parameters():
        if name in ("layer0.Wx", "output.tail0.proj", "output.head.W", "embedding.W"):
            assert_grad(g.copy(), loss, p, name, tol=1e-7)


# ---- cutoffs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("10,5", "must increase"),
        ("5,5", "twice"),
        ("0,5", "positive"),
        ("-3", "positive"),
        ("a,b", "increasing word counts"),
    ],
)
def test_bad_cutoffs_raise_one_option_error(text, message):
    with pytest.raises(OptionError, match=message):
        parse_cutoffs(text)


def test_cutoffs_must_leave_every_cluster_a_word():
    assert check_cutoffs([3, 7], 8) == [3, 7]
    with pytest.raises(OptionError, match="not below the vocabulary size 8"):
        check_cutoffs([3, 8], 8)
    assert parse_cutoffs(" 20,100 ") == [20, 100] and parse_cutoffs("AUTO") == "auto"
    assert parse_cutoffs(None) is None and parse_cutoffs("none") is None


def test_auto_cutoffs_cover_80_and_95_percent_of_the_tokens():
    counts = np.array([50, 20, 10, 8, 5, 3, 2, 1, 1])  # 100 tokens
    # 50+20+10 = 80 -> 3 ids; 80+8+5+3 = 96 >= 95 -> 6 ids
    assert auto_cutoffs(counts) == [3, 6]
    assert auto_cutoffs(np.array([99, 1])) == [1]  # no room for a second cluster
    with pytest.raises(OptionError, match="at least 2 words"):
        auto_cutoffs(np.array([5]))


def test_tying_is_refused_with_the_adaptive_softmax():
    with pytest.raises(OptionError, match="weight tying is not available"):
        LMConfig(embed=8, hidden=8, tie=True, adaptive_softmax=[4]).validate()


# ---- the model ---------------------------------------------------------------------------


def _repeated_corpus(n=60):
    return [SENTENCE.split() for _ in range(n)]


@pytest.fixture(scope="module")
def trained():
    cfg = LMConfig(cell="lstm", embed=16, hidden=32, seed=1, adaptive_softmax=[3, 7])
    tc = TrainConfig(epochs=8, batch_size=4, bptt=10, lr=0.02, split=(1.0, 0.0, 0.0), threads=1)
    return train_lm(_repeated_corpus(), cfg, tc, progress=False)


def test_tiny_corpus_is_learned_to_near_zero_loss_and_generated_back_exactly(trained):
    model, hist = trained
    assert isinstance(model.output_, AdaptiveSoftmaxOutput)
    assert hist.epochs[-1].train_loss < 0.05
    gen = model.generate("", strategy="argmax", max_tokens=20)
    assert gen.tokens == SENTENCE.split() and gen.best.finished
    # step() gives exact log-probabilities: the model log-probability is their sum
    lp, state = model.step(np.array([model.vocab_.eos_id]), model.initial_state(1))
    np.testing.assert_allclose(np.exp(lp.astype(np.float64)).sum(), 1.0, atol=1e-5)
    words = model.predict_next("a quick", top_k=2)
    assert words[0][0] == "brown" and words[0][1] > 0.9


def test_beam_width_one_equals_argmax(trained):
    model, _ = trained
    for prompt in ("", "quick brown", "lazy"):
        greedy = model.generate(prompt, strategy="argmax", max_tokens=12, stop_at_eos=False)
        beam = model.generate(
            prompt, strategy="beam", beam_width=1, max_tokens=12, stop_at_eos=False
        )
        assert beam.ids == greedy.ids
        assert beam.model_logprob == pytest.approx(greedy.model_logprob, abs=1e-5)


def test_save_load_round_trip_and_auto_cutoffs_are_saved(tmp_path):
    text = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(120)]
    cfg = LMConfig(cell="gru", embed=8, hidden=12, seed=5, adaptive_softmax="auto")
    tc = TrainConfig(epochs=1, batch_size=4, bptt=6, lr=0.01, threads=1)
    model, _ = train_lm(text, cfg, tc, out_dir=tmp_path / "m", progress=False)
    cutoffs = model.config.adaptive_softmax
    assert isinstance(cutoffs, list) and cutoffs == auto_cutoffs(model.vocab_.counts)
    saved = json.loads((tmp_path / "m" / "config.json").read_text())["model"]
    assert saved["adaptive_softmax"] == cutoffs and saved["div_value"] == 4.0
    loaded = RNNLM.load(tmp_path / "m")
    assert isinstance(loaded.output_, AdaptiveSoftmaxOutput)
    ids = np.array([[2, 3, 4, 1], [5, 6, 1, 2]])
    a, _ = model.forward_sequence(ids, model.initial_state(2))
    b, _ = loaded.forward_sequence(ids, loaded.initial_state(2))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.exp(a.astype(np.float64)).sum(-1), 1.0, atol=1e-5)


def test_two_task_threads_and_window_mode_train_the_adaptive_model():
    cfg = LMConfig(cell="gru", embed=12, hidden=24, dropout=0.1, adaptive_softmax=[3, 7])
    losses = []
    for share in (False, True):
        tc = TrainConfig(epochs=2, batch_size=4, threads=2, share_threads=share)
        losses.append(train_lm(_repeated_corpus(), cfg, tc, progress=False)[1].epochs[-1])
    assert losses[0].train_loss == losses[1].train_loss  # the model's own step both times
    tc = TrainConfig(mode="window", chunk_size=3, epochs=4, batch_size=16, lr=0.02,
                     split=(0.8, 0.2, 0.0))  # fmt: skip
    _, hist = train_lm(_repeated_corpus(), cfg, tc, progress=False)
    assert hist.epochs[-1].valid_acc5 == 1.0 and hist.epochs[-1].valid_ppl < 2


def test_resume_with_an_adaptive_softmax_continues_bit_identically(tmp_path):
    from textseq.files import load_npz

    text = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(120)]
    cfg = LMConfig(cell="lstm", embed=8, hidden=12, seed=5, dropout=0.2, adaptive_softmax=[5, 12])
    runs = {}
    for name, epochs in (("full", 2), ("part", 1)):
        tc = TrainConfig(epochs=epochs, batch_size=4, bptt=6, lr=0.01, threads=1, seed=9)
        runs[name] = train_lm(text, cfg, tc, out_dir=tmp_path / name, progress=False)[1]
    tc = TrainConfig(epochs=2, threads=1)
    _, resumed = train_lm(text, train=tc, out_dir=tmp_path / "part", progress=False, resume=True)
    assert [e.train_loss for e in resumed.epochs] == [e.train_loss for e in runs["full"].epochs]
    a = load_npz(tmp_path / "full" / "checkpoint" / "weights.npz")
    b = load_npz(tmp_path / "part" / "checkpoint" / "weights.npz")
    assert "output.tail1.proj" in a
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])


def test_a_saved_config_whose_cutoffs_do_not_fit_the_vocabulary_is_a_model_file_error(
    tmp_path,
):
    from textseq.errors import ModelFileError

    text = [f"w{i % 7} w{(i * 3) % 11}".split() for i in range(60)]
    cfg = LMConfig(cell="rnn", embed=6, hidden=8, adaptive_softmax=[3, 6])
    tc = TrainConfig(epochs=1, batch_size=4, bptt=6, threads=1)
    model, _ = train_lm(text, cfg, tc, out_dir=tmp_path / "m", progress=False)
    path = tmp_path / "m" / "config.json"
    meta = json.loads(path.read_text())
    for cutoffs, message in (([3, model.vocab_size], "not below the vocabulary"),
                             ([6, 3], "must increase")):  # fmt: skip
        meta["model"]["adaptive_softmax"] = cutoffs
        path.write_text(json.dumps(meta))
        with pytest.raises(ModelFileError, match=message):
            RNNLM.load(tmp_path / "m")


def test_a_model_folder_without_the_new_keys_loads_as_a_full_softmax(tmp_path):
    text = [f"w{i % 7} w{(i * 3) % 11}".split() for i in range(60)]
    cfg = LMConfig(cell="rnn", embed=6, hidden=8, seed=5)
    tc = TrainConfig(epochs=1, batch_size=4, bptt=6, threads=1)
    train_lm(text, cfg, tc, out_dir=tmp_path / "m", progress=False)
    path = tmp_path / "m" / "config.json"
    meta = json.loads(path.read_text())
    del meta["model"]["adaptive_softmax"], meta["model"]["div_value"]
    path.write_text(json.dumps(meta))
    loaded = RNNLM.load(tmp_path / "m")
    assert loaded.config.adaptive_softmax is None
    assert type(loaded.output_).__name__ == "SoftmaxOutput"


# ---- command line ------------------------------------------------------------------------

SMALL = ["--embed", "8", "--hidden", "8", "--batch-size", "4", "--bptt", "6", "--no-progress"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("the cat sat on the mat\na dog ran in the park\n" * 20, encoding="utf-8")
    return path  # 10 words + <unk> + <eos>


def test_cli_trains_and_generates_with_an_adaptive_softmax(tmp_path, corpus, capsys):
    out = tmp_path / "model"
    args = ["train-lm", str(corpus), "-o", str(out), "--epochs", "1", *SMALL]
    assert main([*args, "--adaptive-softmax", "4,8", "--div-value", "2"]) == 0
    assert "adaptive softmax cutoffs [4, 8])" in capsys.readouterr().out
    model = RNNLM.load(out)
    assert model.config.adaptive_softmax == [4, 8] and model.config.div_value == 2.0
    assert model.output_.dims == [4, 2]
    gen = ["generate", "-m", str(out), "--prompt", "the cat", "--max-tokens", "5"]
    assert main(gen) == 0
    assert main([*gen, "--strategy", "beam", "--beam-width", "3"]) == 0
    capsys.readouterr()
    assert main(["predict", "-m", str(out), "--prompt", "the", "--top-k", "12"]) == 0
    shown = capsys.readouterr().out
    probs = [float(x) for x in re.findall(r"\b0\.\d+|\b1\.0+\b", shown)]
    assert len(probs) >= 12 and sum(probs[-12:]) == pytest.approx(1.0, abs=2e-3)
    assert main([*args, "-o", str(tmp_path / "auto"), "--adaptive-softmax", "auto"]) == 0
    assert RNNLM.load(tmp_path / "auto").config.adaptive_softmax == auto_cutoffs(
        RNNLM.load(tmp_path / "auto").vocab_.counts
    )


@pytest.mark.parametrize(
    "cutoffs, message",
    [
        ("8,4", "must increase"),
        ("4,4", "twice"),
        ("0,4", "positive"),
        ("4,12", "not below the vocabulary size 12"),
        ("4,x", "increasing word counts"),
    ],
)
def test_cli_bad_cutoffs_give_one_error_line_and_write_nothing(
    tmp_path, corpus, capsys, cutoffs, message
):
    out = tmp_path / "model"
    args = ["train-lm", str(corpus), "-o", str(out), "--adaptive-softmax", cutoffs, *SMALL]
    assert main(args) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err
    assert not out.exists()


def test_cli_refuses_tie_with_adaptive_and_a_small_div_value(tmp_path, corpus, capsys):
    args = ["train-lm", str(corpus), "-o", str(tmp_path / "m"), *SMALL]
    assert main([*args, "--adaptive-softmax", "4", "--tie"]) != 0
    assert "weight tying is not available" in capsys.readouterr().err
    assert main([*args, "--adaptive-softmax", "4", "--div-value", "0.5"]) != 0
    assert "div-value must be at least 1" in capsys.readouterr().err
