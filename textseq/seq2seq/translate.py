"""Text in, text out for a sequence-to-sequence model, and its scores on pairs.

``translate`` encodes a source, hands the decoder's first scores and state to
``textseq.decoding.decode`` (argmax, sampling or beam, through the step protocol) and returns
the hypotheses as text with the attention weights of the best one. ``greedy_batch`` is the
argmax of many sources at once (validation); it makes the same choices as ``decode``'s
argmax. ``evaluate`` scores a part: teacher-forced loss, perplexity and token accuracy, and
the exact match of greedy decodings.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from textseq import decoding, threads
from textseq.errors import OptionError
from textseq.lm.evaluate import perplexity
from textseq.seq2seq.history import Scores

MAX_TOKENS = 100  # most target tokens a translation emits unless told


@dataclass
class Hypothesis:
    text: str
    tokens: list[str]
    ids: list[int]
    logprob: float
    score: float
    finished: bool


@dataclass
class Translation:
    """The hypotheses best first, the source tokens, and ``attention (T, S)``: row ``t``
    is the weight of each source token when the best hypothesis's token ``t`` was chosen
    (its final ``<eos>`` included); None for a model without attention."""

    source_tokens: list[str]
    hypotheses: list[Hypothesis] = field(default_factory=list)
    attention: np.ndarray | None = None
    stop_reason: str = "eos"
    eos_token: str = "<eos>"

    @property
    def best(self) -> Hypothesis:
        return self.hypotheses[0]

    @property
    def text(self) -> str:
        return self.best.text

    @property
    def output_tokens(self) -> list[str]:
        """The best hypothesis's tokens, with ``<eos>`` when it ended with it (the rows of
        ``attention``)."""
        return self.best.tokens + ([self.eos_token] if self.best.finished else [])


def encode_sources(model, texts: Sequence[str], warn: bool = True):
    """Padded ids ``(B, S)``, lengths and the token lists of source texts, read by the
    model's own source tokenizer (its subword model, with subwords); tokens outside the
    source vocabulary become ``<unk>``, with one warning naming them."""
    tokenize = model.source_tokenizer_
    vocab = model.source_vocab_
    tokens = [tokenize(t) for t in texts]
    for i, tok in enumerate(tokens):
        if not tok:
            raise OptionError(f"input {i + 1} has no tokens to translate: {texts[i]!r}")
    unknown = list(dict.fromkeys(t for tok in tokens for t in tok if t not in vocab))
    if unknown and warn:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" * (len(unknown) > 10))
        warnings.warn(
            f"input tokens not in the source vocabulary, read as <unk>: {shown}", stacklevel=3
        )
    lengths = np.array([len(t) for t in tokens], dtype=np.int64)
    src = np.zeros((len(tokens), int(lengths.max())), dtype=np.int64)
    for i, tok in enumerate(tokens):
        src[i, : len(tok)] = vocab.encode(tok)
    return src, lengths, tokens


def translate(
    model,
    text: str,
    strategy: str = "argmax",
    max_tokens: int = MAX_TOKENS,
    beam_width: int = 5,
    n_best: int = 1,
    length_penalty: float = 1.0,
    temperature: float = 1.0,
    top_k: int | None = None,
    top_p: float | None = None,
    seed: int | None = None,
) -> Translation:
    """Translate one source text; the settings are those of ``DecodingOptions``."""
    options = decoding.DecodingOptions(
        strategy=strategy,
        max_tokens=max_tokens,
        beam_width=beam_width,
        n_best=n_best,
        length_penalty=length_penalty,
        temperature=temperature,
        top_k=top_k,
        top_p=top_p,
        seed=seed,
    ).validate()
    src, lengths, tokens = encode_sources(model, [text])
    state = model.encode(src, lengths)
    eos = model.target_vocab_.eos_id
    logits, state, _ = model.step_with_attention(np.array([eos]), state)
    result = decoding.decode(
        model, logits, state, options, eos_id=eos, unk_id=model.target_vocab_.unk_id
    )
    vocab = model.target_vocab_
    hyps = []
    for h in result.hypotheses:
        ids = h.ids[:-1] if h.finished else h.ids
        words = vocab.decode(ids)
        out = model.target_tokenizer_.detokenize(words)
        hyps.append(Hypothesis(out, words, list(h.ids), h.logprob, h.score, h.finished))
    attention = attention_weights(model, src, lengths, result.best.ids)
    return Translation(tokens[0], hyps, attention, result.stop_reason, vocab.words[eos])


def translate_many(model, texts: Sequence[str], max_tokens: int = MAX_TOKENS, batch_size=256):
    """The argmax translations of many texts, decoded ``batch_size`` at a time (the same
    choices as ``translate``'s argmax, without the attention weights)."""
    out = []
    detokenize = model.target_tokenizer_.detokenize
    for lo in range(0, len(texts), batch_size):
        src, lengths, _ = encode_sources(model, texts[lo : lo + batch_size])
        with threads.single_thread_blas():
            ids = greedy_batch(model, src, lengths, max_tokens)
        out += [detokenize(model.target_vocab_.decode(i)) for i in ids]
    return out


def attention_weights(model, src, lengths, out_ids) -> np.ndarray | None:
    """``(len(out_ids), S)``: the attention of each step of the decoder that read
    ``<eos> out_ids[:-1]`` (the weights with which each output id was chosen)."""
    if model.decoder_.attention is None:
        return None
    state = model.encode(src, lengths)
    prev = [model.target_vocab_.eos_id] + list(out_ids[:-1])
    rows = []
    for tok in prev:
        _, state, a = model.step_with_attention(np.array([tok]), state)
        rows.append(a[0])
    return np.array(rows).reshape(len(rows), src.shape[1])


def greedy_batch(model, src, lengths, max_tokens: int) -> list[list[int]]:
    """Argmax decodings of a padded batch of sources, without ``<unk>`` (as ``decode``'s
    argmax with ``allow_unk=False``), each up to ``max_tokens`` ids, final ``<eos>`` left
    out."""
    B = len(lengths)
    state = model.encode(src, lengths)
    eos, unk = model.target_vocab_.eos_id, model.target_vocab_.unk_id
    ids = np.full(B, eos, dtype=np.int64)
    out = np.zeros((B, max_tokens), dtype=np.int64)
    done = np.zeros(B, dtype=bool)
    ends = np.full(B, max_tokens, dtype=np.int64)
    for t in range(max_tokens):
        logits, state = model.step(ids, state)
        if unk is not None:
            logits[:, unk] = -np.inf
        ids = np.argmax(logits, axis=1)
        out[:, t] = ids
        new = (~done) & (ids == eos)
        ends[new] = t
        done |= new
        if done.all():
            break
    return [out[b, : ends[b]].tolist() for b in range(B)]


def evaluate(model, part, batch_size: int = 256, max_exact: int | None = None, max_tokens=64):
    """Teacher-forced mean loss, perplexity and token accuracy over ``part`` (a
    ``textseq.seq2seq.data.Part``), and the share of its first ``max_exact`` pairs (all when
    None) whose greedy decoding equals the target."""
    with threads.single_thread_blas():  # one step's products are too small to split
        return _evaluate(model, part, batch_size, max_exact, max_tokens)


def _evaluate(model, part, batch_size, max_exact, max_tokens):
    n = len(part)
    if n == 0:
        return Scores(None, None, None, None, 0)
    eos = model.target_vocab_.eos_id
    loss = 0.0
    hits = count = 0
    for lo in range(0, n, batch_size):
        batch = part.batch(np.arange(lo, min(n, lo + batch_size)), eos)
        s, h, c = model.scores(*batch)
        loss, hits, count = loss + s, hits + h, count + c
    mean = loss / count
    ppl = perplexity(mean)
    m = n if max_exact is None else min(n, max_exact)
    exact = None
    if m:
        right = 0
        targets = part.targets()
        for lo in range(0, m, batch_size):
            idx = np.arange(lo, min(m, lo + batch_size))
            src, src_len, _, _ = part.batch(idx, eos)
            longest = int(part.tgt_len[idx].max())
            outs = greedy_batch(model, src, src_len, max(max_tokens, longest))
            right += sum(o == targets[i] for o, i in zip(outs, idx.tolist()))
        exact = right / m
    return Scores(mean, ppl, hits / count, exact, n)
