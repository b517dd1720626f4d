"""Typed records of a sequence-to-sequence training run (the JSON of ``history.json``).

    Seq2SeqHistory
      epochs          [EpochRecord, ...]  one per finished epoch
      best_epoch, best_valid_exact, lr, bad_epochs, stopped
      train           Seq2SeqTrainConfig  the settings of the run
      data            DataSummary         pair counts, vocabulary sizes, a checksum
      test            Scores | None       set when training ends

The best epoch is the one with the highest validation exact match (ties: lower perplexity).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from textseq.errors import ModelFileError
from textseq.lm.history import COMPLETED, EARLY_STOPPING, INTERRUPTED, RunHistory
from textseq.seq2seq.config import Seq2SeqTrainConfig

__all__ = ["COMPLETED", "EARLY_STOPPING", "INTERRUPTED", "DataSummary", "EpochRecord", "Scores"]


@dataclass(frozen=True)
class Scores:
    """Teacher-forced mean loss, perplexity and token accuracy, and the share of sequences
    whose greedy decoding equals the target (``exact``); None when there is nothing."""

    loss: float | None = None
    ppl: float | None = None
    token_acc: float | None = None
    exact: float | None = None
    pairs: int = 0


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    train_loss: float
    train_ppl: float
    valid_loss: float | None
    valid_ppl: float | None
    valid_token_acc: float | None
    valid_exact: float | None
    tokens_per_s: float  # target tokens per second of training
    seconds: float
    lr: float


@dataclass(frozen=True)
class DataSummary:
    train_pairs: int
    valid_pairs: int
    test_pairs: int
    source_vocab_size: int
    target_vocab_size: int
    train_crc32: int  # of the training pairs' ids: a resumed run must train on the same


@dataclass
class Seq2SeqHistory(RunHistory):
    epochs: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    best_valid_exact: float | None = None
    best_valid_ppl: float | None = None
    lr: float | None = None
    bad_epochs: int = 0
    stopped: str | None = None
    train: Seq2SeqTrainConfig | None = None
    data: DataSummary | None = None
    test: Scores | None = None

    def improved(self, scores: Scores) -> bool:
        """Whether validation ``scores`` beat the best epoch so far."""
        if self.best_epoch is None or scores.exact is None:
            return True
        best = (self.best_valid_exact, -(self.best_valid_ppl or 0.0))
        return (scores.exact, -(scores.ppl or 0.0)) > best

    def keep_best(self, epoch: int, scores: Scores) -> None:
        self.best_epoch = epoch
        self.best_valid_exact, self.best_valid_ppl = scores.exact, scores.ppl

    def to_dict(self) -> dict:
        return {
            "epochs": [dataclasses.asdict(e) for e in self.epochs],
            "best_epoch": self.best_epoch,
            "best_valid_exact": self.best_valid_exact,
            "best_valid_ppl": self.best_valid_ppl,
            "lr": self.lr,
            "bad_epochs": self.bad_epochs,
            "stopped": self.stopped,
            "train": None if self.train is None else self.train.to_dict(),
            "data": None if self.data is None else dataclasses.asdict(self.data),
            "test": None if self.test is None else dataclasses.asdict(self.test),
        }

    @classmethod
    def from_dict(cls, data: dict, where: str = "training history") -> Seq2SeqHistory:
        try:
            train, summary, test = data["train"], data["data"], data["test"]
            return cls(
                epochs=[EpochRecord(**e) for e in data["epochs"]],
                best_epoch=data["best_epoch"],
                best_valid_exact=data["best_valid_exact"],
                best_valid_ppl=data["best_valid_ppl"],
                lr=data["lr"],
                bad_epochs=data["bad_epochs"],
                stopped=data["stopped"],
                train=None if train is None else Seq2SeqTrainConfig.from_dict(train),
                data=None if summary is None else DataSummary(**summary),
                test=None if test is None else Scores(**test),
            )
        except (KeyError, TypeError, AttributeError, ModelFileError) as exc:
            raise ModelFileError(f"{where} is incomplete or corrupt ({exc})") from None
