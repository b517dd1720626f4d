"""word2vec: Numba skip-gram / CBOW training, keyed vectors, evaluation, gensim comparison."""

from textseq.word2vec.compare import Comparison, compare_with_gensim
from textseq.word2vec.evaluation import evaluate_word_analogies, evaluate_word_pairs
from textseq.word2vec.formats import load_word2vec_format, save_word2vec_format
from textseq.word2vec.keyedvectors import KeyedVectors
from textseq.word2vec.model import EpochReport, TrainingReport, Word2Vec

__all__ = [
    "Comparison",
    "EpochReport",
    "KeyedVectors",
    "TrainingReport",
    "Word2Vec",
    "compare_with_gensim",
    "evaluate_word_analogies",
    "evaluate_word_pairs",
    "load_word2vec_format",
    "save_word2vec_format",
]
