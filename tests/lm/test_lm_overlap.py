"""The two-thread training path (output layer shared with a worker thread while the cells
run) computes what the plain path computes: same loss, gradients and random draws."""

from __future__ import annotations

import numpy as np
import pytest

from textseq.corpus import Vocab
from textseq.lm.model import RNNLM, LMConfig
from textseq.lm.overlap import overlapped_backward, overlapped_loss


def _model(kind, layers, dropout, dtype, tie=False):
    vocab = Vocab.build([[f"w{i}" for i in range(40)]])
    hidden = 12
    cfg = LMConfig(cell=kind, embed=hidden if tie else 8, hidden=hidden, layers=layers,
                   dropout=dropout, tie=tie, dtype=dtype, seed=3)  # fmt: skip
    return RNNLM(cfg).init(vocab)


def _run(model, two_tasks, inputs, targets):
    rng = np.random.default_rng(5)
    state = model.initial_state(inputs.shape[1])
    if two_tasks:
        loss, new_state = overlapped_loss(model, inputs, targets, state, rng=rng)
        dstate = overlapped_backward(model)
    else:
        loss, new_state = model.loss(inputs, targets, state, rng=rng)
        dstate = model.backward()
    grads = {name: g.copy() for name, _, g in model.named_parameters()}
    return loss, new_state, dstate, grads, rng.random()


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize(
    "layers, dropout, dtype, tie",
    [
        (1, 0.3, "float32", False),
        (2, 0.3, "float64", False),
        (1, 0.0, "float32", False),
        (2, 0.2, "float32", True),
    ],  # fmt: skip
)
def test_overlapped_step_matches_the_plain_step(kind, layers, dropout, dtype, tie):
    model = _model(kind, layers, dropout, dtype, tie)
    rng = np.random.default_rng(0)
    T, B = 9, 4  # 9 steps in 7 blocks: blocks of one and two steps
    inputs = rng.integers(0, model.vocab_size, (T, B))
    targets = rng.integers(0, model.vocab_size, (T, B))
    targets[2, 1] = -1  # an ignored position
    plain = _run(model, False, inputs, targets)
    shared = _run(model, True, inputs, targets)
    tol = 1e-6 if dtype == "float32" else 1e-12
    assert shared[0] == pytest.approx(plain[0], rel=tol)
    for a, b in zip(plain[1] + plain[2], shared[1] + shared[2]):
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)
    assert set(plain[3]) == set(shared[3])
    for name, g in plain[3].items():
        assert np.abs(g).max() > 0, name
        np.testing.assert_allclose(shared[3][name], g, rtol=tol, atol=tol, err_msg=name)
    assert shared[4] == plain[4]  # the same number of draws from the dropout generator


def test_overlapped_step_with_fewer_steps_than_blocks():
    model = _model("lstm", 1, 0.2, "float32")
    rng = np.random.default_rng(1)
    inputs = rng.integers(0, model.vocab_size, (2, 3))
    targets = rng.integers(0, model.vocab_size, (2, 3))
    plain, shared = _run(model, False, inputs, targets), _run(model, True, inputs, targets)
    assert shared[0] == pytest.approx(plain[0], rel=1e-6)
    for name, g in plain[3].items():
        np.testing.assert_allclose(shared[3][name], g, rtol=1e-6, atol=1e-7, err_msg=name)


def _runs_on_two_then_one_thread(text, cfg, calls=None, **train):
    """Train on two threads, then on one (as the other tests expect to find the process).
    Per thread count: the history, the weights, how many calls to the model's own ``loss``
    after training ran in the two-task mode and, given ``overlapped_windows``' list as
    ``calls``, how many training windows ran in that mode."""
    from textseq.lm import TrainConfig, train_lm
    from textseq.threads import set_threads

    calls = [] if calls is None else calls
    runs = {}
    try:
        for threads in (2, 1):
            before = len(calls)
            tc = TrainConfig(threads=threads, **train)
            model, hist = train_lm(text, cfg, tc, progress=False)
            trained, weights = len(calls) - before, model.get_weights()
            # the model's own loss after training: the plain path, on either thread count
            ids = np.zeros((3, 2), dtype=np.int64)
            model.loss(ids, ids, model.initial_state(2))
            model.backward()
            runs[threads] = (hist, weights, len(calls) - before - trained, trained)
    finally:
        set_threads(1)
    return runs


def _assert_same_up_to_rounding(runs):
    for a, b in zip(runs[1][0].epochs, runs[2][0].epochs):
        assert b.train_loss == pytest.approx(a.train_loss, rel=1e-4)
    for name, w in runs[1][1].items():
        np.testing.assert_allclose(runs[2][1][name], w, rtol=1e-3, atol=1e-5, err_msg=name)


def test_training_with_shared_threads_uses_the_two_task_path_and_matches_one_thread(
    overlapped_windows,
):
    text = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(120)]
    cfg = LMConfig(cell="lstm", embed=8, hidden=12, dropout=0.2, seed=1)
    runs = _runs_on_two_then_one_thread(
        text, cfg, overlapped_windows, epochs=2, batch_size=4, bptt=6, share_threads=True
    )
    assert runs[2][3] > 0 and runs[1][3] == 0  # the shared path ran only on two threads
    assert runs[2][2] == 0  # and the model was left in its plain mode
    _assert_same_up_to_rounding(runs)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_plain_two_thread_training_matches_one_thread(cell):
    """The default path on two threads: the per-step products run on both BLAS threads and
    the softmax and Adam on both Numba threads. Only rounding may differ from one thread."""
    text = [f"w{i % 7} w{(i * 3) % 11} w{(i * 5) % 13} w{i % 4}".split() for i in range(400)]
    cfg = LMConfig(cell=cell, embed=32, hidden=64, dropout=0.2, seed=3)
    runs = _runs_on_two_then_one_thread(text, cfg, epochs=1, batch_size=16, bptt=8)
    _assert_same_up_to_rounding(runs)


def test_training_on_two_threads_leaves_a_way_that_starves(monkeypatch):
    """By default, with BLAS on two threads, the trainer times its three ways of running a
    window and stops using one whose windows are slow (as BLAS's own threads are when
    another program spins on the cores); with one thread it has one way."""
    import time

    from textseq import threads
    from textseq.lm.data import prepare_lm_data
    from textseq.lm.train_config import TrainConfig
    from textseq.lm.trainer import Trainer

    text = [f"w{i % 7} w{(i * 3) % 11} w{i % 5}".split() for i in range(400)]
    tc = TrainConfig(epochs=2, batch_size=4, bptt=5, split=(0.9, 0.1, 0.0), threads=2)
    data = prepare_lm_data(text, tc)
    model = RNNLM(LMConfig(embed=8, hidden=8)).init(data.vocab)
    real_loss = model.loss

    def starving_loss(*args, **kwargs):
        if threads.blas_threads() > 1:
            time.sleep(0.2)
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(model, "loss", starving_loss)
    trainer = Trainer(tc, progress=False)
    try:
        trainer.fit(model, data)
        assert list(trainer.ways()) == ["one", "shared", "blas"]
    finally:
        threads.set_threads(1)
    windows = sum(trainer.ways_used_.values())
    assert windows > 50 and trainer.ways_used_["blas"] <= 1
    assert trainer.fastest_.best in ("one", "shared")
    assert list(trainer.ways()) == ["plain"]  # BLAS on one thread now: nothing to choose
