"""``KeyedVectors.save`` / ``KeyedVectors.load``: textseq's own file for word vectors, and
the refusal of gensim's pickled files.

gensim's ``save`` pickles the object; textseq reads no pickle (a pickle runs code when
loaded). Its file is one uncompressed ``.npz`` read with ``allow_pickle=False``:

- ``format`` / ``version``: a marker and the format version (int64 arrays of one value);
- ``vectors``: float32, one row per word;
- ``words``: the words as UTF-8, separated by newlines (uint8), in row order;
- ``counts``: int64 corpus counts, present only when known.

The word2vec text and binary formats (``save_word2vec_format``) stay the way to share
vectors with gensim and the C tool; this file keeps the counts too and loads without
parsing text.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from textseq.errors import ModelFileError, OptionError
from textseq.files import load_npz, save_npz

MAGIC = 0x74657874_6B76  # "textkv": marks the file as textseq's keyed vectors
VERSION = 1
PICKLE_HINT = (
    "textseq reads no pickle, so it cannot load gensim's save() files: in gensim, write "
    "wv.save_word2vec_format('vectors.bin', binary=True) and read that with textseq's "
    "load_word2vec_format"
)


def refuse_pickle(path: str | os.PathLike, what: str) -> None:
    """``ModelFileError`` when ``path`` is a file that starts as a pickle does (gensim's
    ``save`` format), saying what to do instead."""
    path = Path(path)
    if path.is_file():
        with open(path, "rb") as handle:
            head = handle.read(2)
        if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
            raise ModelFileError(
                f"{path} is a pickle (gensim's save format?), not a {what}; {PICKLE_HINT}"
            )


def save_vectors(
    path: str | os.PathLike, words: list[str], vectors: np.ndarray, counts: np.ndarray | None
) -> None:
    """Write the file atomically (a complete file or none)."""
    bad = next((w for w in words if "\n" in w), None)
    if bad is not None:
        raise OptionError(f"word {bad!r} holds a newline: this file cannot store it")
    arrays = {
        "format": np.array([MAGIC], np.int64),
        "version": np.array([VERSION], np.int64),
        "vectors": np.ascontiguousarray(vectors, dtype=np.float32),
        "words": np.frombuffer("\n".join(words).encode("utf-8"), dtype=np.uint8),
    }
    if counts is not None:
        arrays["counts"] = np.asarray(counts, dtype=np.int64)
    save_npz(path, arrays)


def load_vectors(path: str | os.PathLike) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """``(words, vectors, counts or None)`` of a file written by ``save_vectors``, checked."""
    what = "textseq keyed-vectors file"
    refuse_pickle(path, what)
    arrays = load_npz(
        path, expected={"format": ("i", 1), "vectors": ("f", 2), "words": ("u", 1)}, what=what
    )
    if arrays["format"].tolist() != [MAGIC]:
        raise ModelFileError(f"{path} is an .npz file but not a {what} (KeyedVectors.save)")
    if arrays.get("version", np.zeros(1)).tolist() != [VERSION]:
        raise ModelFileError(f"{path} has format version {arrays.get('version')}; "
                             f"this textseq reads version {VERSION}")  # fmt: skip
    try:
        text = arrays["words"].tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: the words are not UTF-8") from None
    words = text.split("\n") if text or len(arrays["vectors"]) else []
    vectors = arrays["vectors"]
    if vectors.dtype != np.float32 or len(words) != len(vectors):
        raise ModelFileError(
            f"{path}: {len(words)} words but {len(vectors)} float32 rows ({vectors.dtype})"
        )
    counts = arrays.get("counts")
    if counts is not None and (counts.dtype != np.int64 or counts.shape != (len(words),)):
        raise ModelFileError(f"{path}: the counts do not match the words")
    return words, np.ascontiguousarray(vectors), counts
