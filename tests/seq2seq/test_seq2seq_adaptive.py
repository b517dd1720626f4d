"""The sequence model with an adaptive softmax as its decoder's output layer: gradients of
the whole model in float64 over padded batches, exact log-probabilities at every decoding
step and in evaluation, learning, decoding, files, resume and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gradcheck import assert_model_grads, redraw

from textseq.cli.main import main
from textseq.corpus import Vocab
from textseq.errors import ModelFileError, OptionError
from textseq.lm.adaptive import AdaptiveSoftmaxOutput
from textseq.lm.adaptive_cutoffs import auto_cutoffs
from textseq.lm.layers import SoftmaxOutput
from textseq.modelfolder import ModelFolder
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
from textseq.seq2seq.data import prepare_pairs
from textseq.seq2seq.model import Seq2Seq, pad_batch
from textseq.seq2seq.trainer import train_seq2seq
from textseq.seq2seq.translate import evaluate

LETTERS = list("abcdefghijklmn")  # 14 target letters + <unk> + <eos>: room for two tails


def tiny_model(attention="general", cell="gru", dropout=0.0, layers=1, cutoffs=(2, 4)):
    """Target vocabulary ``<unk> <eos> w x y z``: head ``{<unk>, <eos>}``, tails ``{w, x}``
    and ``{y, z}``; every parameter drawn again so none is trivially zero."""
    config = Seq2SeqConfig(
        cell=cell,
        embed=3,
        hidden=4,
        layers=layers,
        attention=attention,
        dropout=dropout,
        dtype="float64",
        adaptive_softmax=list(cutoffs),
        div_value=2.0,
    )
    model = Seq2Seq(config).init(Vocab.build([list("abcdefg")]), Vocab.build([list("wxyz")]))
    redraw(model, np.random.default_rng(7))
    return model


def tiny_batch():
    """Three pairs of different lengths: source padding and ``-1`` target padding."""
    src, src_len = pad_batch([[2, 3, 4], [5, 6], [3, 8, 3, 7]])
    tgt_in, _ = pad_batch([[1, 2, 3], [1, 4], [1, 2, 5, 4]])
    tgt_out, _ = pad_batch([[2, 3, 1], [4, 1], [2, 5, 4, 1]], pad=-1)
    return src, src_len, tgt_in, tgt_out


@pytest.mark.parametrize(
    "attention,cell,dropout,layers",
    [("general", "gru", 0.3, 1), ("additive", "lstm", 0.0, 2), ("none", "rnn", 0.2, 1)],
)
def test_whole_model_gradients_with_the_adaptive_layer_and_padding(
    attention, cell, dropout, layers
):
    model = tiny_model(attention, cell, dropout, layers)
    assert isinstance(model.output_, AdaptiveSoftmaxOutput)
    assert model.output_.dims == [2, 1]
    batch = tiny_batch()

    def loss():  # the same dropout masks on every call
        return model.loss(*batch, rng=np.random.default_rng(11))

    grads = assert_model_grads(model, loss)
    assert any(name.startswith("output.tail1.") for name in grads)


def test_padded_batch_equals_its_pairs_one_at_a_time():
    model = tiny_model("general", "lstm")
    src, src_len, tgt_in, tgt_out = tiny_batch()
    counts = (tgt_out >= 0).sum(axis=1)
    total = model.loss(src, src_len, tgt_in, tgt_out) * counts.sum()
    model.backward()
    batch_grads = {name: g * counts.sum() for name, _, g in model.named_parameters()}
    alone = 0.0
    alone_grads = {name: np.zeros_like(g) for name, g in batch_grads.items()}
    for b in range(len(src_len)):
        n = counts[b]
        one = (src[b : b + 1, : src_len[b]], src_len[b : b + 1], tgt_in[b : b + 1, :n])
        alone += model.loss(*one, tgt_out[b : b + 1, :n]) * n
        model.backward()
        for name, _, g in model.named_parameters():
            alone_grads[name] += g * n
    assert total == pytest.approx(alone, rel=1e-12)
    for name, g in batch_grads.items():
        np.testing.assert_allclose(g, alone_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("attention", ["general", "none"])
def test_decoding_steps_give_exact_log_probabilities(attention):
    """Each step's scores are log-probabilities summing to 1 over the target vocabulary, the
    teacher-forced evaluation's loss is minus their sum at the targets, and its accuracy is
    their argmax's."""
    model = tiny_model(attention, "lstm", layers=2)
    src, src_len, tgt_in, tgt_out = tiny_batch()
    state = model.encode(src, src_len)
    picked, right = [], 0
    for t in range(tgt_in.shape[1]):
        logp, state = model.step(tgt_in[:, t], state)
        assert logp.shape == (3, 6)
        np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, rtol=0, atol=1e-12)
        for b in np.flatnonzero(tgt_out[:, t] >= 0):
            picked.append(logp[b, tgt_out[b, t]])
            right += int(np.argmax(logp[b]) == tgt_out[b, t])
    loss, hits, n = model.scores(src, src_len, tgt_in, tgt_out)
    assert n == len(picked) == 9
    assert loss == pytest.approx(-sum(picked), rel=1e-12)
    assert hits == right


def test_cutoffs_come_from_the_target_vocabulary():
    config = Seq2SeqConfig(embed=4, hidden=8, adaptive_softmax="auto")
    source = Vocab.build([list("ab")] * 3)  # 4 entries: too few for the cutoff below
    target = Vocab.build([list("aaaaaaaabbbcdefgh")] * 5)  # <unk> <eos> a..h: 10 entries
    model = Seq2Seq(config).init(source, target)
    # <eos> 5 + a 40 + b 15 + c, d, e 5 each = 75 of 90 tokens: the first share above 80%;
    # the 95% share needs every id, so no second cluster
    assert model.config.adaptive_softmax == auto_cutoffs(target.counts) == [7]
    assert config.adaptive_softmax == "auto", "the caller's config is left as it was"
    with pytest.raises(OptionError, match="not below the vocabulary size 10"):
        Seq2Seq(config, adaptive_softmax=[4, 10]).init(source, target)


# ---- training ------------------------------------------------------------------------------


def copy_pairs(n, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        seq = "".join(rng.choice(LETTERS, rng.integers(2, 6)))
        out.append((seq, seq))
    return out


ADAPTIVE = Seq2SeqConfig(embed=16, hidden=48, cell="gru", adaptive_softmax=[5, 10], div_value=2)


@pytest.fixture(scope="module")
def learned():
    train = Seq2SeqTrainConfig(
        epochs=8, batch_size=16, lr=0.003, split=(0.9, 0.1, 0.0), threads=1, max_valid=None
    )
    return train_seq2seq(copy_pairs(1000), ADAPTIVE, train, progress=False)


def test_a_copy_task_is_learned_to_high_exact_match(learned):
    model, hist = learned
    assert isinstance(model.output_, AdaptiveSoftmaxOutput) and model.output_.dims == [24, 12]
    assert hist.best_valid_exact >= 0.97, [e.valid_exact for e in hist.epochs]
    assert model.translate("nimbe").text == "nimbe"


def test_beam_width_one_equals_argmax_n_best_is_ordered_and_sampling_is_seeded(learned):
    model, _ = learned
    for text in ("nimbe", "ka", "ladle", "hgfe"):
        greedy = model.translate(text)
        beam = model.translate(text, strategy="beam", beam_width=1, length_penalty=0.0)
        assert beam.best.ids == greedy.best.ids
        assert beam.best.logprob == pytest.approx(greedy.best.logprob, abs=1e-9)
        many = model.translate(text, strategy="beam", beam_width=4, n_best=3)
        scores = [h.score for h in many.hypotheses]
        assert len(scores) == 3 and scores == sorted(scores, reverse=True)
        assert all(h.logprob <= 0 for h in many.hypotheses)
    a = model.translate("hgfe", strategy="sample", seed=3, temperature=1.5, top_p=0.9)
    b = model.translate("hgfe", strategy="sample", seed=3, temperature=1.5, top_p=0.9)
    assert a.best.ids == b.best.ids and a.best.logprob <= 0


def test_evaluation_on_the_adaptive_model_is_exact(learned):
    """Evaluation's perplexity is the exponential of the mean negative log-probability of
    the targets under the model's full distribution (``step``)."""
    model, _ = learned
    pairs = copy_pairs(20, seed=3)
    part = prepare_pairs(
        pairs,
        ADAPTIVE,
        Seq2SeqTrainConfig(split=(1.0, 0.0, 0.0)),
        vocabs=(model.source_vocab_, model.target_vocab_),
    ).train
    scores = evaluate(model, part, batch_size=7)
    src, src_len, tgt_in, tgt_out = part.batch(np.arange(len(part)), model.eos_id)
    state, total, n = model.encode(src, src_len), 0.0, 0
    for t in range(tgt_in.shape[1]):
        logp, state = model.step(tgt_in[:, t], state)
        rows = np.flatnonzero(tgt_out[:, t] >= 0)
        total -= float(logp[rows, tgt_out[rows, t]].astype(np.float64).sum())
        n += rows.size
    assert scores.loss == pytest.approx(total / n, rel=1e-4)
    assert scores.exact >= 0.9


def test_save_load_round_trip(learned, tmp_path):
    model, _ = learned
    model.save(tmp_path / "m")
    saved = json.loads(ModelFolder(tmp_path / "m").config.read_text())["model"]
    assert saved["adaptive_softmax"] == [5, 10] and saved["div_value"] == 2.0
    loaded = Seq2Seq.load(tmp_path / "m")
    for (name, a, _), (_, b, _) in zip(model.named_parameters(), loaded.named_parameters()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    a = model.translate("gand", strategy="beam", n_best=2)
    b = loaded.translate("gand", strategy="beam", n_best=2)
    assert [h.ids for h in a.hypotheses] == [h.ids for h in b.hypotheses]


def test_auto_cutoffs_are_saved_and_resume_is_bit_identical(tmp_path):
    config = Seq2SeqConfig(embed=8, hidden=16, attention="additive", dropout=0.2)
    config.adaptive_softmax = "auto"
    train = Seq2SeqTrainConfig(epochs=3, batch_size=16, threads=1, max_valid=10)
    pairs = copy_pairs(120, seed=1)
    whole, _ = train_seq2seq(pairs, config, train, tmp_path / "a", progress=False)
    cutoffs = whole.config.adaptive_softmax
    assert cutoffs == auto_cutoffs(whole.target_vocab_.counts) and len(cutoffs) == 2
    part = Seq2SeqTrainConfig(epochs=2, batch_size=16, threads=1, max_valid=10)
    train_seq2seq(pairs, config, part, tmp_path / "b", progress=False)
    resumed, hist = train_seq2seq(pairs, config, train, tmp_path / "b", progress=False, resume=True)
    assert len(hist.epochs) == 3 and resumed.config.adaptive_softmax == cutoffs
    for (name, a, _), (_, b, _) in zip(whole.named_parameters(), resumed.named_parameters()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    a = ModelFolder(tmp_path / "a").checkpoint_weights.read_bytes()
    b = ModelFolder(tmp_path / "b").checkpoint_weights.read_bytes()
    assert a == b


def test_a_folder_without_the_new_settings_loads_as_a_full_softmax(tmp_path):
    config = Seq2SeqConfig(embed=4, hidden=6)
    model = Seq2Seq(config).init(Vocab.build([list("abc")]), Vocab.build([list("xyz")]))
    model.save(tmp_path / "old")
    path = ModelFolder(tmp_path / "old").config
    meta = json.loads(path.read_text())
    del meta["model"]["adaptive_softmax"], meta["model"]["div_value"]
    path.write_text(json.dumps(meta))
    loaded = Seq2Seq.load(tmp_path / "old")
    assert isinstance(loaded.output_, SoftmaxOutput) and loaded.config.adaptive_softmax is None
    np.testing.assert_array_equal(loaded.output_.params["W"], model.output_.params["W"])


def test_saved_cutoffs_that_do_not_fit_the_vocabulary_are_a_model_file_error(tmp_path):
    config = Seq2SeqConfig(embed=4, hidden=6, adaptive_softmax=[2])
    Seq2Seq(config).init(Vocab.build([list("abc")]), Vocab.build([list("xyz")])).save(
        tmp_path / "m"
    )
    path = ModelFolder(tmp_path / "m").config
    meta = json.loads(path.read_text())
    meta["model"]["adaptive_softmax"] = [2, 9]
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match="invalid settings.*not below the vocabulary"):
        Seq2Seq.load(tmp_path / "m")


# ---- the command line ----------------------------------------------------------------------

SMALL = ["--embed", "8", "--hidden", "16", "--batch-size", "16", "--no-progress"]


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "copy.tsv"
    path.write_text("".join(f"{s}\t{t}\n" for s, t in copy_pairs(200, seed=2)), "utf-8")
    return path  # target vocabulary: <unk>, <eos> and 14 letters = 16


def test_cli_trains_translates_and_evaluates_with_an_adaptive_softmax(pairs_file, tmp_path, capsys):
    out = tmp_path / "m"
    args = ["train-seq2seq", str(pairs_file), "-o", str(out), "--epochs", "1", *SMALL]
    assert main([*args, "--adaptive-softmax", "4,10", "--div-value", "2"]) == 0
    assert "adaptive softmax cutoffs [4, 10])" in capsys.readouterr().out
    model = Seq2Seq.load(out)
    assert model.config.adaptive_softmax == [4, 10] and model.output_.dims == [8, 4]
    assert main(["translate", "-m", str(out), "abc", "nml"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    beam = ["translate", "-m", str(out), "abc", "--strategy", "beam", "--n-best", "3"]
    assert main(beam) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4  # the source, then 3 hypotheses
    assert main(["translate", "-m", str(out), "--evaluate", str(pairs_file)]) == 0
    assert "exact" in capsys.readouterr().out
    auto = tmp_path / "auto"
    assert main([*args[:2], "-o", str(auto), *args[4:], "--adaptive-softmax", "auto"]) == 0
    loaded = Seq2Seq.load(auto)
    assert loaded.config.adaptive_softmax == auto_cutoffs(loaded.target_vocab_.counts)


@pytest.mark.parametrize(
    "cutoffs, message",
    [
        ("8,4", "must increase"),
        ("4,4", "twice"),
        ("0,4", "positive"),
        ("4,16", "not below the vocabulary size 16"),
        ("4,x", "increasing word counts"),
    ],
)
def test_cli_bad_cutoffs_give_one_error_line_and_write_nothing(
    pairs_file, tmp_path, capsys, cutoffs, message
):
    out = tmp_path / "m"
    args = ["train-seq2seq", str(pairs_file), "-o", str(out), "--adaptive-softmax", cutoffs]
    assert main([*args, *SMALL]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err
    assert not out.exists()


def test_cli_refuses_a_div_value_below_one(pairs_file, tmp_path, capsys):
    args = ["train-seq2seq", str(pairs_file), "-o", str(tmp_path / "m"), *SMALL]
    assert main([*args, "--adaptive-softmax", "4", "--div-value", "0.5"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "div-value must be at least 1" in err[0]
