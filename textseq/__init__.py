"""textseq: word2vec in Numba and RNN language models with hand-written backpropagation.

The public API, one import away::

    from textseq import Corpus, Vocab, Word2Vec, KeyedVectors, RNNLM, train_lm

Heavy modules (Numba kernels, the language model) load on first use, so ``import textseq``
and the CLI start fast.
"""

from __future__ import annotations

from textseq._lazy import lazy_getattr

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

__getattr__ = lazy_getattr(__name__, _EXPORTS)
