"""The corpus pass on every core: blocks of lines counted by worker processes, merged in order.

The map (``blocks.count_block``) turns a block of lines into its distinct words (numbered in
order of first appearance in the block), their counts, the words per sentence and, when ids
are asked for, the block's tokens as those numbers. The merge (:class:`Merge`) takes the
blocks in corpus order and gives each new word the next id, so ids follow the order of first
appearance in the whole corpus, exactly as a one-process pass numbers them; a block's ids are
then one table lookup away from the corpus's. Counts add up. Memory holds the distinct words
and a few blocks in flight, whatever the corpus's size.

The same two steps spread over many machines: ``docs/SCALING.md`` says how.

Worker processes are forked, so they share the tokenizer as it is; where ``fork`` is not
available, and for corpora of one block, the blocks are counted in this process (still by
block, which is faster than line by line).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator

import numpy as np
from tqdm.auto import tqdm

from textseq.corpus import blocks as blocks_module
from textseq.corpus.blocks import (
    BlockTask,
    BlockWords,
    corpus_blocks,
    count_block,
    decodes_by_block,
    scans_unicode,
)
from textseq.corpus.reading import check_errors_mode
from textseq.errors import InputError

_task: BlockTask | None = None  # the forked workers' task (set before they start)


def _count_in_worker(block) -> BlockWords:
    return count_block(_task, block)


def default_processes() -> int:
    """The processes of the corpus pass: the ``--threads`` setting (``textseq.threads``),
    else the cores this process may run on."""
    from textseq.threads import chosen_threads

    chosen = chosen_threads()
    if chosen is not None:
        return chosen
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_count_by_block(sentences: object) -> bool:
    """Whether ``sentences`` is a ``Corpus`` read from files in an encoding that decodes by
    block (anything else is read as today, one sentence at a time)."""
    from textseq.corpus.corpus import Corpus

    return (
        isinstance(sentences, Corpus)
        and sentences._lines is None
        and bool(sentences.files)
        and decodes_by_block(sentences.encoding)
    )


def _ordered_map(fn: Callable, items: Iterable, processes: int) -> Iterator:
    """``fn(item)`` for each item, in order, on ``processes`` forked workers (``fn`` must be
    ``_count_in_worker``'s equal), with at most two items a worker read and not yet returned,
    so that a stream is never read whole. An ``InputError`` item is passed through."""
    items = iter(items)
    head = list(itertools.islice(items, 2))
    forking = "fork" in multiprocessing.get_all_start_methods()
    if processes <= 1 or len(head) < 2 or not forking:  # one block: no process to start
        for item in itertools.chain(head, items):
            yield item if isinstance(item, InputError) else fn(item)
        return
    pending: deque = deque()
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for item in itertools.chain(head, items):
            if not isinstance(item, InputError):
                item = pool.apply_async(_count_in_worker, (item,))
            pending.append(item)
            if len(pending) >= 2 * processes:
                yield _get(pending.popleft())
        while pending:
            yield _get(pending.popleft())


def _get(item):
    return item if isinstance(item, InputError) else item.get()


def block_words(
    sentences, with_ids: bool, processes: int | None = None, block_bytes: int | None = None
) -> Iterator[BlockWords]:
    """The words of every block of the ``Corpus`` ``sentences``, in corpus order, counted on
    ``processes`` processes (default: :func:`default_processes`), blocks of about
    ``block_bytes`` (default: ``blocks.BLOCK_BYTES``). An error in a block (a bad byte, a bad
    archive) is raised when its turn comes, after every block before it."""
    global _task
    if block_bytes is None:
        block_bytes = blocks_module.BLOCK_BYTES
    check_errors_mode(sentences.errors)  # as reading line by line does, before any read
    processes = default_processes() if processes is None else max(1, int(processes))
    tokenize = sentences._tokenize
    task = BlockTask(
        tokenize,
        sentences.encoding,
        sentences.errors,
        with_ids=with_ids,
        scan=scans_unicode(tokenize),
    )
    blocks = corpus_blocks(sentences.files, sentences._stdin_cache, block_bytes)
    _task = task  # read by the forked workers
    results = _ordered_map(lambda b: count_block(task, b), _checked(blocks), processes)
    try:
        for result in results:
            if isinstance(result, InputError):
                raise result
            if result.error is not None:
                raise result.error
            yield result
    finally:
        _task = None


def _checked(blocks: Iterator) -> Iterator:
    """The blocks, then the stream's read error (if any) as an item, so that it is raised in
    its turn."""
    try:
        yield from blocks
    except InputError as exc:
        yield exc


class Merge:
    """Blocks' words merged in corpus order: ``words`` (order of first appearance), ``counts``
    (int64), and per block the table from its numbering to the corpus's.

    The words are held as UTF-8 bytes in a few arrays (``merge_kernels``), so a merge makes no
    Python object per word; ``words`` decodes them once, at the end."""

    def __init__(self):
        self.distinct = 0
        self._used = 0  # bytes of ``_text`` in use
        self._text = np.empty(1 << 20, np.uint8)
        self._starts = np.empty(1 << 16, np.int64)
        self._lengths = np.empty(1 << 16, np.int64)
        self._hashes = np.empty(1 << 16, np.uint64)
        self._counts = np.zeros(1 << 16, np.int64)
        self._slots = np.full((1 << 17, 4), -1, np.int64)
        self.sentences = 0
        self.tokens = 0

    def _make_room(self, words: int, text_bytes: int) -> None:
        """Grow the arrays to hold ``words`` words of ``text_bytes`` bytes (separators in)."""
        if text_bytes > len(self._text):
            self._text = _grown(self._text, text_bytes)
        if words > len(self._starts):
            self._starts = _grown(self._starts, words)
            self._lengths = _grown(self._lengths, words)
            self._hashes = _grown(self._hashes, words)
            self._counts = _grown(self._counts, words)
        if 2 * words > len(self._slots):
            from textseq.corpus.merge_kernels import rehash

            size = len(self._slots)
            while size < 2 * words:
                size *= 2
            self._slots = np.full((size, 4), -1, np.int64)
            rehash(self._slots, self._hashes, self._starts, self._lengths, self.distinct)

    def add(self, block: BlockWords) -> np.ndarray:
        """Merge one block (the next in corpus order); returns its table (int32)."""
        from textseq.corpus.merge_kernels import merge_block

        ends = block.ends
        self._make_room(self.distinct + len(ends), self._used + len(block.text) + len(ends))
        table, self.distinct, self._used = merge_block(
            block.text, ends, block.counts, self._text, self._used, self._starts,
            self._lengths, self._hashes, self._counts, self._slots, self.distinct,
        )  # fmt: skip
        self.sentences += len(block.lengths)
        self.tokens += block.tokens
        return table

    @property
    def words(self) -> list[str]:
        text = self._text[: self._used].tobytes().decode("utf-8", "surrogatepass")
        if text.count("\n") == self.distinct:  # no word holds the separator
            return text.split("\n")[:-1]
        raw = self._text
        return [
            raw[a : a + n].tobytes().decode("utf-8", "surrogatepass")
            for a, n in zip(self._starts[: self.distinct].tolist(), self._lengths.tolist())
        ]

    @property
    def counts(self) -> np.ndarray:
        return self._counts[: self.distinct].copy()


def _grown(values: np.ndarray, size: int) -> np.ndarray:
    """``values`` copied into an array of at least ``size`` (and twice the old length)."""
    out = np.zeros(max(size, 2 * len(values)), values.dtype)
    out[: len(values)] = values
    return out


def merged_counts(
    sentences, processes: int | None = None, progress: bool = False, desc: str = "counting words"
) -> Merge:
    """Counts of the ``Corpus`` ``sentences`` (no ids), on every core."""
    merge = Merge()
    with tqdm(desc=desc, unit=" tokens", unit_scale=True, disable=not progress) as bar:
        for block in block_words(sentences, with_ids=False, processes=processes):
            merge.add(block)
            bar.update(block.tokens)
    return merge
