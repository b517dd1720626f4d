"""The word2vec vector file formats of the C tool, as gensim reads and writes them.

Both formats start with an ASCII header line ``"<number of words> <dimension>\\n"``.

- text: one line per word, ``word v1 v2 ... vd\\n``, values separated by single spaces. The
  values are written as numpy prints float32 (the shortest text that reads back to the same
  float32), which is exactly what gensim writes, so the files are byte-identical; a Numba
  kernel (``text_kernels``) does the formatting.
- binary: per word ``word``, a space, ``d`` little-endian float32, then ``\\n`` as the C tool
  writes it (gensim omits that newline; both readers skip whitespace before a word).

When counts are known the words are written most frequent first (a stable sort on the
count, as gensim's ``sort_attr="count"``), otherwise in index order. Readers here accept both
binary variants, the C tool's trailing space on text lines, ``.gz``/``.bz2`` files, and
detect text or binary by themselves; damaged files raise ``ModelFileError`` naming the file
and what is wrong.

The functions here read and write arrays (words, a float32 matrix, optional counts);
``KeyedVectors.load_word2vec_format`` and ``save_word2vec_format`` build on them.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import mmap
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from tqdm.auto import tqdm

from textseq.errors import ModelFileError
from textseq.files import atomic_write
from textseq.word2vec import text_kernels

_WHITESPACE = re.compile(r"[ \t\n\r\v\f]")
_SKIPPED_BEFORE_WORD = frozenset(b" \t\n\r\v\f")
_PROGRESS_MIN_WORDS = 20000
_TEXT_CHUNK_ROWS = 1000


class VectorFile(NamedTuple):
    """What a word2vec file holds: ``vectors[i]`` is the vector of ``words[i]``; ``counts``
    (int64, one per word) only when a vocabulary file gave them."""

    words: list[str]
    vectors: np.ndarray  # (words, dimension) float32
    counts: np.ndarray | None


# ---- writing -------------------------------------------------------------------------------
def _write_order(count: int, counts: np.ndarray | None) -> np.ndarray:
    if counts is None:
        return np.arange(count)
    return np.argsort(-counts, kind="stable")


def _check_words(words: Sequence[str], path: Path) -> None:
    for i, word in enumerate(words):
        if not word or _WHITESPACE.search(word):
            raise ModelFileError(
                f"cannot write {path}: word {word!r} (index {i}) is empty or contains whitespace, "
                "which the word2vec format cannot store"
            )


def _text_lines(words: list[bytes], rows: np.ndarray) -> memoryview:
    """The text format's lines for ``rows`` (float32), one per word: the kernel formats the
    values, numpy the few it leaves (see ``text_kernels``), so every value reads as numpy's
    ``str`` of the float32."""
    rows = np.ascontiguousarray(rows, dtype=np.float32)
    word_bytes = np.frombuffer(b"".join(words), dtype=np.uint8)
    word_ends = np.cumsum([len(word) for word in words], dtype=np.int64)
    leftover = [text.encode("ascii") for text in rows[text_kernels.needs_numpy(rows)].astype(str)]
    leftover_bytes = np.frombuffer(b"".join(leftover), dtype=np.uint8)
    leftover_ends = np.cumsum([len(text) for text in leftover], dtype=np.int64)
    line_bytes = rows.shape[1] * (text_kernels.MAX_VALUE_BYTES + 1) + 1
    out = np.empty(len(word_bytes) + len(words) * line_bytes + len(leftover_bytes), np.uint8)
    size = text_kernels.write_lines(rows, word_bytes, word_ends, leftover_bytes, leftover_ends, out)
    return memoryview(out)[:size]


@contextlib.contextmanager
def _open_for_writing(path: Path) -> Iterator:
    """An atomic binary handle, compressed when the name ends in .gz or .bz2."""
    with atomic_write(path, "wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as handle:
                yield handle
        elif path.suffix == ".bz2":
            with bz2.BZ2File(raw, "wb") as handle:
                yield handle
        else:
            yield raw


def write_word2vec_format(
    path: str | os.PathLike,
    keys: Sequence[str],
    vectors: np.ndarray,
    counts: np.ndarray | None = None,
    binary: bool = False,
    fvocab: str | os.PathLike | None = None,
    encoding: str = "utf-8",
    progress: bool = True,
) -> None:
    """Write ``vectors`` (one float32 row per word of ``keys``) in the C word2vec text
    (default) or binary format, atomically.

    ``fvocab``: also write the C tool's vocabulary file (``word count`` per line, same
    order); needs ``counts``.
    """
    path = Path(path)
    _check_words(keys, path)
    if fvocab is not None and counts is None:
        raise ModelFileError(f"cannot write vocabulary file {fvocab}: these vectors have no counts")
    order = _write_order(len(keys), counts)
    bar = tqdm(
        total=len(order),
        desc=f"writing {path.name}",
        unit="word",
        disable=not progress or len(order) < _PROGRESS_MIN_WORDS,
    )
    with bar, _open_for_writing(path) as out:
        out.write(f"{len(keys)} {vectors.shape[1]}\n".encode("ascii"))
        if binary:
            little = vectors.astype("<f4", copy=False)
            for row in order.tolist():
                out.write(keys[row].encode(encoding) + b" " + little[row].tobytes() + b"\n")
                bar.update(1)
        else:
            for start in range(0, len(order), _TEXT_CHUNK_ROWS):
                rows = order[start : start + _TEXT_CHUNK_ROWS]
                words = [keys[row].encode(encoding) for row in rows.tolist()]
                out.write(_text_lines(words, vectors[rows]))
                bar.update(len(rows))
    if fvocab is not None:
        with _open_for_writing(Path(fvocab)) as out:
            lines = [f"{keys[row]} {int(counts[row])}\n" for row in order.tolist()]
            out.write("".join(lines).encode(encoding))


# ---- reading -------------------------------------------------------------------------------
@contextlib.contextmanager
def _open_bytes(path: Path) -> Iterator:
    """The whole file as a bytes-like object: memory-mapped, or decompressed into memory."""
    if not path.exists():
        raise ModelFileError(f"vectors file {path} does not exist")
    if not path.is_file():
        raise ModelFileError(f"vectors file {path} is not a file")
    if path.suffix in (".gz", ".bz2"):
        opener = gzip.open if path.suffix == ".gz" else bz2.open
        try:
            with opener(path, "rb") as handle:
                yield handle.read()
        except (OSError, EOFError) as exc:
            raise ModelFileError(
                f"vectors file {path} is not a readable {path.suffix} file ({exc})"
            ) from None
        return
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            yield b""
            return
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            yield mapped
        finally:
            with contextlib.suppress(BufferError):
                mapped.close()


def _read_header(buf, path: Path) -> tuple[int, int, int]:
    """(number of words, dimension, offset of the first record)."""
    if len(buf) == 0:
        raise ModelFileError(f"vectors file {path} is empty")
    end = buf.find(b"\n", 0, 200)
    raw = buf[: end if end != -1 else min(len(buf), 200)]
    try:
        words, dim = (int(p) for p in raw.decode("ascii").split())
    except (UnicodeDecodeError, ValueError):
        shown = raw[:60].decode("utf-8", "replace")
        raise ModelFileError(
            f"{path}: bad header line {shown!r}; a word2vec file starts with "
            "'<number of words> <dimension>'"
        ) from None
    if end == -1:
        raise ModelFileError(f"{path}: the file ends after its header line")
    if words < 0 or dim < 1:
        raise ModelFileError(f"{path}: bad header: {words} words of dimension {dim}")
    return words, dim, end + 1


def _headerless(buf, path: Path) -> tuple[int, int, int]:
    """(lines, dimension, 0) of a text file without a header line (GloVe's files): the
    dimension from the first line, one vector per line up to the last non-blank one."""
    if len(buf) == 0:
        raise ModelFileError(f"vectors file {path} is empty")
    end = buf.find(b"\n")
    dim = len(buf[: end if end != -1 else len(buf)].split()) - 1
    if dim < 1:
        raise ModelFileError(f"{path}, line 1: no values after the word")
    last = len(buf)
    while last > 0 and buf[last - 1 : last] in (b"\n", b"\r", b" ", b"\t"):
        last -= 1
    step = 1 << 24
    breaks = sum(
        int(np.count_nonzero(np.frombuffer(buf, np.uint8, min(step, last - i), i) == 10))
        for i in range(0, last, step)
    )
    return breaks + 1, dim, 0


def _parse_text_record(line: bytes, dim: int) -> tuple[bytes, np.ndarray] | str:
    """(word bytes, vector) of one text line, or a description of what is wrong with it."""
    line = line.rstrip()
    space = line.find(b" ")
    if not line:
        return "the line is empty"
    if space <= 0:
        return "no values after the word" if space == -1 else "the line starts with a space"
    values = line[space + 1 :].split()
    if len(values) != dim:
        hint = ""
        if len(values) > dim:
            try:
                float(values[0])
            except ValueError:
                hint = " (does the word contain a space?)"
        return f"{len(values)} values after the word, expected {dim}{hint}"
    try:
        vector = np.array(values, dtype=np.float32)
    except ValueError:
        bad = next(v for v in values if not _is_float(v))
        return f"{bad[:40].decode('utf-8', 'replace')!r} is not a number"
    return line[:space], vector


def _is_float(text: bytes) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _text_line(buf, pos: int, dim: int) -> tuple[bool, int]:
    """Whether the line at ``pos`` is a valid text record, and where the next line starts."""
    window = pos + 64 * dim + 4096
    end = buf.find(b"\n", pos, window)
    if end == -1:
        end = min(len(buf), window)
    return not isinstance(_parse_text_record(buf[pos:end], dim), str), end + 1


def _binary_records_fit(buf, pos: int, dim: int, records: int) -> bool:
    """Whether ``records`` binary records (word, space, 4*dim bytes) can be read from ``pos``."""
    for _ in range(records):
        while pos < len(buf) and buf[pos] in _SKIPPED_BEFORE_WORD:
            pos += 1
        space = buf.find(b" ", pos, pos + 4096)
        if space == -1 or b"\n" in buf[pos:space] or space + 1 + 4 * dim > len(buf):
            return False
        pos = space + 1 + 4 * dim
    return True


def _looks_binary(buf, start: int, dim: int, records: int = 2) -> bool:
    """Binary unless the first record is a text line of ``dim`` numbers.

    A binary record can read as digits by chance (``dim=1``, float bytes ``b"1234"``), so when
    the first line is valid text but the second is not, the file counts as binary only if
    its first two records fit the binary layout; a text file with a bad second line is still
    text and gets the line-level error.
    """
    if start >= len(buf):
        return False
    first_ok, second = _text_line(buf, start, dim)
    if not first_ok:
        return True
    if records < 2 or second >= len(buf) or _text_line(buf, second, dim)[0]:
        return False
    return _binary_records_fit(buf, start, dim, 2)


def _decode_word(raw: bytes, path: Path, where: str, encoding: str, errors: str) -> str:
    try:
        return raw.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise ModelFileError(
            f"{path}, {where}: the word {raw[:40]!r} is not valid {encoding} ({exc.reason}); "
            "pass unicode_errors='replace' to read it anyway"
        ) from None


def _read_text(buf, path, start, count, dim, vectors, words, encoding, errors, bar) -> int:
    pos, size = start, len(buf)
    first = 2 if start > 0 else 1  # the line number of the first vector (after a header)
    for i in range(count):
        line_no = i + first
        if pos >= size:
            raise ModelFileError(
                f"{path}: the header announces {count} vectors but the file ends after {i}"
            )
        end = buf.find(b"\n", pos)
        if end == -1:
            end = size
        parsed = _parse_text_record(buf[pos:end], dim)
        if isinstance(parsed, str):
            raise ModelFileError(f"{path}, line {line_no}: {parsed}")
        raw, vectors[i] = parsed
        words.append(_decode_word(raw, path, f"line {line_no}", encoding, errors))
        pos = end + 1
        if i % 4096 == 4095:
            bar.update(4096)
    return min(pos, size)


def _read_binary(buf, path, start, count, dim, vectors, words, encoding, errors, bar) -> int:
    pos, size, width = start, len(buf), 4 * dim
    for i in range(count):
        while pos < size and buf[pos] in _SKIPPED_BEFORE_WORD:
            pos += 1
        space = buf.find(b" ", pos)
        if space == -1 or space + 1 + width > size:
            raise ModelFileError(
                f"{path}: the header announces {count} vectors but the file ends after {i} "
                "(truncated, or the header is wrong)"
            )
        raw = buf[pos:space]
        if b"\n" in raw:
            raise ModelFileError(
                f"{path}, vector {i + 1} (byte {pos}): the word contains a line break; the "
                f"dimension in the header ({dim}) is wrong or this is not a binary word2vec file"
            )
        words.append(_decode_word(raw, path, f"vector {i + 1} (byte {pos})", encoding, errors))
        vectors[i] = np.frombuffer(buf, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + width
        if i % 4096 == 4095:
            bar.update(4096)
    return pos


def _read_counts(fvocab: Path, words: list[str], encoding: str, errors: str) -> np.ndarray:
    counts: dict[str, int] = {}
    try:
        with open(fvocab, "rb") as handle:
            for line_no, line in enumerate(handle, 1):
                parts = line.decode(encoding, errors).split()
                if not parts:
                    continue
                if len(parts) != 2:
                    raise ModelFileError(f"{fvocab}, line {line_no}: expected 'word count'")
                try:
                    counts.setdefault(parts[0], int(parts[1]))
                except ValueError:
                    raise ModelFileError(
                        f"{fvocab}, line {line_no}: count {parts[1]!r} is not an integer"
                    ) from None
    except FileNotFoundError:
        raise ModelFileError(f"vocabulary file {fvocab} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"vocabulary file {fvocab} is not valid {encoding} ({exc})") from None
    missing = [w for w in words if w not in counts]
    if missing:
        warnings.warn(
            f"vocabulary file {fvocab} has no count for {len(missing)} words "
            f"(e.g. {missing[0]!r}); they get count 0",
            stacklevel=3,
        )
    return np.array([counts.get(w, 0) for w in words], dtype=np.int64)


def read_word2vec_format(
    path: str | os.PathLike,
    binary: bool | None = None,
    limit: int | None = None,
    encoding: str = "utf-8",
    unicode_errors: str = "strict",
    fvocab: str | os.PathLike | None = None,
    progress: bool = True,
    no_header: bool = False,
) -> VectorFile:
    """Read a C word2vec text or binary file: its words, vectors and (with ``fvocab``) counts.

    ``binary=None`` detects the format from the first record. ``limit`` reads only the first
    N vectors. A word seen twice keeps its first vector (with a warning), as in gensim.
    Counts are not part of the format: they are ``None`` unless ``fvocab`` (the C tool's
    ``word count`` vocabulary file) is given. ``no_header=True`` reads a text file without
    the ``count dimension`` line (GloVe's), as gensim does.
    """
    path = Path(path)
    if limit is not None and limit < 0:
        raise ModelFileError(f"limit must be 0 or more, got {limit}")
    if no_header and binary:
        raise ModelFileError("no_header=True reads text files only (binary=False)")
    with _open_bytes(path) as buf:
        total, dim, start = _headerless(buf, path) if no_header else _read_header(buf, path)
        binary = False if no_header else binary
        count = total if limit is None else min(total, limit)
        if binary is None:
            binary = count > 0 and _looks_binary(buf, start, dim, records=min(count, 2))
        # Refuse a header that would allocate more than the file could hold (a binary
        # record takes at least 4*dim+2 bytes); text files get the line-level message.
        needed = count * (4 * dim + 2) if binary else count * dim // 8
        if needed > len(buf) - start:
            raise ModelFileError(
                f"{path}: the header announces {total} vectors of dimension {dim}, but the "
                f"file is too short for them ({len(buf)} bytes): truncated, or the header is wrong"
            )
        vectors = np.empty((count, dim), dtype=np.float32)
        words: list[str] = []
        reader = _read_binary if binary else _read_text
        bar = tqdm(
            total=count,
            desc=f"reading {path.name}",
            unit="word",
            disable=not progress or count < _PROGRESS_MIN_WORDS,
        )
        with bar:
            try:
                end = reader(
                    buf, path, start, count, dim, vectors, words, encoding, unicode_errors, bar
                )
            except ModelFileError as exc:
                if binary is False and _looks_binary(buf, start, dim):
                    raise ModelFileError(
                        f"{exc} (the file looks binary: leave binary unset to detect the format)"
                    ) from None
                raise
            bar.update(count - bar.n)
        if count == total and buf[end:].strip():
            warnings.warn(
                f"{path}: data after the {total} vectors announced in the header was ignored",
                stacklevel=2,
            )
    keep: dict[str, int] = {}
    for i, word in enumerate(words):
        keep.setdefault(word, i)
    if len(keep) != len(words):
        warnings.warn(
            f"{path}: {len(words) - len(keep)} duplicate words; the first vector of each is kept",
            stacklevel=2,
        )
        rows = np.fromiter(keep.values(), dtype=np.int64, count=len(keep))
        vectors = vectors[rows]
        words = list(keep)
    counts = None
    if fvocab is not None:
        counts = _read_counts(Path(fvocab), words, encoding, unicode_errors)
    return VectorFile(words, vectors, counts)
