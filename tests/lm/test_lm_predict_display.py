"""``predict`` on a subword model lists pieces as readable text; the Python API keeps the raw
pieces (``predict_next``) and ``token_text`` gives the text shown for each."""

from __future__ import annotations

import pytest

from textseq.corpus.subwords import CONTINUES, UNK, WORD_START, token_text, train_subwords
from textseq.corpus.tokenize import get_tokenizer
from textseq.lm import LMConfig, TrainConfig, train_lm
from textseq.lm.model import RNNLM

pytest.importorskip("sentencepiece")

SENTENCES = [
    "the unbelievable story was unknown to the unhappy reader",
    "an untold tale unfolds under the unusual sky",
    "readers were unable to undo the telling",
] * 20


@pytest.fixture(scope="module")
def subwords():
    words = [get_tokenizer("unicode")(s) for s in SENTENCES]
    return train_subwords(words, 40, "unicode")


def test_piece_text_shows_word_starts_continuations_and_specials(subwords):
    pieces = subwords.pieces()
    starts = [p for p in pieces if p.startswith(WORD_START) and len(p) > 1]
    inner = [p for p in pieces if not p.startswith(WORD_START) and p != UNK]
    assert starts and inner
    for piece in starts:
        assert subwords.piece_text(piece) == piece[1:]
        assert subwords.piece_text(piece) == subwords.detokenize([piece])  # the word's start
    for piece in inner:
        assert subwords.piece_text(piece) == CONTINUES + piece
    assert subwords.piece_text(WORD_START) == WORD_START
    assert subwords.piece_text(UNK) == UNK and subwords.piece_text("<eos>") == "<eos>"
    # word tokenizers' tokens are themselves
    assert token_text("▁x", get_tokenizer("unicode")) == "▁x" and token_text("cat") == "cat"
    assert token_text(starts[0], subwords) == starts[0][1:]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm") / "model"
    config = LMConfig(cell="gru", embed=16, hidden=32, seed=1, subwords=40)
    train = TrainConfig(bptt=10, batch_size=4, epochs=3, lr=1e-2, split=(1.0, 0.0, 0.0), threads=1)
    sentences = [get_tokenizer("unicode")(s) for s in SENTENCES]
    train_lm(sentences, config, train, out_dir=folder, progress=False)
    return folder


def test_predict_lists_readable_pieces_and_python_keeps_the_raw_ones(cli, model_dir):
    model = RNNLM.load(model_dir)
    k = model.vocab_size
    raw = model.predict_next("the un", top_k=k)
    assert any(not t.startswith(WORD_START) for t, _ in raw)  # continuations are among them
    assert any(t.startswith(WORD_START) for t, _ in raw)
    result = cli("predict", "--model", model_dir, "--prompt", "the un", "--top-k", str(k))
    assert result.code == 0, result
    lines = result.out.rstrip("\n").splitlines()
    assert lines[0].split() == ["rank", "subword", "probability"] and len(lines) == k + 1
    for line, (token, prob) in zip(lines[1:], raw):
        rank, text, shown = line.split()
        assert text == token_text(token, model.text_tokenizer)
        assert WORD_START not in text or token == WORD_START
        assert float(shown) == pytest.approx(prob, abs=1e-6)
    assert any(line.split()[1].startswith(CONTINUES) for line in lines[1:])
