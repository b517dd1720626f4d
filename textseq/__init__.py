"""textseq: word2vec in Numba and RNN language models with hand-written backpropagation.

The public API, one import away::

    from textseq import Corpus, Vocab, Word2Vec, KeyedVectors, RNNLM, train_lm

Heavy modules (Numba kernels, the language model) load on first use, so ``import textseq``
and the CLI start fast.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Corpus": "textseq.corpus",
    "Vocab": "textseq.corpus",
    "encode_corpus": "textseq.corpus",
    "make_chunks": "textseq.corpus",
    "prepare_data": "textseq.corpus",
    "Word2Vec": "textseq.word2vec",
    "KeyedVectors": "textseq.word2vec",
    "load_word2vec_format": "textseq.word2vec",
    "RNNLM": "textseq.lm",
    "LMConfig": "textseq.lm",
    "TrainConfig": "textseq.lm",
    "train_lm": "textseq.lm",
    "TextseqError": "textseq.errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'textseq' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
