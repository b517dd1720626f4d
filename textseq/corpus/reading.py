"""Find the files of a corpus and stream their lines.

A source is a file, a folder (searched recursively with a glob, ``*.txt`` by default), a
``.gz`` or ``.bz2`` file, ``-`` for standard input, or the name of a built-in corpus. Lines are
decoded one at a time so that a decoding error can name the file and the byte offset.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO

from textseq.datasets.builtin import BUILTIN_CORPORA, corpus_path, is_builtin_corpus
from textseq.errors import InputError, OptionError

STDIN = "-"
ERROR_MODES = ("strict", "replace", "ignore")

Source = str | os.PathLike


def resolve_sources(sources: Source | Sequence[Source], glob: str = "*.txt") -> list[str | Path]:
    """Expand sources into an ordered list of files (``"-"`` stays as is).

    Folders are searched recursively and sorted, so every run reads the same order.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    files: list[str | Path] = []
    for source in sources:
        text = os.fspath(source)
        if text == STDIN:
            files.append(STDIN)
        elif is_builtin_corpus(text):
            files.append(corpus_path(text))
        elif os.path.isdir(text):
            found = sorted(p for p in Path(text).rglob(glob) if p.is_file())
            if not found:
                raise InputError(f"folder {text} has no files matching {glob!r}")
            files.extend(found)
        elif os.path.isfile(text):
            files.append(Path(text))
        elif os.path.exists(text):
            raise InputError(f"{text} is not a regular file or folder")
        else:
            builtins = ", ".join(BUILTIN_CORPORA)
            raise InputError(f"no such file or folder: {text} (nor a built-in corpus: {builtins})")
    if not files:
        raise InputError("no corpus given")
    return files


def _open_binary(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


SNIFF_BYTES = 8192


def _refuse_binary(head: bytes, name: str) -> None:
    """A NUL byte near the start marks a binary file (the rule git and grep use)."""
    nul = head.find(b"\0")
    if nul >= 0:
        raise InputError(
            f"{name}: byte offset {nul} is a NUL byte; this looks like a binary file, not text"
        )


def _is_ascii_compatible(encoding: str) -> bool:
    """Whether a newline is the single byte 0x0A, so raw lines can be split before decoding."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise OptionError(f"unknown text encoding {encoding!r}") from None
    return "\n".encode(encoding) == b"\n" and "a".encode(encoding) == b"a"


def _raw_lines(handle: IO[bytes], name: str) -> Iterator[tuple[int, bytes]]:
    """Yield (byte offset, raw line); wrap decompression errors as ``InputError``."""
    offset = 0
    try:
        for raw in handle:
            yield offset, raw
            offset += len(raw)
    except (OSError, EOFError, ValueError) as exc:  # bad gzip/bz2 data, truncated archive
        raise InputError(f"{name}: cannot read compressed data ({exc})") from None


def check_errors_mode(errors: str) -> None:
    """``OptionError`` unless ``errors`` is a decoding mode a corpus may be read with."""
    if errors not in ERROR_MODES:
        raise OptionError(f"unknown --errors mode {errors!r}; choose one of: strict, replace")


def read_lines(
    source: str | Path,
    encoding: str = "utf-8",
    errors: str = "strict",
    stdin_cache: list[bytes] | None = None,
) -> Iterator[str]:
    """Yield the decoded lines of one file (without line endings).

    ``stdin_cache`` keeps standard input after the first read so that a corpus read from a
    pipe can still be iterated several times.
    """
    check_errors_mode(errors)
    name = "<stdin>" if source == STDIN else os.fspath(source)
    if not _is_ascii_compatible(encoding):
        yield from _read_lines_wide(source, name, encoding, errors, stdin_cache)
        return
    if source == STDIN:
        data = _stdin_bytes(stdin_cache)
        _refuse_binary(data[:SNIFF_BYTES], name)
        yield from _decode_lines(_offsets(data.splitlines(True)), name, encoding, errors)
        return
    with _open_binary(Path(source)) as handle:
        try:
            head = handle.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        except (OSError, EOFError, ValueError) as exc:
            raise InputError(f"{name}: cannot read compressed data ({exc})") from None
        _refuse_binary(head, name)
        yield from _decode_lines(_raw_lines(handle, name), name, encoding, errors)


def _stdin_bytes(stdin_cache: list[bytes] | None) -> bytes:
    """All of standard input, read once and kept in ``stdin_cache`` for later passes."""
    if stdin_cache:
        return stdin_cache[0]
    data = sys.stdin.buffer.read()
    if stdin_cache is not None:
        stdin_cache.append(data)
    return data


def _offsets(lines: list[bytes]) -> Iterator[tuple[int, bytes]]:
    offset = 0
    for raw in lines:
        yield offset, raw
        offset += len(raw)


def _decode_lines(
    chunks: Iterable[tuple[int, bytes]], name: str, encoding: str, errors: str
) -> Iterator[str]:
    for offset, raw in chunks:
        nul = raw.find(b"\0")
        if nul >= 0:
            raise InputError(
                f"{name}: byte offset {offset + nul} is a NUL byte; "
                "this looks like a binary file, not text"
            )
        try:
            text = raw.decode(encoding, errors)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{name}: cannot decode byte 0x{raw[exc.start]:02x} at byte offset "
                f"{offset + exc.start} as {encoding} (use --errors replace to substitute "
                "undecodable bytes, or --encoding to name the right encoding)"
            ) from None
        yield text.rstrip("\r\n")


def _read_lines_wide(
    source: str | Path,
    name: str,
    encoding: str,
    errors: str,
    stdin_cache: list[bytes] | None,
) -> Iterator[str]:
    """Lines of a file in an encoding where a newline is not one byte (UTF-16, UTF-32)."""
    if source == STDIN:
        data = _stdin_bytes(stdin_cache)
    else:
        with _open_binary(Path(source)) as handle:
            data = handle.read()
    try:
        text = data.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{name}: cannot decode the bytes at offset {exc.start} as {encoding}"
        ) from None
    yield from text.splitlines()
