"""word2vec: Numba skip-gram / CBOW training, keyed vectors, evaluation, gensim comparison.

The names below load their modules on first use, so that reading the settings
(``textseq.word2vec.params``, as the command line does to build its options) loads neither
Numba's kernels nor scipy.
"""

from textseq._lazy import lazy_getattr

_EXPORTS = {
    "Comparison": "textseq.word2vec.compare",
    "compare_with_gensim": "textseq.word2vec.compare",
    "evaluate_word_analogies": "textseq.word2vec.evaluation",
    "evaluate_word_pairs": "textseq.word2vec.evaluation",
    "KeyedVectors": "textseq.word2vec.keyedvectors",
    "load_word2vec_format": "textseq.word2vec.keyedvectors",
    "save_word2vec_format": "textseq.word2vec.keyedvectors",
    "Word2Vec": "textseq.word2vec.model",
    "Word2VecParams": "textseq.word2vec.params",
    "EpochReport": "textseq.word2vec.reports",
    "TrainingReport": "textseq.word2vec.reports",
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
