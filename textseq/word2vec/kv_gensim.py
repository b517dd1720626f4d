"""The rest of gensim 4's ``KeyedVectors`` surface, as a base class of ``KeyedVectors``:
per-word attributes (``get_vecattr``), weighted means, distances and rankings, and the
object's own file (``save`` / ``load``, see ``kv_files``: no pickle).

Each method computes what gensim's method of that name computes (same arguments, same
answers up to float rounding); ``docs/GENSIM.md`` lists where they differ. The methods rely
on what ``KeyedVectors`` defines: ``index_to_key``, ``vectors``, ``counts``, ``get_index``,
``get_vector``, ``unit_vectors``, ``similarity``, ``similar_by_word``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from textseq.errors import OptionError
from textseq.word2vec.formats import read_word2vec_format, write_word2vec_format
from textseq.word2vec.gensim_vectors import from_gensim, to_gensim
from textseq.word2vec.kv_files import load_vectors, save_vectors


class GensimQueries:
    """gensim's ``KeyedVectors`` methods beyond the core queries (see the module)."""

    # ---- per-word attributes: the corpus count is the one textseq keeps ------------------
    def _counts_or_error(self, attr: str) -> np.ndarray:
        if attr != "count":
            raise OptionError(f"no per-word attribute {attr!r}: textseq keeps 'count' only")
        if self.counts is None:
            raise OptionError("these vectors have no counts (a word2vec file read without fvocab=)")
        return self.counts

    def get_vecattr(self, key: str, attr: str) -> int:
        """The corpus count of ``key`` (``attr="count"``, the one attribute kept)."""
        return int(self._counts_or_error(attr)[self.get_index(key)])

    def set_vecattr(self, key: str, attr: str, val: int) -> None:
        """Set the corpus count of ``key`` (``attr="count"``)."""
        self._counts_or_error(attr)[self.get_index(key)] = int(val)

    def __setitem__(self, keys: str | Sequence[str], weights: Any) -> None:
        """``kv[word] = vector`` (or lists of both): replace the vectors of known words, as
        gensim does; a new word is refused, since a ``KeyedVectors`` keeps its size."""
        words = [keys] if isinstance(keys, str) else list(keys)
        new = [w for w in words if w not in self]
        if new:
            raise OptionError(
                f"{new[0]!r} has no row: a KeyedVectors keeps its words; make a new one with "
                "KeyedVectors(words, vectors, counts)"
            )
        values = np.asarray(weights, dtype=np.float32).reshape(len(words), self.vector_size)
        self.vectors[[self.get_index(w) for w in words]] = values
        self.clear_cache()

    def has_index_for(self, key: Any) -> bool:
        """Whether ``key`` has a row (the same as ``key in kv`` here)."""
        return key in self

    # ---- means, distances, rankings ------------------------------------------------------
    def get_mean_vector(
        self,
        keys: Sequence[Any],
        weights: Sequence[float] | np.ndarray | None = None,
        pre_normalize: bool = True,
        post_normalize: bool = False,
        ignore_missing: bool = True,
    ) -> np.ndarray:
        """The weighted mean of the vectors of ``keys`` (words or vectors): unit vectors of
        the words when ``pre_normalize``, divided by the sum of ``|weight|`` of the keys
        used, made unit-length when ``post_normalize``; unknown words are skipped unless
        ``ignore_missing=False``."""
        if len(keys) == 0:
            raise OptionError("get_mean_vector needs at least one key")
        weights = np.ones(len(keys)) if weights is None else np.asarray(weights, np.float64)
        if weights.shape != (len(keys),):
            raise OptionError(f"{len(keys)} keys but weights of shape {weights.shape}")
        mean = np.zeros(self.vector_size, np.float64)
        total = 0.0
        for key, weight in zip(keys, weights):
            if isinstance(key, np.ndarray):
                vec = self._check_vector(key)
            elif key in self:
                vec = self.get_vector(key, norm=pre_normalize)
            elif ignore_missing:
                continue
            else:
                self.get_index(key)  # UnknownWordError, with suggestions
            mean += weight * vec
            total += abs(weight)
        if total > 0:
            mean /= total
        if post_normalize and np.linalg.norm(mean) > 0:
            mean /= np.linalg.norm(mean)
        return mean.astype(np.float32)

    @staticmethod
    def cosine_similarities(vector_1: np.ndarray, vectors_all: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``vector_1`` with each row of ``vectors_all``."""
        vector_1 = np.asarray(vector_1)
        vectors_all = np.asarray(vectors_all)
        norms = np.linalg.norm(vectors_all, axis=1) * np.linalg.norm(vector_1)
        return (vectors_all @ vector_1) / norms

    def distances(self, word_or_vector: Any, other_words: Sequence[str] = ()) -> np.ndarray:
        """Cosine distances (``1 - similarity``) from a word or vector to ``other_words``
        (every word, itself included, when none are given)."""
        if isinstance(word_or_vector, str):
            vector = self.get_vector(word_or_vector)
        else:
            vector = self._check_vector(word_or_vector)
        others = self.vectors if not other_words else self[list(other_words)]
        return 1 - self.cosine_similarities(vector, others)

    def closer_than(self, key1: str, key2: str) -> list[str]:
        """The words nearer (cosine) to ``key1`` than ``key2`` is, ``key1`` left out."""
        sims = self.unit_vectors @ self.unit_vectors[self.get_index(key1)]
        closer = np.flatnonzero(sims > sims[self.get_index(key2)])
        own = self.get_index(key1)
        return [self.index_to_key[i] for i in closer if i != own]

    words_closer_than = closer_than

    def rank(self, key1: str, key2: str) -> int:
        """The rank of ``key2`` among the neighbours of ``key1`` (1 = nearest)."""
        return len(self.closer_than(key1, key2)) + 1

    def most_similar_to_given(self, key1: str, keys_list: Sequence[str]) -> str:
        """The word of ``keys_list`` most similar to ``key1``."""
        if not keys_list:
            raise OptionError("most_similar_to_given needs at least one candidate word")
        return keys_list[int(np.argmax([self.similarity(key1, k) for k in keys_list]))]

    def relative_cosine_similarity(self, wa: str, wb: str, topn: int = 10) -> float:
        """``similarity(wa, wb)`` over the summed similarities of ``wa``'s ``topn``
        neighbours (Leeuwenberg et al., 2016)."""
        sims = self.similar_by_word(wa, topn)
        if not sims:
            raise OptionError("relative_cosine_similarity needs at least one neighbour")
        return self.similarity(wa, wb) / sum(s for _, s in sims)

    def fill_norms(self, force: bool = False) -> None:
        """Compute the vectors' lengths now (they are otherwise computed on first use)."""
        if force:
            self.clear_cache()
        _ = self.norms

    # ---- the object's own file -----------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write words, vectors and counts to one ``.npz`` file, atomically: textseq's own
        format, read with ``KeyedVectors.load`` (not pickle, unlike gensim's ``save``)."""
        save_vectors(path, self.index_to_key, self.vectors, self.counts)

    @classmethod
    def load(cls, path: str | os.PathLike, mmap: str | None = None) -> Any:
        """Read a file written by ``save`` (``mmap`` is accepted for gensim's calls and
        ignored: the file is read whole). gensim's pickled files are refused with what to
        do instead."""
        return cls(*load_vectors(path))

    # ---- files and gensim ----------------------------------------------------------------
    def save_word2vec_format(
        self,
        path: str | os.PathLike,
        binary: bool = False,
        fvocab: str | os.PathLike | None = None,
        encoding: str = "utf-8",
        progress: bool = True,
    ) -> None:
        """Write the C word2vec text or binary format (see ``formats``), most frequent
        words first when the counts are known."""
        write_word2vec_format(
            path, self.index_to_key, self.vectors, self.counts, binary=binary, fvocab=fvocab,
            encoding=encoding, progress=progress,
        )  # fmt: skip

    @classmethod
    def load_word2vec_format(
        cls,
        path: str | os.PathLike,
        binary: bool | None = None,
        limit: int | None = None,
        encoding: str = "utf-8",
        unicode_errors: str = "strict",
        fvocab: str | os.PathLike | None = None,
        progress: bool = True,
        datatype: Any = np.float32,
        no_header: bool = False,
    ) -> Any:
        """Read a C word2vec text or binary file (format auto-detected by default; see
        ``formats.read_word2vec_format``)."""
        if np.dtype(datatype) != np.float32:
            raise OptionError(f"datatype={datatype!r}: textseq keeps vectors as float32")
        words, vectors, counts = read_word2vec_format(
            path, binary=binary, limit=limit, encoding=encoding, unicode_errors=unicode_errors,
            fvocab=fvocab, progress=progress, no_header=no_header,
        )  # fmt: skip
        return cls(words, vectors, counts)

    def to_gensim(self):
        """The same words, vectors and counts as a ``gensim.models.KeyedVectors``."""
        return to_gensim(self.index_to_key, self.vectors, self.counts)

    @classmethod
    def from_gensim(cls, kv) -> Any:
        """Copy the words, vectors and (when present) counts of a gensim ``KeyedVectors``."""
        return cls(*from_gensim(kv))
