"""Scores of a language model on held-out ids: perplexity and next-word accuracy."""

from __future__ import annotations

import math

import numpy as np

from textseq.lm.data import chunk_batches, stream_windows
from textseq.lm.history import Scores
from textseq.lm.train_config import TrainConfig

EVAL_CHUNKS = 256  # sequences per batch when scoring in window mode


def evaluate(model, ids: np.ndarray, train: TrainConfig, units=None) -> Scores:
    """Perplexity and top-1/top-5 next-word accuracy of ``model`` (an ``RNNLM``) on ``ids``,
    without dropout, read as ``train``'s mode reads them; empty ``Scores`` when nothing is
    scored (e.g. an empty test part). ``units``: the (words, characters) of the text of
    ``ids``, which add the perplexity per word and the bits per character."""
    loss_sum, hit1, hit5, count = 0.0, 0, 0, 0
    if train.mode == "stream":
        B = max(1, min(train.eval_batch_size, len(ids) // 2))
        state = model.initial_state(B)
        for x, y in stream_windows(ids, B, train.bptt):
            (s, h1, h5, c), state = model.evaluate(x, y, state)
            loss_sum, hit1, hit5, count = loss_sum + s, hit1 + h1, hit5 + h5, count + c
    elif len(ids) > train.chunk_size:
        for x, y in chunk_batches(ids, train.chunk_size, EVAL_CHUNKS):
            (s, h1, h5, c), _ = model.evaluate(x, y, model.initial_state(x.shape[1]), True)
            loss_sum, hit1, hit5, count = loss_sum + s, hit1 + h1, hit5 + h5, count + c
    if count == 0:
        return Scores()
    loss = loss_sum / count
    word_ppl = bpc = None
    if units is not None and min(units) > 0:
        # the mean loss stands for every token of the part, scored or not
        nats = loss * len(ids)
        word_ppl, bpc = perplexity(nats / units[0]), nats / units[1] / math.log(2)
    return Scores(
        loss=loss, ppl=perplexity(loss), acc=hit1 / count, acc5=hit5 / count,
        word_ppl=word_ppl, bpc=bpc,
    )  # fmt: skip


def perplexity(loss: float) -> float:
    """``exp(loss)``, capped below float overflow."""
    return math.exp(min(loss, 700.0))
