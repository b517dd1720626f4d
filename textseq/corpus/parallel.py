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
    (int64), and per block the table from its numbering to the corpus's."""

    def __init__(self):
        self.index: dict[str, int] = {}
        self._counts = np.zeros(1 << 16, np.int64)
        self.sentences = 0
        self.tokens = 0

    def add(self, block: BlockWords) -> np.ndarray:
        """Merge one block (the next in corpus order); returns its table (int32)."""
        index, words = self.index, block.words
        table = np.fromiter(map(index.get, words, itertools.repeat(-1)), np.int32, len(words))
        new = np.flatnonzero(table < 0)  # first seen here; a block's words are distinct
        if len(new):
            table[new] = np.arange(len(index), len(index) + len(new), dtype=np.int32)
            index.update(zip(map(words.__getitem__, new.tolist()), table[new].tolist()))
        if len(index) > len(self._counts):
            grown = np.zeros(max(len(index), 2 * len(self._counts)), np.int64)
            grown[: len(self._counts)] = self._counts
            self._counts = grown
        self._counts[table] += block.counts  # a block's words are distinct
        self.sentences += len(block.lengths)
        self.tokens += block.tokens
        return table

    @property
    def words(self) -> list[str]:
        return list(self.index)

    @property
    def counts(self) -> np.ndarray:
        return self._counts[: len(self.index)].copy()


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
