"""Corpus pipeline: files -> lines -> tokens -> Vocab -> int32 ids -> chunks / one-hot."""

from textseq.corpus.chunks import (
    PreparedData,
    make_chunks,
    one_hot_dense,
    one_hot_sparse,
    prepare_data,
    split_range,
)
from textseq.corpus.corpus import Corpus, open_corpus
from textseq.corpus.encode import EncodedCorpus, encode_corpus
from textseq.corpus.tokenize import TOKENIZERS, Tokenizer, detokenize, get_tokenizer, tokenize
from textseq.corpus.vocab import Vocab, VocabStats

__all__ = [
    "TOKENIZERS",
    "Corpus",
    "EncodedCorpus",
    "PreparedData",
    "Tokenizer",
    "Vocab",
    "VocabStats",
    "detokenize",
    "encode_corpus",
    "get_tokenizer",
    "make_chunks",
    "one_hot_dense",
    "one_hot_sparse",
    "open_corpus",
    "prepare_data",
    "split_range",
    "tokenize",
]
