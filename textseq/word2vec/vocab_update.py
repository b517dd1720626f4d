"""``build_vocab(update=True)``: new words into a trained model, as gensim's online update.

The counts of a new corpus are added to the known words' counts; a new word joins when it is
seen ``min_count`` times or more in the new corpus. Unlike gensim, which appends new words
after the old ones, the vocabulary is sorted again by count (ties by word), so that ids keep
meaning "most frequent first" (``restrict_vocab``, the threads' private rows); each known
word's input and output vectors move to its new row, and new words get fresh input vectors
(gensim's scheme, seeded) and zero output vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from textseq.corpus import Vocab
from textseq.corpus.spool import count_and_spool, remap_spool, vocab_table
from textseq.errors import OptionError
from textseq.word2vec.corpus_input import training_corpus


def merged_vocab(
    old: Vocab, words: list[str], counts: np.ndarray, min_count: int, sentences: int
) -> tuple[Vocab, np.ndarray]:
    """The vocabulary after adding the counts ``counts`` of ``words`` (a new corpus) to
    ``old``, and for each of its ids the id the word had in ``old`` (-1: a new word)."""
    counts = np.asarray(counts, dtype=np.int64)
    known = vocab_table(old.fresh_index(), words)  # old id of each new-corpus word, or -1
    merged = old.counts.astype(np.int64).copy()
    seen = known >= 0
    np.add.at(merged, known[seen], counts[seen])
    fresh = np.flatnonzero(~seen & (counts >= min_count))
    all_words = list(old.words) + [words[i] for i in fresh]
    all_counts = np.concatenate([merged, counts[fresh]])
    vocab = Vocab.from_count_array(
        all_words, all_counts, min_count=1, unk_token=None, eos_token=None, sentences=sentences
    )
    return vocab, vocab_table(old.fresh_index(), vocab.words)


def moved_rows(
    old_rows: np.ndarray, old_ids: np.ndarray, fresh: np.ndarray | None = None
) -> np.ndarray:
    """Rows for the merged vocabulary: row ``i`` is ``old_rows[old_ids[i]]`` for a known
    word, ``fresh``'s next row (or zeros when ``fresh`` is ``None``) for a new one."""
    out = np.zeros((len(old_ids), old_rows.shape[1]), dtype=np.float32)
    known = old_ids >= 0
    out[known] = old_rows[old_ids[known]]
    if fresh is not None:
        out[~known] = fresh
    return out


def fresh_vectors(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    """Initial input vectors, gensim 4's scheme: uniform in [-1, 1) / dim, float32."""
    vectors = rng.random((rows, dim), dtype=np.float32)
    vectors *= np.float32(2.0)
    vectors -= np.float32(1.0)
    vectors /= np.float32(dim)
    return vectors


def update_vocab(model: Any, corpus: object) -> Any:
    """``model.build_vocab(corpus, update=True)`` (``model``: a ``Word2Vec``); returns
    ``model``."""
    if model.vocab_ is None:
        raise OptionError(
            "build_vocab(update=True) adds words to a model that has a vocabulary: "
            "call build_vocab(sentences) first"
        )
    sentences = training_corpus(corpus, model.tokenizer)
    model._encoded.close()
    words, counts, raw = count_and_spool(sentences, model.progress)
    with raw:
        vocab, old_ids = merged_vocab(
            model.vocab_, words, counts, model.min_count, raw.num_sentences
        )
        table = vocab_table(vocab.fresh_index(), words)
        model._encoded.keep(corpus, remap_spool(raw, table), int(counts.sum()))
        model.corpus_count, model.corpus_total_words = raw.num_sentences, int(counts.sum())
    # new words' vectors: seeded by the run seed and the model's size and age
    rng = np.random.default_rng([model.seed, len(model.vocab_), model.epochs_trained_])
    fresh = fresh_vectors(rng, int(np.count_nonzero(old_ids < 0)), model.vector_size)
    vectors = moved_rows(model.vectors_, old_ids, fresh)
    syn1neg = moved_rows(model.syn1neg_, old_ids)
    model._set_vocab(vocab)
    model.vectors_, model.syn1neg_, model._out_rows = vectors, syn1neg, None
    threads = model._threads(warn=False)
    model._output_rows_with_room(threads, model._own_rows(threads))
    model._corpus = corpus
    model._wv = None
    return model
