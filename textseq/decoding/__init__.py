"""Decoding shared by every model that predicts one token at a time: argmax, sampling
(temperature, top-k, top-p, min-p) and beam search (width, length penalty, n-best,
end-of-sequence), with repetition controls.

Decoding knows a model only through the step protocol (:class:`StepModel`):
``initial_state(batch_size)`` and ``step(ids (B,), state) -> (scores (B, V), state)``,
where scores are logits or log-probabilities. The caller primes the model with its context
and passes the first scores and the state to :func:`decode`::

    options = DecodingOptions(strategy="beam", beam_width=5, max_tokens=50).validate()
    scores, state = <the model after the prompt>            # (1, V), batch-1 state
    result = decode(model, scores, state, options, eos_id=eos, unk_id=unk,
                    context_ids=prompt_ids)
    result.best.ids, result.best.logprob, result.stop_reason

Modules: ``options`` (the settings), ``shaping`` (raw scores -> the scores a strategy
chooses from; softmax and normalisers), ``search`` (the strategies), ``kernels`` (Numba),
``protocol`` (the step protocol).
"""

from textseq.decoding.options import STRATEGIES, DecodingOptions
from textseq.decoding.protocol import StepModel
from textseq.decoding.search import Hypothesis, SearchResult, argmax, beam, decode, sample
from textseq.decoding.shaping import Context, log_softmax, normalisers, shape_logits, softmax

__all__ = [
    "STRATEGIES",
    "Context",
    "DecodingOptions",
    "Hypothesis",
    "SearchResult",
    "StepModel",
    "argmax",
    "beam",
    "decode",
    "log_softmax",
    "normalisers",
    "sample",
    "shape_logits",
    "softmax",
]
