"""Training of a sequence-to-sequence model: epochs of shuffled, length-grouped batches.

Each epoch shuffles the training pairs with the run's generator, sorts each group of
``GROUP`` batches by length (less padding; padding never changes the result, only the work)
and shuffles the order of the batches. Each batch: loss, backward, gradient clipping folded
into one optimizer step. After each epoch: validation loss, perplexity, token accuracy and
exact match (greedy decoding); the best epoch (highest exact match, then lowest perplexity)
is the model kept; learning-rate decay, early stopping, checkpoints, ``resume`` bit for bit
and Ctrl-C are the language model's run (``textseq.lm.epochs``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from textseq import threads
from textseq.errors import InputError, ModelFileError, OptionError
from textseq.lm import checkpoint
from textseq.lm.epochs import EpochTrainer
from textseq.lm.evaluate import perplexity
from textseq.lm.optim import clip_scale, global_norm
from textseq.modelfolder import ModelFolder
from textseq.seq2seq.config import Seq2SeqConfig, Seq2SeqTrainConfig
from textseq.seq2seq.data import PairData, Part, prepare_pairs
from textseq.seq2seq.history import EpochRecord, Seq2SeqHistory
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


def read_state(folder: ModelFolder) -> checkpoint.CheckpointState:
    """The checkpoint's state file; missing or corrupt raises ``ModelFileError``."""
    return checkpoint.read_state(folder, Seq2SeqHistory)


class Seq2SeqTrainer(EpochTrainer):
    """Trains a ``Seq2Seq`` on a ``PairData``; ``fit`` returns ``self`` with ``model_`` and
    ``history_``; ``out_dir`` (optional) receives the model folder and its checkpoints. The
    run around the epochs is ``EpochTrainer``'s (``textseq.lm.epochs``)."""

    history_class = Seq2SeqHistory
    step_name = "batch"

    def __init__(self, train: Seq2SeqTrainConfig | None = None, out_dir=None, progress=True):
        super().__init__(train or Seq2SeqTrainConfig(), out_dir, progress)

    def check_data(self, data: PairData) -> None:
        if len(data.train) < 1:
            raise InputError("the training part has no pairs: nothing to learn")
        if self.out_dir is not None:  # before any training, not after the first epoch
            out = Path(self.out_dir)
            if not out.absolute().parent.is_dir():
                raise InputError(f"cannot write {out}: folder {out.parent} does not exist")
            if out.exists() and not out.is_dir():
                raise InputError(f"cannot write model folder {out}: a file of that name exists")

    def run_epoch(self, data: PairData, epoch: int) -> tuple[float, int, float]:
        return self.train_epoch(data.train, epoch)

    def score(self, data: PairData, part: str):
        tc = self.train
        return evaluate(
            self.model_, getattr(data, part), tc.eval_batch_size, tc.max_valid, tc.max_output
        )

    def epoch_record(self, epoch, loss, tokens, seconds, valid) -> EpochRecord:
        return EpochRecord(
            epoch=epoch,
            train_loss=loss,
            train_ppl=perplexity(loss),
            valid_loss=valid.loss,
            valid_ppl=valid.ppl,
            valid_token_acc=valid.token_acc,
            valid_exact=valid.exact,
            tokens_per_s=tokens / seconds,
            seconds=seconds,
            lr=self.history_.lr,
        )

    def check_resumed_data(self, hist: Seq2SeqHistory, data: PairData) -> None:
        if (hist.data.train_pairs, hist.data.train_crc32) != (len(data.train), data.train.crc32()):
            raise ModelFileError(
                "the pairs differ from the checkpoint's: resume with the same pairs file, "
                "split and seed"
            )

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
                    self.non_finite("loss", loss, epoch, step)
                model.backward()
                norm = global_norm(grads)
                if not math.isfinite(norm):
                    self.non_finite("gradient norm", norm, epoch, step)
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
