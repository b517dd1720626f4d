"""Text in, text out for a language model: prompts become ids and prime the model,
``textseq.decoding`` searches, and the ids it returns become words again.

Everything here talks to the model through a small protocol, so any object that has it works
(the tests use fixed-table models whose answers are known exactly):

- ``model.vocab_`` (a ``textseq.corpus.Vocab``) and ``model.tokenize(text) -> list[str]``
  (optionally ``model.detokenize(tokens) -> str``, which makes a result's ``text``);
- the step protocol of ``textseq.decoding``: ``model.initial_state(batch_size)`` and
  ``model.step(ids (B,), state) -> (scores (B, V), new_state)`` (logits or exact
  log-probabilities, e.g. of an adaptive softmax: the softmax of either is the model's
  distribution);
- ``model.forward_sequence(ids (B, T), state) -> (logits (B, T, V), new_state)``;
- optionally ``model.advance(ids (B,), state) -> new_state`` (a step without the output
  layer), which short prompts are fed through.

Conventions (decided here, relied on by the CLI):

- The prompt is read as the start of a sentence: the context fed to the model is
  ``<eos>`` followed by the prompt's tokens (lines of a multi-line prompt are separated by
  ``<eos>``), so an empty prompt starts from ``<eos>`` alone. Words outside the vocabulary
  become ``<unk>``, with a warning naming them.
- ``allow_unk=False`` (the default of :func:`generate`) never emits ``<unk>``: generated text
  made of ``<unk>`` says nothing. :func:`predict_next` shows the model's own distribution,
  ``<unk>`` included, unless asked otherwise.
- Strategies, options and log-probabilities are those of ``textseq.decoding`` (see
  ``textseq.decoding.search``); the prompt's ids count as seen for the repetition controls.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from textseq import decoding
from textseq.decoding.options import is_int
from textseq.errors import OptionError

PROMPT_CHUNK = 256  # prompt tokens fed per forward_sequence call (bounds the logits memory)
FAST_PRIME_TOKENS = 16  # prompts up to this long (with <eos>) are fed one word at a time
TOPK = 10  # next words that predict_next lists by default
_DEFAULTS = decoding.DecodingOptions()  # generate's defaults are the decoding settings' own


# --------------------------------------------------------------------------- prompt


def encode_prompt(model, prompt: str | Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The prompt as tokens and ids; unknown words become ``<unk>`` with one warning.

    A string is tokenized line by line with ``model.tokenize`` and the lines are joined by
    ``<eos>``; a list is taken as tokens already. Returns ``(tokens, ids)`` without the leading
    ``<eos>`` that :func:`prime` adds.
    """
    vocab = model.vocab_
    if isinstance(prompt, str):
        tokens: list[str] = []
        lines = [model.tokenize(line) for line in prompt.splitlines()]
        lines = [line for line in lines if line]
        for i, line in enumerate(lines):
            if i and vocab.eos_id is not None:
                tokens.append(vocab.words[vocab.eos_id])
            tokens.extend(line)
    else:
        tokens = [str(t) for t in prompt]
    unknown = list(dict.fromkeys(t for t in tokens if t not in vocab))
    if unknown:
        shown = ", ".join(unknown[:10]) + (
            f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        )
        if vocab.unk_id is not None:
            msg = (
                f"prompt words not in the vocabulary, read as {vocab.words[vocab.unk_id]}: {shown}"
            )
        else:
            msg = f"prompt words not in the vocabulary, left out: {shown}"
        warnings.warn(msg, UserWarning, stacklevel=3)
    ids = np.asarray(vocab.encode(tokens), dtype=np.int64)
    return tokens, ids


def prime(model, prompt_ids: np.ndarray):
    """Feed ``<eos> + prompt_ids`` to the model; return (logits of the next word (1, V), state).

    Short prompts (up to ``FAST_PRIME_TOKENS`` ids) go word by word through
    ``model.advance``, when the model has it, and ``model.step`` for the last word: the
    output layer runs once. Longer ones go through ``forward_sequence`` in pieces of
    ``PROMPT_CHUNK`` tokens, the state carried from piece to piece, so the whole prompt
    conditions the state.
    """
    eos = model.vocab_.eos_id
    start = [] if eos is None else [eos]
    ids = np.asarray(start + [int(i) for i in prompt_ids], dtype=np.int64)
    if ids.size == 0:
        raise OptionError("the prompt is empty and the model has no <eos> token to start from")
    state = model.initial_state(1)
    advance = getattr(model, "advance", None)
    if advance is not None and ids.size <= FAST_PRIME_TOKENS:
        for j in range(ids.size - 1):
            state = advance(ids[j : j + 1], state)
        return model.step(ids[-1:], state)
    logits = None
    for lo in range(0, ids.size, PROMPT_CHUNK):
        out, state = model.forward_sequence(ids[None, lo : lo + PROMPT_CHUNK], state)
        logits = out[:, -1, :]
    return np.asarray(logits), state


# --------------------------------------------------------------------------- results


@dataclass
class Hypothesis(decoding.Hypothesis):
    """One generated continuation: a ``textseq.decoding.Hypothesis`` with its words.

    ``tokens``: the words of ``ids`` without a final ``<eos>`` (``finished``); an ``<eos>``
    inside (``stop_at_eos=False``) stays as a token and becomes a line break in ``text``.
    """

    tokens: list[str] = field(default_factory=list)
    eos_token: str | None = None
    # the model's tokenizer's tokens -> text (None: join with spaces)
    detokenize: Callable[[Sequence[str]], str] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def text(self) -> str:
        join = self.detokenize or " ".join
        lines, line = [], []
        for tok in self.tokens:
            if self.eos_token is not None and tok == self.eos_token:
                lines.append(join(line))
                line = []
            else:
                line.append(tok)
        lines.append(join(line))
        return "\n".join(lines)


@dataclass
class Generation:
    """What :func:`generate` returns: the hypotheses best first (one unless beam n-best).

    ``stop_reason`` of the best: ``"eos"``, ``"max_tokens"`` or ``"no_allowed_token"`` (every
    word was banned by the options).
    """

    prompt_tokens: list[str]
    strategy: str
    hypotheses: list[Hypothesis] = field(default_factory=list)
    stop_reason: str = "max_tokens"

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]

    @property
    def tokens(self) -> list[str]:
        return self.best.tokens

    @property
    def text(self) -> str:
        return self.best.text

    @property
    def ids(self) -> list[int]:
        return self.best.ids

    @property
    def logprob(self) -> float:
        return self.best.logprob

    @property
    def model_logprob(self) -> float:
        return self.best.model_logprob


# --------------------------------------------------------------------------- public API


def _renamed_top_k(top_k, topk):
    """``top_k``, or the value given by its former name ``topk`` (with a warning)."""
    if topk is None:
        return top_k
    warnings.warn("topk= is deprecated; use top_k=", DeprecationWarning, stacklevel=3)
    return topk


def predict_next(
    model,
    prompt: str | Sequence[str],
    top_k: int = TOPK,
    allow_unk: bool = True,
    *,
    topk: int | None = None,
) -> list[tuple[str, float]]:
    """The ``top_k`` most probable next words after ``prompt`` with their probabilities
    (``topk=``, the former name, still works and warns).

    Probabilities are the model's softmax in float64 (renormalised without ``<unk>`` when
    ``allow_unk=False``), highest first, ties by id.
    """
    topk = _renamed_top_k(top_k, topk)
    if not is_int(topk) or topk < 1:
        raise OptionError(f"top-k must be a whole number >= 1, got {topk!r}")
    _, ids = encode_prompt(model, prompt)
    logits, _ = prime(model, ids)
    options = decoding.DecodingOptions(allow_unk=allow_unk)
    ctx = decoding.Context(ids[:0], logits.shape[1], options)
    scores = decoding.shape_logits(logits, [[]], ctx, options, model.vocab_.unk_id)
    probs = decoding.softmax(scores)[0]
    order = np.argsort(-probs, kind="stable")[: min(topk, probs.size)]
    words = model.vocab_.words
    return [(words[i], float(probs[i])) for i in order]


def generate(
    model,
    prompt: str | Sequence[str] = "",
    max_tokens: int = _DEFAULTS.max_tokens,
    strategy: str = _DEFAULTS.strategy,
    temperature: float = _DEFAULTS.temperature,
    top_k: int | None = _DEFAULTS.top_k,
    top_p: float | None = _DEFAULTS.top_p,
    beam_width: int = _DEFAULTS.beam_width,
    length_penalty: float = _DEFAULTS.length_penalty,
    n_best: int = _DEFAULTS.n_best,
    allow_unk: bool = _DEFAULTS.allow_unk,
    no_repeat_ngram_size: int = _DEFAULTS.no_repeat_ngram_size,
    repetition_penalty: float = _DEFAULTS.repetition_penalty,
    stop_at_eos: bool = _DEFAULTS.stop_at_eos,
    seed: int | None = _DEFAULTS.seed,
    min_p: float | None = _DEFAULTS.min_p,
    *,
    topk: int | None = None,
) -> Generation:
    """Continue ``prompt`` by ``argmax``, ``sample`` or ``beam`` search; the settings are
    those of ``textseq.decoding.DecodingOptions`` (checked before the prompt is read).
    ``topk=`` is accepted for ``top_k=``, as ``predict_next`` accepts it, with a warning."""
    top_k = _renamed_top_k(top_k, topk)
    options = decoding.DecodingOptions(
        strategy=strategy,
        max_tokens=max_tokens,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        min_p=min_p,
        repetition_penalty=repetition_penalty,
        no_repeat_ngram_size=no_repeat_ngram_size,
        allow_unk=allow_unk,
        beam_width=beam_width,
        length_penalty=length_penalty,
        n_best=n_best,
        stop_at_eos=stop_at_eos,
        seed=seed,
    ).validate()
    tokens, ids = encode_prompt(model, prompt)
    logits, state = prime(model, ids)
    vocab = model.vocab_
    result = decoding.decode(
        model, logits, state, options, eos_id=vocab.eos_id, unk_id=vocab.unk_id, context_ids=ids
    )
    eos_word = vocab.words[vocab.eos_id] if vocab.eos_id is not None else None
    hypotheses = [
        Hypothesis(
            ids=list(h.ids),
            logprob=h.logprob,
            model_logprob=h.model_logprob,
            score=h.score,
            finished=h.finished,
            tokens=list(vocab.decode(h.ids[:-1] if h.finished else h.ids)),
            eos_token=eos_word,
            detokenize=getattr(model, "detokenize", None),
        )
        for h in result.hypotheses
    ]
    return Generation(
        prompt_tokens=tokens,
        strategy=strategy,
        hypotheses=hypotheses,
        stop_reason=result.stop_reason,
    )
