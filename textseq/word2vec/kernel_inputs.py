"""What the kernels read, made from a model's settings and vocabulary: the mode, the
subsampling thresholds, the noise words' alias table and the ``kernels.Settings`` record,
always with the same types; and the warm-up that compiles the kernels for those types."""

from __future__ import annotations

import time

import numpy as np

from textseq.corpus.spool_kernels import remap_block
from textseq.threads import passive_thread_waits
from textseq.word2vec import kernels
from textseq.word2vec.params import Word2VecParams
from textseq.word2vec.plan import SYNC_WORDS
from textseq.word2vec.prepare_kernels import build_alias_table, split_segments

_compile_seconds: float | None = None  # first kernel call in this process (compile or cache load)


def kernel_mode(params: Word2VecParams) -> int:
    """The kernels' mode for these settings (``kernels.Settings.mode``)."""
    if not params.sg:
        return kernels.CBOW
    return kernels.SKIPGRAM_SHARED if params.shared_negatives else kernels.SKIPGRAM_PER_PAIR


def sample_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """gensim's subsampling: keep a word of count ``v`` with probability
    ``(sqrt(v / (sample * total)) + 1) * (sample * total) / v`` (capped at 1), stored as a
    uint32 threshold compared with 32 random bits."""
    counts = counts.astype(np.float64)
    total = counts.sum()
    if not sample:
        threshold = total
    elif sample < 1.0:
        threshold = sample * total
    else:  # gensim's shorthand: sample >= 1 is an absolute count
        threshold = float(int(sample * (3 + np.sqrt(5)) / 2))
    prob = (np.sqrt(counts / threshold) + 1.0) * (threshold / counts)
    prob = np.minimum(prob, 1.0)
    return (prob * (2**32 - 1)).astype(np.uint32)


def noise_table(counts: np.ndarray, ns_exponent: float) -> np.ndarray:
    """The alias table drawing noise words with probability proportional to
    ``count ** ns_exponent``."""
    return build_alias_table(counts.astype(np.float64) ** ns_exponent)


def kernel_settings(
    params: Word2VecParams, total_words: int, threads: int, own_count: int
) -> kernels.Settings:
    """The settings of a run as ``kernels.train_chunks`` takes them, with the types the
    warm-up compiled for."""
    return kernels.Settings(
        mode=kernel_mode(params), window=int(params.window), negative=int(params.negative),
        cbow_mean=int(params.cbow_mean), alpha=float(params.alpha),
        min_alpha=float(params.min_alpha), total_words=int(total_words), seed=int(params.seed),
        compute_loss=bool(params.compute_loss), workers=int(threads), own_count=int(own_count),
        sync_words=SYNC_WORDS,
    )  # fmt: skip


def warm_up() -> float:
    """Call every kernel once on a tiny input so the compile (or the load from Numba's cache)
    is timed apart; returns its seconds (the same figure on every later call). The inputs
    have the types training uses, so training compiles nothing more."""
    global _compile_seconds
    if _compile_seconds is None:
        passive_thread_waits()
        start = time.perf_counter()
        ids = np.array([0, 1, 2, 1], np.int32)
        segs = np.array([0, 4], np.int64)
        weights = kernels.Weights(np.full((3, 4), 0.1, np.float32), np.zeros((3, 4), np.float32))
        tables = kernels.Tables(np.full(3, 2**32 - 1, np.uint32), noise_table(np.ones(3), 1.0))
        block = kernels.Block(ids, segs, np.array([0, 1], np.int64), 0, 1, 0, 0, 0)
        split_segments(segs, 3)
        remap_block(ids.copy(), np.arange(3, dtype=np.int32), segs, 0, 0, 0, segs.copy())
        for sg, shared in ((0, True), (1, False), (1, True)):
            params = Word2VecParams(sg=sg, shared_negatives=shared, window=2, negative=2)
            settings = kernel_settings(params, total_words=4, threads=1, own_count=1)
            out_loss, out_effective = np.zeros(1), np.zeros(1, np.int64)
            kernels.train_chunks(weights, tables, settings, block, out_loss, out_effective)
        _compile_seconds = time.perf_counter() - start
    return _compile_seconds
