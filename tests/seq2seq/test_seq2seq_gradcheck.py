"""Every hand-written backward of the seq2seq engine against central finite differences in
float64: the bidirectional encoder over padded sequences, each attention kind with its mask,
the decoder, and the whole model; and the mask invariance of a padded batch."""

from __future__ import annotations

import numpy as np
import pytest
from gradcheck import assert_grad, assert_model_grads, redraw

from textseq.corpus import Vocab
from textseq.seq2seq.attention import make_attention
from textseq.seq2seq.config import Seq2SeqConfig
from textseq.seq2seq.decoder import Decoder
from textseq.seq2seq.encoder import Encoder, reversal_index
from textseq.seq2seq.model import Seq2Seq, pad_batch


def randomise(layer, rng, scale=0.5):
    for p in layer.params.values():
        p[...] = rng.normal(0, scale, p.shape)


def test_reversal_index_reverses_within_each_length():
    rev = reversal_index(np.array([3, 1, 4]), 4)
    assert rev[:, 0].tolist() == [2, 1, 0, 3]
    assert rev[:, 1].tolist() == [0, 1, 2, 3]
    assert rev[:, 2].tolist() == [3, 2, 1, 0]
    np.testing.assert_array_equal(rev[rev, np.arange(3)], np.arange(4)[:, None].repeat(3, 1))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_encoder_backward_with_padding(kind, bidirectional):
    rng = np.random.default_rng(3)
    S, B, D, H = 4, 3, 3, 3
    enc = Encoder(kind, D, H, 2, bidirectional, rng, np.float64)
    for _, cell in enc.named_cells():
        randomise(cell, rng)
    lengths = np.array([4, 2, 3])
    x = rng.normal(size=(S, B, D))
    R = rng.normal(size=(S, B, enc.output_size))
    Rf = [rng.normal(size=(B, enc.output_size)) for _ in range(2)]

    def loss():
        mem, finals = enc.forward(x, lengths)
        return float((mem * R).sum() + sum((f * r).sum() for f, r in zip(finals, Rf)))

    loss()
    dx = enc.backward(R, Rf)
    grads = {(n, k): c.grads[k].copy() for n, c in enc.named_cells() for k in c.params}
    for name, cell in enc.named_cells():
        for k, p in cell.params.items():
            assert_grad(grads[name, k], loss, p, f"{name}.{k}")
    assert_grad(dx, loss, x, "encoder input")


def test_bidirectional_finals_read_each_sequence_alone():
    """A sequence's finals and real states do not depend on the padding after it."""
    rng = np.random.default_rng(4)
    enc = Encoder("gru", 2, 3, 2, True, rng, np.float64)
    x = rng.normal(size=(5, 2, 2))
    mem, finals = enc.forward(x, np.array([5, 3]))
    alone_mem, alone_finals = enc.forward(x[:3, 1:], np.array([3]))
    np.testing.assert_allclose(mem[:3, 1], alone_mem[:, 0], rtol=1e-12)
    for f, a in zip(finals, alone_finals):
        np.testing.assert_allclose(f[1], a[0], rtol=1e-12)


@pytest.mark.parametrize("kind", ["dot", "general", "additive"])
@pytest.mark.parametrize("S", [4, 2])  # general: projected on the query side, then the keys'
def test_attention_backward_with_mask(kind, S):
    rng = np.random.default_rng(5)
    B, T, H = 2, 3, 3
    Dm = H if kind == "dot" else 4
    att = make_attention(kind, H, Dm, rng, np.float64)
    randomise(att, rng)
    Q = rng.normal(size=(B, T, H))
    M = rng.normal(size=(B, S, Dm))
    mask = np.zeros((B, S), dtype=bool)
    mask[1, S // 2 :] = True
    R = rng.normal(size=(B, T, Dm))

    def loss():
        C, _ = att.forward(Q, M, mask)
        return float((C * R).sum())

    loss()
    dQ, dM = att.backward(R)
    grads = {k: g.copy() for k, g in att.grads.items()}
    for k, p in att.params.items():
        assert_grad(grads[k], loss, p, f"{kind}.{k}")
    assert_grad(dQ, loss, Q, f"{kind} queries")
    assert_grad(dM, loss, M, f"{kind} memory")
    assert np.all(dM[1, S // 2 :] == 0), "masked memory rows must get no gradient"
    C, a = att.forward(Q, M, mask)
    assert np.all(a[1, :, S // 2 :] == 0) and np.allclose(a.sum(-1), 1)
    keyed, _ = att.forward(Q, M, mask, K=att.keys(M))  # the decoding path: same context
    np.testing.assert_allclose(keyed, C, rtol=1e-12)


@pytest.mark.parametrize("attention", ["none", "general", "additive"])
def test_decoder_backward(attention):
    rng = np.random.default_rng(6)
    T, B, D, H, S, Dm = 3, 2, 3, 3, 4, 5
    dec = Decoder("lstm", D, H, 2, Dm, attention, rng, np.float64)
    for _, layer in dec.named_layers():
        randomise(layer, rng)
    y = rng.normal(size=(T, B, D))
    states = [tuple(rng.normal(size=(B, H)) for _ in range(2)) for _ in range(2)]
    M = rng.normal(size=(B, S, Dm))
    mask = np.array([[False] * 4, [False, False, False, True]])
    R = rng.normal(size=(B, T, H))

    def loss():
        out, _ = dec.forward(y, states, M, mask)
        return float((out * R).sum())

    loss()
    dy, dstates, dM = dec.backward(R)
    grads = {(n, k): layer.grads[k].copy() for n, layer in dec.named_layers() for k in layer.grads}
    for name, layer in dec.named_layers():
        for k, p in layer.params.items():
            assert_grad(grads[name, k], loss, p, f"{name}.{k}")
    assert_grad(dy, loss, y, "decoder input")
    for i in range(2):
        for j in range(2):
            assert_grad(dstates[i][j], loss, states[i][j], f"initial state {i}.{j}")
    if attention != "none":
        assert_grad(dM, loss, M, "memory")


def tiny_vocabs():
    source = Vocab.build([list("abcdefg")])
    target = Vocab.build([list("wxyz")])
    return source, target


def tiny_batch():
    src, src_len = pad_batch([[2, 3, 4], [5, 6], [3, 8, 3, 7]])
    tgt_in, _ = pad_batch([[1, 2, 3], [1, 4], [1, 2, 5, 2]])
    tgt_out, _ = pad_batch([[2, 3, 1], [4, 1], [2, 5, 2, 1]], pad=-1)
    return src, src_len, tgt_in, tgt_out


def make_model(attention, cell="gru", bidirectional=True, dropout=0.0, layers=1):
    config = Seq2SeqConfig(
        cell=cell,
        embed=3,
        hidden=3,
        layers=layers,
        bidirectional=bidirectional,
        attention=attention,
        dropout=dropout,
        dtype="float64",
    )
    model = Seq2Seq(config).init(*tiny_vocabs())
    redraw(model, np.random.default_rng(7))
    return model


@pytest.mark.parametrize(
    "attention,cell,bidirectional,layers",
    [
        ("none", "gru", True, 1),
        ("dot", "lstm", False, 1),
        ("general", "gru", True, 2),
        ("additive", "rnn", True, 1),
        ("general", "lstm", True, 1),
    ],
)
def test_whole_model_backward(attention, cell, bidirectional, layers):
    model = make_model(attention, cell, bidirectional, dropout=0.3, layers=layers)
    batch = tiny_batch()

    def loss():  # the same dropout masks on every call
        return model.loss(*batch, rng=np.random.default_rng(11))

    assert_model_grads(model, loss)


@pytest.mark.parametrize("attention", ["none", "dot", "general", "additive"])
def test_padded_batch_equals_examples_one_at_a_time(attention):
    """Summed loss and gradients of a padded batch = the sums over its examples alone."""
    model = make_model(attention, "lstm", bidirectional=attention != "dot")
    src, src_len, tgt_in, tgt_out = tiny_batch()
    counts = (tgt_out >= 0).sum(axis=1)
    total = model.loss(src, src_len, tgt_in, tgt_out) * counts.sum()
    model.backward()
    batch_grads = {name: g * counts.sum() for name, _, g in model.named_parameters()}
    alone_loss = 0.0
    alone_grads = {name: np.zeros_like(g) for name, g in batch_grads.items()}
    for b in range(len(src_len)):
        n_src, n_tgt = src_len[b], counts[b]
        one = (src[b : b + 1, :n_src], src_len[b : b + 1], tgt_in[b : b + 1, :n_tgt])
        alone_loss += model.loss(*one, tgt_out[b : b + 1, :n_tgt]) * n_tgt
        model.backward()
        for name, _, g in model.named_parameters():
            alone_grads[name] += g * n_tgt
    assert total == pytest.approx(alone_loss, rel=1e-12)
    for name, g in batch_grads.items():
        np.testing.assert_allclose(g, alone_grads[name], rtol=1e-9, atol=1e-12, err_msg=name)


def test_step_equals_teacher_forced_forward():
    model = make_model("additive", "lstm", layers=2)
    src, src_len, tgt_in, tgt_out = tiny_batch()
    state = model.encode(src, src_len)
    M, mask, states = model._encode(src, src_len, store=False)
    y = model.tgt_embedding_.forward(np.ascontiguousarray(tgt_in.T))
    out, _ = model.decoder_.forward(y, states, M, mask, store=False)
    full = model.output_.logits(out.reshape(-1, 3)).reshape(3, 4, -1)
    for t in range(tgt_in.shape[1]):
        logits, state = model.step(tgt_in[:, t], state)
        np.testing.assert_allclose(logits, full[:, t], rtol=1e-12, atol=1e-12)


def test_step_protocol_initial_state_and_beam_rows():
    """``initial_state`` gives a state decoding can index by row, as a beam does."""
    model = make_model("general", "lstm", layers=2)
    state = model.initial_state(3)
    assert all(s.shape[0] == 3 for s in state)
    rows = np.array([2, 0])
    logits, new = model.step(np.array([1, 2]), tuple(s[rows] for s in state))
    assert logits.shape == (2, len(model.target_vocab_)) and all(s.shape[0] == 2 for s in new)
