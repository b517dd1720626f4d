"""An encoded corpus kept in a temporary file and read back block by block.

A trainer that passes over the corpus once per epoch (word2vec) needs its ids every epoch, but
holding them in RAM costs 4 bytes a word: 25 MB for 6M words, as much as the model itself on
a mid-sized vocabulary. Re-reading and re-tokenizing the text every epoch (gensim's way) costs
time instead. A spool does neither: the ids are written once to an anonymous temporary file
(removed by the operating system when it is closed or the process dies) and read back into a
reusable buffer; the page cache keeps those reads fast without counting against the process.
Sentence offsets (8 bytes a sentence) stay in memory.
"""

from __future__ import annotations

import itertools
import tempfile
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np
from tqdm.auto import tqdm

from textseq.corpus.spool_kernels import remap_block
from textseq.errors import InputError

BLOCK_WORDS = 1 << 18  # ids buffered before a write, and per read when remapping (1 MiB)


class SpooledIds:
    """Ids (int32 by default) in a temporary file plus sentence ``offsets`` (int64, in memory).

    Sentence ``i`` is ``read(offsets[i], offsets[i + 1])``, as with ``EncodedCorpus``.
    """

    def __init__(self, directory: str | None = None, dtype=np.int32):
        self._file = tempfile.TemporaryFile(prefix="textseq-ids-", dir=directory)
        self.dtype = np.dtype(dtype)
        self._size = 0
        self.offsets = np.zeros(1, np.int64)
        self.raw_words = 0  # words read, before any were dropped (``spool_encode``)

    def __len__(self) -> int:
        return self._size

    @property
    def num_sentences(self) -> int:
        return len(self.offsets) - 1

    def append(self, ids) -> None:
        """Append ids of the spool's dtype (a numpy array or an ``array``) at the end."""
        data = memoryview(ids).cast("B")
        if data.nbytes % self.dtype.itemsize or memoryview(ids).itemsize != self.dtype.itemsize:
            raise TypeError(f"expected {self.dtype} items")
        self._file.seek(self._size * self.dtype.itemsize)
        self._file.write(data)
        self._size += data.nbytes // self.dtype.itemsize

    def read(self, start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Ids ``start:stop``, read into ``out`` (reused when it is large enough)."""
        count = stop - start
        if out is None or len(out) < count:
            out = np.empty(count, self.dtype)
        view = out[:count]
        item = self.dtype.itemsize
        self._file.seek(start * item)
        got = self._file.readinto(memoryview(view).cast("B"))
        if got != count * item:
            raise OSError(f"the id spool file is shorter than expected ({got} of {count * item})")
        return view

    def to_array(self) -> np.ndarray:
        """Every id in one array (for trainers that do need the whole corpus in memory)."""
        return self.read(0, self._size).copy()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> SpooledIds:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self._file.close()
        except Exception:  # interpreter shutdown: the OS removes the file anyway
            pass


def _spool(
    sentences: Iterable[list[str]],
    lookup: Callable[[str], int],
    progress: bool,
    desc: str,
    directory: str | None = None,
) -> tuple[SpooledIds, array]:
    """Write ``lookup(token)`` for every token, a block at a time; returns the spool and the
    sentence offsets (still an ``array``: see ``count_and_spool``)."""
    spool = SpooledIds(directory)
    pending = array("i")
    offsets = array("q", [0])
    written = 0
    with tqdm(desc=desc, unit=" tokens", unit_scale=True, disable=not progress) as bar:
        for tokens in sentences:
            pending.extend(map(lookup, tokens))
            offsets.append(written + len(pending))
            if len(pending) >= BLOCK_WORDS:
                bar.update(len(pending))
                spool.append(pending)
                written += len(pending)
                pending = array("i")
        bar.update(len(pending))
        spool.append(pending)
    return spool, offsets


def _blocks(spool: SpooledIds):
    """(start, stop, ids) over the spool, ``BLOCK_WORDS`` at a time, in one reused buffer."""
    buffer = np.empty(BLOCK_WORDS, spool.dtype)
    for start in range(0, len(spool), BLOCK_WORDS):
        stop = min(start + BLOCK_WORDS, len(spool))
        yield start, stop, spool.read(start, stop, buffer)


def _spool_blocks(
    sentences, lookup: Callable, progress: bool, desc: str, directory, processes
) -> SpooledIds:
    """The parallel form of ``_spool`` for a file ``Corpus``: blocks counted on every core
    (``textseq.corpus.parallel``), each block's ids mapped by ``lookup(block)`` (a table
    from the block's numbering; -1 drops the word), written in corpus order."""
    from textseq.corpus.parallel import block_words

    spool = SpooledIds(directory)
    offsets = [np.zeros(1, np.int64)]
    written = read = 0
    with tqdm(desc=desc, unit=" tokens", unit_scale=True, disable=not progress) as bar:
        for block in block_words(sentences, with_ids=True, processes=processes):
            read += len(block.ids)
            ids = lookup(block)[block.ids]
            lengths = block.lengths
            if len(ids) and ids.min() < 0:  # dropped words: sentences shrink
                kept = np.zeros(len(ids) + 1, np.int64)
                np.cumsum(ids >= 0, out=kept[1:])
                ends = np.cumsum(lengths)
                lengths = np.diff(kept[np.concatenate(([0], ends))])
                ids = ids[ids >= 0]
            spool.append(np.ascontiguousarray(ids, np.int32))
            offsets.append(written + np.cumsum(lengths))
            written += len(ids)
            bar.update(block.tokens)
    spool.offsets = np.concatenate(offsets)
    spool.raw_words = read
    return spool


def count_and_spool(
    sentences: Iterable[list[str]],
    progress: bool = False,
    directory: str | None = None,
    processes: int | None = None,
) -> tuple[list[str], np.ndarray, SpooledIds]:
    """Count and encode in one pass: every distinct word gets a provisional id in order of
    first appearance (a C-speed dict lookup per token). Returns (words, counts int64, spool);
    ``remap_spool`` turns the provisional ids into a vocabulary's ids. A file ``Corpus`` is
    read by blocks on ``processes`` processes (default: ``--threads``, else every core), with
    the same result."""
    from textseq.corpus.parallel import Merge, can_count_by_block

    if can_count_by_block(sentences):
        merge = Merge()
        spool = _spool_blocks(
            sentences, merge.add, progress, "counting words", directory, processes
        )
        words, counts = merge.words, merge.counts
        del merge
        return words, counts, spool
    words: list[str] = []
    index: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    spool, offsets = _spool(sentences, index.__getitem__, progress, "counting words", directory)
    words.extend(index)
    # The provisional ids are one small int object per distinct word. Free them before
    # making any object that outlives this call: a survivor created among them would pin
    # their memory (a 1 MiB pymalloc arena) for the rest of the run.
    del index
    spool.offsets = np.frombuffer(offsets, dtype=np.int64).copy()
    del offsets
    counts = np.zeros(len(words), np.int64)
    for _, _, block in _blocks(spool):
        counts += np.bincount(block, minlength=len(words))
    return words, counts, spool


def vocab_table(index: dict[str, int], words: list[str], missing: int = -1) -> np.ndarray:
    """Provisional id (position in ``words``) -> id in ``index`` (word -> id); ``missing``
    for the rest (-1 makes ``remap_spool`` drop them). Callers pass ``Vocab.fresh_index()``,
    so the dict lives only for this call and the vocabulary keeps none through training."""
    return np.fromiter(map(index.get, words, itertools.repeat(missing)), np.int32, len(words))


def remap_spool(spool: SpooledIds, table: np.ndarray, directory: str | None = None) -> SpooledIds:
    """A new spool with every id replaced by ``table[id]`` and ids mapped to -1 dropped
    (words outside the vocabulary, as gensim drops them); offsets shrink to match."""
    table = np.asarray(table, dtype=np.int32)  # indexed by provisional id
    out = SpooledIds(directory)
    old = np.ascontiguousarray(spool.offsets, dtype=np.int64)
    new = np.zeros_like(old)
    kept_before = next_offset = 0
    for start, _, block in _blocks(spool):
        kept, next_offset = remap_block(block, table, old, next_offset, start, kept_before, new)
        out.append(block[:kept])
        kept_before += kept
    out.offsets = new
    return out


def spool_encode(
    sentences: Iterable[list[str]],
    index: dict[str, int],
    progress: bool = False,
    directory: str | None = None,
    unknown: int = -1,
    processes: int | None = None,
) -> SpooledIds:
    """Encode with a word -> id mapping; words outside ``index`` get the id ``unknown``, and
    ``-1`` (word2vec's and gensim's rule) drops them. A file ``Corpus`` is read by blocks on
    ``processes`` processes (as ``count_and_spool``)."""
    from textseq.corpus.parallel import can_count_by_block

    if can_count_by_block(sentences):

        def lookup(block):  # a block's distinct words, decoded once, -> ids
            return vocab_table(index, block.words, unknown)

        spool = _spool_blocks(sentences, lookup, progress, "encoding", directory, processes)
        if spool.num_sentences == 0:
            spool.close()
            raise InputError("the corpus is empty: it has no sentences")
        return spool
    raw, offsets = _spool(
        sentences, lambda w: index.get(w, unknown), progress, "encoding", directory
    )
    raw.offsets = np.frombuffer(offsets, dtype=np.int64).copy()
    raw.raw_words = len(raw)
    if raw.num_sentences == 0:
        raw.close()
        raise InputError("the corpus is empty: it has no sentences")
    if unknown >= 0:
        return raw
    with raw:
        # unknown words are -1, which indexes the table's last entry: -1 again, so dropped
        table = np.append(np.arange(len(index), dtype=np.int32), np.int32(-1))
        kept = remap_spool(raw, table, directory)
    kept.raw_words = raw.raw_words
    return kept


def read_lines(spool: SpooledIds, start: int, stop: int, table: np.ndarray, eos: int) -> np.ndarray:
    """Lines ``start..stop-1`` of ``spool`` as int32 ids ``table[id]``, each line followed by
    ``eos``: the one stream a language model reads."""
    offsets = spool.offsets[start : stop + 1]
    if len(offsets) < 2:
        return np.zeros(0, np.int32)
    raw = spool.read(int(offsets[0]), int(offsets[-1]))
    lengths = np.diff(offsets)
    out = np.empty(len(raw) + len(lengths), np.int32)
    line_of_word = np.repeat(np.arange(len(lengths)), lengths)
    out[np.arange(len(raw)) + line_of_word] = table[raw]
    out[offsets[1:] - offsets[0] + np.arange(len(lengths))] = eos
    return out
