"""Encode a corpus into the one format every trainer consumes: a flat int32 id array.

Sentence ``i`` is ``ids[offsets[i]:offsets[i + 1]]``, so trainers that must not cross a
sentence boundary (word2vec windows) and trainers that read one long stream (the language
model) share the same arrays.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from textseq.corpus.vocab import Vocab
from textseq.errors import InputError, OptionError


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
    """Encode every sentence; unknown words map to ``<unk>`` (or are dropped without one)."""
    if add_eos and vocab.eos_id is None:
        raise OptionError("add_eos needs a vocabulary with an end-of-sentence token")
    ids = array("i")
    offsets = array("q", [0])
    eos = vocab.eos_id
    with tqdm(desc="encoding", unit=" tokens", unit_scale=True, disable=not progress) as bar:
        for tokens in sentences:
            ids.extend(vocab.encode(tokens).tolist())
            if add_eos:
                ids.append(eos)
            offsets.append(len(ids))
            bar.update(len(tokens))
    if len(offsets) == 1:
        raise InputError("the corpus is empty: it has no sentences")
    return EncodedCorpus(
        np.frombuffer(ids, dtype=np.int32).copy() if ids else np.zeros(0, np.int32),
        np.frombuffer(offsets, dtype=np.int64).copy(),
    )
