"""textseq: word2vec in Numba and RNN language models with hand-written backpropagation."""

__version__ = "0.1.0"
