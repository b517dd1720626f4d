"""Argmax, sampling and beam search over ids, for any model with the step protocol.

Each strategy starts from the scores and the state after the caller primed the model with
its context (``scores (1, V)``, a state of batch 1), calls ``model.step`` once per token
(beam: all live beams in one call) and returns id-level hypotheses.

Log-probabilities of a hypothesis are natural-log sums over the generated tokens (a final
end-of-sequence id included): ``logprob`` under the distribution the search used (after the
shaping of ``textseq.decoding.shaping``), ``model_logprob`` under the model's unmodified
softmax, the figure a rescoring of the sequence with the model gives.
``score = logprob / length ** length_penalty`` ranks beam hypotheses. Scores are shaped in
float64; the exponentials of the normalisers are taken in float32 and summed in float64, so
log-probabilities are exact to about 1e-6, far below any difference that changes a choice.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from textseq.decoding import kernels
from textseq.decoding.options import DecodingOptions
from textseq.decoding.protocol import StepModel
from textseq.decoding.shaping import Context, normalisers, shape_logits


@dataclass
class Hypothesis:
    """One decoded continuation: ``ids`` (a final end-of-sequence id included when it ended
    with one, ``finished``), its log-probabilities and its beam ``score``."""

    ids: list[int]
    logprob: float
    model_logprob: float
    score: float
    finished: bool


@dataclass
class SearchResult:
    """The hypotheses best first (one unless beam n-best) and why the search stopped:
    ``"eos"``, ``"max_tokens"`` or ``"no_allowed_token"`` (every id was banned)."""

    hypotheses: list[Hypothesis] = field(default_factory=list)
    stop_reason: str = "max_tokens"

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]


def decode(
    model: StepModel,
    scores: np.ndarray,
    state,
    options: DecodingOptions,
    *,
    eos_id: int | None = None,
    unk_id: int | None = None,
    context_ids: Sequence[int] | np.ndarray = (),
) -> SearchResult:
    """Continue from ``scores (1, V)`` and ``state`` by ``options.strategy``.

    ``eos_id`` ends a hypothesis (when ``options.stop_at_eos``); ``unk_id`` is banned unless
    ``options.allow_unk``; ``context_ids`` (e.g. the prompt) count as already seen for the
    repetition penalty and the n-gram ban.
    """
    options.validate()
    scores = np.asarray(scores)
    context = Context(context_ids, scores.shape[1], options)
    eos = eos_id if options.stop_at_eos else None
    if options.strategy == "beam":
        return _beam(model, scores, state, context, options, eos, unk_id)
    rng = np.random.default_rng(options.seed) if options.strategy == "sample" else None
    return _one_path(model, scores, state, context, options, eos, unk_id, rng)


def argmax(model: StepModel, scores, state, options=DecodingOptions(), **keywords) -> SearchResult:
    """:func:`decode` with ``strategy="argmax"`` (``keywords``: those of ``decode``)."""
    return decode(model, scores, state, dataclasses.replace(options, strategy="argmax"), **keywords)


def sample(model: StepModel, scores, state, options=DecodingOptions(), **keywords) -> SearchResult:
    """:func:`decode` with ``strategy="sample"``."""
    return decode(model, scores, state, dataclasses.replace(options, strategy="sample"), **keywords)


def beam(model: StepModel, scores, state, options=DecodingOptions(), **keywords) -> SearchResult:
    """:func:`decode` with ``strategy="beam"``."""
    return decode(model, scores, state, dataclasses.replace(options, strategy="beam"), **keywords)


def _one_path(model, logits, state, context, options, eos, unk, rng) -> SearchResult:
    """Argmax (``rng is None``) or sampling: one token per step, one model row."""
    gen: list[int] = []
    lp = mlp = 0.0
    reason = "max_tokens"
    max_tokens = options.max_tokens
    greedy = rng is None or options.temperature == 0
    same = options.repetition_penalty == 1.0 and (greedy or options.temperature == 1.0)
    for t in range(max_tokens):
        x = shape_logits(logits, [gen], context, options, unk, warp=not greedy)
        lse, mlse = normalisers(x, logits, same)
        if not np.isfinite(lse[0]):
            reason = "no_allowed_token"
            break
        if greedy:
            tok = int(np.argmax(x[0]))
        else:
            z = np.exp(x[0] - lse[0])
            cdf = np.cumsum(z)
            tok = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
            tok = min(tok, z.size - 1)
            while z[tok] == 0.0:  # never land on a banned id at the very edge
                tok -= 1
        gen.append(tok)
        lp += float(x[0, tok] - lse[0])
        mlp += float(logits[0, tok] - mlse[0])
        if eos is not None and tok == eos:
            reason = "eos"
            break
        if t + 1 < max_tokens:
            logits, state = model.step(np.array([tok], dtype=np.int64), state)
    finished = reason == "eos"
    return SearchResult([Hypothesis(gen, lp, mlp, lp, finished)], reason)


def _best_extensions(x: np.ndarray, offset: np.ndarray, k: int):
    """The ``k`` largest finite ``x[r, t] + offset[r]`` as (rows, tokens, values), best
    first, ties by lower row then token (fewer than ``k`` when fewer are finite)."""
    rows = np.empty(k, dtype=np.int64)
    toks = np.empty(k, dtype=np.int64)
    vals = np.empty(k, dtype=np.float64)
    n = kernels.top_extensions(
        np.ascontiguousarray(x), np.ascontiguousarray(offset), k, rows, toks, vals
    )
    return rows[:n], toks[:n], vals[:n]


def _beam(model, logits, state, context, options, eos, unk) -> SearchResult:
    """Beam search: all live beams advance in one ``model.step`` call per token.

    Each step ranks the best ``2 * width`` extensions of all beams; those ending in the
    end-of-sequence id join the finished list, the best ``width`` others stay live. The search
    stops when ``width`` hypotheses have finished and no live beam can still beat the worst of
    them (log-probabilities only fall, so the bound is exact), or after ``max_tokens``.
    Returns the ``n_best`` hypotheses by ``score`` (length-normalised), best first.
    """
    width, length_penalty, max_tokens = (
        options.beam_width,
        options.length_penalty,
        options.max_tokens,
    )
    same = options.repetition_penalty == 1.0 and options.temperature == 1.0

    def norm(total: float, length: int) -> float:
        return total / (max(length, 1) ** length_penalty)

    beams: list[list[int]] = [[]]
    scores = np.zeros(1)  # search log-probabilities
    model_scores = np.zeros(1)  # model log-probabilities
    finished: list[Hypothesis] = []
    reason = "max_tokens"
    for t in range(max_tokens):
        x = shape_logits(logits, beams, context, options, unk)
        lse, mlse = normalisers(x, logits, same)
        offset = np.where(np.isfinite(lse), scores - lse, -np.inf)
        cand_rows, cand_toks, cand_vals = _best_extensions(x, offset, min(2 * width, x.size))
        keep_rows: list[int] = []
        keep_toks: list[int] = []
        for row, tok, value in zip(cand_rows.tolist(), cand_toks.tolist(), cand_vals.tolist()):
            if not math.isfinite(value):
                break
            if eos is not None and tok == eos:
                seq = beams[row] + [tok]
                mlp = float(model_scores[row] + logits[row, tok] - mlse[row])
                finished.append(Hypothesis(seq, value, mlp, norm(value, len(seq)), True))
            else:
                keep_rows.append(row)
                keep_toks.append(tok)
                if len(keep_rows) == width:
                    break
        if not keep_rows:
            reason = "eos" if finished else "no_allowed_token"
            break
        rows = np.array(keep_rows)
        toks = np.array(keep_toks, dtype=np.int64)
        model_scores = model_scores[rows] + logits[rows, toks] - mlse[rows]
        scores = x[rows, toks] + offset[rows]
        beams = [beams[r] + [k] for r, k in zip(keep_rows, keep_toks)]
        length = t + 1
        if len(finished) >= width:
            finished.sort(key=lambda h: -h.score)
            worst_kept = finished[width - 1].score
            future = max_tokens if length_penalty > 0 else length
            if norm(float(scores.max()), future) <= worst_kept:
                reason = "eos"
                beams = []
                break
        if length < max_tokens:
            state = tuple(np.asarray(s)[rows] for s in state)
            logits, state = model.step(toks, state)
    for gen, s, m in zip(beams, scores, model_scores):
        finished.append(Hypothesis(gen, float(s), float(m), norm(float(s), len(gen)), False))
    finished.sort(key=lambda h: -h.score)
    finished = finished[:width]
    if not finished:
        return SearchResult([Hypothesis([], 0.0, 0.0, 0.0, False)], reason)
    if finished[0].finished:
        reason = "eos"
    elif reason != "no_allowed_token":
        reason = "max_tokens"
    return SearchResult(finished[: options.n_best], reason)
