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

import math
import zlib
from dataclasses import dataclass

import numpy as np

from textseq.corpus import Vocab, make_chunks, open_corpus, split_range
from textseq.corpus.spool import count_and_spool, read_lines, vocab_table
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
        )


def prepare_lm_data(corpus, train: TrainConfig, tokenizer="unicode", vocab=None, progress=False):
    """Split a corpus by line into train/valid/test, build the vocabulary on the training
    part (unless ``vocab`` is given, as on resume) and encode the three parts.

    One pass over the text (``count_and_spool``): the tokens are never all held as Python
    lists, only their provisional ids, which the vocabulary then maps."""
    train.validate()
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
    return LMData(vocab, *ids)


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
