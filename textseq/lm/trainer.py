"""The training loop of the RNN language model: epochs, learning-rate decay, stops.

Each epoch runs every window of the training ids through the model's loss, backward and
one optimizer step (gradient clipping folded into the step). In stream mode the hidden
state is carried from one window to the next (a plain array, so nothing links it to the
previous window: truncated BPTT) and every position contributes to the loss; in window
mode each shuffled chunk starts from a zero state and only its last position is scored
(``textseq.lm.data`` makes both kinds of batch).

After each epoch: validation perplexity and top-1/top-5 next-word accuracy, learning-rate
decay when validation does not improve, early stopping after ``patience`` such epochs, and
a checkpoint (``textseq.lm.checkpoint``) from which ``resume`` continues bit for bit: the
run around the epochs, which the sequence model's trainer shares, is ``textseq.lm.epochs``.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import math
import time

import numpy as np
from tqdm.auto import tqdm

from textseq import threads
from textseq.corpus import open_corpus
from textseq.corpus.plain import plain_sentences
from textseq.corpus.subwords import PieceSentences
from textseq.errors import InputError, ModelFileError, OptionError
from textseq.lm import checkpoint, overlap
from textseq.lm.data import (
    LMData,
    chunk_batches,
    num_stream_windows,
    prepare_lm_data,
    stream_windows,
    train_lm_subwords,
)
from textseq.lm.epochs import EpochTrainer, NonFiniteLossError
from textseq.lm.evaluate import evaluate, perplexity
from textseq.lm.history import EpochRecord, TrainingHistory
from textseq.lm.model import RNNLM, LMConfig
from textseq.lm.optim import clip_scale, global_norm
from textseq.lm.train_config import TrainConfig
from textseq.modelfolder import ModelFolder

__all__ = ["NonFiniteLossError", "Trainer", "train_lm"]


@contextlib.contextmanager
def _one_thread():
    """BLAS and Numba on one thread each (no thread waits on another)."""
    with threads.single_thread_blas(), threads.numba_threads(1):
        yield


def _bar_figures(train_loss: float, tokens_per_s: float) -> dict[str, str]:
    """The progress bar's figures, named and formatted as the epoch table names them: the
    running mean training loss, its perplexity, and tokens per second so far. At the last
    window they are the epoch's ``train_loss``, ``train_ppl`` and ``tokens_per_s``."""
    return {
        "train loss": f"{train_loss:.4f}",
        "train ppl": f"{perplexity(train_loss):.2f}",
        "tokens/s": f"{tokens_per_s:,.0f}",
    }


class Trainer(EpochTrainer):
    """Trains an ``RNNLM`` on prepared ids; ``fit`` returns ``self`` with ``model_`` and
    ``history_`` (a ``TrainingHistory``) set. ``out_dir`` (optional) receives the model
    folder and its checkpoints. The run around the epochs is ``EpochTrainer``'s."""

    history_class = TrainingHistory
    step_name = "window"

    def __init__(self, train: TrainConfig | None = None, out_dir=None, progress: bool = True):
        super().__init__(train or TrainConfig(), out_dir, progress)

    def check_data(self, data: LMData) -> None:
        tc = self.train
        if len(data.train) < 2:
            raise InputError("the training part has fewer than 2 tokens: nothing to learn")
        if tc.mode == "stream" and len(data.train) // tc.batch_size < 2:
            raise InputError(
                f"the training part has {len(data.train)} tokens: too few for "
                f"{tc.batch_size} streams; lower --batch-size"
            )
        if tc.mode == "window" and len(data.train) <= tc.chunk_size:
            raise InputError(f"the training part is shorter than a chunk of {tc.chunk_size}")

    def run_epoch(self, data: LMData, epoch: int) -> tuple[float, int, float]:
        train_loss, tokens = self.train_epoch(data.train, epoch)
        return train_loss, tokens, self.epoch_seconds_  # the bar's last tokens/s's time

    def score(self, data: LMData, part: str):
        units = getattr(data, f"{part}_units")
        return evaluate(self.model_, getattr(data, part), self.train, units)

    def epoch_record(self, epoch, loss, tokens, seconds, valid) -> EpochRecord:
        return EpochRecord(
            epoch=epoch,
            train_loss=loss,
            train_ppl=perplexity(loss),
            valid_loss=valid.loss,
            valid_ppl=valid.ppl,
            valid_acc=valid.acc,
            valid_acc5=valid.acc5,
            valid_word_ppl=valid.word_ppl,
            valid_bpc=valid.bpc,
            tokens_per_s=tokens / seconds,
            seconds=seconds,
            lr=self.history_.lr,
        )

    def check_resumed_data(self, hist: TrainingHistory, data: LMData) -> None:
        if (hist.data.train_tokens, hist.data.train_crc32) != (len(data.train), data.train_crc32()):
            raise ModelFileError(
                f"the corpus differs from the checkpoint's: {len(data.train):,} training "
                f"tokens now, {hist.data.train_tokens:,} when the run started"
                " (or the same number of other words); resume with the same corpus"
            )

    # -- one epoch --
    def train_epoch(self, ids: np.ndarray, epoch: int) -> tuple[float, int]:
        """One pass over ``ids``; returns the mean training loss and the tokens read, and
        sets ``epoch_seconds_`` (the time the tokens took, the bar's last tokens/s).

        With BLAS on two threads or more the windows run one of three ways (``ways``):
        ``share_threads`` always runs them as two tasks (``textseq.lm.overlap``);
        otherwise ``adapt_threads`` times the ways as the windows run and takes the
        fastest (``threads.FastestWay``), since BLAS's own threads, fastest on an idle
        machine, wait on each other at every product and starve when another program keeps
        the cores busy; without either, BLAS's own threads run every window."""
        return self._train_windows(ids, epoch, self.ways())

    def ways(self) -> dict[str, tuple]:
        """The ways this trainer may run a window: name -> ``(loss, backward, context)``
        (the context sets the threads of that way)."""
        model, tc = self.model_, self.train
        plain = (model.loss, model.backward, contextlib.nullcontext)
        if threads.blas_threads() <= 1:
            return {"plain": plain}
        shared = (
            functools.partial(overlap.overlapped_loss, model),
            functools.partial(overlap.overlapped_backward, model),
            threads.single_thread_blas,
        )
        if tc.share_threads:
            return {"shared": shared}
        if not tc.adapt_threads:
            return {"blas": plain}
        # one thread first: it never waits on another, so it is the safe reference
        return {"one": (model.loss, model.backward, _one_thread), "shared": shared, "blas": plain}

    def _gates(self, ways: dict[str, tuple]) -> dict:
        """A cheap check before BLAS's own threads are tried: a few products of the output
        layer's shape for one step, on those threads and on one (``threads.blas_waits``).
        A window on threads that starve can take as long as dozens on one thread."""
        if "blas" not in ways:
            return {}
        n, model = threads.blas_threads(), self.model_
        shape = (self.train.batch_size, model.cells_[-1].hidden_size, model.vocab_size)
        return {"blas": lambda: not threads.blas_waits(n, *shape)}

    def _train_windows(self, ids: np.ndarray, epoch: int, ways: dict[str, tuple]):
        tc, model, opt = self.train, self.model_, self.optimizer_
        named = model.named_parameters()
        params = [p for _, p, _ in named]
        grads = [g for _, _, g in named]
        drop_rng = self.rng_ if model.config.dropout > 0 else None
        if tc.mode == "stream":
            total = num_stream_windows(len(ids), tc.batch_size, tc.bptt)
            batches = stream_windows(ids, tc.batch_size, tc.bptt)
            last_only = False
        else:
            total = math.ceil((len(ids) - tc.chunk_size) / tc.batch_size)
            batches = chunk_batches(ids, tc.chunk_size, tc.batch_size, self.rng_)
            last_only = True
        fastest = getattr(self, "fastest_", None)
        if fastest is None or set(fastest.ways) != set(ways):  # kept from epoch to epoch
            fastest = self.fastest_ = threads.FastestWay(ways, gates=self._gates(ways))
        used = self.ways_used_ = collections.Counter()
        state = model.initial_state(tc.batch_size)
        loss_sum, n_pred, tokens = 0.0, 0, 0
        t0 = time.perf_counter()
        seconds = 1e-9
        bar = tqdm(
            total=total, desc=f"epoch {epoch}", unit=" win", disable=not self.progress, leave=False
        )
        way, setting = None, contextlib.ExitStack()
        try:
            for step, (x, y) in enumerate(batches):
                chosen = fastest.next()
                if chosen != way:  # the threads of the way, set once per change
                    setting.close()
                    way = chosen
                    loss_fn, backward_fn, threads_of = ways[way]
                    setting.enter_context(threads_of())
                used[way] += 1
                w0 = time.perf_counter()
                if last_only:
                    state = model.initial_state(x.shape[1])
                loss, state = loss_fn(x, y, state, rng=drop_rng, last_only=last_only)
                if not math.isfinite(loss):
                    self.non_finite("loss", loss, epoch, step)
                backward_fn()
                norm = global_norm(grads)
                if not math.isfinite(norm):
                    self.non_finite("gradient norm", norm, epoch, step)
                opt.step(params, grads, clip_scale(norm, tc.clip or None))  # clip on the fly
                fastest.took(time.perf_counter() - w0)
                n = y.size
                loss_sum += loss * n
                n_pred += n
                tokens += x.size
                seconds = max(time.perf_counter() - t0, 1e-9)
                if step % 10 == 0 or step == total - 1:
                    bar.set_postfix(
                        _bar_figures(loss_sum / n_pred, tokens / seconds), refresh=False
                    )
                bar.update(1)
        finally:
            setting.close()
            bar.close()
        self.epoch_seconds_ = seconds
        return loss_sum / max(n_pred, 1), tokens


def train_lm(
    corpus,
    config: LMConfig | None = None,
    train: TrainConfig | None = None,
    out_dir=None,
    progress: bool = True,
    resume: bool = False,
    on_epoch=None,
) -> tuple[RNNLM, TrainingHistory]:
    """Train a language model on ``corpus``; returns ``(model, history)``.

    ``corpus``: anything ``open_corpus`` takes (paths, built-in names, a ``Corpus``, lists
    of token lists), a list of plain sentences (tokenized with the model's tokenizer, with a
    warning saying so), or an ``LMData`` already split and encoded. ``out_dir``: the model
    folder, rewritten after every epoch. ``resume=True`` continues the run saved in
    ``out_dir`` with its saved model and training settings: up to its own number of epochs
    when ``train`` is None, else up to ``train.epochs`` (with ``train``'s threads).
    ``on_epoch(record)`` is called with each epoch's ``EpochRecord``.
    """
    config = config or LMConfig()
    given = train
    train = dataclasses.replace(train or TrainConfig())
    vocab = subwords = None
    if resume:
        if out_dir is None:
            raise OptionError("resume needs the model folder of the run to continue")
        saved = RNNLM.load(out_dir)
        state = checkpoint.read_state(ModelFolder(out_dir))
        # the saved settings, but the number of epochs (when given) and the threads of
        # this call
        train = dataclasses.replace(
            state.history.train,
            epochs=state.history.train.epochs if given is None else train.epochs,
            threads=train.threads,
            share_threads=train.share_threads,
            adapt_threads=train.adapt_threads,
        )
        config, vocab = saved.config, saved.vocab_
        subwords = getattr(saved, "tokenizer_", None)
    if isinstance(corpus, LMData):
        data = corpus
        if config.subwords and subwords is None:
            raise OptionError("subwords are trained from text: give a corpus, not LMData")
    else:
        tokenizer = getattr(corpus, "tokenizer", None) or config.tokenizer
        config = dataclasses.replace(config, tokenizer=tokenizer)
        corpus = plain_sentences(corpus, tokenizer)
        if config.subwords and subwords is None:
            subwords, corpus = train_lm_subwords(corpus, tokenizer, config.subwords, train)
        elif subwords is not None:
            corpus = PieceSentences(open_corpus(corpus, tokenizer=tokenizer), subwords)
        data = prepare_lm_data(corpus, train, subwords or tokenizer, vocab=vocab, progress=progress)
    model = RNNLM(config).init(data.vocab)
    model.tokenizer_ = subwords
    trainer = Trainer(train, out_dir=out_dir, progress=progress)
    trainer.progress_callback = on_epoch
    trainer.fit(model, data, resume=resume)
    return trainer.model_, trainer.history_
