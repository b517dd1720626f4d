"""Training: seeded, resumable bit for bit, saved and loaded without change, and able to
learn (a copy task to 100%)."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.errors import ModelFileError
from textseq.modelfolder import ModelFolder
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
from textseq.seq2seq.data import prepare_pairs
from textseq.seq2seq.model import Seq2Seq
from textseq.seq2seq.trainer import epoch_batches, train_seq2seq
from textseq.seq2seq.translate import evaluate, greedy_batch

SMALL = Seq2SeqConfig(embed=8, hidden=16, attention="general")


def copy_pairs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    letters = list("abcdef")
    out = []
    for _ in range(n):
        seq = "".join(rng.choice(letters, rng.integers(2, 6)))
        out.append((seq, seq))
    return out


def test_same_seed_same_weights_and_history():
    train = Seq2SeqTrainConfig(epochs=2, batch_size=16, threads=1, max_valid=20)
    m1, h1 = train_seq2seq("addition", SMALL, train, progress=False, size=200)
    m2, h2 = train_seq2seq("addition", SMALL, train, progress=False, size=200)
    for (name, a, _), (_, b, _) in zip(m1.named_parameters(), m2.named_parameters()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert [e.train_loss for e in h1.epochs] == [e.train_loss for e in h2.epochs]


def test_epoch_batches_cover_every_pair_once():
    config, train = SMALL, Seq2SeqTrainConfig(batch_size=7)
    data = prepare_pairs("dates", config, train, size=200)
    batches = epoch_batches(data.train, 7, np.random.default_rng(0))
    seen = np.sort(np.concatenate(batches))
    np.testing.assert_array_equal(seen, np.arange(len(data.train)))
    assert max(len(b) for b in batches) == 7


def test_copy_task_is_learned_to_100_percent():
    config = Seq2SeqConfig(embed=16, hidden=48, attention="general", cell="gru")
    train = Seq2SeqTrainConfig(
        epochs=8, batch_size=16, lr=0.003, split=(0.9, 0.1, 0.0), threads=1, max_valid=None
    )
    model, hist = train_seq2seq(copy_pairs(1000), config, train, progress=False)
    assert hist.best_valid_exact == 1.0, [e.valid_exact for e in hist.epochs]
    assert model.translate("fabce").text == "fabce"


def test_resume_is_bit_identical(tmp_path):
    train = Seq2SeqTrainConfig(epochs=3, batch_size=16, threads=1, max_valid=10)
    config = Seq2SeqConfig(embed=8, hidden=12, attention="additive", dropout=0.2)
    whole, _ = train_seq2seq("reverse", config, train, tmp_path / "a", progress=False, size=150)
    part = Seq2SeqTrainConfig(epochs=2, batch_size=16, threads=1, max_valid=10)
    train_seq2seq("reverse", config, part, tmp_path / "b", progress=False, size=150)
    resumed, hist = train_seq2seq(
        "reverse", config, train, tmp_path / "b", progress=False, resume=True, size=150
    )
    assert len(hist.epochs) == 3
    for (name, a, _), (_, b, _) in zip(whole.named_parameters(), resumed.named_parameters()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    a = ModelFolder(tmp_path / "a").checkpoint_weights.read_bytes()
    b = ModelFolder(tmp_path / "b").checkpoint_weights.read_bytes()
    assert a == b


def test_resume_refuses_other_pairs(tmp_path):
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    train_seq2seq("addition", SMALL, train, tmp_path / "m", progress=False, size=60)
    with pytest.raises(ModelFileError, match="pairs differ"):
        train_seq2seq(
            "addition", SMALL, train, tmp_path / "m", progress=False, resume=True, size=61
        )


def test_save_load_gives_identical_translations(tmp_path):
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    model, _ = train_seq2seq("dates", SMALL, train, tmp_path / "m", progress=False, size=100)
    loaded = Seq2Seq.load(tmp_path / "m")
    for text in ("September 27, 1994", "1/2/2003"):
        a = model.translate(text, strategy="beam", n_best=2)
        b = loaded.translate(text, strategy="beam", n_best=2)
        assert [h.ids for h in a.hypotheses] == [h.ids for h in b.hypotheses]
        np.testing.assert_array_equal(a.attention, b.attention)
    assert loaded.history_.to_dict() == model.history_.to_dict()
    assert not list(tmp_path.glob(".*")), "no temporary folder is left behind"


def test_load_reports_damage(tmp_path):
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    train_seq2seq("dates", SMALL, train, tmp_path / "m", progress=False, size=50)
    folder = ModelFolder(tmp_path / "m")
    folder.target_vocab.write_text(folder.target_vocab.read_text().rsplit("\n", 2)[0] + "\n")
    with pytest.raises(ModelFileError, match="vocabulary size mismatch"):
        Seq2Seq.load(folder.path)
    with pytest.raises(ModelFileError, match="does not exist"):
        Seq2Seq.load(tmp_path / "nothing")


def test_greedy_batch_equals_decode_argmax():
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    model, _ = train_seq2seq("dates", SMALL, train, progress=False, size=200)
    texts = ["September 27, 1994", "1.2.2003", "27 sep 94", "Mon 3 Jan 2000"]
    from textseq.seq2seq.translate import encode_sources

    src, lengths, _ = encode_sources(model, texts)
    batch = greedy_batch(model, src, lengths, 30)
    for text, ids in zip(texts, batch):
        one = model.translate(text, max_tokens=30).best
        assert ids == (one.ids[:-1] if one.finished else one.ids)


def test_beam_width_one_equals_argmax():
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    model, _ = train_seq2seq("addition", SMALL, train, progress=False, size=200)
    for text in ("12+345", "999+1", "0+0"):
        greedy = model.translate(text)
        # without length normalisation a finished hypothesis is never overtaken by a
        # longer one, so a beam of one keeps exactly the argmax path
        beam = model.translate(text, strategy="beam", beam_width=1, length_penalty=0.0)
        assert beam.best.ids == greedy.best.ids
        assert beam.best.logprob == pytest.approx(greedy.best.logprob, abs=1e-9)


def test_evaluate_counts_exact_matches():
    data = prepare_pairs(copy_pairs(40), SMALL, Seq2SeqTrainConfig(split=(1.0, 0.0, 0.0)))
    model = Seq2Seq(SMALL).init(data.source_vocab, data.target_vocab)
    scores = evaluate(model, data.train, 16, None, 10)
    assert scores.pairs == 40 and scores.exact == 0.0  # untrained: no copy is right
    assert 0 <= scores.token_acc < 0.6 and scores.ppl > 1


def test_two_threads_give_the_same_bits_as_one():
    """With two threads the encoder's directions run at once; each computes its own arrays
    and BLAS stays on one thread, so the model is the same."""
    config = Seq2SeqConfig(embed=8, hidden=16, attention="general", cell="lstm")
    runs = []
    for n in (1, 2):
        train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=n, max_valid=5)
        runs.append(train_seq2seq("dates", config, train, progress=False, size=150)[0])
    for (name, a, _), (_, b, _) in zip(runs[0].named_parameters(), runs[1].named_parameters()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_sampling_is_seeded_and_attention_has_a_row_per_output():
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    model, _ = train_seq2seq("addition", SMALL, train, progress=False, size=100)
    a = model.translate("12+34", strategy="sample", seed=5, temperature=1.5)
    b = model.translate("12+34", strategy="sample", seed=5, temperature=1.5)
    assert a.best.ids == b.best.ids
    assert a.attention.shape == (len(a.best.ids), len("12+34"))
    np.testing.assert_allclose(a.attention.sum(axis=1), 1.0, rtol=1e-5)
    assert len(a.output_tokens) == len(a.best.ids)


def test_ctrl_c_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    train = Seq2SeqTrainConfig(epochs=3, batch_size=16, threads=1, max_valid=5)
    calls = []
    original = Seq2Seq.loss

    def loss(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 12:  # during the second epoch (9 batches an epoch)
            raise KeyboardInterrupt
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Seq2Seq, "loss", loss)
    model, hist = train_seq2seq("addition", SMALL, train, tmp_path / "m", progress=False, size=160)
    assert hist.stopped == "interrupted" and len(hist.epochs) == 1
    saved = Seq2Seq.load(tmp_path / "m")
    assert len(saved.history_.epochs) == 1
    monkeypatch.setattr(Seq2Seq, "loss", original)
    _, resumed = train_seq2seq(
        "addition", SMALL, train, tmp_path / "m", progress=False, resume=True, size=160
    )
    assert [e.epoch for e in resumed.epochs] == [1, 2, 3] and resumed.stopped == "completed"


def test_non_finite_loss_stops_with_a_message(tmp_path, monkeypatch):
    from textseq.lm.trainer import NonFiniteLossError

    monkeypatch.setattr(Seq2Seq, "loss", lambda self, *a, **k: float("nan"))
    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1)
    with pytest.raises(NonFiniteLossError, match="epoch 1, batch 1"):
        train_seq2seq("addition", SMALL, train, tmp_path / "m", progress=False, size=50)
    assert not (tmp_path / "m").exists()


def test_translate_many_equals_one_at_a_time_and_warns_of_unknown_tokens():
    from textseq.seq2seq.translate import translate_many

    train = Seq2SeqTrainConfig(epochs=1, batch_size=16, threads=1, max_valid=5)
    model, _ = train_seq2seq("addition", SMALL, train, progress=False, size=200)
    texts = ["12+345", "999+1", "0+0", "7+70"]
    assert translate_many(model, texts, 20, batch_size=3) == [
        model.translate(t, max_tokens=20).text for t in texts
    ]
    with pytest.warns(UserWarning, match="read as <unk>: x"):
        model.translate("12x+3")


def test_plateau_decays_the_lr_and_stops_early():
    """The run the language model's trainer shares: an epoch that does not beat the best
    (exact match, then perplexity) decays the lr; ``patience`` of them stop the run."""
    from textseq.lm.epochs import EpochTrainer
    from textseq.seq2seq.trainer import Seq2SeqTrainer

    assert issubclass(Seq2SeqTrainer, EpochTrainer)
    # an SGD step this small leaves the weights unchanged: validation cannot improve
    train = Seq2SeqTrainConfig(
        epochs=10, optimizer="sgd", lr=1e-30, lr_decay=0.5, patience=2, batch_size=16,
        threads=1, max_valid=5,
    )  # fmt: skip
    _, hist = train_seq2seq("addition", SMALL, train, progress=False, size=60)
    assert hist.stopped == "early stopping"
    assert len(hist.epochs) == 3 and hist.best_epoch == 1 and hist.bad_epochs == 2
    assert [e.lr for e in hist.epochs] == [1e-30, 1e-30, 0.5e-30]
