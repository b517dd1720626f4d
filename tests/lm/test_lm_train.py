"""Training behaviour: learning, save/load, resume, stops, and file validation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from textseq.errors import InputError, ModelFileError
from textseq.files import load_npz, save_npz
from textseq.lm import RNNLM, LMConfig, TrainConfig, Trainer, prepare_lm_data, train_lm
from textseq.lm.cells import RNNCell
from textseq.lm.layers import SoftmaxOutput
from textseq.lm.optim import Adam, clip_global_norm
from textseq.lm.trainer import NonFiniteLossError

SENTENCE = "a quick brown fox jumps over one lazy dog"


def _bits(n: np.ndarray, width: int = 8) -> np.ndarray:
    """(N,) ints -> (width, N) bits, least significant first."""
    return (n[None, :] >> np.arange(width)[:, None]) & 1


def test_vanilla_rnn_learns_binary_addition_on_held_out_pairs():
    """The classic exercise: two bits in per step (LSB first), the sum bit out."""
    rng = np.random.default_rng(0)
    pairs = np.array([(a, b) for a in range(128) for b in range(128)])
    rng.shuffle(pairs)
    train, test = pairs[:2000], pairs[-1000:]  # disjoint sets of pairs
    cell = RNNCell(2, 16, rng)
    out = SoftmaxOutput(16, 2, rng)
    layers = [cell, out]
    params = [p for layer in layers for p in layer.params.values()]
    grads = [layer.grads[k] for layer in layers for k in layer.params]
    opt = Adam(0.05)

    def batch(ab):
        x = np.stack([_bits(ab[:, 0]), _bits(ab[:, 1])], axis=-1).astype(np.float32)
        return x, _bits(ab[:, 0] + ab[:, 1])  # (8, B, 2), (8, B)

    for _ in range(300):
        x, y = batch(train[rng.integers(0, len(train), 32)])
        hs, _ = cell.forward(x, cell.initial_state(32))
        out.forward_loss(hs.reshape(-1, 16), y.reshape(-1))
        dh = out.backward()
        cell.backward(dh.reshape(hs.shape))
        clip_global_norm(grads, 5.0)
        opt.step(params, grads)
    x, y = batch(test)
    hs, _ = cell.forward(x, cell.initial_state(len(test)))
    pred = out.logits(hs.reshape(-1, 16)).argmax(1).reshape(y.shape)
    sums_right = np.all(pred == y, axis=0)
    assert sums_right.mean() == 1.0, f"{sums_right.mean():.1%} of held-out sums right"


def _repeated_corpus(n=60):
    return [SENTENCE.split()] * n


def test_tiny_corpus_is_learned_to_near_zero_loss_and_continued_exactly():
    cfg = LMConfig(cell="lstm", embed=16, hidden=32, seed=1)
    tc = TrainConfig(epochs=8, batch_size=4, bptt=10, lr=0.02, split=(1.0, 0.0, 0.0))
    model, hist = train_lm(_repeated_corpus(), cfg, tc, progress=False)
    assert hist.epochs[-1].train_loss < 0.05
    # greedy continuation with step(): the sentence, then <eos>
    words = SENTENCE.split()
    state = model.initial_state(1)
    logits, state = model.forward_sequence(np.array([[model.vocab_.eos_id]]), state)
    got = []
    for _ in range(len(words) + 1):
        nxt = int(logits.reshape(1, -1)[0].argmax())
        got.append(model.vocab_.word(nxt))
        logits, state = model.step(np.array([nxt]), state)
    assert got == words + ["<eos>"]


def test_window_mode_trains_and_reports_accuracy():
    cfg = LMConfig(cell="gru", embed=12, hidden=24, seed=0)
    tc = TrainConfig(
        mode="window", chunk_size=3, epochs=4, batch_size=16, lr=0.02, split=(0.8, 0.2, 0.0)
    )
    model, hist = train_lm(_repeated_corpus(40), cfg, tc, progress=False)
    last = hist.epochs[-1]
    assert last.valid_acc > 0.9 and last.valid_acc5 >= last.valid_acc
    assert hist.test.ppl is None  # empty test part is reported as absent


def _small_run(out_dir, epochs, **kw):
    text = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(120)]
    cfg = LMConfig(cell="lstm", embed=8, hidden=12, layers=2, dropout=0.2, seed=5)
    tc = TrainConfig(epochs=epochs, batch_size=4, bptt=6, lr=0.01, threads=1, seed=9, **kw)
    return train_lm(text, cfg, tc, out_dir=out_dir, progress=False)


def test_save_load_round_trip_gives_identical_predictions(tmp_path):
    model, _ = _small_run(tmp_path / "m", 1)
    loaded = RNNLM.load(tmp_path / "m")
    ids = np.array([[2, 3, 4, 1], [5, 6, 1, 2]])
    a, sa = model.forward_sequence(ids, model.initial_state(2))
    b, sb = loaded.forward_sequence(ids, loaded.initial_state(2))
    np.testing.assert_array_equal(a, b)
    for x, y in zip(sa, sb):
        np.testing.assert_array_equal(x, y)
    assert loaded.vocab_.words == model.vocab_.words
    assert loaded.history_.epochs[0].valid_ppl == model.history_.epochs[0].valid_ppl
    assert loaded.history_ == model.history_  # every figure, the settings and the test
    for key in ("train_loss", "valid_ppl", "valid_acc", "tokens_per_s", "seconds"):
        assert getattr(loaded.history_.epochs[0], key) is not None
    assert loaded.history_.test.ppl is not None and loaded.history_.test.acc is not None


def test_resume_continues_bit_identically(tmp_path):
    full, hist_full = _small_run(tmp_path / "full", 3)
    _small_run(tmp_path / "part", 2)
    # resume needs the same corpus again
    text = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(120)]
    resumed, hist_res = train_lm(
        text,
        train=TrainConfig(epochs=3, threads=1),
        out_dir=tmp_path / "part",
        progress=False,
        resume=True,
    )
    assert len(hist_res.epochs) == 3
    for a, b in zip(hist_full.epochs, hist_res.epochs):
        assert a.train_loss == b.train_loss and a.valid_ppl == b.valid_ppl
    ck_full = load_npz(tmp_path / "full" / "checkpoint" / "weights.npz")
    ck_res = load_npz(tmp_path / "part" / "checkpoint" / "weights.npz")
    for name in ck_full:
        np.testing.assert_array_equal(ck_full[name], ck_res[name])
    assert hist_full.test == hist_res.test


def test_resume_refuses_a_different_corpus(tmp_path):
    _small_run(tmp_path / "m", 1)
    with pytest.raises(ModelFileError, match="corpus differs"):
        train_lm(
            _repeated_corpus(),
            train=TrainConfig(epochs=2),
            out_dir=tmp_path / "m",
            progress=False,
            resume=True,
        )


def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    data = prepare_lm_data(_repeated_corpus(), TrainConfig(split=(0.8, 0.2, 0.0)))
    model = RNNLM(LMConfig(cell="rnn", embed=8, hidden=8)).init(data.vocab)
    trainer = Trainer(
        TrainConfig(epochs=3, batch_size=4, bptt=5), out_dir=tmp_path / "m", progress=False
    )
    trainer.progress_callback = lambda rec: model.output_.params["b"].fill(np.nan)
    with pytest.raises(NonFiniteLossError, match="became nan at epoch 2.*epoch 1.*kept"):
        trainer.fit(model, data)
    saved = json.loads((tmp_path / "m" / "history.json").read_text())
    assert len(saved["epochs"]) == 1
    loaded = RNNLM.load(tmp_path / "m")
    assert np.isfinite(loaded.output_.params["b"]).all()


def test_ctrl_c_stops_cleanly_keeping_the_checkpoint(tmp_path):
    data = prepare_lm_data(_repeated_corpus(), TrainConfig(split=(0.8, 0.2, 0.0)))
    model = RNNLM(LMConfig(cell="gru", embed=8, hidden=8)).init(data.vocab)
    trainer = Trainer(
        TrainConfig(epochs=5, batch_size=4, bptt=5), out_dir=tmp_path / "m", progress=False
    )

    def interrupt(rec):
        if rec.epoch == 2:
            raise KeyboardInterrupt

    trainer.progress_callback = interrupt
    trainer.fit(model, data)
    assert trainer.history_.stopped == "interrupted"
    assert len(RNNLM.load(tmp_path / "m").history_.epochs) == 2


def test_plateau_decays_the_lr_and_stops_early():
    data = prepare_lm_data(_repeated_corpus(), TrainConfig(split=(0.8, 0.2, 0.0)))
    model = RNNLM(LMConfig(cell="rnn", embed=8, hidden=8)).init(data.vocab)
    # an SGD step this small leaves the weights unchanged: validation cannot improve
    tc = TrainConfig(
        epochs=10, optimizer="sgd", lr=1e-30, lr_decay=0.5, patience=2, batch_size=4, bptt=5
    )
    hist = Trainer(tc, progress=False).fit(model, data).history_
    assert hist.stopped == "early stopping"
    assert len(hist.epochs) == 3 and hist.best_epoch == 1
    assert [e.lr for e in hist.epochs] == [1e-30, 1e-30, 0.5e-30]


@pytest.mark.parametrize(
    "damage,message",
    [
        ("vocab", "vocabulary size mismatch"),
        ("weights", "shape"),
        ("dtype", "dtype"),
        ("version", "format version"),
        ("missing", "lack array 'layer1.Wh'"),
    ],
)
def test_loading_a_mismatched_folder_names_the_mismatch(tmp_path, damage, message):
    _small_run(tmp_path / "m", 1)
    folder = tmp_path / "m"
    if damage == "vocab":
        lines = (folder / "vocab.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / "vocab.tsv").write_text("".join(lines[:-1]), encoding="utf-8")
    elif damage in ("weights", "dtype", "missing"):
        w = load_npz(folder / "weights.npz")
        if damage == "weights":
            w["layer0.Wh"] = w["layer0.Wh"][:, :-1].copy()
        elif damage == "dtype":
            w["output.b"] = w["output.b"].astype(np.float64)
        else:
            del w["layer1.Wh"]
        save_npz(folder / "weights.npz", w)
    else:
        cfg = json.loads((folder / "config.json").read_text())
        cfg["version"] = 99
        (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelFileError, match=message):
        RNNLM.load(folder)


def test_loading_a_missing_folder_fails_clearly(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        RNNLM.load(tmp_path / "nope")


def test_adam_matches_the_textbook_update_and_sgd_steps_down_the_gradient():
    from textseq.lm.optim import SGD

    rng = np.random.default_rng(12)
    p = rng.normal(size=(3, 4))
    ref = p.copy()
    m = v = np.zeros_like(p)
    opt = Adam(0.01)
    for t in range(1, 4):
        g = rng.normal(size=p.shape)
        opt.step([p], [g.copy()])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        ref -= 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(p, ref, rtol=1e-10, atol=1e-12)
    q, g = np.ones(3), np.array([1.0, -2.0, 0.5])
    SGD(0.1).step([q], [g])
    np.testing.assert_allclose(q, [0.9, 1.2, 0.95])


def test_clip_global_norm_scales_all_gradients_together():
    a, b = np.array([3.0, 0.0]), np.array([[0.0, 4.0]])
    assert clip_global_norm([a, b], 1.0) == pytest.approx(5.0)
    np.testing.assert_allclose(a, [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b, [[0.0, 0.8]], rtol=1e-5)
    c = np.array([0.3, 0.4])
    assert clip_global_norm([c], 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(c, [0.3, 0.4])  # under the limit: untouched


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clipping_folded_into_the_step_equals_clipping_then_stepping(dtype):
    from textseq.lm.optim import SGD, clip_scale, global_norm

    rng = np.random.default_rng(4)
    shapes = [(300, 7), (11,)]
    for make in (lambda: Adam(1e-2), lambda: SGD(0.1)):
        p1 = [rng.normal(size=s).astype(dtype) for s in shapes]
        p2 = [p.copy() for p in p1]
        o1, o2 = make(), make()
        for _ in range(3):
            grads = [rng.normal(size=s).astype(dtype) for s in shapes]
            scale = clip_scale(global_norm(grads), 0.5)
            assert scale < 1.0
            o2.step(p2, grads, scale)
            clip_global_norm(grads, 0.5)
            o1.step(p1, grads)
        for a, b in zip(p1, p2):
            np.testing.assert_array_equal(a, b)
    assert clip_scale(0.4, 0.5) == 1.0 and clip_scale(float("nan"), 0.5) == 1.0
    assert clip_scale(3.0, None) == 1.0


@pytest.mark.parametrize("resume_vocab", [False, True])
def test_prepare_lm_data_splits_by_line_and_ends_lines_with_eos(resume_vocab):
    from textseq.corpus import Vocab, encode_corpus, split_range

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    lines = [[words[i] for i in rng.integers(0, 30, rng.integers(0, 7))] for _ in range(50)]
    lines[10] = []  # an empty line still ends with <eos>
    config = TrainConfig(split=(0.6, 0.3, 0.1), min_count=3)
    parts = [lines[s] for s in split_range(len(lines), config.split)]
    vocab = Vocab.build(parts[0], min_count=3)  # the training part only
    given = vocab if resume_vocab else None
    data = prepare_lm_data(lines, config, vocab=given)
    assert data.vocab.words == vocab.words and data.vocab.stats == vocab.stats
    for got, part in zip((data.train, data.valid, data.test), parts):
        want = encode_corpus(part, vocab, add_eos=True).ids if part else np.zeros(0, np.int32)
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.int32
    assert (data.valid == vocab.unk_id).any()  # words unseen in training become <unk>


def test_the_cli_defaults_are_the_configs_defaults():
    """train-lm's options take their defaults from LMConfig and TrainConfig, and every
    cell kind LMConfig accepts is one the model can build."""
    import inspect
    import typing

    from textseq.cli.lm_train import train_lm_command
    from textseq.lm.cells import CELLS
    from textseq.lm.config import CELL_KINDS, LMConfig
    from textseq.lm.train_config import TrainConfig

    defaults = {
        name: p.default for name, p in inspect.signature(train_lm_command).parameters.items()
    }
    arch, train = LMConfig(), TrainConfig()
    for name in ("cell", "embed", "hidden", "layers", "dropout", "tie", "tokenizer"):
        assert defaults[name] == getattr(arch, name), name
    for name in ("bptt", "batch_size", "lr", "optimizer", "clip", "min_count",
                 "max_size", "mode", "chunk_size", "lr_decay", "patience", "seed", "threads",
                 "share_threads", "adapt_threads"):  # fmt: skip
        assert defaults[name] == getattr(train, name), name
    # --epochs has no fixed default (a resumed run keeps its own); its help names the config's
    hints = typing.get_type_hints(train_lm_command, include_extras=True)
    epochs_help = hints["epochs"].__metadata__[0].help
    assert defaults["epochs"] is None and f"[default: {train.epochs};" in epochs_help
    assert tuple(float(x) for x in defaults["split"].split(",")) == train.split
    assert set(CELL_KINDS) == set(CELLS)


def test_a_list_of_plain_sentences_is_tokenized_with_a_warning():
    sentences = ["The king and the queen lived in a castle.", "The king rode out."] * 20
    with pytest.warns(UserWarning, match="40 plain strings: each is tokenized"):
        model, _ = train_lm(
            sentences,
            LMConfig(embed=8, hidden=8),
            TrainConfig(epochs=1, batch_size=2, bptt=4, threads=1),
            progress=False,
        )
    assert "king" in model.vocab_.words and "castle" in model.vocab_.words


def test_a_list_of_strings_that_are_neither_files_nor_sentences_shows_the_shapes(tmp_path):
    with pytest.raises(InputError, match=r"list of token lists such as \[\['the', 'king'\]"):
        train_lm(["nofile.txt", "other.txt"], train=TrainConfig(epochs=1), progress=False)
