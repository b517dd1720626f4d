"""A corpus ready for the language model: split by line, encoded, and cut into batches.

Stream mode: the ids (one line per sentence, each followed by ``<eos>``) are cut into
``batch_size`` contiguous streams, read ``bptt`` steps at a time, time-major::

    ids  a b c d e f g h i j k l          (n = len // B per stream)
    B=3  stream 0: a b c d   stream 1: e f g h   stream 2: i j k l
    window (T=2): inputs [[a e i], [b f j]]  targets [[b f j], [c g k]]

Window mode: the classic "k words in, the next word out" chunks, ``(k, B)`` inputs and
``(B,)`` targets.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass

import numpy as np

from textseq.corpus import Vocab, get_tokenizer, make_chunks, open_corpus, split_range
from textseq.corpus.spool import count_and_spool, read_lines, vocab_table
from textseq.corpus.subwords import PieceSentences, train_subwords
from textseq.errors import InputError
from textseq.lm.history import DataSummary
from textseq.lm.train_config import TrainConfig


@dataclass
class LMData:
    """A corpus ready to train on: the vocabulary (built on the training part) and the
    int32 ids of the three contiguous parts (each line followed by ``<eos>``)."""

    vocab: Vocab
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    # (words, characters) of the validation and test text, for per-word perplexity and bits
    # per character (``textseq.lm.evaluate``); None when unknown (ids given as such)
    valid_units: tuple[int, int] | None = None
    test_units: tuple[int, int] | None = None

    def train_crc32(self) -> int:
        """A checksum of the training ids (a resumed run checks it is given the same)."""
        return zlib.crc32(np.ascontiguousarray(self.train).tobytes())

    def summary(self) -> DataSummary:
        return DataSummary(
            train_tokens=int(len(self.train)),
            valid_tokens=int(len(self.valid)),
            test_tokens=int(len(self.test)),
            vocab_size=len(self.vocab),
            train_crc32=self.train_crc32(),
            valid_units=self.valid_units,
            test_units=self.test_units,
        )


def prepare_lm_data(corpus, train: TrainConfig, tokenizer="unicode", vocab=None, progress=False):
    """Split a corpus by line into train/valid/test, build the vocabulary on the training
    part (unless ``vocab`` is given, as on resume) and encode the three parts.
    ``tokenizer`` (a name or a tokenizer object, e.g. a subword model) reads a corpus given
    by path and measures the validation and test text in words and characters.

    One pass over the text (``count_and_spool``): the tokens are never all held as Python
    lists, only their provisional ids, which the vocabulary then maps."""
    train.validate()
    if isinstance(tokenizer, str):  # a corpus read by path names its own tokenizer
        tokenizer = getattr(corpus, "tokenizer", None) or tokenizer
    tokenizer = get_tokenizer(tokenizer)
    words, _, spool = count_and_spool(open_corpus(corpus, tokenizer=tokenizer), progress)
    with spool:
        n_lines = spool.num_sentences
        if n_lines == 0 or len(spool) == 0:
            raise InputError("the corpus is empty: it has no words")
        parts = split_range(n_lines, train.split)
        if parts[0].stop == 0:
            raise InputError(f"the corpus has {n_lines} lines: too few to split")
        offsets = spool.offsets
        if vocab is None:
            first = spool.read(0, int(offsets[parts[0].stop]))
            counts = np.bincount(first, minlength=len(words))
            seen = np.flatnonzero(counts)  # words of the training part only
            vocab = Vocab.from_count_array(
                np.array(words, dtype=object)[seen].tolist(), counts[seen],
                min_count=train.min_count, max_size=train.max_size, sentences=parts[0].stop,
            )  # fmt: skip
        unk = vocab.unk_id if vocab.unk_id is not None else -1
        table = vocab_table(vocab.fresh_index(), words, missing=unk)
        ids = [read_lines(spool, part.start, part.stop, table, vocab.eos_id) for part in parts]
        units = [text_units(spool, part, words, tokenizer) for part in parts[1:]]
    return LMData(vocab, *ids, *units)


def text_units(spool, part: slice, words: list[str], tokenizer) -> tuple[int, int]:
    """(words, characters) of the text of the lines ``part`` of ``spool``, as ``tokenizer``
    measures its tokens (each line's end is one word, ``<eos>``, and its ``line_end``)."""
    offsets = spool.offsets
    counts = np.bincount(
        spool.read(int(offsets[part.start]), int(offsets[part.stop])), minlength=len(words)
    )
    seen = np.flatnonzero(counts)
    sizes = np.array([tokenizer.measure(words[i]) for i in seen], dtype=np.int64).reshape(-1, 2)
    n_words, n_chars = (counts[seen, None] * sizes).sum(axis=0)
    n_lines = part.stop - part.start
    return int(n_words) + n_lines, int(n_chars) + n_lines * tokenizer.line_end


def train_lm_subwords(corpus, tokenizer: str, vocab_size: int, train: TrainConfig):
    """A subword model of about ``vocab_size`` pieces trained on the training lines of
    ``corpus`` (the share ``train.split`` gives them) read as ``tokenizer``'s words, and the
    corpus as pieces. Two passes: one counts the lines, one trains."""
    words = open_corpus(corpus, tokenizer=tokenizer)
    n_lines = sum(1 for _ in words)
    if n_lines == 0:
        raise InputError("the corpus is empty: it has no words")
    n_train = split_range(n_lines, train.split)[0].stop
    subwords = train_subwords(
        itertools.islice(iter(words), n_train), vocab_size, tokenizer, seed=train.seed
    )
    return subwords, PieceSentences(words, subwords)


def stream_windows(ids: np.ndarray, batch_size: int, bptt: int):
    """``(inputs, targets)`` time-major ``(T, B)`` windows over ``batch_size`` streams."""
    n = len(ids) // batch_size
    data = np.ascontiguousarray(ids[: n * batch_size].reshape(batch_size, n).T)  # (n, B)
    for i in range(0, n - 1, bptt):
        T = min(bptt, n - 1 - i)
        yield data[i : i + T], data[i + 1 : i + 1 + T]


def num_stream_windows(n_ids: int, batch_size: int, bptt: int) -> int:
    """How many windows ``stream_windows`` yields for ``n_ids`` ids."""
    n = n_ids // batch_size
    return max(0, math.ceil((n - 1) / bptt))


def chunk_batches(ids: np.ndarray, k: int, batch_size: int, rng=None):
    """Window mode: ``(inputs (k, B), targets (B,))``, in shuffled order when ``rng``."""
    inputs, targets = make_chunks(ids, k)
    order = rng.permutation(len(targets)) if rng is not None else np.arange(len(targets))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        yield np.ascontiguousarray(inputs[idx].T), targets[idx]
