"""Next-word prediction and text generation (argmax, sampling, beam search) for a language model.

Everything here talks to the model through a small protocol, so any object that has it works
(the tests use fixed-table models whose answers are known exactly):

- ``model.vocab_`` (a ``textseq.corpus.Vocab``) and ``model.tokenize(text) -> list[str]``;
- ``model.initial_state(batch_size) -> state``: a tuple of arrays, batch on axis 0;
- ``model.step(ids (B,), state) -> (logits (B, V), new_state)``;
- ``model.forward_sequence(ids (B, T), state) -> (logits (B, T, V), new_state)``.

For a float32 ``RNNLM`` the steps run through :class:`FastStep` instead of ``model.step``: the
same maths on Numba kernels made for a handful of rows (``textseq.lm.generate_kernels``),
with the log-sum-exp and the beam's candidate selection in one pass each. That is what keeps
50 tokens of beam 5 on a kjv-sized model in the 20-30 ms range (it was 45-80 ms).

One function, :func:`shape_logits`, turns raw logits into the scores every strategy uses, in
this order (as nanoGPT does, plus the penalties that keep real text from looping)::

    logits -> repetition penalty -> ban <unk> -> ban repeated n-grams
           -> / temperature -> keep top-k -> keep top-p        (float64 throughout)

``argmax`` takes the largest score, ``sample`` draws from ``softmax(scores)``, ``beam`` adds
``log_softmax(scores)`` to each hypothesis' running total.

Conventions (decided here, relied on by the CLI):

- The prompt is read as the start of a sentence: the context fed to the model is
  ``<eos>`` followed by the prompt's tokens (lines of a multi-line prompt are separated by
  ``<eos>``), so an empty prompt starts from ``<eos>`` alone. Words outside the vocabulary
  become ``<unk>``, with a warning naming them.
- ``allow_unk=False`` (the default of :func:`generate`) never emits ``<unk>``: generated text
  made of ``<unk>`` says nothing. :func:`predict_next` shows the model's own distribution,
  ``<unk>`` included, unless asked otherwise.
- ``temperature=0`` is the limit of sampling as the temperature goes to zero: ``sample``
  then takes the argmax. Temperature, top-k and top-p never change which word is largest, so
  ``argmax`` accepts and ignores them; ``beam`` scales its log-probabilities by the
  temperature (0 is refused there) and restricts its candidates by top-k/top-p.
- Log-probabilities of a hypothesis are natural-log sums over the generated tokens (a final
  ``<eos>`` included): ``logprob`` under the distribution the search used (after the steps
  above), ``model_logprob`` under the model's unmodified softmax, the figure a rescoring of
  the sequence with the model gives. ``score = logprob / length ** length_penalty`` ranks
  beam hypotheses. Scores are shaped in float64; the exponentials of the log-sum-exp are
  taken in float32 and summed in float64 (several times faster here), so log-probabilities
  are exact to about 1e-6, far below any difference that changes a choice in practice.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from textseq.errors import OptionError
from textseq.lm import generate_kernels as gk

STRATEGIES = ("argmax", "sample", "beam")
PROMPT_CHUNK = 256  # prompt tokens fed per forward_sequence call (bounds the logits memory)
FAST_PRIME_TOKENS = 16  # prompts up to this long (with <eos>) are fed one word at a time


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class DecodingOptions:
    """How raw logits become the scores a strategy chooses from (see :func:`shape_logits`)."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    allow_unk: bool = False

    def validate(self) -> DecodingOptions:
        t = self.temperature
        if not _is_number(t) or not math.isfinite(t) or t < 0:
            raise OptionError(f"temperature must be a number >= 0 (0 means argmax), got {t!r}")
        if self.top_k is not None and (not _is_int(self.top_k) or self.top_k < 1):
            raise OptionError(f"top-k must be a whole number >= 1, got {self.top_k!r}")
        p = self.top_p
        if p is not None and (not _is_number(p) or not 0.0 < p <= 1.0):
            raise OptionError(f"top-p must be in (0, 1], got {p!r}")
        r = self.repetition_penalty
        if not _is_number(r) or not math.isfinite(r) or r <= 0:
            raise OptionError(f"repetition penalty must be a number > 0 (1 = off), got {r!r}")
        n = self.no_repeat_ngram_size
        if not _is_int(n) or n < 0:
            raise OptionError(f"no-repeat n-gram size must be a whole number >= 0, got {n!r}")
        return self


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _is_int(x: object) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


# --------------------------------------------------------------------------- context


class _Context:
    """The prompt's ids and what the penalties need from them, computed once per call.

    ``seen`` marks every id of the prompt (for the repetition penalty); ``table`` maps each
    (n-1)-gram of the prompt to the ids that followed it (for the n-gram ban). Generated ids
    are handled per hypothesis, so beams share this object.
    """

    def __init__(self, prompt_ids: np.ndarray, vocab_size: int, options: DecodingOptions):
        self.ids = [int(i) for i in prompt_ids]
        self.seen = np.zeros(vocab_size, dtype=bool)
        if options.repetition_penalty != 1.0 and len(self.ids):
            self.seen[np.asarray(prompt_ids)] = True
        self.n = options.no_repeat_ngram_size
        self.id_set = set(self.ids)
        self.table: dict[tuple[int, ...], set[int]] = {}
        if self.n > 0:
            n, ids = self.n, self.ids
            for j in range(len(ids) - n + 1):
                self.table.setdefault(tuple(ids[j : j + n - 1]), set()).add(ids[j + n - 1])

    def banned_ngram_ids(self, generated: Sequence[int]) -> list[int]:
        """Ids that would complete an n-gram already present in prompt + ``generated``."""
        n = self.n
        if n == 1:
            return list(self.id_set.union(generated))
        tail = self.ids[-(n - 1) :] + list(generated)  # n-grams ending in the generated part
        if len(self.ids) + len(generated) < n - 1:
            return []
        key = tuple(tail[len(tail) - (n - 1) :])
        banned = set(self.table.get(key, ()))
        start = len(tail) - len(generated) - (n - 1)
        for j in range(max(start, 0), len(tail) - n + 1):
            if tuple(tail[j : j + n - 1]) == key:
                banned.add(tail[j + n - 1])
        return list(banned)


# --------------------------------------------------------------------------- the shared step


def shape_logits(
    logits: np.ndarray,
    generated: Sequence[Sequence[int]],
    context: _Context,
    options: DecodingOptions,
    unk_id: int | None,
    warp: bool = True,
) -> np.ndarray:
    """Raw logits ``(B, V)`` -> float64 scores ``(B, V)``; banned ids get ``-inf``.

    ``generated[b]`` lists the ids generated so far by row ``b``. ``warp=False`` stops after the
    bans (temperature, top-k and top-p cannot change an argmax).
    """
    x = np.array(logits, dtype=np.float64)  # a copy: the model's array is never modified
    if options.repetition_penalty != 1.0:  # CTRL: shrink the logits of ids already seen
        seen = np.broadcast_to(context.seen, x.shape).copy()
        for b, gen in enumerate(generated):
            seen[b, np.asarray(gen, dtype=np.int64)] = True
        p = options.repetition_penalty
        x = np.where(seen, np.where(x > 0, x / p, x * p), x)
    if not options.allow_unk and unk_id is not None:
        x[:, unk_id] = -np.inf
    if options.no_repeat_ngram_size > 0:
        for b, gen in enumerate(generated):
            banned = context.banned_ngram_ids(gen)
            if banned:
                x[b, banned] = -np.inf
    if not warp:
        return x
    if options.temperature > 0 and options.temperature != 1.0:
        x /= options.temperature
    vocab_size = x.shape[1]
    if options.top_k is not None and options.top_k < vocab_size:
        kth = np.partition(x, vocab_size - options.top_k, axis=1)[:, vocab_size - options.top_k]
        x[x < kth[:, None]] = -np.inf
    if options.top_p is not None and options.top_p < 1.0:
        order = np.argsort(-x, axis=1, kind="stable")
        probs = softmax(np.take_along_axis(x, order, axis=1))
        before = np.cumsum(probs, axis=1) - probs  # mass of the strictly better ids
        drop = before >= options.top_p  # keeps the smallest prefix reaching top_p (>= 1 id)
        rows = np.nonzero(drop)
        x[rows[0], order[rows]] = -np.inf
    return x


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64; ``-inf`` entries get probability 0."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    z = np.exp(x - np.where(np.isfinite(m), m, 0.0))
    total = z.sum(axis=-1, keepdims=True)
    return z / np.where(total > 0, total, 1.0)  # an all-banned row is all zeros, not nan


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float64; ``-inf`` entries stay ``-inf``."""
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))
    return np.where(np.isneginf(x), -np.inf, out)  # an all-banned row stays -inf, not nan


def normalisers(
    x: np.ndarray, logits: np.ndarray, same_values: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Row log-normalisers ``log(sum(exp(.)))`` of the shaped scores ``x`` and of the model's
    raw ``logits``, in one kernel call: the shifted exponentials are taken in float32 (a
    vectorised polynomial) and summed in float64, so both are accurate to about 1e-7
    absolute. An all-``-inf`` row gives ``-inf``. ``same_values``: the shaping only banned
    words (no temperature, no repetition penalty), so the raw normaliser is the shaped one
    plus the banned words' mass (one exponential per banned word instead of a full pass)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    raw = np.ascontiguousarray(logits)
    if raw.dtype not in (np.float32, np.float64):
        raw = raw.astype(np.float64)
    lse, mlse = np.empty(x.shape[0]), np.empty(x.shape[0])
    gk.row_logsumexp_pair(x, raw, same_values, lse, mlse)
    return lse, mlse


# --------------------------------------------------------------------------- fast step


class FastStep:
    """``model.step`` of a float32 ``RNNLM`` for a few rows, on Numba kernels.

    The same maths as ``RNNLM.step`` (embedding -> cells -> output layer, no dropout), equal
    up to float rounding, but faster for a few rows (kjv-sized LSTM, load 2-3: batch 5 about
    0.33 ms a step against 0.7-1 ms, batch 1 about 0.18 ms against 0.25): the products run in
    :func:`textseq.lm.generate_kernels.dense_rows` (no BLAS packing, no thread hand-off) and
    the work buffers are reused. It reads the model's own parameter arrays on every call, so
    it never holds stale weights. :meth:`for_model` returns ``None`` for anything else (other
    dtypes, objects that only follow the generation protocol): the caller uses ``model.step``.
    """

    def __init__(self, model):
        self.model = model
        self._bufs: dict[tuple[str, int], np.ndarray] = {}

    @classmethod
    def for_model(cls, model) -> FastStep | None:
        from textseq.lm.model import RNNLM  # here: model.py imports this module lazily too

        if type(model) is not RNNLM or model.config.dtype != "float32":
            return None
        if any(c.kind not in _POINT for c in model.cells_):
            return None
        return cls(model)

    def _buf(self, name: str, rows: int, cols: int) -> np.ndarray:
        key = (name, cols)
        buf = self._bufs.get(key)
        if buf is None or buf.shape[0] < rows:
            buf = self._bufs[key] = np.empty((max(rows, 8), cols), dtype=np.float32)
        return buf[:rows]

    def __call__(self, ids, state, logits: bool = True):
        """ids ``(B,)`` -> logits ``(B, V)`` (a new array) and the new state (new arrays);
        ``logits=False`` skips the output layer (prompt words before the last) and gives
        ``None`` for the logits."""
        m = self.model
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        B = ids.size
        x = m.embedding_.params["W"][ids]
        new_state: list[np.ndarray] = []
        i = 0
        for layer, cell in enumerate(m.cells_):
            p = cell.params
            gx = self._buf(f"gx{layer}", B, p["b"].size)
            gh = self._buf(f"gh{layer}", B, p["b"].size)
            gk.dense_rows(x, p["Wx"], p["b"], gx)
            h = np.ascontiguousarray(state[i], dtype=np.float32)
            gk.dense_rows(h, p["Wh"], p.get("bh", _NO_BIAS), gh)
            h_new = np.empty_like(h)
            if cell.kind == "lstm":
                c_new = np.empty_like(h)
                c = np.ascontiguousarray(state[i + 1], dtype=np.float32)
                gk.lstm_point(gx, gh, c, h_new, c_new)
                new_state += [h_new, c_new]
            elif cell.kind == "gru":
                gk.gru_point(gx, gh, h, h_new)
                new_state.append(h_new)
            else:
                gk.rnn_point(gx, gh, h_new)
                new_state.append(h_new)
            i += cell.n_states
            x = h_new
        if not logits:
            return None, tuple(new_state)
        out = m.output_.params
        scores = np.empty((B, out["b"].size), dtype=np.float32)
        gk.dense_rows(x, out["W"], out["b"], scores)
        return scores, tuple(new_state)


_POINT = ("rnn", "lstm", "gru")
_NO_BIAS = np.zeros(0, dtype=np.float32)


def _stepper(model):
    """The fastest ``step(ids, state)`` available for ``model``."""
    fast = FastStep.for_model(model)
    return model.step if fast is None else fast


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

    Long prompts go through ``forward_sequence`` in pieces of ``PROMPT_CHUNK`` tokens, the
    state carried from piece to piece, so the whole prompt conditions the state. Short ones
    (up to ``FAST_PRIME_TOKENS``) go word by word through :class:`FastStep` when the model
    has one, with the output layer only after the last word (~2x faster for a few words).
    """
    eos = model.vocab_.eos_id
    start = [] if eos is None else [eos]
    ids = np.asarray(start + [int(i) for i in prompt_ids], dtype=np.int64)
    if ids.size == 0:
        raise OptionError("the prompt is empty and the model has no <eos> token to start from")
    state = model.initial_state(1)
    step = _stepper(model)
    if isinstance(step, FastStep) and ids.size <= FAST_PRIME_TOKENS:
        for j in range(ids.size):
            logits, state = step(ids[j : j + 1], state, logits=j == ids.size - 1)
        return logits, state
    logits = None
    for lo in range(0, ids.size, PROMPT_CHUNK):
        out, state = model.forward_sequence(ids[None, lo : lo + PROMPT_CHUNK], state)
        logits = out[:, -1, :]
    return np.asarray(logits), state


# --------------------------------------------------------------------------- results


@dataclass
class Hypothesis:
    """One generated continuation.

    ``ids``: the generated ids, a final ``<eos>`` included when the hypothesis ended with one
    (``finished``). ``tokens``: their words without that final ``<eos>``; an ``<eos>`` inside
    (``stop_at_eos=False``) stays as a token and becomes a line break in ``text``.
    """

    ids: list[int]
    tokens: list[str]
    logprob: float
    model_logprob: float
    score: float
    finished: bool
    eos_token: str | None = None

    @property
    def text(self) -> str:
        lines, line = [], []
        for tok in self.tokens:
            if self.eos_token is not None and tok == self.eos_token:
                lines.append(" ".join(line))
                line = []
            else:
                line.append(tok)
        lines.append(" ".join(line))
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


def predict_next(
    model, prompt: str | Sequence[str], topk: int = 10, allow_unk: bool = True
) -> list[tuple[str, float]]:
    """The ``topk`` most probable next words after ``prompt`` with their probabilities.

    Probabilities are the model's softmax in float64 (renormalised without ``<unk>`` when
    ``allow_unk=False``), highest first, ties by id.
    """
    if not _is_int(topk) or topk < 1:
        raise OptionError(f"topk must be a whole number >= 1, got {topk!r}")
    _, ids = encode_prompt(model, prompt)
    logits, _ = prime(model, ids)
    options = DecodingOptions(allow_unk=allow_unk)
    ctx = _Context(ids[:0], logits.shape[1], options)
    probs = softmax(shape_logits(logits, [[]], ctx, options, model.vocab_.unk_id))[0]
    order = np.argsort(-probs, kind="stable")[: min(topk, probs.size)]
    words = model.vocab_.words
    return [(words[i], float(probs[i])) for i in order]


def generate(
    model,
    prompt: str | Sequence[str] = "",
    max_tokens: int = 30,
    strategy: str = "argmax",
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    beam_width: int = 5,
    length_penalty: float = 1.0,
    n_best: int = 1,
    allow_unk: bool = False,
    no_repeat_ngram_size: int = 0,
    repetition_penalty: float = 1.0,
    stop_at_eos: bool = True,
    seed: int | None = None,
) -> Generation:
    """Continue ``prompt`` by ``argmax``, ``sample`` or ``beam`` search; see the module doc."""
    if strategy not in STRATEGIES:
        raise OptionError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if not _is_int(max_tokens) or max_tokens < 0:
        raise OptionError(f"max-tokens must be a whole number >= 0, got {max_tokens!r}")
    options = DecodingOptions(
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        repetition_penalty=repetition_penalty,
        no_repeat_ngram_size=no_repeat_ngram_size,
        allow_unk=allow_unk,
    ).validate()
    if not _is_int(n_best) or n_best < 1:
        raise OptionError(f"n-best must be a whole number >= 1, got {n_best!r}")
    if strategy == "beam":
        if not _is_int(beam_width) or beam_width < 1:
            raise OptionError(f"beam width must be a whole number >= 1, got {beam_width!r}")
        if n_best > beam_width:
            raise OptionError(f"n-best ({n_best}) cannot exceed the beam width ({beam_width})")
        if temperature == 0:
            raise OptionError("temperature 0 is only meaningful for sampling; beam needs > 0")
        if not _is_number(length_penalty) or not math.isfinite(length_penalty):
            raise OptionError(f"length penalty must be a finite number, got {length_penalty!r}")
    elif n_best != 1:
        raise OptionError("n-best > 1 needs strategy 'beam'")
    if seed is not None and (not _is_int(seed) or seed < 0):
        raise OptionError(f"seed must be a whole number >= 0, got {seed!r}")

    tokens, ids = encode_prompt(model, prompt)
    logits, state = prime(model, ids)
    context = _Context(ids, logits.shape[1], options)
    eos = model.vocab_.eos_id if stop_at_eos else None
    if strategy == "beam":
        hyps, reason = _beam(
            model, logits, state, context, options, max_tokens, beam_width, length_penalty, eos
        )
        hyps = hyps[:n_best]
    else:
        rng = np.random.default_rng(seed) if strategy == "sample" else None
        hyps, reason = _one_path(model, logits, state, context, options, max_tokens, eos, rng)
    vocab = model.vocab_
    eos_word = vocab.words[vocab.eos_id] if vocab.eos_id is not None else None
    out = []
    for gen, lp, mlp, score, finished in hyps:
        words = vocab.decode(gen[:-1] if finished else gen)
        out.append(Hypothesis(list(gen), list(words), lp, mlp, score, finished, eos_word))
    return Generation(prompt_tokens=tokens, strategy=strategy, hypotheses=out, stop_reason=reason)


# --------------------------------------------------------------------------- strategies


def _one_path(model, logits, state, context, options, max_tokens, eos, rng):
    """Argmax (``rng is None``) or sampling: one token per step, one model row."""
    unk = model.vocab_.unk_id
    step = _stepper(model)
    gen: list[int] = []
    lp = mlp = 0.0
    reason = "max_tokens"
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
            logits, state = step(np.array([tok], dtype=np.int64), state)
    finished = reason == "eos"
    return [(gen, lp, mlp, lp, finished)], reason


def _best_extensions(x: np.ndarray, offset: np.ndarray, k: int):
    """The ``k`` largest finite ``x[r, t] + offset[r]`` as (rows, tokens, values), best
    first, ties by lower row then token (fewer than ``k`` when fewer are finite)."""
    rows = np.empty(k, dtype=np.int64)
    toks = np.empty(k, dtype=np.int64)
    vals = np.empty(k, dtype=np.float64)
    n = gk.top_extensions(
        np.ascontiguousarray(x), np.ascontiguousarray(offset), k, rows, toks, vals
    )
    return rows[:n], toks[:n], vals[:n]


def _beam(model, logits, state, context, options, max_tokens, width, length_penalty, eos):
    """Beam search: all live beams advance in one ``model.step`` call per token.

    Each step ranks the best ``2 * width`` extensions of all beams; those ending in ``<eos>``
    join the finished list, the best ``width`` others stay live. The search stops when
    ``width`` hypotheses have finished and no live beam can still beat the worst of them
    (log-probabilities only fall, so the bound is exact), or after ``max_tokens``.
    Returns the hypotheses sorted by ``score`` (length-normalised), best first.
    """
    unk = model.vocab_.unk_id
    step = _stepper(model)
    same = options.repetition_penalty == 1.0 and options.temperature == 1.0

    def norm(total: float, length: int) -> float:
        return total / (max(length, 1) ** length_penalty)

    beams: list[list[int]] = [[]]
    scores = np.zeros(1)  # search log-probabilities
    model_scores = np.zeros(1)  # model log-probabilities
    finished: list[tuple[list[int], float, float, float, bool]] = []
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
                finished.append((seq, value, mlp, norm(value, len(seq)), True))
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
            finished.sort(key=lambda h: -h[3])
            worst_kept = finished[width - 1][3]
            future = max_tokens if length_penalty > 0 else length
            if norm(float(scores.max()), future) <= worst_kept:
                reason = "eos"
                beams = []
                break
        if length < max_tokens:
            state = tuple(np.asarray(s)[rows] for s in state)
            logits, state = step(toks, state)
    for gen, s, m in zip(beams, scores, model_scores):
        finished.append((gen, float(s), float(m), norm(float(s), len(gen)), False))
    finished.sort(key=lambda h: -h[3])
    finished = finished[:width]
    if not finished:
        return [([], 0.0, 0.0, 0.0, False)], reason
    if finished[0][4]:
        return finished, "eos"
    return finished, "no_allowed_token" if reason == "no_allowed_token" else "max_tokens"
