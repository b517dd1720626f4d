"""Typed records of a language model's training: scores, epochs, the whole history.

    TrainingHistory
      epochs          [EpochRecord, ...]  one per finished epoch
      best_epoch, best_valid_ppl, lr, bad_epochs, stopped
      train           TrainConfig         the settings of the run
      data            DataSummary         token counts and a checksum of the training part
      test            Scores | None       set when training ends (None while it runs)

``to_dict``/``from_dict`` convert to and from the JSON of the model folder's history file and
of the checkpoint's state (``textseq.modelfolder``), key for key, so every model folder
written by textseq reads back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from textseq.errors import ModelFileError
from textseq.files import load_json, save_json
from textseq.lm.train_config import TrainConfig
from textseq.modelfolder import ModelFolder

# why a run stopped (``TrainingHistory.stopped``; None while it runs)
COMPLETED = "completed"
EARLY_STOPPING = "early stopping"
INTERRUPTED = "interrupted"

_TEST_KEYS = ("test_loss", "test_ppl", "test_acc", "test_acc5", "test_word_ppl", "test_bpc")


@dataclass(frozen=True)
class Scores:
    """Mean loss, perplexity and top-1/top-5 next-word accuracy on a part of the corpus;
    every figure is None when the part has nothing to score."""

    loss: float | None = None
    ppl: float | None = None
    acc: float | None = None
    acc5: float | None = None
    # in units that compare across tokenizations: perplexity per word and bits per character
    # of the text the tokens stand for (None when the text was not measured)
    word_ppl: float | None = None
    bpc: float | None = None


@dataclass(frozen=True)
class EpochRecord:
    """The figures of one epoch (the validation ones are None without a validation part)."""

    epoch: int
    train_loss: float
    train_ppl: float
    valid_loss: float | None
    valid_ppl: float | None
    valid_acc: float | None
    valid_acc5: float | None
    tokens_per_s: float
    seconds: float
    lr: float  # the learning rate the epoch trained with
    valid_word_ppl: float | None = None  # per word of the text (see ``Scores``)
    valid_bpc: float | None = None  # bits per character of the text


# a held-out part with fewer tokens scores too noisily to compare runs or models by it
FEW_TOKENS = 1000


@dataclass(frozen=True)
class DataSummary:
    """Sizes of the three parts of the corpus, and a checksum of the training ids (a resumed
    run must train on the same ids)."""

    train_tokens: int
    valid_tokens: int
    test_tokens: int
    vocab_size: int
    train_crc32: int
    # (words, characters) of the validation and test text; None when not measured
    valid_units: tuple[int, int] | None = None
    test_units: tuple[int, int] | None = None

    def too_small(self) -> list[str]:
        """The held-out parts (``"validation"``, ``"test"``) with some but fewer than
        ``FEW_TOKENS`` tokens: their perplexity and accuracy vary too much to mean much."""
        parts = (("validation", self.valid_tokens), ("test", self.test_tokens))
        return [name for name, n in parts if 0 < n < FEW_TOKENS]


class RunHistory:
    """What the histories of both trainers share (``TrainingHistory``, the sequence model's
    ``Seq2SeqHistory``): emptiness and the model folder's history file. A subclass is a
    dataclass with ``epochs`` and ``train`` and offers ``to_dict``/``from_dict``, and for the
    epoch loop (``textseq.lm.epochs``) ``improved(scores)`` and ``keep_best(epoch, scores)``."""

    @property
    def is_empty(self) -> bool:
        return self.train is None and not self.epochs

    @classmethod
    def read(cls, folder: ModelFolder):
        """The history of a model folder; an empty one when it has none."""
        if not folder.history.is_file():
            return cls()
        data = load_json(folder.history, what="training history")
        return cls.from_dict(data, where=str(folder.history))

    def write(self, folder: ModelFolder) -> None:
        save_json(folder.history, self.to_dict())


@dataclass
class TrainingHistory(RunHistory):
    """The state of a training run, updated after every epoch. A model that was never
    trained has an empty one (``is_empty``). The best epoch is the one with the lowest
    validation perplexity (without a validation part, the last)."""

    epochs: list[EpochRecord] = field(default_factory=list)
    best_epoch: int | None = None
    best_valid_ppl: float | None = None  # None when there is no validation part
    lr: float | None = None  # the learning rate of the next epoch
    bad_epochs: int = 0  # epochs in a row without validation improvement
    stopped: str | None = None  # COMPLETED | EARLY_STOPPING | INTERRUPTED; None while running
    train: TrainConfig | None = None
    data: DataSummary | None = None
    test: Scores | None = None

    def improved(self, scores: Scores) -> bool:
        """Whether validation ``scores`` beat the best epoch so far (every epoch does
        without a validation part)."""
        return self.best_epoch is None or scores.ppl is None or scores.ppl < self.best_valid_ppl

    def keep_best(self, epoch: int, scores: Scores) -> None:
        self.best_epoch, self.best_valid_ppl = epoch, scores.ppl

    def to_dict(self) -> dict:
        """The JSON of the history file; the ``test_*`` keys only once the test is scored."""
        out = {
            "epochs": [_without_unmeasured(e) for e in self.epochs],
            "best_epoch": self.best_epoch,
            "best_valid_ppl": self.best_valid_ppl,
            "lr": self.lr,
            "bad_epochs": self.bad_epochs,
            "stopped": self.stopped,
            "train": None if self.train is None else self.train.to_dict(),
            "data": None if self.data is None else _without_unmeasured(self.data),
        }
        if self.test is not None:
            test = self.test
            values = dict(zip(_TEST_KEYS, dataclasses.astuple(test)))
            out.update((k, v) for k, v in values.items() if k in _TEST_KEYS[:4] or v is not None)
        return out

    @classmethod
    def from_dict(cls, data: dict, where: str = "training history") -> TrainingHistory:
        """The inverse of ``to_dict``; missing or malformed entries raise ``ModelFileError``
        naming ``where``."""
        try:
            train, summary = data.get("train"), data.get("data")
            test = None
            if any(key in data for key in _TEST_KEYS):
                test = Scores(*(data.get(key) for key in _TEST_KEYS))
            return cls(
                epochs=[EpochRecord(**e) for e in data["epochs"]],
                best_epoch=data["best_epoch"],
                best_valid_ppl=data["best_valid_ppl"],
                lr=data["lr"],
                bad_epochs=data["bad_epochs"],
                stopped=data["stopped"],
                train=None if train is None else TrainConfig.from_dict(train),
                data=None if summary is None else _summary(summary),
                test=test,
            )
        except (KeyError, TypeError, AttributeError, ModelFileError) as exc:
            raise ModelFileError(f"{where} is incomplete or corrupt ({exc})") from None


# figures in units of the text: written only when measured, so older files read back the same
_TEXT_UNIT_KEYS = frozenset({"valid_word_ppl", "valid_bpc", "valid_units", "test_units"})


def _without_unmeasured(record) -> dict:
    """A record as JSON values (pairs as lists), without the text-unit figures not measured."""
    out = {}
    for key, value in dataclasses.asdict(record).items():
        if value is None and key in _TEXT_UNIT_KEYS:
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def _summary(data: dict) -> DataSummary:
    """A ``DataSummary`` from JSON, where the unit pairs come back as lists."""
    units = {k: tuple(data[k]) for k in ("valid_units", "test_units") if data.get(k) is not None}
    return DataSummary(**{**data, **units})
