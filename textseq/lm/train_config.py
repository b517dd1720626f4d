"""How to train a language model: ``TrainConfig`` (the architecture is ``LMConfig``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textseq.errors import OptionError
from textseq.lm.config import known_settings

OPTIMIZERS = ("adam", "sgd")


def check_optimisation(config) -> None:
    """The checks every trainer's settings share: learning rate and its decay, clipping,
    patience, the optimizer, the train/validation/test ``split`` (normalised to a tuple of
    floats in place) and ``threads``. Raises ``OptionError`` naming the option."""
    if not config.lr > 0:
        raise OptionError(f"the learning rate must be positive, got {config.lr}")
    if config.clip is not None and config.clip < 0:
        raise OptionError(f"clip must be positive (or 0 for none), got {config.clip}")
    if not 0 < config.lr_decay <= 1:
        raise OptionError(f"lr-decay must be in (0, 1], got {config.lr_decay}")
    if config.patience < 0:
        raise OptionError(f"patience must be >= 0, got {config.patience}")
    if config.optimizer not in OPTIMIZERS:
        raise OptionError(f"optimizer must be adam or sgd, got {config.optimizer!r}")
    split = tuple(float(r) for r in config.split)
    if len(split) != 3 or any(r < 0 for r in split) or abs(sum(split) - 1) > 1e-6:
        raise OptionError(
            f"split must be three non-negative shares summing to 1, got {list(config.split)}"
        )
    if split[0] == 0:
        raise OptionError("the training share of the split must be positive")
    config.split = split
    if config.threads is not None and config.threads < 1:
        raise OptionError(f"threads must be at least 1, got {config.threads}")


class TrainingSettings:
    """JSON round trip of a trainer's settings dataclass, as its history records them
    (``split`` a list in JSON, a tuple in Python); shared by the LM's and seq2seq's."""

    def to_dict(self) -> dict:
        """The settings as JSON values (``split`` as a list)."""
        d = dataclasses.asdict(self)
        d["split"] = list(d["split"])
        return d

    @classmethod
    def from_dict(cls, data: dict):
        """The inverse of ``to_dict``; unknown names raise ``ModelFileError``."""
        values = known_settings(cls, data, "training")
        if "split" in values:
            values["split"] = tuple(values["split"])
        return cls(**values)


@dataclass
class TrainConfig(TrainingSettings):
    """How to train (the architecture is ``LMConfig``)."""

    mode: str = "stream"  # stream | window
    bptt: int = 35  # steps per window in stream mode
    chunk_size: int = 5  # words in per chunk in window mode
    batch_size: int = 32
    eval_batch_size: int = 10  # streams for validation/test in stream mode
    epochs: int = 10
    lr: float = 2e-3
    optimizer: str = "adam"  # adam | sgd
    clip: float | None = 5.0  # global gradient norm; None or 0 = no clipping
    lr_decay: float = 0.5  # lr *= lr_decay after an epoch without validation improvement
    patience: int = 3  # stop after this many epochs without improvement; 0 = never
    min_count: int = 1  # vocabulary: words seen fewer times become <unk>
    max_size: int | None = None
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train, valid, test by line
    seed: int = 0  # dropout masks and window shuffling
    threads: int | None = None  # BLAS and Numba threads; None = leave as is
    # with 2+ threads, always run them as two tasks (``textseq.lm.overlap``), BLAS on one
    # thread in each (``benchmarks/lm_step_profile.py --share-threads`` measures it)
    share_threads: bool = False
    # with 2+ threads (and not share_threads), time BLAS's own threads, one thread, and two
    # tasks as the windows run, and use the fastest (``threads.FastestWay``); False: BLAS's
    # own threads throughout (``benchmarks/lm_threads_under_load.py`` measures both)
    adapt_threads: bool = True

    def validate(self) -> TrainConfig:
        if self.mode not in ("stream", "window"):
            raise OptionError(f"mode must be stream or window, got {self.mode!r}")
        for name in ("bptt", "chunk_size", "batch_size", "eval_batch_size", "epochs"):
            if int(getattr(self, name)) < 1:
                raise OptionError(f"{name.replace('_', '-')} must be at least 1")
        check_optimisation(self)
        return self
