"""Every hand-written backward against central finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import assert_grad, redraw, rel_error

from textseq.corpus import Vocab
from textseq.lm import kernels
from textseq.lm.cells import make_cell
from textseq.lm.layers import Dropout, Embedding, SoftmaxOutput
from textseq.lm.model import RNNLM, LMConfig


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("B", [3, 10])  # 10: the column-major recurrent products
def test_cell_backward_through_time(kind, B):
    rng = np.random.default_rng(1)
    T, D, H = 4, 5, 4
    assert (B > kernels.SMALL_ROWS) == (B == 10)
    cell = make_cell(kind, D, H, rng, np.float64)
    for p in cell.params.values():  # non-trivial values everywhere, biases included
        p[...] = rng.normal(0, 0.5, p.shape)
    x = rng.normal(size=(T, B, D))
    state = tuple(rng.normal(size=(B, H)) for _ in range(cell.n_states))
    R = rng.normal(size=(T, B, H))
    Rs = [rng.normal(size=(B, H)) for _ in range(cell.n_states)]

    def loss():
        hs, final = cell.forward(x, state)
        return float((hs * R).sum() + sum((s * r).sum() for s, r in zip(final, Rs)))

    loss()
    dx, dstate = cell.backward(R, tuple(Rs))
    grads = {k: g.copy() for k, g in cell.grads.items()}
    for name, p in cell.params.items():
        assert_grad(grads[name], loss, p, f"{kind}.{name}")
    assert_grad(dx, loss, x, f"{kind} input")
    for i, s in enumerate(state):
        assert_grad(dstate[i], loss, s, f"{kind} initial state {i}")


def test_cell_step_matches_forward():
    rng = np.random.default_rng(2)
    for kind in ("rnn", "lstm", "gru"):
        cell = make_cell(kind, 3, 4, rng, np.float64)
        x = rng.normal(size=(5, 2, 3))
        hs, final = cell.forward(x, cell.initial_state(2))
        state = cell.initial_state(2)
        for t in range(5):
            h, state = cell.step(x[t], state)
            np.testing.assert_allclose(h, hs[t], rtol=1e-12)
        for a, b in zip(state, final):
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_lstm_forget_bias_starts_at_one():
    cell = make_cell("lstm", 3, 4, np.random.default_rng(0))
    np.testing.assert_array_equal(cell.params["b"][4:8], 1.0)


def test_embedding_backward_with_repeated_ids():
    rng = np.random.default_rng(3)
    emb = Embedding(6, 3, rng, np.float64)
    ids = np.array([[0, 2, 2], [5, 0, 2]])
    R = rng.normal(size=(2, 3, 3))

    def loss():
        return float((emb.forward(ids) * R).sum())

    loss()
    emb.backward(R)
    assert_grad(emb.grads["W"].copy(), loss, emb.params["W"], "embedding")


def test_softmax_output_backward_with_ignored_targets():
    rng = np.random.default_rng(4)
    out = SoftmaxOutput(4, 7, rng, np.float64)
    out.params["b"][...] = rng.normal(size=7)
    h = rng.normal(size=(5, 4))
    targets = np.array([3, -1, 0, 6, 3])

    def loss():
        return out.forward_loss(h, targets)

    value = loss()
    dh = out.backward()
    logits = h @ out.params["W"].T + out.params["b"]
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    keep = targets >= 0
    assert value == pytest.approx(-logp[keep, targets[keep]].mean(), rel=1e-12)
    grads = {k: g.copy() for k, g in out.grads.items()}
    assert_grad(grads["W"], loss, out.params["W"], "output.W")
    assert_grad(grads["b"], loss, out.params["b"], "output.b")
    assert_grad(dh, loss, h, "output input")


def test_dropout_backward_with_fixed_mask():
    rng = np.random.default_rng(5)
    drop = Dropout(0.4)
    x = rng.normal(size=(3, 4, 5))
    R = rng.normal(size=x.shape)

    def loss():
        return float((drop.forward(x, np.random.default_rng(7)) * R).sum())

    loss()
    assert 0 < np.count_nonzero(drop._mask == 0) < x.size  # the mask really drops some
    assert_grad(drop.backward(R), loss, x, "dropout")


def _vocab(n):
    words = ["<unk>", "<eos>"] + [f"w{i}" for i in range(n - 2)]
    return Vocab(words, list(range(n, 0, -1)))


@pytest.mark.parametrize(
    "cell,layers,tie,dropout,last_only",
    [
        ("rnn", 1, False, 0.0, False),
        ("lstm", 2, False, 0.0, False),
        ("gru", 2, True, 0.0, False),
        ("lstm", 2, True, 0.3, False),
        ("gru", 1, False, 0.3, True),
    ],
)
def test_model_backward_over_a_sequence(cell, layers, tie, dropout, last_only):
    cfg = LMConfig(
        cell=cell,
        embed=4,
        hidden=4,
        layers=layers,
        tie=tie,
        dropout=dropout,
        dtype="float64",
        seed=3,
    )
    model = RNNLM(cfg).init(_vocab(7))
    rng = np.random.default_rng(8)
    redraw(model, rng)
    T, B = 3, 2
    inputs = rng.integers(0, 7, (T, B))
    targets = rng.integers(0, 7, (B,)) if last_only else rng.integers(0, 7, (T, B))
    state = tuple(rng.normal(size=s.shape) for s in model.initial_state(B))

    def loss():
        drop_rng = np.random.default_rng(11) if dropout else None
        value, _ = model.loss(inputs, targets, state, rng=drop_rng, last_only=last_only)
        return value

    loss()
    dstate = model.backward()
    named = [(n, p, g.copy()) for n, p, g in model.named_parameters()]
    if tie:
        assert "output.W" not in [n for n, _, _ in named]
        assert model.output_.params["W"] is model.embedding_.params["W"]
    for name, p, g in named:
        assert_grad(g, loss, p, name)
    for i, s in enumerate(state):
        assert_grad(dstate[i], loss, s, f"initial state {i}")


def test_fused_float32_softmax_matches_the_exact_float64_one():
    """The float32 training path (fused kernel, polynomial exp) against float64 numpy."""
    rng = np.random.default_rng(6)
    out32 = SoftmaxOutput(16, 300, rng, np.float32)
    out32.params["b"][...] = rng.normal(size=300)
    out64 = SoftmaxOutput(16, 300, rng, np.float64)
    for k in out32.params:
        out64.params[k][...] = out32.params[k]
    h = rng.normal(0, 3, size=(37, 16))  # large logits: the max shift matters
    targets = rng.integers(0, 300, 37)
    targets[[3, 20]] = -1
    l32 = out32.forward_loss(h.astype(np.float32), targets)
    l64 = out64.forward_loss(h, targets)
    assert l32 == pytest.approx(l64, rel=1e-5)
    dh32, dh64 = out32.backward(), out64.backward()
    for a, b in [
        (dh32, dh64),
        (out32.grads["W"], out64.grads["W"]),
        (out32.grads["b"], out64.grads["b"]),
    ]:
        assert rel_error(a.astype(np.float64), b) < 1e-5


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_float32_cell_kernels_match_float64(kind):
    """float32 steps use a polynomial exp; they must agree with the exact float64 path."""
    rng = np.random.default_rng(9)
    c64 = make_cell(kind, 6, 8, rng, np.float64)
    c32 = make_cell(kind, 6, 8, rng, np.float32)
    for k, p in c64.params.items():
        p[...] = rng.normal(0, 1.0, p.shape)  # saturating pre-activations included
        c32.params[k][...] = p
    x = rng.normal(0, 2, size=(7, 5, 6))
    hs64, _ = c64.forward(x, c64.initial_state(5))
    hs32, _ = c32.forward(x.astype(np.float32), c32.initial_state(5))
    np.testing.assert_allclose(hs32, hs64, atol=2e-6)
    R = rng.normal(size=hs64.shape)
    dx64, _ = c64.backward(R)
    dx32, _ = c32.backward(R.astype(np.float32))
    assert rel_error(dx32.astype(np.float64), dx64) < 1e-5
    for k in c64.grads:
        assert rel_error(c32.grads[k].astype(np.float64), c64.grads[k]) < 1e-5, k


@pytest.mark.parametrize("rows", [1, 5, 20])  # 20: the BLAS path
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_small_batch_product_matches_blas(rows, dtype):
    from textseq.lm.kernels import matmul_t

    rng = np.random.default_rng(10)
    x, W = rng.normal(size=(rows, 33)).astype(dtype), rng.normal(size=(70, 33)).astype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(matmul_t(x, W), x @ W.T, rtol=tol, atol=tol)


def test_embedding_lookup_is_one_hot_times_the_matrix():
    from textseq.corpus import one_hot_dense

    emb = Embedding(9, 4, np.random.default_rng(11), np.float64)
    ids = np.array([[0, 8, 3], [3, 3, 1]])
    np.testing.assert_array_equal(
        emb.forward(ids), one_hot_dense(ids, 9, np.float64) @ emb.params["W"]
    )
