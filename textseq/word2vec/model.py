"""The word2vec training driver: vocabulary, tables, weights, epochs, reports, model files.

Python does the orchestration (as gensim's ``word2vec.py``); every word goes through the
Numba kernels in ``kernels.py``. The corpus is encoded once to ``int32`` ids spooled to a
temporary file (``textseq.corpus.spool``: RAM holds one block, not the corpus), cut into
segments (sentences, split at ``MAX_SEGMENT`` words) and chunks of about ``CHUNK_WORDS``
words (fewer on a small corpus: ``chunk_words_for``); each kernel call trains one block of
whole chunks, read back from the spool, so the progress bar moves while the calls stay large.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from textseq.corpus import Vocab, open_corpus
from textseq.corpus.counting import count_words
from textseq.corpus.spool import (
    SpooledIds,
    count_and_spool,
    remap_spool,
    spool_encode,
    vocab_table,
)
from textseq.corpus.spool_kernels import remap_block
from textseq.errors import ModelFileError, OptionError, VocabError
from textseq.files import atomic_dir, load_npz, save_json, save_npz
from textseq.libc import release_free_heap
from textseq.modelfolder import ModelFolder
from textseq.threads import max_threads, numba_threads
from textseq.word2vec import kernels

FORMAT = "textseq-word2vec"
FORMAT_VERSION = 1
CHUNK_WORDS = 10000  # words per chunk (a unit of work for one thread), as gensim's job size
MIN_CHUNK_WORDS = 1000  # the smallest chunk, for small corpora (see chunk_words_for)
CHUNKS_PER_EPOCH = 64  # what a small corpus is cut into, at least, while chunks can shrink
OWN_MIN_WRITES = 10  # a thread copies an output row written this often between two folds
OWN_ROWS_MAX = 2048  # at most this many copied rows per thread (memory, fold time)
SYNC_WORDS = 10_000  # kept words between two folds of a thread's copy into the shared rows
CALL_WORDS = 120_000  # at least this many words per kernel call (progress bar granularity)

_HYPER = (
    "vector_size", "window", "min_count", "sg", "negative", "ns_exponent", "sample", "alpha",
    "min_alpha", "epochs", "cbow_mean", "seed", "workers", "max_vocab_size", "max_final_vocab",
    "compute_loss", "shared_negatives",
)  # fmt: skip

_compile_seconds: float | None = None  # first kernel call in this process (compile or cache load)


@dataclass
class EpochReport:
    """What one epoch did; ``loss`` is the summed negative-sampling loss (float64)."""

    epoch: int
    raw_words: int
    effective_words: int
    seconds: float
    loss: float

    @property
    def words_per_second(self) -> float:
        return self.effective_words / self.seconds if self.seconds > 0 else float("nan")

    @property
    def mean_loss(self) -> float:
        return self.loss / self.effective_words if self.effective_words else float("nan")


@dataclass
class TrainingReport:
    """Timing and loss of one ``train`` call. ``seconds`` covers encoding and every epoch;
    ``compile_seconds`` is the first kernel call of the process (JIT compile, or loading
    Numba's cache), measured on a tiny input before training and not counted in ``seconds``."""

    threads: int
    vocab_size: int
    corpus_words: int
    encode_seconds: float = 0.0
    compile_seconds: float = 0.0
    seconds: float = 0.0
    epochs: list[EpochReport] = field(default_factory=list)

    @property
    def raw_words(self) -> int:
        return sum(e.raw_words for e in self.epochs)

    @property
    def effective_words(self) -> int:
        return sum(e.effective_words for e in self.epochs)

    @property
    def words_per_second(self) -> float:
        """Effective words (kept after subsampling) per second of ``train`` wall time."""
        return self.effective_words / self.seconds if self.seconds > 0 else float("nan")

    @property
    def kernel_seconds(self) -> float:
        return sum(e.seconds for e in self.epochs)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["words_per_second"] = self.words_per_second
        return data


def _check_int(name: str, value, low: int = 1) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise OptionError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_options(m: Word2Vec) -> None:
    def positive_int(name, low=1):
        _check_int(name, getattr(m, name), low)

    for name in ("vector_size", "window", "min_count", "epochs", "negative"):
        positive_int(name)
    if m.sg not in (0, 1):
        raise OptionError(f"sg must be 0 (CBOW) or 1 (skip-gram), got {m.sg!r}")
    if not isinstance(m.shared_negatives, (bool, np.bool_)):
        raise OptionError(f"shared_negatives must be True or False, got {m.shared_negatives!r}")
    if m.cbow_mean not in (0, 1):
        raise OptionError(f"cbow_mean must be 0 (sum) or 1 (mean), got {m.cbow_mean!r}")
    if not (m.sample >= 0):
        raise OptionError(f"sample must be >= 0, got {m.sample!r}")
    if not (m.alpha > 0) or not (0 <= m.min_alpha <= m.alpha):
        raise OptionError(
            f"need alpha > 0 and 0 <= min_alpha <= alpha, got alpha={m.alpha}, "
            f"min_alpha={m.min_alpha}"
        )
    if not math.isfinite(m.ns_exponent):
        raise OptionError(f"ns_exponent must be a finite number, got {m.ns_exponent!r}")
    if m.workers is not None:
        positive_int("workers")
    for name in ("max_vocab_size", "max_final_vocab"):
        if getattr(m, name) is not None:
            positive_int(name)
    if not isinstance(m.seed, (int, np.integer)) or m.seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {m.seed!r}")


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


def private_row_count(
    counts: np.ndarray,
    keep_threshold: np.ndarray,
    negative: int,
    ns_exponent: float,
    updates_per_word: int = 1,
    sync_words: int = SYNC_WORDS,
) -> int:
    """How many of the most frequent words' output rows each thread but the first trains in
    a copy of its own (``kernels.train_chunks``): those expected to be written
    ``OWN_MIN_WRITES`` times or more between two folds, at most ``OWN_ROWS_MAX``.

    A copy costs one fold (three copies of the row) per ``sync_words`` kept words; it pays
    when the row would otherwise pass between the cores many times in that span. A row is
    written as the centre word (its share of the kept words) and as a noise word (``negative``
    draws from counts^ns_exponent), ``updates_per_word`` times per kept word. Ids are ranked
    by count and the rate grows with the count, so the rows are a prefix. lee (1,799 words):
    every row (the rarest is written ~11 times per 10,000 kept words); english (47,563
    words): ~600. In two-thread runs, lee CBOW scaled 1.64x with 512 rows and 1.73x with all,
    while english scaled 2.05x with 512 rows, 1.97x with 2,048 and 1.72x with 8,192."""
    counts = counts.astype(np.float64)
    kept = counts * (keep_threshold / float(2**32 - 1))
    noise = counts**ns_exponent
    share = kept / kept.sum() + negative * noise / noise.sum()
    writes = sync_words * updates_per_word * share
    return int(min(np.count_nonzero(writes >= OWN_MIN_WRITES), OWN_ROWS_MAX))


def segment_offsets(offsets: np.ndarray, max_len: int = kernels.MAX_SEGMENT) -> np.ndarray:
    """Sentence offsets with empty sentences dropped and long ones split every ``max_len``."""
    return kernels.split_segments(np.ascontiguousarray(offsets, dtype=np.int64), max_len)


def chunk_words_for(num_words: int) -> int:
    """Chunk size for a corpus: ``CHUNK_WORDS``, or less on a small corpus, so an epoch still
    has enough chunks for the threads to share. With lee's six 10k-word chunks, the last one
    kept a thread idle at the end of each epoch and two threads ran CBOW 1.34x one thread.
    It depends on the corpus only, never on the thread count: one thread stays reproducible."""
    return int(min(CHUNK_WORDS, max(MIN_CHUNK_WORDS, num_words // CHUNKS_PER_EPOCH)))


def chunk_bounds(seg_offsets: np.ndarray, chunk_words: int = CHUNK_WORDS) -> np.ndarray:
    """Segment indices cutting the corpus into chunks of about ``chunk_words`` words."""
    n_segments = len(seg_offsets) - 1
    total = int(seg_offsets[-1] - seg_offsets[0])
    marks = seg_offsets[0] + np.arange(chunk_words, max(total, 1), chunk_words)
    cuts = np.searchsorted(seg_offsets[:-1], marks, side="left")
    bounds = np.concatenate([[0], cuts, [n_segments]]).astype(np.int64)
    fresh = np.ones(len(bounds), dtype=bool)  # the bounds are sorted: drop repeats, no sort
    fresh[1:] = bounds[1:] != bounds[:-1]
    return bounds[fresh]


class EpochPlan:
    """The encoded corpus as each epoch reads it: ids and segment offsets in temporary files
    (``SpooledIds``), only the chunk boundaries in memory. ``block_bounds`` cuts it into
    kernel calls of whole chunks."""

    def __init__(self, ids: SpooledIds):
        segments = segment_offsets(ids.offsets)
        self.chunk_words = chunk_words_for(len(ids))
        # the segment index where each chunk starts (+ the end), and the word offset there
        self.chunks = chunk_bounds(segments, self.chunk_words)
        self.chunk_starts = segments[self.chunks]
        self.segments = SpooledIds(dtype=np.int64)
        self.segments.append(segments)
        self.ids = ids
        ids.offsets = None  # the segments replace the sentence offsets

    @property
    def num_words(self) -> int:
        return len(self.ids)

    @property
    def num_chunks(self) -> int:
        return len(self.chunks) - 1

    def block_bounds(self, chunks_per_block: int) -> list[tuple[int, int]]:
        """Chunk ranges ``(lo, hi)`` of at most ``chunks_per_block`` chunks."""
        n = self.num_chunks
        return [(lo, min(lo + chunks_per_block, n)) for lo in range(0, n, chunks_per_block)]

    def read_block(self, lo: int, hi: int, ids_buffer, seg_buffer):
        """Chunks ``lo:hi``: their ids, segment offsets and chunk bounds relative to the
        block, and the word offset where the block starts."""
        first, last = self.chunks[lo], self.chunks[hi]
        word_lo, word_hi = int(self.chunk_starts[lo]), int(self.chunk_starts[hi])
        ids = self.ids.read(word_lo, word_hi, ids_buffer)
        seg = self.segments.read(first, last + 1, seg_buffer)
        seg -= word_lo
        return ids, seg, self.chunks[lo : hi + 1] - first, word_lo

    def close(self) -> None:
        self.ids.close()
        self.segments.close()


def _warm_up() -> float:
    """Call every kernel once on a tiny input so the compile (or the load from Numba's cache)
    is timed apart; returns its seconds (the same figure on every later call)."""
    global _compile_seconds
    if _compile_seconds is None:
        start = time.perf_counter()
        syn0 = np.full((3, 4), 0.1, np.float32)
        syn1 = np.zeros((3, 4), np.float32)
        ids = np.array([0, 1, 2, 1], np.int32)
        segs = np.array([0, 4], np.int64)
        chunks = np.array([0, 1], np.int64)
        keep = np.full(3, 2**32 - 1, np.uint32)
        table = kernels.build_alias_table(np.ones(3))
        kernels.split_segments(segs, 3)
        remap_block(ids.copy(), np.arange(3, dtype=np.int32), segs, 0, 0, 0, segs.copy())
        for sg in (0, 1, 2):
            kernels.train_chunks(
                sg, syn0, syn1, ids, segs, chunks, 0, 1, keep, table, 2, 2, 1, 0.025, 0.0001,
                0, 0, 4, 1, 0, True, np.zeros(1), np.zeros(1, np.int64), 1, 1, 2,
            )  # fmt: skip
        _compile_seconds = time.perf_counter() - start
    return _compile_seconds


class Word2Vec:
    """Skip-gram / CBOW with negative sampling, trained by Numba kernels.

    Hyper-parameters carry gensim's names and defaults (``workers`` defaults to every core
    Numba may use). Learned state: ``vocab_`` (a ``Vocab``), ``vectors_`` (input vectors, the
    word vectors), ``syn1neg_`` (output vectors), ``report_`` (the last ``TrainingReport``),
    ``epochs_trained_``; ``wv`` gives the query object.

    ``shared_negatives`` (skip-gram only, on by default): each centre word draws one set of
    ``negative`` noise words for its whole window, and the output rows it touches are written
    once per window with the window's summed update (as in Ji et al., "Parallelizing
    Word2Vec in Shared and Distributed Memory", 2016). ``False`` draws a fresh set for every
    (context, centre) pair and writes the rows each time, as gensim and the C tool do. The
    shared form scores as gensim does over seeds (``benchmarks/results/``) and is faster,
    above all on two threads, which then write the rows they share several times less often.

    As in gensim, a corpus given to the constructor (``Word2Vec(sentences, min_count=1)``)
    is trained on at once; without one, the constructor only stores the settings, and
    ``build_vocab`` / ``train`` do the work. The settings are keyword-only.

    >>> model = Word2Vec(min_count=2, epochs=3, progress=False).train("lee")  # doctest: +SKIP
    """

    def __init__(
        self,
        sentences=None,
        *,
        vector_size: int = 100,
        window: int = 5,
        min_count: int = 5,
        sg: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        sample: float = 1e-3,
        alpha: float = 0.025,
        min_alpha: float = 0.0001,
        epochs: int = 5,
        cbow_mean: int = 1,
        seed: int = 1,
        workers: int | None = None,
        max_vocab_size: int | None = None,
        max_final_vocab: int | None = None,
        compute_loss: bool = True,
        progress: bool = True,
        callbacks: Iterable[Callable] = (),
        tokenizer: str = "unicode",
        shared_negatives: bool = True,
    ):
        self.vector_size = vector_size
        self.window = window
        self.min_count = min_count
        self.sg = sg
        self.negative = negative
        self.ns_exponent = ns_exponent
        self.sample = sample
        self.alpha = alpha
        self.min_alpha = min_alpha
        self.epochs = epochs
        self.cbow_mean = cbow_mean
        self.seed = seed
        self.workers = workers
        self.max_vocab_size = max_vocab_size
        self.max_final_vocab = max_final_vocab
        self.compute_loss = compute_loss
        self.progress = progress
        self.callbacks = callbacks
        self.tokenizer = tokenizer
        self.shared_negatives = shared_negatives
        if sentences is not None:
            self.train(sentences)

    # ---- vocabulary and weights ---------------------------------------------------------
    def build_vocab(self, corpus) -> Word2Vec:
        """Count the corpus, apply ``min_count`` / ``max_final_vocab`` / ``max_vocab_size``,
        build the sampling tables and initialise the weights (gensim's scheme, seeded)."""
        _check_options(self)
        _warm_up()  # compile (or load) the kernels now, so no timed step pays for it
        sentences = open_corpus(corpus, tokenizer=self.tokenizer)
        self._close_spool()
        if self.max_vocab_size is None:
            words, counts, raw = count_and_spool(sentences, self.progress)
            with raw:
                if len(counts) == 0:
                    raise VocabError("the corpus is empty: no tokens were found")
                min_count = self._effective_min_count(counts)
                vocab = Vocab.from_count_array(
                    words, counts, min_count=min_count, unk_token=None, eos_token=None,
                    sentences=raw.num_sentences,
                )  # fmt: skip
                self._spool = remap_spool(
                    raw,
                    vocab_table(vocab.fresh_index(), words),  # -1: dropped
                )
                self._spool_corpus = corpus
            del words, counts  # every distinct word: free them before the weights exist
        else:
            counts, n_sentences = count_words(sentences, self.max_vocab_size)
            min_count = self._effective_min_count(np.fromiter(counts.values(), np.int64))
            vocab = Vocab.from_counts(
                counts, min_count=min_count, unk_token=None, eos_token=None, sentences=n_sentences
            )
            del counts
        # the counting pass's dict lies freed in glibc's heap, under later objects that keep it
        # from shrinking: hand it back (peak with one thread, lee: 2.5 -> 2.2 MiB; english:
        # 42.0 -> 40.2-41.3 MiB over three probes; w2v_vs_gensim.py --memory-probe textseq CORPUS 0)
        release_free_heap()
        self._set_vocab(vocab)
        rng = np.random.default_rng(self.seed)
        shape = (len(vocab), self.vector_size)
        # gensim 4's scheme, uniform in [-1, 1) / vector_size (the C tool's range is half
        # that; with it, CBOW scored ~0.5 analogy points below gensim over five seeds)
        self.vectors_ = rng.random(shape, dtype=np.float32)  # in place: no 2nd/3rd copy
        self.vectors_ *= np.float32(2.0)
        self.vectors_ -= np.float32(1.0)
        self.vectors_ /= np.float32(self.vector_size)
        # zeros, with room for the threads' copies of the frequent words' rows (train warns)
        self.syn1neg_ = self._out_rows = None
        threads = self._threads(warn=False)
        self._output_rows_with_room(threads, self._own_rows(threads))
        self.epochs_trained_ = 0
        self._corpus = corpus
        self._wv = None
        return self

    def _effective_min_count(self, counts: np.ndarray) -> int:
        """gensim's rule: ``max_final_vocab`` raises ``min_count`` just above the count of
        the first word that would not fit."""
        if self.max_final_vocab is None or self.max_final_vocab >= len(counts):
            return self.min_count
        ranked = np.sort(counts)[::-1]
        return max(self.min_count, int(ranked[self.max_final_vocab]) + 1)

    def _set_vocab(self, vocab: Vocab) -> None:
        self.vocab_ = vocab
        counts = vocab.counts
        if len(counts) == 0 or counts.min() < 1:
            raise VocabError("the vocabulary is empty or has words with zero count")
        self.keep_threshold_ = sample_thresholds(counts, self.sample)
        self.neg_table_ = kernels.build_alias_table(counts.astype(np.float64) ** self.ns_exponent)

    # ---- training -----------------------------------------------------------------------
    def _threads(self, warn: bool = True) -> int:
        wanted = self.workers if self.workers is not None else max_threads()
        if wanted > max_threads():
            if warn:
                warnings.warn(
                    f"workers={wanted} but Numba allows {max_threads()} threads "
                    "(NUMBA_NUM_THREADS); using that many",
                    stacklevel=3,
                )
            wanted = max_threads()
        return wanted

    def train(
        self,
        corpus=None,
        *,
        epochs: int | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
    ) -> Word2Vec:
        """Train ``epochs`` passes (default: the model's ``epochs``) over ``corpus`` (default:
        the one given to ``build_vocab``; the vocabulary is built first when there is none).
        Returns ``self``; the report is in ``report_``. The learning rate falls linearly from
        ``alpha`` to ``min_alpha`` over this call's words, as gensim's ``train``.

        ``total_examples`` / ``total_words`` are accepted so that gensim's usual call,
        ``train(sentences, total_examples=model.corpus_count, epochs=model.epochs)``, runs
        unchanged. gensim needs them to plan its learning rate; textseq counts the corpus
        exactly while it encodes it, so it only checks them."""
        _check_options(self)
        for name, value in (("total_examples", total_examples), ("total_words", total_words)):
            if value is not None:
                _check_int(name, value, low=0)
        epochs = self.epochs if epochs is None else epochs
        _check_int("epochs", epochs)
        if not hasattr(self, "vocab_"):
            if corpus is None:
                raise OptionError("train() needs a corpus when no vocabulary was built")
            self.build_vocab(corpus)
        if corpus is None:
            corpus = getattr(self, "_corpus", None)
            if corpus is None:
                raise OptionError("this model was loaded from disk: pass a corpus to train()")
        threads = self._threads()
        report = TrainingReport(
            threads=threads, vocab_size=len(self.vocab_), corpus_words=0,
            compile_seconds=_warm_up(),
        )  # fmt: skip
        start = time.perf_counter()
        if corpus is not getattr(self, "_spool_corpus", None):  # not encoded yet
            self._close_spool()
            sentences = open_corpus(corpus, tokenizer=self.tokenizer)
            self._spool = spool_encode(sentences, self.vocab_.fresh_index(), self.progress)
            self._spool_corpus = corpus
        if self._plan is None:
            self._plan, self._spool = EpochPlan(self._spool), None  # the plan owns the spool
        plan = self._plan
        report.corpus_words = plan.num_words
        report.encode_seconds = time.perf_counter() - start
        if plan.num_words == 0:
            raise VocabError("no word of the corpus is in the vocabulary: nothing to train")
        self.report_ = report
        self._wv = None
        with numba_threads(threads):
            self._run_epochs(plan, report, int(epochs))
        report.seconds = time.perf_counter() - start
        return self

    def _own_rows(self, threads: int) -> int:
        """How many of the most frequent words' output rows each thread but the first trains
        in its own copy (``kernels.train_chunks``, ``private_row_count``): none with one
        thread, which has nobody to contend with."""
        if threads < 2:
            return 0
        # skip-gram with fresh noise words per pair writes its targets once per context word
        per_word = int(self.window) + 1 if self._kernel_mode() == 1 else 1
        return private_row_count(
            self.vocab_.counts, self.keep_threshold_, int(self.negative),
            float(self.ns_exponent), per_word,
        )  # fmt: skip

    def _output_rows_with_room(self, threads: int, own_count: int) -> np.ndarray:
        """The output vectors with room after them for the private rows of every thread but
        the first (a copy of ``own_count`` rows and their state at the last fold, see
        ``kernels.train_chunks``), ``syn1neg_`` being the first rows: zeros when there are
        none yet, and moved into a larger array (once) when the model was loaded or built
        for fewer threads."""
        words = len(self.vocab_)
        need = words + 2 * max(threads - 1, 0) * own_count
        rows = getattr(self, "_out_rows", None)
        if rows is None or self.syn1neg_.base is not rows or len(rows) < need:
            rows = np.zeros((need, self.vector_size), dtype=np.float32)
            if self.syn1neg_ is not None:
                rows[:words] = self.syn1neg_
            self._out_rows, self.syn1neg_ = rows, rows[:words]
        return rows

    def _kernel_mode(self) -> int:
        """The kernels' ``sg`` code: 0 CBOW, 1 skip-gram with fresh negatives per pair,
        2 skip-gram with one set of negatives per centre word."""
        if not self.sg:
            return 0
        return 2 if self.shared_negatives else 1

    def _close_spool(self) -> None:
        """Drop the encoded corpus (its temporary files) and which corpus it encodes."""
        for name in ("_spool", "_plan"):
            owner = getattr(self, name, None)
            if owner is not None:
                owner.close()
            setattr(self, name, None)
        self._spool_corpus = None

    def _run_epochs(self, plan: EpochPlan, report: TrainingReport, epochs: int) -> None:
        per_call = -(-CALL_WORDS // plan.chunk_words)
        per_call = -(-per_call // report.threads) * report.threads  # no idle thread per call
        blocks = plan.block_bounds(per_call)
        corpus_words = plan.num_words
        total_words = corpus_words * epochs
        # per chunk, rewritten each epoch; the epoch's loss is their exact sum (math.fsum),
        # so how the chunks are cut into calls cannot change its bits
        chunk_loss = np.zeros(plan.num_chunks, np.float64)
        chunk_eff = np.zeros(plan.num_chunks, np.int64)
        starts, chunks = plan.chunk_starts, plan.chunks  # buffers for the largest block
        ids_buffer = np.empty(max(int(starts[hi] - starts[lo]) for lo, hi in blocks), np.int32)
        seg_buffer = np.empty(max(int(chunks[hi] - chunks[lo]) + 1 for lo, hi in blocks), np.int64)
        callbacks = list(self.callbacks or ())
        mode = self._kernel_mode()
        own_count = self._own_rows(report.threads)
        out_rows = self._output_rows_with_room(report.threads, own_count)
        bar = tqdm(
            total=total_words, unit=" words", unit_scale=True, disable=not self.progress,
            desc="word2vec", dynamic_ncols=True,
        )  # fmt: skip
        with bar:
            for epoch in range(epochs):
                epoch_start = time.perf_counter()
                # the chunks' generators are seeded by the model's epoch count, not this
                # call's: a second train() call (or one after load) draws fresh subsamples,
                # windows and noise words instead of replaying the first call's
                seed_epoch = self.epochs_trained_
                for lo, hi in blocks:
                    ids, seg, chunks, word_lo = plan.read_block(lo, hi, ids_buffer, seg_buffer)
                    kernels.train_chunks(
                        mode, self.vectors_, out_rows, ids, seg, chunks, 0, hi - lo,
                        self.keep_threshold_, self.neg_table_, int(self.window),
                        int(self.negative), int(self.cbow_mean), float(self.alpha),
                        float(self.min_alpha), seed_epoch, epoch * corpus_words + word_lo,
                        total_words, int(self.seed), lo, bool(self.compute_loss),
                        chunk_loss[lo:hi], chunk_eff[lo:hi], report.threads, own_count,
                        SYNC_WORDS,
                    )  # fmt: skip
                    effective = int(chunk_eff[:hi].sum())
                    elapsed = time.perf_counter() - epoch_start
                    postfix = {"epoch": f"{epoch + 1}/{epochs}"}
                    postfix["eff words/s"] = f"{effective / max(elapsed, 1e-9):,.0f}"
                    if self.compute_loss:
                        postfix["loss"] = f"{chunk_loss[:hi].sum() / max(effective, 1):.4f}"
                    bar.set_postfix(postfix, refresh=False)
                    bar.update(len(ids))
                info = EpochReport(
                    epoch=self.epochs_trained_ + 1, raw_words=corpus_words,
                    effective_words=int(chunk_eff.sum()),
                    seconds=time.perf_counter() - epoch_start, loss=math.fsum(chunk_loss),
                )  # fmt: skip
                report.epochs.append(info)
                self.epochs_trained_ += 1
                self._wv = None  # the vectors moved: a callback must not see cached norms
                for callback in callbacks:
                    if hasattr(callback, "on_epoch_end"):
                        callback.on_epoch_end(self, info)
                    else:
                        callback(self, info)

    # ---- queries ------------------------------------------------------------------------
    @property
    def wv(self):
        """The word vectors as a ``KeyedVectors`` (queries, word2vec file formats)."""
        self._require_trained()
        if getattr(self, "_wv", None) is None:
            from textseq.word2vec.keyedvectors import KeyedVectors

            self._wv = KeyedVectors(list(self.vocab_.words), self.vectors_, self.vocab_.counts)
        return self._wv

    def predict_output_word(
        self, context_words: Sequence[str], topn: int = 10
    ) -> list[tuple[str, float]]:
        """The ``topn`` most likely centre words for ``context_words``, with probabilities,
        as gensim's method of that name: the context's input vectors are averaged (summed
        when ``cbow_mean=0``), scored against every output vector, and the scores turned
        into probabilities by a softmax over the vocabulary. Negative sampling never trains
        that softmax, so the probabilities rank words well but are not calibrated.

        Context words outside the vocabulary are left out, as gensim does; when none is
        known, ``UnknownWordError`` names the first with its nearest spellings."""
        self._require_trained()
        _check_int("topn", topn)
        if isinstance(context_words, str):
            context_words = [context_words]
        if len(context_words) == 0:
            raise OptionError("predict_output_word needs at least one context word")
        wv = self.wv
        rows = [wv.key_to_index[w] for w in context_words if w in wv.key_to_index]
        if not rows:
            wv.get_index(context_words[0])  # raises UnknownWordError with suggestions
        hidden = self.vectors_[rows].sum(axis=0, dtype=np.float64)
        if self.cbow_mean:
            hidden /= len(rows)
        # a float32 product (no float64 copy of the output matrix), the softmax in float64
        scores = (self.syn1neg_ @ hidden.astype(np.float32)).astype(np.float64)
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        top = np.argsort(-probs, kind="stable")[:topn]
        return [(wv.index_to_key[i], float(probs[i])) for i in top]

    def _require_trained(self) -> None:
        if not hasattr(self, "vectors_"):
            raise OptionError("this model has no vocabulary yet: call build_vocab() or train()")

    # ---- files --------------------------------------------------------------------------
    def get_params(self) -> dict:
        return {name: getattr(self, name) for name in _HYPER}

    def save(self, path: str | os.PathLike) -> None:
        """Write the model folder (``config.json``, ``vocab.tsv``, ``weights.npz``) atomically."""
        self._require_trained()
        with atomic_dir(path) as tmp:
            config = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "params": self.get_params(),
                "tokenizer": self.tokenizer,
                "vocab_size": len(self.vocab_),
                "epochs_trained": int(self.epochs_trained_),
            }
            if getattr(self, "report_", None) is not None:
                config["last_report"] = self.report_.to_dict()
            save_json(Path(tmp) / "config.json", config)
            self.vocab_.save(Path(tmp) / "vocab.tsv")
            save_npz(
                Path(tmp) / "weights.npz", {"vectors": self.vectors_, "syn1neg": self.syn1neg_}
            )

    @classmethod
    def load(cls, path: str | os.PathLike, **overrides) -> Word2Vec:
        """Read a model folder written by ``save``; ``overrides`` replace saved settings
        (e.g. ``workers`` or ``progress``). Everything is checked against everything else."""
        path = Path(path)
        config = ModelFolder(path).read_config(FORMAT, FORMAT_VERSION, "word2vec model")
        params = dict(config.get("params") or {})
        unknown = set(params) - set(_HYPER)
        if unknown:
            raise ModelFileError(f"{path}/config.json has unknown settings {sorted(unknown)}")
        params.update(overrides)
        model = cls(tokenizer=config.get("tokenizer", "unicode"), **params)
        try:
            _check_options(model)
        except OptionError as exc:
            raise ModelFileError(f"{path}/config.json: {exc}") from None
        try:
            vocab = Vocab.load(path / "vocab.tsv")
        except VocabError as exc:
            raise ModelFileError(f"{path}: {exc}") from None
        if vocab.num_specials:
            raise ModelFileError(f"{path}/vocab.tsv has special tokens; word2vec uses none")
        arrays = load_npz(
            path / "weights.npz", expected={"vectors": ("f", 2), "syn1neg": ("f", 2)},
            what="model weights",
        )  # fmt: skip
        shape = (len(vocab), model.vector_size)
        for name in ("vectors", "syn1neg"):
            arr = arrays[name]
            if arr.shape != shape or arr.dtype != np.float32:
                raise ModelFileError(
                    f"{path}/weights.npz: {name} has shape {arr.shape} and dtype {arr.dtype}, "
                    f"expected {shape} float32 (vocabulary size x vector_size)"
                )
        if config.get("vocab_size") != len(vocab):
            raise ModelFileError(
                f"{path}: config says {config.get('vocab_size')} words, vocab.tsv has {len(vocab)}"
            )
        model._set_vocab(vocab)
        model.vectors_ = np.ascontiguousarray(arrays["vectors"])
        model.syn1neg_ = np.ascontiguousarray(arrays["syn1neg"])
        model.epochs_trained_ = int(config.get("epochs_trained", 0))
        model._corpus = None
        model._wv = None
        return model

    def __repr__(self) -> str:
        state = f"{len(self.vocab_)} words" if hasattr(self, "vocab_") else "untrained"
        kind = "skip-gram" if self.sg else "CBOW"
        return f"Word2Vec({kind}, vector_size={self.vector_size}, {state})"
