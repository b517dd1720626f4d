"""The run both trainers share (the language model's here, the sequence model's above it):
epochs, the best epoch, learning-rate decay, early stopping, Ctrl-C, checkpoints, resume.

``EpochTrainer.fit`` checks the data, sets up the optimizer and the run's generator, resumes
when asked, then runs epochs until ``train.epochs`` or a stop::

    each epoch:  train (one pass)  ->  validation scores  ->  EpochRecord appended
                 improved?  yes: the best epoch, its weights kept
                            no:  bad_epochs += 1, lr *= lr_decay
                 patience bad epochs in a row: early stopping
                 checkpoint written, progress_callback(record)
    at the end:  the best weights back in the model, the test scores, a last checkpoint
    Ctrl-C:      stopped = "interrupted", the best weights back, the last checkpoint kept

A subclass says what its engine does differently: ``history_class`` (with ``improved`` and
``keep_best``), ``check_data``, ``run_epoch``, ``score``, ``epoch_record`` and
``check_resumed_data``; ``step_name`` names a training step in the non-finite-loss message.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from textseq import threads
from textseq.errors import TextseqError
from textseq.lm import checkpoint
from textseq.lm.history import COMPLETED, EARLY_STOPPING, INTERRUPTED
from textseq.lm.optim import make_optimizer
from textseq.modelfolder import ModelFolder


class NonFiniteLossError(TextseqError):
    """The training loss or gradient became NaN or infinite."""


class EpochTrainer:
    """Trains a model on prepared data; ``fit`` returns ``self`` with ``model_`` and
    ``history_`` set. ``out_dir`` (optional) receives the model folder and its checkpoints."""

    progress_callback = None  # called with each epoch's record (the CLI prints it)
    history_class: type  # the engine's history: improved, keep_best, from_dict, to_dict
    step_name = "step"  # what the non-finite-loss message counts: window, batch

    def __init__(self, train, out_dir=None, progress: bool = True):
        self.train = train
        self.out_dir = out_dir
        self.progress = progress

    # -- what a subclass provides --
    def check_data(self, data) -> None:
        """Raise ``InputError`` for data this trainer cannot learn from."""

    def run_epoch(self, data, epoch: int) -> tuple[float, int, float]:
        """One pass over the training part: mean loss, tokens, seconds."""
        raise NotImplementedError

    def score(self, data, part: str):
        """The scores of the model on ``part`` (``"valid"`` or ``"test"``) of ``data``."""
        raise NotImplementedError

    def epoch_record(self, epoch: int, loss: float, tokens: int, seconds: float, valid):
        """The history's record of an epoch."""
        raise NotImplementedError

    def check_resumed_data(self, history, data) -> None:
        """Raise ``ModelFileError`` when ``data`` is not what the saved run trained on."""

    # -- the run --
    def fit(self, model, data, resume: bool = False):
        tc = self.train.validate()
        threads.set_threads(tc.threads)
        self.check_data(data)
        self.model_ = model
        self.optimizer_ = make_optimizer(tc.optimizer, tc.lr)
        self.rng_ = np.random.default_rng(tc.seed)
        self.history_ = self.history_class(
            lr=tc.lr, train=dataclasses.replace(tc), data=data.summary()
        )
        self._best_weights = None
        if resume:
            self._resume(data)
        model.history_ = self.history_
        try:
            self._run(data)
        except KeyboardInterrupt:
            self.history_.stopped = INTERRUPTED
            if self._best_weights is not None:
                model.set_weights(self._best_weights)
            return self
        self._finish(data)
        return self

    def _run(self, data) -> None:
        tc, hist = self.train, self.history_
        if len(hist.epochs) >= tc.epochs or hist.stopped == EARLY_STOPPING:
            return
        for epoch in range(len(hist.epochs) + 1, tc.epochs + 1):
            loss, tokens, seconds = self.run_epoch(data, epoch)
            valid = self.score(data, "valid")
            rec = self.epoch_record(epoch, loss, tokens, seconds, valid)
            hist.epochs.append(rec)
            if hist.improved(valid):
                hist.keep_best(epoch, valid)
                hist.bad_epochs = 0
                self._best_weights = self.model_.get_weights()
            else:
                hist.bad_epochs += 1
                hist.lr *= tc.lr_decay
                self.optimizer_.lr = hist.lr
            stop = bool(tc.patience) and hist.bad_epochs >= tc.patience
            if stop:
                hist.stopped = EARLY_STOPPING
            self._save_checkpoint()
            if self.progress_callback is not None:
                self.progress_callback(rec)
            if stop:
                break

    def non_finite(self, what: str, value: float, epoch: int, step: int):
        """Stop the run: the loss or the gradient norm of training step ``step`` (from 0)
        became ``value``."""
        kept = ""
        if self.out_dir is not None and self.history_.epochs:
            kept = (
                f"; the last good checkpoint (epoch {len(self.history_.epochs)}) is kept "
                f"in {self.out_dir}"
            )
        raise NonFiniteLossError(
            f"the training {what} became {value} at epoch {epoch}, {self.step_name} "
            f"{step + 1}; try a lower --lr or a smaller --clip{kept}"
        )

    def _finish(self, data) -> None:
        hist = self.history_
        if self._best_weights is not None:
            self.model_.set_weights(self._best_weights)
        hist.test = self.score(data, "test")
        if hist.stopped is None:
            hist.stopped = COMPLETED
        self._save_checkpoint()

    # -- files --
    def _save_checkpoint(self) -> None:
        if self.out_dir is not None:
            checkpoint.save_checkpoint(
                ModelFolder(self.out_dir),
                self.model_,
                self._best_weights,
                self.optimizer_,
                self.rng_,
            )

    def _resume(self, data) -> None:
        """Continue the run saved in ``out_dir``: its history, weights, optimizer and
        generator state; the training settings are this trainer's."""
        folder = ModelFolder(self.out_dir)
        state = checkpoint.read_state(folder, self.history_class)
        hist = state.history
        self.check_resumed_data(hist, data)
        self._best_weights = checkpoint.restore(
            folder, state, self.model_, self.optimizer_, self.rng_
        )
        hist.train = dataclasses.replace(self.train)
        if hist.stopped == COMPLETED:
            hist.stopped = None
        hist.test = None
        self.history_ = hist
