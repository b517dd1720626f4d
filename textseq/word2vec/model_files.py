"""A word2vec model's folder (``ModelFolder``): what ``Word2Vec.save`` writes and ``load``
reads, with no pickle: ``config.json`` (format, settings, tokenizer, sizes, the corpus
totals gensim users read), ``vocab.tsv`` (words and counts) and ``weights.npz`` (input and
output vectors, float32). Everything is checked against everything else on load.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from textseq.corpus import Vocab
from textseq.errors import ModelFileError, OptionError, VocabError
from textseq.files import load_npz, save_json, save_npz
from textseq.modelfolder import ModelFolder
from textseq.word2vec.kv_files import refuse_pickle
from textseq.word2vec.params import NAMES

FORMAT = "textseq-word2vec"
FORMAT_VERSION = 1


def save_model(model: Any, path: str | os.PathLike) -> None:
    """Write ``model``'s folder atomically (it replaces ``path`` whole, or nothing changes)."""
    with ModelFolder(path).writing() as folder:
        config = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "params": model.get_params(),
            "tokenizer": model.tokenizer,
            "vocab_size": len(model.vocab_),
            "epochs_trained": int(model.epochs_trained_),
            "corpus_count": int(model.corpus_count),
            "corpus_total_words": int(model.corpus_total_words),
        }
        if model.report_ is not None:
            config["last_report"] = model.report_.to_dict()
        save_json(folder.config, config)
        model.vocab_.save(folder.vocab)
        save_npz(folder.weights, {"vectors": model.vectors_, "syn1neg": model.syn1neg_})


def load_model(cls: type, path: str | os.PathLike, overrides: dict[str, Any]) -> Any:
    """A ``cls`` (``Word2Vec``) with the folder's settings (``overrides`` replacing some),
    vocabulary and weights."""
    refuse_pickle(path, "textseq word2vec model folder")
    folder = ModelFolder(path)
    config = folder.read_config(FORMAT, FORMAT_VERSION, "word2vec model")
    params = dict(config.get("params") or {})
    unknown = set(params) - set(NAMES)
    if unknown:
        raise ModelFileError(f"{folder.config} has unknown settings {sorted(unknown)}")
    params.update(overrides)
    try:
        model = cls(tokenizer=config.get("tokenizer", "unicode"), **params)
    except OptionError as exc:
        raise ModelFileError(f"{folder.config}: {exc}") from None
    try:
        vocab = Vocab.load(folder.vocab)
    except VocabError as exc:
        raise ModelFileError(f"{folder.path}: {exc}") from None
    if vocab.num_specials:
        raise ModelFileError(f"{folder.vocab} has special tokens; word2vec uses none")
    arrays = load_npz(
        folder.weights, expected={"vectors": ("f", 2), "syn1neg": ("f", 2)},
        what="model weights",
    )  # fmt: skip
    shape = (len(vocab), model.vector_size)
    for name in ("vectors", "syn1neg"):
        arr = arrays[name]
        if arr.shape != shape or arr.dtype != np.float32:
            raise ModelFileError(
                f"{folder.weights}: {name} has shape {arr.shape} and dtype {arr.dtype}, "
                f"expected {shape} float32 (vocabulary size x vector_size)"
            )
    if config.get("vocab_size") != len(vocab):
        raise ModelFileError(
            f"{folder.path}: config says {config.get('vocab_size')} words, "
            f"{folder.vocab.name} has {len(vocab)}"
        )
    model._set_vocab(vocab)
    model.vectors_ = np.ascontiguousarray(arrays["vectors"])
    model.syn1neg_ = np.ascontiguousarray(arrays["syn1neg"])
    model.epochs_trained_ = int(config.get("epochs_trained", 0))
    # a config without the totals: no sentence count, and the kept words' total
    model.corpus_count = int(config.get("corpus_count", 0))
    model.corpus_total_words = int(config.get("corpus_total_words", vocab.counts.sum()))
    return model
