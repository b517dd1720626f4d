"""The layout of a saved model folder: one place names its files.

    MODEL/
      config.json        format, version, vocabulary size, settings
      vocab.tsv          the vocabulary (``textseq.corpus.Vocab``'s TSV)
      source_vocab.tsv   sequence-to-sequence models: the source side's vocabulary
      target_vocab.tsv   ... and the target side's
      weights.npz        named arrays, loaded without pickle
      history.json       training history (language models)
      subwords.model     the subword model, when the model reads subwords (SentencePiece's file)
      checkpoint/        the last epoch's state, to resume training
        weights.npz  optimizer.npz  state.json

Every engine's ``save``/``load`` and the CLI reach these files through :class:`ModelFolder`.
A folder is written whole under a temporary name and renamed when complete (:meth:`writing`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from textseq.errors import ModelFileError
from textseq.files import PathLike, atomic_dir, load_json


@dataclass(frozen=True)
class ModelFolder:
    """Paths of the files of the model folder ``path``; nothing is read until asked."""

    path: Path

    def __init__(self, path: PathLike):
        object.__setattr__(self, "path", Path(path))

    @property
    def config(self) -> Path:
        return self.path / "config.json"

    @property
    def vocab(self) -> Path:
        return self.path / "vocab.tsv"

    @property
    def source_vocab(self) -> Path:
        return self.path / "source_vocab.tsv"

    @property
    def target_vocab(self) -> Path:
        return self.path / "target_vocab.tsv"

    @property
    def weights(self) -> Path:
        return self.path / "weights.npz"

    @property
    def subwords(self) -> Path:
        return self.path / "subwords.model"

    @property
    def history(self) -> Path:
        return self.path / "history.json"

    @property
    def checkpoint(self) -> Path:
        return self.path / "checkpoint"

    @property
    def checkpoint_weights(self) -> Path:
        return self.checkpoint / "weights.npz"

    @property
    def checkpoint_optimizer(self) -> Path:
        return self.checkpoint / "optimizer.npz"

    @property
    def checkpoint_state(self) -> Path:
        return self.checkpoint / "state.json"

    def has_checkpoint(self) -> bool:
        return self.checkpoint_state.is_file()

    def read_config(self, fmt: str, version: int, what: str) -> dict:
        """``config.json``, checked to be of format ``fmt`` and ``version``; ``what`` names
        the kind of model in messages ("word2vec model", "RNN language model")."""
        if not self.path.is_dir():
            raise ModelFileError(f"model folder {self.path} does not exist or is not a folder")
        config = load_json(self.config, what="model config")
        if not isinstance(config, dict) or config.get("format") != fmt:
            raise ModelFileError(f"{self.path} is not a textseq {what} folder")
        if config.get("version") != version:
            raise ModelFileError(
                f"{self.path} has model format version {config.get('version')!r}; "
                f"this textseq reads version {version}"
            )
        return config

    @contextlib.contextmanager
    def writing(self) -> Iterator[ModelFolder]:
        """A ``ModelFolder`` in a temporary folder that replaces this one whole on success."""
        with atomic_dir(self.path) as tmp:
            yield ModelFolder(tmp)
