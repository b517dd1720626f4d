"""How a training run walks the encoded corpus: segments, chunks, kernel calls and the
output rows each thread trains in a copy of its own; and the encoded corpus kept between
``train`` calls.

The corpus is encoded once to ``int32`` ids spooled to a temporary file
(``textseq.corpus.spool``: RAM holds one block, not the corpus), cut into segments
(sentences, split at ``kernels.MAX_SEGMENT`` words) and chunks of about ``CHUNK_WORDS`` words
(fewer on a small corpus: ``chunk_words_for``). With ``T`` threads, thread ``t`` reads the
``t``-th of ``T`` stretches of chunks (``visit_order``); each kernel call trains one round
or more of the threads, read back from the spool into one block, so the progress bar moves
while the calls stay large::

    corpus   | chunk 0 | chunk 1 | ... | chunk 50 | chunk 51 | ...     ~CHUNK_WORDS each
    threads  t0: chunks 0, 1, ..., 49          t1: chunks 50, 51, ...  (T = 2, 100 chunks)
    visits   0 50 1 51 2 52 ...                                         t takes every T-th
    calls    | call 0: visits 0-11 (>= CALL_WORDS words) | call 1 ...   whole rounds
"""

from __future__ import annotations

import warnings

import numpy as np

from textseq.corpus.spool import SpooledIds
from textseq.word2vec.kernels import MAX_SEGMENT, SKIPGRAM_PER_PAIR
from textseq.word2vec.prepare_kernels import split_segments

CHUNK_WORDS = 10000  # words per chunk (a unit of work for one thread), as gensim's job size
MIN_CHUNK_WORDS = 1000  # the smallest chunk, for small corpora (see chunk_words_for)
CHUNKS_PER_EPOCH = 64  # what a small corpus is cut into, at least, while chunks can shrink
CALL_WORDS = 120_000  # at least this many words per kernel call (progress bar granularity)
OWN_MIN_WRITES = 10  # a thread copies an output row written this often between two folds
OWN_ROWS_MAX = 2048  # at most this many copied rows per thread (memory, fold time)
SYNC_WORDS = 10_000  # kept words between two folds of a thread's copy into the shared rows


def segment_offsets(offsets: np.ndarray, max_len: int = MAX_SEGMENT) -> np.ndarray:
    """Sentence offsets with empty sentences dropped and long ones split every ``max_len``."""
    return split_segments(np.ascontiguousarray(offsets, dtype=np.int64), max_len)


def chunk_words_for(num_words: int) -> int:
    """Chunk size for a corpus: ``CHUNK_WORDS``, or less on a small corpus, so that an epoch
    has enough chunks for the threads to share (with a handful of chunks, the last one keeps
    a thread idle at the end of each epoch). It depends on the corpus only, never on the
    thread count: one thread stays reproducible."""
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
    by count and the rate grows with the count, so the rows are a prefix. On a small
    vocabulary that is every row; on a large one, the few hundred most frequent words.
    The cap bounds the memory and the fold's time where more rows stop paying."""
    counts = counts.astype(np.float64)
    kept = counts * (keep_threshold / float(2**32 - 1))
    noise = counts**ns_exponent
    share = kept / kept.sum() + negative * noise / noise.sum()
    writes = sync_words * updates_per_word * share
    return int(min(np.count_nonzero(writes >= OWN_MIN_WRITES), OWN_ROWS_MAX))


def private_rows_per_thread(
    threads: int,
    mode: int,
    window: int,
    counts: np.ndarray,
    keep_threshold: np.ndarray,
    negative: int,
    ns_exponent: float,
) -> int:
    """``private_row_count`` for a run on ``threads`` threads in kernel ``mode``: none with
    one thread, which has nobody to contend with."""
    if threads < 2:
        return 0
    # skip-gram with fresh noise words per pair writes its targets once per context word
    per_word = int(window) + 1 if mode == SKIPGRAM_PER_PAIR else 1
    return private_row_count(counts, keep_threshold, int(negative), float(ns_exponent), per_word)


def rows_with_room(
    syn1neg: np.ndarray | None,
    rows: np.ndarray | None,
    words: int,
    dim: int,
    threads: int,
    own_count: int,
) -> np.ndarray:
    """An array for the output vectors with room after them for the private rows of every
    thread but the first (a copy of ``own_count`` rows and their state at the last fold, see
    ``kernels.train_chunks``): ``rows`` when it already holds ``syn1neg`` as its first rows
    and is large enough, else a new one with ``syn1neg`` (zeros when ``None``) copied in."""
    need = words + 2 * max(threads - 1, 0) * own_count
    if rows is not None and syn1neg is not None and syn1neg.base is rows and len(rows) >= need:
        return rows
    fresh = np.zeros((need, dim), dtype=np.float32)
    if syn1neg is not None:
        fresh[:words] = syn1neg
    return fresh


class EpochPlan:
    """The encoded corpus as each epoch reads it: ids and segment offsets in temporary files
    (``SpooledIds``), only the chunk boundaries in memory. ``walk`` says how an epoch on
    some number of threads visits the chunks."""

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

    def walk(self, threads: int) -> EpochWalk:
        """How an epoch on ``threads`` threads visits the chunks (``EpochWalk``)."""
        return EpochWalk(self, threads)

    def close(self) -> None:
        self.ids.close()
        self.segments.close()


def visit_order(num_chunks: int, threads: int) -> np.ndarray:
    """The order in which an epoch visits its chunks: the corpus cut into ``threads``
    stretches of consecutive chunks, taken in turns, so that with the chunks dealt as cards
    (``kernels.train_chunks``: worker ``t`` takes visits ``t, t + threads, ...``), thread ``t``
    reads stretch ``t`` from its start to its end. That is how the C tool's threads, gensim's
    ``corpus_file=`` workers and fastText's threads read a file: each its own part. At any
    moment the shared weights then learn from ``threads`` places in the corpus at once, not
    from one place with a few neighbouring chunks. One thread reads in file order. (More
    stretches than threads, taken in turns, score lower: see the notes of
    ``benchmarks/results/w2v_quality_seeds_peers_sg.md``.)

    Stretch ``t`` has one chunk more than the last ones when the count does not divide, so
    its ``i``-th chunk is visit ``i * threads + t``::

        10 chunks, 3 threads   stretches 0-3 | 4-6 | 7-9
        visits                 0 4 7 1 5 8 2 6 9 3
    """
    threads = max(1, min(int(threads), num_chunks)) if num_chunks else 1
    sizes = np.full(threads, num_chunks // threads, np.int64)
    sizes[: num_chunks % threads] += 1
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    order = np.empty(num_chunks, np.int64)
    for t in range(threads):
        order[t::threads][: sizes[t]] = first[t] + np.arange(sizes[t])
    return order


class EpochWalk:
    """An epoch of ``plan`` on ``threads`` threads: the chunks in their ``visit_order``, cut
    into kernel calls (``calls``) of whole rounds of the threads, and each call's chunks read
    back from the spool into one block (``read_call``). Positions ``lo:hi`` are visits, not
    chunk indices; the learning rate follows the words visited before, so it falls with the
    work done, as the C tool's does with its threads' shared word count."""

    def __init__(self, plan: EpochPlan, threads: int):
        self.plan = plan
        self.order = visit_order(plan.num_chunks, threads)
        lengths = np.diff(plan.chunk_starts)[self.order]
        self.visit_starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        per_call = -(-CALL_WORDS // plan.chunk_words)
        per_call = -(-per_call // threads) * threads
        n = plan.num_chunks
        self.calls = [(lo, min(lo + per_call, n)) for lo in range(0, n, per_call)]
        segs = np.diff(plan.chunks)[self.order]
        starts = self.visit_starts
        call_words = (int(starts[h] - starts[lo]) for lo, h in self.calls)
        self._ids = np.empty(max(call_words, default=0), np.int32)
        seg_counts = [int(segs[lo:h].sum()) + 1 for lo, h in self.calls]
        self._seg = np.empty(max(seg_counts, default=1), np.int64)

    def read_call(self, lo: int, hi: int):
        """Visits ``lo:hi``: their ids one after the other, the segment offsets and chunk
        bounds relative to the block, and the words visited before the block this epoch."""
        plan, ids, seg = self.plan, self._ids, self._seg
        chunk_segs = np.empty(hi - lo + 1, np.int64)
        chunk_segs[0] = at = n_seg = 0
        for k, c in enumerate(self.order[lo:hi]):
            word_lo, word_hi = int(plan.chunk_starts[c]), int(plan.chunk_starts[c + 1])
            first, last = int(plan.chunks[c]), int(plan.chunks[c + 1])
            plan.ids.read(word_lo, word_hi, ids[at:])
            part = plan.segments.read(first, last, seg[n_seg:])
            part += at - word_lo
            at += word_hi - word_lo
            n_seg += last - first
            chunk_segs[k + 1] = n_seg
        seg[n_seg] = at
        return ids[:at], seg[: n_seg + 1], chunk_segs, int(self.visit_starts[lo])


class EncodedCorpus:
    """The last corpus encoded to ids, kept so that training on it again encodes nothing:
    the ids spooled by ``build_vocab`` or ``train`` (``spool``), then the ``EpochPlan``
    over them once ``planned`` is asked for (``plan``, which takes over the spool).
    ``source`` is the corpus object they encode, recognised by identity."""

    def __init__(self) -> None:
        self.source: object | None = None
        self.spool: SpooledIds | None = None
        self.plan: EpochPlan | None = None
        self.sentences = 0  # sentences of the corpus, empty ones too (gensim's examples)
        self.raw_words = 0  # its words before unknown words were dropped

    def holds(self, corpus: object) -> bool:
        """Whether these are the ids of ``corpus``."""
        return self.source is not None and corpus is self.source

    def keep(self, corpus: object, spool: SpooledIds, raw_words: int = 0) -> None:
        """Keep ``spool``, the ids of ``corpus`` (``raw_words`` words before unknown ones
        were dropped), in place of what was kept."""
        self.close()
        self.source, self.spool = corpus, spool
        self.sentences, self.raw_words = spool.num_sentences, int(raw_words)

    def check_totals(self, total_examples: int | None, total_words: int | None) -> None:
        """Warn when gensim's totals (``train``'s arguments) differ from what the corpus
        holds: its sentences and its words before unknown ones were dropped."""
        for name, given, counted, what in (
            ("total_examples", total_examples, self.sentences, "sentences"),
            ("total_words", total_words, self.raw_words, "words"),
        ):
            if given is not None and given != counted:
                warnings.warn(
                    f"{name}={given:,} but the corpus has {counted:,} {what}; textseq counts "
                    f"the corpus itself, so training goes on unchanged (gensim plans its "
                    f"learning rate with {name}: check what you passed)",
                    stacklevel=4,
                )

    def planned(self) -> EpochPlan:
        """The plan over the kept ids, made on the first call."""
        if self.plan is None:
            self.plan, self.spool = EpochPlan(self.spool), None
        return self.plan

    def close(self) -> None:
        """Drop what is kept (its temporary files) and which corpus it encodes."""
        for owner in (self.spool, self.plan):
            if owner is not None:
                owner.close()
        self.source = self.spool = self.plan = None
