"""A corpus: a re-iterable stream of sentences (token lists), read again for every pass.

Nothing is loaded whole: each ``iter(corpus)`` opens the files again, so a trainer can make
several epochs over text larger than memory. Standard input is the one exception: a pipe can
be read only once, so its bytes are kept after the first pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from textseq.corpus.reading import Source, read_lines, resolve_sources
from textseq.corpus.tokenize import Tokenizer, get_tokenizer
from textseq.errors import OptionError


class Corpus:
    """Sentences of token lists from files, folders, compressed files, stdin or built-ins.

    One non-empty line is one sentence. ``Corpus("lee")`` reads the built-in Lee corpus;
    ``Corpus(["a.txt", "texts/"], glob="*.md")`` reads a file and a folder.
    """

    def __init__(
        self,
        sources: Source | Sequence[Source],
        tokenizer: str | Tokenizer = "unicode",
        glob: str = "*.txt",
        encoding: str = "utf-8",
        errors: str = "strict",
    ):
        self.sources = sources
        self._tokenize: Tokenizer = get_tokenizer(tokenizer)
        self.tokenizer = self._tokenize.name
        self.glob = glob
        self.encoding = encoding
        self.errors = errors
        self.files = resolve_sources(sources, glob)
        self._stdin_cache: list[bytes] = []
        self._lines: list[str] | None = None

    @classmethod
    def from_texts(cls, lines: Iterable[str], tokenizer: str | Tokenizer = "unicode") -> Corpus:
        """A corpus of in-memory strings, one sentence each (handy in tests and notebooks)."""
        corpus = cls.__new__(cls)
        corpus.sources = "<memory>"
        corpus._tokenize = get_tokenizer(tokenizer)
        corpus.tokenizer = corpus._tokenize.name
        corpus.glob = ""
        corpus.encoding = "utf-8"
        corpus.errors = "strict"
        corpus.files = []
        corpus._stdin_cache = []
        corpus._lines = list(lines)
        return corpus

    def lines(self) -> Iterator[str]:
        """The raw lines of every file in order."""
        if self._lines is not None:
            yield from self._lines
            return
        for path in self.files:
            yield from read_lines(path, self.encoding, self.errors, self._stdin_cache)

    def __iter__(self) -> Iterator[list[str]]:
        tokenize = self._tokenize
        for line in self.lines():
            tokens = tokenize(line)
            if tokens:
                yield tokens

    def __repr__(self) -> str:
        return f"Corpus({self.sources!r}, tokenizer={self.tokenizer!r})"


def open_corpus(obj: object, **corpus_kwargs) -> Iterable[list[str]]:
    """Turn what a user passes as a corpus into a re-iterable of token lists.

    A ``Corpus`` is used as is; a path, built-in name or list of them becomes a ``Corpus``;
    any other re-iterable of token lists (e.g. ``[["a", "b"], ["c"]]``) is used as is.
    A one-shot iterator is refused, since trainers read the corpus more than once.
    """
    if isinstance(obj, Corpus):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        return Corpus(obj, **corpus_kwargs)
    if (
        isinstance(obj, (list, tuple))
        and obj
        and all(isinstance(item, (str, os.PathLike)) for item in obj)
    ):
        return Corpus(list(obj), **corpus_kwargs)
    if iter(obj) is obj:  # type: ignore[call-overload]
        raise OptionError(
            "a corpus must be re-iterable (a Corpus, a path, or a list of token lists), "
            "not a one-shot iterator or generator"
        )
    return obj  # type: ignore[return-value]


def corpus_files(corpus: Iterable[list[str]]) -> list[Path | str]:
    """The files behind a corpus, for summaries (empty for in-memory corpora)."""
    return list(getattr(corpus, "files", []))
