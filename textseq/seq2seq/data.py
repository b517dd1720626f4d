"""Pairs for a sequence-to-sequence model: read, tokenized, split, encoded, batched.

A pairs file has one example per line, ``source<TAB>target``, UTF-8; blank lines are
skipped, anything else malformed (no tab, two tabs, an empty side, a side with no token)
is an ``InputError`` naming the file and line. Where a pairs file is expected, the name of a
generated task (``textseq.datasets.tasks``: ``dates``, ``addition``, ``reverse``) makes its
pairs instead.

With subwords (``Seq2SeqConfig.subwords``), each side's text is read into words by its
tokenizer and the words into pieces by one subword model shared by both sides, trained on
the training part's words of both sides (``side_tokenizers``).

Encoded parts keep every sequence in one padded ``int32`` matrix per side, so a batch is
a few slices of arrays::

    src (N, S) + src_len (N,)        the source ids
    tgt (N, T) + tgt_len (N,)        the target ids followed by <eos>
    batch:  tgt_in  = <eos> y1 .. yn     tgt_out = y1 .. yn <eos>, -1 after the end
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textseq.corpus import Vocab, get_tokenizer
from textseq.corpus.subwords import SubwordTokenizer, train_subwords
from textseq.datasets.tasks import DEFAULT_SIZE, is_task, make_task
from textseq.errors import InputError
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
from textseq.seq2seq.history import DataSummary

Pair = tuple[str, str]


def read_pairs(path, encoding: str = "utf-8") -> list[Pair]:
    """The ``(source, target)`` strings of a pairs file (``-``: standard input). Lines are
    decoded one by one, so an undecodable byte is reported with its line."""
    import sys

    stdin = str(path) == "-"
    name = "standard input" if stdin else str(path)
    if not stdin and not Path(path).is_file():
        raise InputError(f"pairs file {name} does not exist or is not a file")
    pairs: list[Pair] = []
    with contextlib.nullcontext(sys.stdin.buffer) if stdin else open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(f"{name} line {number}: not {encoding} text") from None
            pair = _parse_line(line, name, number)
            if pair is not None:
                pairs.append(pair)
    if not pairs:
        raise InputError(f"pairs file {name} holds no pairs")
    return pairs


def _parse_line(line: str, name: str, number: int):
    text = line.rstrip("\r\n")
    if not text.strip():
        return None
    fields = text.split("\t")
    if len(fields) != 2:
        what = "no tab" if len(fields) == 1 else f"{len(fields) - 1} tabs"
        raise InputError(f"{name} line {number}: expected source<TAB>target, found {what}")
    src, tgt = fields
    for side, value in (("source", src), ("target", tgt)):
        if not value.strip():
            raise InputError(f"{name} line {number}: the {side} side is empty")
    return src, tgt


def load_pairs(source, size: int | None = None, seed: int = 0) -> list[Pair]:
    """Pairs from a file, a task name, or a list of ``(source, target)`` strings."""
    if isinstance(source, (list, tuple)):
        return [(str(s), str(t)) for s, t in source]
    if is_task(source) and not Path(source).exists():
        return make_task(source, size or DEFAULT_SIZE, seed)
    return read_pairs(source)


def side_tokenizers(config: Seq2SeqConfig, subwords: SubwordTokenizer | None = None):
    """The source and target tokenizers: each side's word tokenizer, or, with ``subwords``,
    that subword model over each side's word tokenizer."""
    names = (config.source_tokenizer, config.target_tokenizer)
    if subwords is None:
        return tuple(get_tokenizer(n) for n in names)
    return tuple(
        subwords if subwords.base.name == get_tokenizer(n).name else _rebased(subwords, n)
        for n in names
    )


def _rebased(subwords: SubwordTokenizer, base: str) -> SubwordTokenizer:
    return SubwordTokenizer(subwords.model_bytes, base)


def tokenize_pairs(pairs: Iterable[Pair], config: Seq2SeqConfig, where="pairs", tokenizers=None):
    """Token lists of both sides, by ``tokenizers`` (a source and a target tokenizer; by
    default the word tokenizers of ``config``); a side without a token is an ``InputError``."""
    src_tok, tgt_tok = tokenizers or side_tokenizers(config)
    sources, targets = [], []
    for i, (s, t) in enumerate(pairs, start=1):
        a, b = src_tok(s), tgt_tok(t)
        if not a or not b:
            side = "source" if not a else "target"
            raise InputError(f"{where} pair {i}: the {side} side has no tokens ({s!r})")
        sources.append(a)
        targets.append(b)
    return sources, targets


def train_pair_subwords(sources, targets, config: Seq2SeqConfig, seed: int = 0):
    """The subword model shared by both sides, trained on the words of ``sources`` and
    ``targets`` (the training part, read by each side's word tokenizer)."""
    return train_subwords(
        list(sources) + list(targets), config.subwords, config.source_tokenizer, seed=seed
    )


@dataclass
class Part:
    """One encoded part (see the module docstring)."""

    src: np.ndarray
    src_len: np.ndarray
    tgt: np.ndarray
    tgt_len: np.ndarray

    def __len__(self) -> int:
        return len(self.src_len)

    @property
    def target_tokens(self) -> int:
        return int(self.tgt_len.sum())

    def batch(self, idx: np.ndarray, eos: int):
        """``(src, src_len, tgt_in, tgt_out)`` of the pairs ``idx``, padded to their longest."""
        src_len = self.src_len[idx]
        tgt_len = self.tgt_len[idx]
        S, T = int(src_len.max()), int(tgt_len.max())
        src = self.src[idx, :S]
        tgt_out = self.tgt[idx, :T].astype(np.int64)
        tgt_out[np.arange(T)[None, :] >= tgt_len[:, None]] = -1
        tgt_in = np.empty_like(tgt_out)
        tgt_in[:, 0] = eos
        tgt_in[:, 1:] = np.maximum(tgt_out[:, :-1], 0)
        return src, src_len, tgt_in, tgt_out

    def targets(self) -> list[list[int]]:
        """Each target's ids without the final ``<eos>``."""
        return [self.tgt[i, : self.tgt_len[i] - 1].tolist() for i in range(len(self))]

    def crc32(self) -> int:
        crc = zlib.crc32(np.ascontiguousarray(self.src).tobytes())
        return zlib.crc32(np.ascontiguousarray(self.tgt).tobytes(), crc)


def encode_part(sources, targets, source_vocab: Vocab, target_vocab: Vocab) -> Part:
    src_ids = [source_vocab.encode(s) for s in sources]
    tgt_ids = [np.append(target_vocab.encode(t), target_vocab.eos_id) for t in targets]
    return Part(*_pad(src_ids), *_pad(tgt_ids))


def _pad(seqs) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.zeros((len(seqs), int(lengths.max(initial=1))), dtype=np.int32)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out, lengths


def build_vocabs(sources, targets, config: Seq2SeqConfig, train: Seq2SeqTrainConfig):
    """The source and target vocabularies of the training part (one, when shared)."""
    opts = {"min_count": train.min_count, "max_size": train.max_size}
    if config.shared_vocab:
        vocab = Vocab.build(list(sources) + list(targets), **opts)
        return vocab, vocab
    return Vocab.build(sources, **opts), Vocab.build(targets, **opts)


@dataclass
class PairData:
    """Vocabularies, the three encoded parts and the subword model (None without)."""

    source_vocab: Vocab
    target_vocab: Vocab
    train: Part
    valid: Part
    test: Part
    subwords: SubwordTokenizer | None = None

    def summary(self) -> DataSummary:
        return DataSummary(
            train_pairs=len(self.train),
            valid_pairs=len(self.valid),
            test_pairs=len(self.test),
            source_vocab_size=len(self.source_vocab),
            target_vocab_size=len(self.target_vocab),
            train_crc32=self.train.crc32(),
        )


def split_indices(n: int, split, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A seeded shuffle of ``range(n)`` cut by the shares ``split``."""
    order = np.random.default_rng(seed).permutation(n)
    n_train = max(1, int(round(split[0] * n)))
    n_valid = int(round(split[1] * n))
    n_valid = min(n_valid, n - n_train)
    return order[:n_train], order[n_train : n_train + n_valid], order[n_train + n_valid :]


def prepare_pairs(
    pairs,
    config: Seq2SeqConfig,
    train: Seq2SeqTrainConfig,
    vocabs: tuple[Vocab, Vocab] | None = None,
    size: int | None = None,
    subwords: SubwordTokenizer | None = None,
) -> PairData:
    """Load (``load_pairs``), tokenize, split, train the subword model on the training part
    when ``config.subwords`` asks for one (unless given, as on resume), build the
    vocabularies on the training part (unless given) and encode the three parts."""
    train.validate()
    raw = load_pairs(pairs, size, train.seed)
    where = str(pairs) if isinstance(pairs, str) else "pairs"
    sources, targets = tokenize_pairs(raw, config, where)
    tr, va, te = split_indices(len(raw), train.split, train.seed)
    pick = lambda seqs, idx: [seqs[i] for i in idx]  # noqa: E731
    if config.subwords:
        if subwords is None:
            subwords = train_pair_subwords(pick(sources, tr), pick(targets, tr), config, train.seed)
        src_sub, tgt_sub = side_tokenizers(config, subwords)
        sources = [src_sub.encode_words(words) for words in sources]
        targets = [tgt_sub.encode_words(words) for words in targets]
    else:
        subwords = None
    if vocabs is None:
        vocabs = build_vocabs(pick(sources, tr), pick(targets, tr), config, train)
    sv, tv = vocabs
    parts = [encode_part(pick(sources, i), pick(targets, i), sv, tv) for i in (tr, va, te)]
    return PairData(sv, tv, *parts, subwords=subwords)
