"""Encode a corpus into the one format every trainer consumes: a flat int32 id array.

Sentence ``i`` is ``ids[offsets[i]:offsets[i + 1]]``, so trainers that must not cross a
sentence boundary (word2vec windows) and trainers that read one long stream (the language
model) share the same arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from textseq.corpus.vocab import Vocab
from textseq.errors import OptionError


@dataclass
class EncodedCorpus:
    """A corpus as ids: ``ids`` int32 ``(T,)`` and sentence ``offsets`` int64 ``(S + 1,)``."""

    ids: np.ndarray
    offsets: np.ndarray

    @property
    def num_sentences(self) -> int:
        return len(self.offsets) - 1

    def __len__(self) -> int:
        return len(self.ids)

    def sentence(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def sentence_range(self, start: int, stop: int) -> EncodedCorpus:
        """Sentences ``start..stop-1`` as a new corpus whose arrays are views."""
        offsets = self.offsets[start : stop + 1]
        ids = self.ids[offsets[0] : offsets[-1]]
        return EncodedCorpus(ids, offsets - offsets[0])


def encode_corpus(
    sentences: Iterable[list[str]],
    vocab: Vocab,
    add_eos: bool = False,
    progress: bool = False,
) -> EncodedCorpus:
    """Encode every sentence in memory; unknown words map to ``<unk>`` (or are dropped
    without one); ``add_eos`` puts ``<eos>`` after each sentence. The ids pass through the
    same spool as a trainer's (``spool_encode``), then come back as one array."""
    # here, not at the top: the spool's remap kernel loads Numba, and ``import textseq.corpus``
    # stays light for the CLI and for users who only read text
    from textseq.corpus.spool import read_lines, spool_encode

    if add_eos and vocab.eos_id is None:
        raise OptionError("add_eos needs a vocabulary with an end-of-sentence token")
    unknown = -1 if vocab.unk_id is None else vocab.unk_id
    with spool_encode(sentences, vocab.fresh_index(), progress, unknown=unknown) as spool:
        if not add_eos:
            return EncodedCorpus(spool.to_array(), spool.offsets.copy())
        identity = np.arange(len(vocab), dtype=np.int32)
        ids = read_lines(spool, 0, spool.num_sentences, identity, vocab.eos_id)
        return EncodedCorpus(ids, spool.offsets + np.arange(spool.num_sentences + 1))
