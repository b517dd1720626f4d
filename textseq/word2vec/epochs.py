"""The epoch loop of ``Word2Vec.train``: kernel calls over the planned blocks, the progress
bar, the epoch reports and the callbacks.

The bar's "effective words/s" is the ``TrainingReport``'s ``words_per_second`` so far:
effective words (kept after subsampling) over the time since the ``train`` call began,
encoding included; after each epoch it is set from the report itself, so its last value is
the figure the command line's summary prints.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from textseq.word2vec import kernels
from textseq.word2vec.callbacks import call_hook
from textseq.word2vec.kernel_inputs import kernel_settings
from textseq.word2vec.plan import EpochPlan
from textseq.word2vec.reports import EpochReport, TrainingReport


def run_epochs(
    model: Any,
    plan: EpochPlan,
    weights: kernels.Weights,
    own_count: int,
    report: TrainingReport,
    epochs: int,
    start: float,
) -> None:
    """Train ``epochs`` passes of ``model`` (a ``Word2Vec``) over ``plan`` into ``weights``
    (the threads' private rows: ``own_count`` each), appending to ``report``; ``start`` is
    when the ``train`` call began (``perf_counter``)."""
    walk = plan.walk(report.threads)
    corpus_words = plan.num_words
    total_words = corpus_words * epochs
    # per visit (plan.visit_order), rewritten each epoch; the epoch's loss is their exact
    # sum (math.fsum), so how the visits are cut into calls cannot change its bits
    chunk_loss = np.zeros(plan.num_chunks, np.float64)
    chunk_eff = np.zeros(plan.num_chunks, np.int64)
    callbacks = list(model.callbacks or ())
    bar = tqdm(
        total=total_words, unit=" words", unit_scale=True, disable=not model.progress,
        desc="word2vec", dynamic_ncols=True,
    )  # fmt: skip
    call_hook(callbacks, "on_train_begin", model)
    with bar:
        for epoch in range(epochs):
            call_hook(callbacks, "on_epoch_begin", model)
            epoch_start = time.perf_counter()
            # read each epoch: a callback may change a setting (or the tables) between two
            tables = kernels.Tables(model.keep_threshold_, model.neg_table_)
            settings = kernel_settings(model.params, total_words, report.threads, own_count)
            # the chunks' generators are seeded by the model's epoch count, not this
            # call's: a second train() call (or one after load) draws fresh subsamples,
            # windows and noise words instead of replaying the first call's
            seed_epoch = model.epochs_trained_
            done_before = report.effective_words
            for lo, hi in walk.calls:
                ids, seg, chunks, word_lo = walk.read_call(lo, hi)
                block = kernels.Block(
                    ids, seg, chunks, 0, hi - lo, chunk_base=lo, epoch=seed_epoch,
                    words_done=epoch * corpus_words + word_lo,
                )  # fmt: skip
                kernels.train_chunks(
                    weights, tables, settings, block, chunk_loss[lo:hi], chunk_eff[lo:hi]
                )
                effective = int(chunk_eff[:hi].sum())
                elapsed = time.perf_counter() - start
                postfix = {"epoch": f"{epoch + 1}/{epochs}"}
                postfix["effective words/s"] = _rate(done_before + effective, elapsed)
                if model.compute_loss:
                    postfix["loss"] = f"{chunk_loss[:hi].sum() / max(effective, 1):.4f}"
                bar.set_postfix(postfix, refresh=False)
                bar.update(len(ids))
            end = time.perf_counter()
            info = EpochReport(
                epoch=model.epochs_trained_ + 1, raw_words=corpus_words,
                effective_words=int(chunk_eff.sum()), seconds=end - epoch_start,
                loss=math.fsum(chunk_loss),
            )  # fmt: skip
            report.epochs.append(info)
            report.seconds = end - start
            postfix["effective words/s"] = _rate(report.effective_words, report.seconds)
            bar.set_postfix(postfix, refresh=False)
            model.epochs_trained_ += 1
            model._wv = None  # the vectors moved: a callback must not see cached norms
            call_hook(callbacks, "on_epoch_end", model, info)
    call_hook(callbacks, "on_train_end", model)


def _rate(words: int, seconds: float) -> str:
    """Words per second as the progress bar and the command line's summary print it."""
    return f"{words / seconds if seconds > 0 else float('nan'):,.0f}"
