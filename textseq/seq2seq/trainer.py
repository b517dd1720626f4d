"""Training of a sequence-to-sequence model: epochs of shuffled, length-grouped batches.

Each epoch shuffles the training pairs with the run's generator, sorts each group of
``GROUP`` batches by length (less padding; padding never changes the result, only the work)
and shuffles the order of the batches. Each batch: loss, backward, gradient clipping folded
into one optimizer step. After each epoch: validation loss, perplexity, token accuracy and
exact match (greedy decoding); the best epoch (highest exact match, then lowest perplexity)
is the model kept; learning-rate decay and early stopping as the language model's; a
checkpoint of the whole run (``textseq.lm.checkpoint``) from which ``resume`` continues bit
for bit. Ctrl-C keeps the last checkpoint and leaves the best weights in the model.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from textseq import threads
from textseq.errors import InputError, ModelFileError, OptionError
from textseq.files import load_json
from textseq.lm import checkpoint
from textseq.lm.optim import clip_scale, global_norm, make_optimizer
from textseq.lm.trainer import NonFiniteLossError
from textseq.modelfolder import ModelFolder
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
from textseq.seq2seq.data import PairData, Part, prepare_pairs
from textseq.seq2seq.history import (
    COMPLETED,
    EARLY_STOPPING,
    INTERRUPTED,
    EpochRecord,
    Seq2SeqHistory,
)
from textseq.seq2seq.model import Seq2Seq
from textseq.seq2seq.translate import evaluate

GROUP = 20  # batches sorted by length together


def epoch_batches(part: Part, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """The index arrays of one epoch's batches (see the module docstring)."""
    order = rng.permutation(len(part))
    size = batch_size * GROUP
    batches = []
    for lo in range(0, len(order), size):
        group = order[lo : lo + size]
        key = part.src_len[group] * 1000 + part.tgt_len[group]
        group = group[np.argsort(key, kind="stable")]
        batches += [group[i : i + batch_size] for i in range(0, len(group), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


@dataclass
class _State:
    history: Seq2SeqHistory
    optimizer: dict
    rng: dict


def read_state(folder: ModelFolder) -> _State:
    """The checkpoint's state file; missing or corrupt raises ``ModelFileError``."""
    state = load_json(folder.checkpoint_state, what="checkpoint state")
    where = f"checkpoint in {folder.checkpoint}"
    try:
        history = Seq2SeqHistory.from_dict(state["history"], where=where)
        if history.train is None or history.data is None:
            raise KeyError("train" if history.train is None else "data")
        return _State(history, dict(state["optimizer"]), state["rng"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{where} is incomplete or corrupt ({exc})") from None


class Seq2SeqTrainer:
    """Trains a ``Seq2Seq`` on a ``PairData``; ``fit`` returns ``self`` with ``model_`` and
    ``history_``; ``out_dir`` (optional) receives the model folder and its checkpoints."""

    progress_callback = None  # called with each epoch's EpochRecord

    def __init__(self, train: Seq2SeqTrainConfig | None = None, out_dir=None, progress=True):
        self.train = train or Seq2SeqTrainConfig()
        self.out_dir = out_dir
        self.progress = progress

    def fit(self, model: Seq2Seq, data: PairData, resume: bool = False) -> Seq2SeqTrainer:
        tc = self.train.validate()
        threads.set_threads(tc.threads)
        if len(data.train) < 1:
            raise InputError("the training part has no pairs: nothing to learn")
        if self.out_dir is not None:  # before any training, not after the first epoch
            out = Path(self.out_dir)
            if not out.absolute().parent.is_dir():
                raise InputError(f"cannot write {out}: folder {out.parent} does not exist")
            if out.exists() and not out.is_dir():
                raise InputError(f"cannot write model folder {out}: a file of that name exists")
        self.model_ = model
        self.optimizer_ = make_optimizer(tc.optimizer, tc.lr)
        self.rng_ = np.random.default_rng(tc.seed)
        self.history_ = Seq2SeqHistory(lr=tc.lr, train=dataclasses.replace(tc), data=data.summary())
        self._best = None
        if resume:
            self._resume(data)
        model.history_ = self.history_
        try:
            self._run(data)
        except KeyboardInterrupt:
            self.history_.stopped = INTERRUPTED
            if self._best is not None:
                model.set_weights(self._best)
            return self
        if self._best is not None:
            model.set_weights(self._best)
        self.history_.test = self._evaluate(data.test)
        if self.history_.stopped is None:
            self.history_.stopped = COMPLETED
        self._save()
        return self

    def _evaluate(self, part: Part):
        tc = self.train
        return evaluate(self.model_, part, tc.eval_batch_size, tc.max_valid, tc.max_output)

    def _run(self, data: PairData) -> None:
        tc, hist = self.train, self.history_
        if len(hist.epochs) >= tc.epochs or hist.stopped == EARLY_STOPPING:
            return
        for epoch in range(len(hist.epochs) + 1, tc.epochs + 1):
            loss, tokens, seconds = self.train_epoch(data.train, epoch)
            valid = self._evaluate(data.valid)
            rec = EpochRecord(
                epoch=epoch,
                train_loss=loss,
                train_ppl=math.exp(min(loss, 700.0)),
                valid_loss=valid.loss,
                valid_ppl=valid.ppl,
                valid_token_acc=valid.token_acc,
                valid_exact=valid.exact,
                tokens_per_s=tokens / seconds,
                seconds=seconds,
                lr=hist.lr,
            )
            hist.epochs.append(rec)
            if hist.improved(valid):
                hist.best_epoch, hist.bad_epochs = epoch, 0
                hist.best_valid_exact, hist.best_valid_ppl = valid.exact, valid.ppl
                self._best = self.model_.get_weights()
            else:
                hist.bad_epochs += 1
                hist.lr *= tc.lr_decay
                self.optimizer_.lr = hist.lr
            stop = bool(tc.patience) and hist.bad_epochs >= tc.patience
            if stop:
                hist.stopped = EARLY_STOPPING
            self._save()
            if self.progress_callback is not None:
                self.progress_callback(rec)
            if stop:
                break

    def train_epoch(self, part: Part, epoch: int) -> tuple[float, int, float]:
        """One pass; returns the mean loss per target token, the target tokens and the
        seconds it took (the figures the progress bar ends with).

        The products of one step are too small to split: BLAS runs on one thread, and with
        two or more a second thread runs the encoder's other direction instead."""
        encoder = self.model_.encoder_
        encoder.share_threads = threads.blas_threads() > 1
        try:
            with threads.single_thread_blas():
                return self._train_batches(part, epoch)
        finally:
            encoder.share_threads = False

    def _train_batches(self, part: Part, epoch: int) -> tuple[float, int, float]:
        tc, model, opt = self.train, self.model_, self.optimizer_
        named = model.named_parameters()
        params = [p for _, p, _ in named]
        grads = [g for _, _, g in named]
        drop_rng = self.rng_ if model.config.dropout > 0 else None
        eos = model.eos_id
        batches = epoch_batches(part, tc.batch_size, self.rng_)
        loss_sum, tokens, seconds = 0.0, 0, 0.0
        t0 = time.perf_counter()
        bar = tqdm(
            total=len(batches), desc=f"epoch {epoch}", unit=" batch", disable=not self.progress
        )
        try:
            for step, idx in enumerate(batches):
                batch = part.batch(idx, eos)
                loss = model.loss(*batch, rng=drop_rng)
                if not math.isfinite(loss):
                    self._non_finite("loss", loss, epoch, step)
                model.backward()
                norm = global_norm(grads)
                if not math.isfinite(norm):
                    self._non_finite("gradient norm", norm, epoch, step)
                opt.step(params, grads, clip_scale(norm, tc.clip or None))
                n = int(part.tgt_len[idx].sum())
                loss_sum += loss * n
                tokens += n
                last = step == len(batches) - 1
                if step % 10 == 0 or last:
                    seconds = max(time.perf_counter() - t0, 1e-9)
                    bar.set_postfix(
                        loss=f"{loss_sum / tokens:.4f}",
                        tok_s=f"{tokens / seconds:,.0f}",
                        refresh=False,
                    )
                bar.update(1)
        finally:
            bar.close()
        return loss_sum / max(tokens, 1), tokens, seconds

    def _non_finite(self, what, value, epoch, step):
        kept = ""
        if self.out_dir is not None and self.history_.epochs:
            kept = (
                f"; the checkpoint of epoch {len(self.history_.epochs)} is kept in {self.out_dir}"
            )
        raise NonFiniteLossError(
            f"the training {what} became {value} at epoch {epoch}, batch {step + 1}; try a "
            f"lower --lr or a smaller --clip{kept}"
        )

    def _save(self) -> None:
        if self.out_dir is not None:
            checkpoint.save_checkpoint(
                ModelFolder(self.out_dir), self.model_, self._best, self.optimizer_, self.rng_
            )

    def _resume(self, data: PairData) -> None:
        folder = ModelFolder(self.out_dir)
        state = read_state(folder)
        hist = state.history
        if (hist.data.train_pairs, hist.data.train_crc32) != (len(data.train), data.train.crc32()):
            raise ModelFileError(
                "the pairs differ from the checkpoint's: resume with the same pairs file, "
                "split and seed"
            )
        self._best = checkpoint.restore(folder, state, self.model_, self.optimizer_, self.rng_)
        hist.train = dataclasses.replace(self.train)
        if hist.stopped == COMPLETED:
            hist.stopped = None
        hist.test = None
        self.history_ = hist


def train_seq2seq(
    pairs,
    config: Seq2SeqConfig | None = None,
    train: Seq2SeqTrainConfig | None = None,
    out_dir=None,
    progress: bool = True,
    resume: bool = False,
    on_epoch=None,
    size: int | None = None,
) -> tuple[Seq2Seq, Seq2SeqHistory]:
    """Train on ``pairs`` (a pairs file, a task name, a list of string pairs, or a
    ``PairData``); returns ``(model, history)``. ``size``: pairs made for a task name.
    ``resume=True`` continues the run saved in ``out_dir`` with its saved settings (more
    ``train.epochs`` allowed)."""
    config = config or Seq2SeqConfig()
    train = dataclasses.replace(train or Seq2SeqTrainConfig())
    vocabs = subwords = None
    if resume:
        if out_dir is None:
            raise OptionError("resume needs the model folder of the run to continue")
        saved = Seq2Seq.load(out_dir)
        state = read_state(ModelFolder(out_dir))
        train = dataclasses.replace(state.history.train, epochs=train.epochs, threads=train.threads)
        config, vocabs = saved.config, (saved.source_vocab_, saved.target_vocab_)
        subwords = saved.subwords_
    data = (
        pairs
        if isinstance(pairs, PairData)
        else prepare_pairs(pairs, config, train, vocabs, size, subwords)
    )
    model = Seq2Seq(config).init(data.source_vocab, data.target_vocab, data.subwords)
    trainer = Seq2SeqTrainer(train, out_dir=out_dir, progress=progress)
    trainer.progress_callback = on_epoch
    trainer.fit(model, data, resume=resume)
    return trainer.model_, trainer.history_
