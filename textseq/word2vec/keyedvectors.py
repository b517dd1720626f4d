"""Word vectors and the queries people run on them (gensim's ``KeyedVectors`` API).

A ``KeyedVectors`` holds the words (``index_to_key``, most frequent first when it comes
from a trainer), a float32 matrix with one row per word, and optionally the word counts.
The query semantics follow gensim 4 so that answers can be compared one to one:

- ``most_similar``: cosine similarity to the normalised weighted mean of the unit vectors
  of the query words (weight +1 for positive, -1 for negative; raw numpy vectors are used
  as given), the query words themselves excluded from the answer;
- ``most_similar_cosmul``: Levy and Goldberg's 3CosMul, similarities shifted to [0, 1];
- ``restrict_vocab=N`` searches only the first N words (the N most frequent).

Unknown words raise ``UnknownWordError`` (a ``KeyError``) naming the word and suggesting the
nearest known spellings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np

from textseq.errors import OptionError, UnknownWordError
from textseq.spelling import SpellingIndex
from textseq.word2vec import evaluation
from textseq.word2vec.gensim_names import missing_attribute
from textseq.word2vec.kv_gensim import GensimQueries

Query = str | np.ndarray | tuple


def _as_items(value: Any, name: str) -> list:
    """Accept a single word, a single vector, a 2-D array of vectors or a list of these."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return [value]
        if value.ndim == 2:
            return list(value)
        raise OptionError(
            f"{name}: expected a vector or a 2-D array of vectors, got {value.ndim}-D"
        )
    if isinstance(value, Iterable):
        return list(value)
    raise OptionError(f"{name}: expected words or vectors, got {type(value).__name__}")


class KeyedVectors(GensimQueries):
    """Words and their vectors, with similarity queries, evaluation and word2vec files.

    ``index_to_key[i]`` is the word of row ``vectors[i]``; ``counts[i]`` its corpus count
    (``None`` when unknown, e.g. after loading a word2vec file). The matrix is kept as given
    when it already is a C-contiguous float32 array (no copy), so modifying it in place
    afterwards requires ``clear_cache()``. gensim's other methods come from
    ``GensimQueries``; those it lacks raise an ``AttributeError`` saying what to use.
    """

    def __init__(
        self,
        index_to_key: Sequence[str],
        vectors: np.ndarray,
        counts: np.ndarray | None = None,
    ):
        keys = list(index_to_key)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise OptionError(
                f"vectors must be a 2-D array (words x dimensions), got {vectors.ndim}-D"
            )
        if len(keys) != vectors.shape[0]:
            raise OptionError(
                f"{len(keys)} words but {vectors.shape[0]} vectors: there must be one row per word"
            )
        key_to_index: dict[str, int] = {}
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise OptionError(f"word at index {i} is a {type(key).__name__}, not a str")
            if key in key_to_index:
                raise OptionError(
                    f"word {key!r} appears twice (indexes {key_to_index[key]} and {i})"
                )
            key_to_index[key] = i
        if counts is not None:
            counts = np.asarray(counts)
            if counts.shape != (len(keys),):
                raise OptionError(f"counts must have shape ({len(keys)},), got {counts.shape}")
            if counts.dtype.kind not in "iu":
                raise OptionError(f"counts must be integers, got dtype {counts.dtype}")
            counts = counts.astype(np.int64, copy=False)
        self.index_to_key: list[str] = keys
        self.key_to_index: dict[str, int] = key_to_index
        self.vectors: np.ndarray = vectors
        self.counts: np.ndarray | None = counts
        self._norms: np.ndarray | None = None
        self._unit: np.ndarray | None = None
        self._spelling_index: SpellingIndex | None = None

    # ---- container protocol ------------------------------------------------------------
    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word in self.key_to_index

    def __iter__(self) -> Iterator[str]:
        return iter(self.index_to_key)

    def __repr__(self) -> str:
        return f"KeyedVectors({len(self)} words, vector_size={self.vector_size})"

    def __getattr__(self, name: str) -> Any:
        # only for names not found otherwise: gensim's that textseq lacks say what to use
        raise missing_attribute(self, name)

    def __getitem__(self, word_or_words: str | Sequence[str]) -> np.ndarray:
        """The vector of a word (1-D), or of a list of words (2-D, one row per word)."""
        if isinstance(word_or_words, str):
            return self.get_vector(word_or_words)
        indexes = [self.get_index(w) for w in word_or_words]
        return self.vectors[indexes].copy()

    def get_index(self, word: str, default: int | None = None) -> int:
        """Row of ``word``; an unknown word gives ``default`` when one is given, else raises
        ``UnknownWordError`` with suggestions."""
        try:
            return self.key_to_index[word]
        except (KeyError, TypeError):
            if default is not None:
                return default
            if not isinstance(word, str):
                raise TypeError(f"words are str, got {type(word).__name__}: {word!r}") from None
            raise UnknownWordError(word, self.suggest(word)) from None

    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """A copy of the vector of ``word``, unit-length when ``norm``."""
        index = self.get_index(word)
        source = self.unit_vectors if norm else self.vectors
        return source[index].copy()

    # ---- normalised vectors (cached) ---------------------------------------------------
    @property
    def norms(self) -> np.ndarray:
        """Euclidean length of every vector (float32), computed once."""
        if self._norms is None:
            self._norms = np.linalg.norm(self.vectors, axis=1)
        return self._norms

    @property
    def unit_vectors(self) -> np.ndarray:
        """Every vector scaled to unit length (all-zero vectors stay zero), computed once."""
        if self._unit is None:
            norms = self.norms
            safe = np.where(norms > 0, norms, np.float32(1)).astype(np.float32)
            self._unit = self.vectors / safe[:, None]
        return self._unit

    def get_normed_vectors(self) -> np.ndarray:
        """gensim's name for ``unit_vectors``."""
        return self.unit_vectors

    def clear_cache(self) -> None:
        """Forget the norms and unit vectors (call after changing ``vectors`` in place)."""
        self._norms = None
        self._unit = None

    # ---- spelling suggestions ----------------------------------------------------------
    def suggest(self, word: str, n: int = 3) -> list[str]:
        """Known words spelled most like ``word`` (for error messages)."""
        if self._spelling_index is None:
            self._spelling_index = SpellingIndex(self.index_to_key)
        return self._spelling_index.suggest(word, n)

    # ---- queries -----------------------------------------------------------------------
    def _restrict(self, restrict_vocab: int | None) -> int:
        """Number of leading rows searched (gensim: None or 0 means all)."""
        if restrict_vocab is None or restrict_vocab == 0:
            return len(self)
        if not isinstance(restrict_vocab, Integral) or restrict_vocab < 0:
            raise OptionError(f"restrict_vocab must be a positive integer, got {restrict_vocab!r}")
        return min(int(restrict_vocab), len(self))

    def _check_vector(self, vec: Any) -> np.ndarray:
        arr = np.asarray(vec, dtype=np.float32)
        if arr.shape != (self.vector_size,):
            raise OptionError(f"query vector has shape {arr.shape}, expected ({self.vector_size},)")
        return arr

    def _weighted_terms(self, positive: Any, negative: Any) -> tuple[list, list[int]]:
        """(vector, weight) pairs of a query and the rows of its words (to exclude)."""
        terms: list[tuple[np.ndarray, float]] = []
        rows: list[int] = []
        for items, default in (
            (_as_items(positive, "positive"), 1.0),
            (_as_items(negative, "negative"), -1.0),
        ):
            for item in items:
                weight = default
                if (
                    isinstance(item, tuple)
                    and len(item) == 2
                    and isinstance(item[1], Real)
                    and not isinstance(item[1], bool)
                ):
                    item, weight = item[0], float(item[1])
                if isinstance(item, str):
                    row = self.get_index(item)
                    rows.append(row)
                    terms.append((self.unit_vectors[row], weight))
                else:
                    terms.append((self._check_vector(item), weight))
        return terms, rows

    def _top(
        self, scores: np.ndarray, topn: int, exclude: Iterable[int], offset: int = 0
    ) -> list[tuple[str, float]]:
        """The ``topn`` best rows of ``scores`` (row i is word ``offset + i``), skipping some."""
        scores = scores.copy()
        excluded = [r - offset for r in set(exclude) if 0 <= r - offset < len(scores)]
        scores[excluded] = -np.inf
        k = min(int(topn), len(scores) - len(excluded))
        if k <= 0:
            return []
        if k < len(scores):
            best = np.argpartition(-scores, k - 1)[:k]
        else:
            best = np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        keys = self.index_to_key
        return [(keys[offset + int(i)], float(scores[i])) for i in best]

    def most_similar(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
        *,
        clip_start: int = 0,
        clip_end: int | None = None,
        indexer: Any = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """Words closest (cosine) to the mean of the positive minus the negative words.

        ``positive``/``negative``: a word, a vector, or a list of words, vectors or
        ``(word, weight)`` pairs. Returns ``[(word, similarity), ...]`` best first, without
        the query words; with ``topn=None`` the similarity of every searched word instead.
        gensim's ``clip_start`` / ``clip_end`` search rows ``clip_start:clip_end`` only
        (``restrict_vocab``, when given, wins, as in gensim); its ``indexer`` is refused.
        """
        if indexer is not None:
            raise OptionError("indexer: approximate-neighbour indexers are not supported")
        if topn is not None and topn < 1:
            return []
        terms, rows = self._weighted_terms(positive, negative)
        if not terms:
            raise OptionError("most_similar needs at least one positive or negative word")
        start, end = 0, self._restrict(restrict_vocab)
        if not restrict_vocab and (clip_start or clip_end):
            start, end = self._clip(clip_start, clip_end)
        total = sum(abs(w) for _, w in terms)
        mean = np.zeros(self.vector_size, dtype=np.float64)
        for vec, weight in terms:
            mean += weight * vec.astype(np.float64)
        if total > 0:
            mean /= total
        length = np.linalg.norm(mean)
        if length > 0:
            mean /= length
        scores = self.unit_vectors[start:end] @ mean.astype(np.float32)
        if topn is None:
            return scores
        return self._top(scores, topn, rows, offset=start)

    def _clip(self, clip_start: Any, clip_end: Any) -> tuple[int, int]:
        """gensim's row range ``clip_start:clip_end`` (``None``: to the end), checked."""
        end = len(self) if clip_end is None else clip_end
        for name, value in (("clip_start", clip_start), ("clip_end", end)):
            if not isinstance(value, Integral) or not 0 <= value <= len(self):
                raise OptionError(f"{name} must be a row number in 0..{len(self)}, got {value!r}")
        return int(clip_start), int(end)

    def most_similar_cosmul(
        self,
        positive: Any = None,
        negative: Any = None,
        topn: int | None = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]] | np.ndarray:
        """3CosMul (Levy and Goldberg 2014): prod of positive / prod of negative similarities.

        Similarities are shifted to [0, 1] as ``(1 + cos) / 2``; vectors given instead of
        words are normalised first. At least one positive word is required. Unlike gensim
        4.4, which accepts but ignores it, ``restrict_vocab`` limits the search here.
        """
        if topn is not None and topn < 1:
            return []
        pos, neg = _as_items(positive, "positive"), _as_items(negative, "negative")
        if not pos:
            raise OptionError("most_similar_cosmul needs at least one positive word")
        rows: list[int] = []
        end = self._restrict(restrict_vocab)
        unit = self.unit_vectors[:end]

        def shifted(item: Any) -> np.ndarray:
            if isinstance(item, str):
                row = self.get_index(item)
                rows.append(row)
                vec = self.unit_vectors[row]
            else:
                vec = self._check_vector(item)
                length = np.linalg.norm(vec)
                vec = vec / length if length > 0 else vec
            return (1 + unit @ vec) / 2

        numerator = np.prod([shifted(item) for item in pos], axis=0)
        denominator = np.prod([shifted(item) for item in neg], axis=0) if neg else np.float32(1)
        scores = (numerator / (denominator + 1e-6)).astype(np.float32)
        if topn is None:
            return scores
        return self._top(scores, topn, rows)

    def similar_by_word(
        self, word: str, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """The neighbours of one word."""
        return self.most_similar(positive=[word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(
        self, vector: np.ndarray, topn: int | None = 10, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]] | np.ndarray:
        """The words closest (cosine) to an arbitrary vector; no word is excluded."""
        return self.most_similar(
            positive=[self._check_vector(vector)], topn=topn, restrict_vocab=restrict_vocab
        )

    def analogy(
        self, a: str, b: str, c: str, topn: int = 1, restrict_vocab: int | None = None
    ) -> list[tuple[str, float]]:
        """ "a is to b as c is to ?": ``most_similar(positive=[b, c], negative=[a])``."""
        return self.most_similar(
            positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab
        )

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        unit = self.unit_vectors
        return float(unit[self.get_index(w1)] @ unit[self.get_index(w2)])

    def distance(self, w1: str, w2: str) -> float:
        """Cosine distance, ``1 - similarity``."""
        return 1.0 - self.similarity(w1, w2)

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the means of two word sets (raw vectors, as gensim)."""
        ws1, ws2 = _as_items(ws1, "ws1"), _as_items(ws2, "ws2")
        if not ws1 or not ws2:
            raise OptionError("n_similarity needs at least one word on each side")
        m1 = self[ws1].astype(np.float64).mean(axis=0)
        m2 = self[ws2].astype(np.float64).mean(axis=0)
        n1, n2 = np.linalg.norm(m1), np.linalg.norm(m2)
        if n1 == 0 or n2 == 0:
            return 0.0
        return float(m1 @ m2 / (n1 * n2))

    def rank_by_centrality(
        self, words: Sequence[str], use_norm: bool = True
    ) -> list[tuple[float, str]]:
        """``(similarity to the centroid, word)`` for each word, most central first, on unit
        vectors (gensim's ``use_norm=False`` is refused)."""
        if not use_norm:
            raise OptionError("use_norm=False is not supported: the ranking uses unit vectors")
        words = _as_items(words, "words")
        if not words:
            raise OptionError("give at least one word")
        rows = [self.get_index(w) for w in words]
        unit = self.unit_vectors[rows].astype(np.float64)
        mean = unit.mean(axis=0)
        length = np.linalg.norm(mean)
        if length > 0:
            mean /= length
        sims = unit @ mean
        return sorted(zip(sims.tolist(), words), reverse=True)

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word farthest from the centroid of the unit vectors of all the words."""
        return self.rank_by_centrality(words)[-1][1]

    # ---- evaluation (see textseq.word2vec.evaluation) ----------------------------------
    def evaluate_word_analogies(
        self,
        path_or_name: str | os.PathLike = "questions-words",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> dict:
        """Analogy accuracy, computed as gensim computes it (see ``evaluation``)."""
        return evaluation.evaluate_word_analogies(
            self, path_or_name, restrict_vocab, case_insensitive, dummy4unknown=dummy4unknown
        )

    def evaluate_word_pairs(
        self,
        path_or_name: str | os.PathLike = "wordsim353",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
        delimiter: str = "\t",
    ) -> dict:
        """Pearson/Spearman correlation with human similarity scores, as gensim computes it."""
        return evaluation.evaluate_word_pairs(
            self, path_or_name, restrict_vocab, case_insensitive, dummy4unknown=dummy4unknown,
            delimiter=delimiter,
        )  # fmt: skip


# the package's functions for the two file methods, as gensim's users know them
load_word2vec_format = KeyedVectors.load_word2vec_format
save_word2vec_format = KeyedVectors.save_word2vec_format
