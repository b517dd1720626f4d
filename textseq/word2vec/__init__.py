"""word2vec: Numba skip-gram / CBOW training, keyed vectors, evaluation, gensim comparison."""

from textseq.word2vec.model import EpochReport, TrainingReport, Word2Vec

__all__ = ["EpochReport", "TrainingReport", "Word2Vec"]

try:  # built in parallel by another module owner; re-exported once it exists
    from textseq.word2vec.keyedvectors import KeyedVectors  # noqa: F401

    __all__.append("KeyedVectors")
except ImportError:  # pragma: no cover - only while keyedvectors.py is being written
    pass
