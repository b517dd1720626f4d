"""A corpus cut into blocks of whole lines, and the words of one block counted on their own.

This is the map step of the corpus pass (``textseq.corpus.parallel`` runs it on every core and
merges): a block is a byte range of a plain file (``FileRange``, read by the process that
counts it) or bytes already read from a stream that cannot be cut by offset (``Bytes``: a
``.gz``/``.bz2`` file or standard input, read by one process and handed out). A block always
ends at a line end, so every line, hence every sentence, lies in one block.

``count_block`` gives what ``Corpus`` would give for those lines, exactly: the same decoded
lines (split at ``\\n``, ``\\r`` stripped), the same tokenizer, sentences only for lines with a
token, and the same error for bad bytes (a NUL, an undecodable byte) at the same offset. Its
words are numbered in order of first appearance in the block, which the merge turns into
order of first appearance in the corpus.
"""

from __future__ import annotations

import codecs
import io
import itertools
import os
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textseq.corpus import word_tokenizers as rules
from textseq.corpus.reading import (
    SNIFF_BYTES,
    STDIN,
    _decode_lines,
    _offsets,
    _open_binary,
    _refuse_binary,
    _stdin_bytes,
)
from textseq.errors import InputError

BLOCK_BYTES = 1 << 21  # bytes of text per block: small enough to share work evenly
_SCAN_BYTES = 1 << 16  # read when looking for a line end


@dataclass(frozen=True)
class FileRange:
    """Bytes ``start:stop`` of the plain file ``path`` (both at line starts)."""

    path: str
    start: int
    stop: int


@dataclass(frozen=True)
class Bytes:
    """Lines read from the stream ``name``; ``start`` is their offset in it."""

    name: str
    start: int
    data: bytes


@dataclass
class BlockWords:
    """The words of one block: ``text`` (uint8: the UTF-8 bytes of its distinct words, in
    order of first appearance, one after another) and ``ends`` (int64: where each word's
    bytes end), ``counts`` (int64, per word), ``lengths`` (int64, words per sentence) and,
    unless only counts were asked for, ``ids`` (int32 positions in the words, every token in
    order). Bytes rather than strings, so that a block crosses between processes and merges
    without a Python object per word."""

    text: np.ndarray
    ends: np.ndarray
    counts: np.ndarray
    lengths: np.ndarray
    ids: np.ndarray | None = None
    error: InputError | None = None  # raised by the merge when it reaches this block

    @property
    def tokens(self) -> int:
        return int(self.lengths.sum())

    @property
    def words(self) -> list[str]:
        """The distinct words, decoded."""
        raw = self.text.tobytes()
        starts = [0, *self.ends[:-1].tolist()]
        return [
            raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, self.ends.tolist())
        ]


def _encoded(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(text, ends)`` of ``BlockWords`` for a list of distinct words."""
    pieces = [word.encode("utf-8", "surrogatepass") for word in words]
    text = np.frombuffer(b"".join(pieces), np.uint8)
    return text, np.cumsum(np.fromiter(map(len, pieces), np.int64, len(pieces)))


def _is_plain(path: str | Path) -> bool:
    return not Path(path).name.lower().endswith((".gz", ".bz2"))


def _line_start_after(handle, offset: int, size: int) -> int:
    """The offset of the first line start at or after ``offset`` (``size`` at the end)."""
    if offset <= 0:
        return 0
    handle.seek(offset - 1)
    position = offset - 1
    while position < size:
        chunk = handle.read(_SCAN_BYTES)
        if not chunk:
            break
        newline = chunk.find(b"\n")
        if newline >= 0:
            return position + newline + 1
        position += len(chunk)
    return size


def file_ranges(path: str | Path, block_bytes: int = BLOCK_BYTES) -> Iterator[FileRange]:
    """Line-aligned ranges of about ``block_bytes`` covering a plain file (one, if empty)."""
    size = os.path.getsize(path)
    block_bytes = max(1, int(block_bytes))  # each range moves on by a line at least
    with open(path, "rb") as handle:
        start = 0
        while True:
            stop = _line_start_after(handle, start + block_bytes, size)
            yield FileRange(os.fspath(path), start, stop)
            if stop >= size:
                return
            start = stop


def _stream_blocks(source, stdin_cache, block_bytes: int) -> Iterator[Bytes]:
    """Line-aligned pieces of a compressed file or of standard input, read in order."""
    if source == STDIN:
        data = _stdin_bytes(stdin_cache)
        handle = io.BytesIO(data)
        name = "<stdin>"
    else:
        handle = _open_binary(Path(source))
        name = os.fspath(source)
    offset = 0
    with handle:
        while True:
            try:
                data = handle.read(max(1, block_bytes))
                if data and not data.endswith(b"\n"):
                    data += handle.readline()
            except (OSError, EOFError, ValueError) as exc:  # bad gzip/bz2 data
                raise InputError(f"{name}: cannot read compressed data ({exc})") from None
            if not data and offset:
                return
            yield Bytes(name, offset, data)
            offset += len(data)
            if not data:
                return


def corpus_blocks(files, stdin_cache, block_bytes: int = BLOCK_BYTES):
    """Every block of ``files`` in corpus order."""
    for source in files:
        if source != STDIN and _is_plain(source):
            yield from file_ranges(source, block_bytes)
        else:
            yield from _stream_blocks(source, stdin_cache, block_bytes)


# ---- counting one block ------------------------------------------------------------------

_WHOLE_BLOCK_CODECS = ("utf-8", "ascii", "latin-1")


def decodes_by_block(encoding: str) -> bool:
    """Whether decoding a block whole gives the lines that decoding each line gives: codecs
    that keep no state from one byte to the next line (and a newline is one byte)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in _WHOLE_BLOCK_CODECS or name.startswith(("iso8859", "cp125"))


def _read(block) -> tuple[str, int, bytes]:
    if isinstance(block, Bytes):
        return block.name, block.start, block.data
    with open(block.path, "rb") as handle:
        handle.seek(block.start)
        return block.path, block.start, handle.read(block.stop - block.start)


def _lines_error(name: str, start: int, data: bytes, encoding: str, errors: str) -> InputError:
    """The error ``Corpus`` raises for the first bad line of ``data`` (the caller knows one
    is there)."""
    raw = io.BytesIO(data)
    lines = ((start + offset, line) for offset, line in _offsets(list(raw)))
    try:
        for _ in _decode_lines(lines, name, encoding, errors):
            pass
    except InputError as exc:
        return exc
    raise AssertionError("a block that failed to decode decoded line by line")


def _decode(block, encoding: str, errors: str) -> str | InputError:
    name, start, data = _read(block)
    try:
        if start == 0:  # the first bytes of a file: Corpus refuses a binary file first
            _refuse_binary(data[:SNIFF_BYTES], name)
        if b"\0" in data:
            return _lines_error(name, start, data, encoding, errors)
        return data.decode(encoding, errors)
    except InputError as exc:
        return exc
    except UnicodeDecodeError:
        return _lines_error(name, start, data, encoding, errors)


class _Classes:
    """Per code point, its class for the scan kernel, filled in for ASCII and for the code
    points met so far; each is classified by the ``unicode`` tokenizer's own pattern."""

    def __init__(self, pattern):
        from textseq.corpus.token_kernels import CLASS_JOINER, CLASS_NEWLINE, CLASS_OTHER, UNKNOWN

        self.pattern = pattern
        self.table = np.full(0x110000, UNKNOWN, np.uint8)
        self._classify(np.arange(128))
        self.table[ord("\n")] = CLASS_NEWLINE
        self.table[ord("_")] = CLASS_OTHER  # the tokenizer reads "_" as a space
        for joiner in "'\u2019-":
            self.table[ord(joiner)] = CLASS_JOINER

    def _classify(self, points: np.ndarray) -> None:
        from textseq.corpus.token_kernels import CLASS_LETTER, CLASS_OTHER

        letters = self.pattern.findall("\0".join(map(chr, points.tolist())))
        self.table[points] = CLASS_OTHER
        self.table[[ord(ch) for ch in letters]] = CLASS_LETTER

    def update(self, points: np.ndarray, ascii_only: bool = False) -> None:
        """Classify the code points of ``points`` not met before."""
        if ascii_only:
            return
        from textseq.corpus.token_kernels import claim_unknown

        new = claim_unknown(points[points >= 0x80], self.table)  # ASCII is classified
        if len(new):
            self._classify(new)


@dataclass
class BlockTask:
    """What every block is counted with (one per pass, shared by the worker processes)."""

    tokenize: Callable[[str], list[str]]
    encoding: str = "utf-8"
    errors: str = "strict"
    with_ids: bool = True
    scan: bool = False  # the unicode tokenizer, by the scan kernel

    def __post_init__(self):
        self._classes: _Classes | None = None
        if self.scan:
            from textseq.corpus.token_kernels import scan_block, word_bytes

            self._classes = _Classes(rules._unicode_word_pattern())
            # load the kernels here, once, before worker processes are forked from this one,
            # for the argument types a block passes (its code points are read-only)
            points = np.frombuffer(bytes(4), np.uint32)
            self._classes.update(points)
            _, _, starts, stops, _ = scan_block(points, self._classes.table)
            word_bytes(points, starts, stops)


def scans_unicode(tokenize) -> bool:
    """Whether the scan kernel reproduces ``tokenize``: the ``unicode`` tokenizer, with the
    pattern and joiners it is written with today (checked, so a change falls back safely)."""
    split = tokenize._split if isinstance(tokenize, rules.RuleTokenizer) else tokenize
    if split is not rules.tokenize_unicode:
        return False
    probe = "Don't_x well-known a\u2019b -c d--e f'"
    return tokenize(probe) == ["don't", "x", "well-known", "a\u2019b", "c", "d", "e", "f"]


def count_block(task: BlockTask, block) -> BlockWords:
    """The words of one block (see the module's docstring)."""
    text = _decode(block, task.encoding, task.errors)
    if isinstance(text, InputError):
        empty = np.zeros(0, np.int64)
        none = np.zeros(0, np.uint8)
        return BlockWords(none, empty, empty, empty, np.zeros(0, np.int32), error=text)
    if task.scan:
        return _scan(task, text)
    index: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    lookup = index.__getitem__
    ids = array("i")
    lengths = array("q")
    strip = "\r" in text
    tokenize = task.tokenize
    for line in text.split("\n"):
        tokens = tokenize(line.rstrip("\r") if strip else line)
        if tokens:
            ids.extend(map(lookup, tokens))
            lengths.append(len(tokens))
    text_bytes, ends = _encoded(list(index))
    id_array = np.frombuffer(ids, np.int32) if len(ids) else np.zeros(0, np.int32)
    counts = np.bincount(id_array, minlength=len(ends)).astype(np.int64)
    lengths_array = np.frombuffer(lengths, np.int64) if len(lengths) else np.zeros(0, np.int64)
    ids_kept = id_array if task.with_ids else None
    return BlockWords(text_bytes, ends, counts, lengths_array, ids_kept)


def _scan(task: BlockTask, text: str) -> BlockWords:
    from textseq.corpus.token_kernels import scan_block, word_bytes

    lowered = text.lower()
    points = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), np.uint32)
    task._classes.update(points, lowered.isascii())
    ids, lengths, starts, stops, counts = scan_block(points, task._classes.table)
    text_bytes, ends = word_bytes(points, starts, stops)
    return BlockWords(text_bytes, ends, counts, lengths, ids if task.with_ids else None)
