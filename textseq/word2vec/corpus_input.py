"""What ``Word2Vec`` accepts as a corpus, turned into a re-iterable of token lists.

Beyond what ``textseq.corpus.open_corpus`` takes (a ``Corpus``, paths, built-in names, token
lists), two shapes that users bring from gensim or from nowhere:

- a list of plain sentences (``["The king and the queen lived", ...]``): each string is
  tokenized as one sentence with the model's tokenizer, and a warning says so (gensim would
  read each string as a sentence of single characters);
- gensim's ``corpus_file``: one sentence per line, tokens already separated by whitespace
  and taken as they are (``LineSentences``), as gensim's ``LineSentence`` reads it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from textseq.corpus import Corpus, open_corpus
from textseq.corpus.plain import plain_sentences


class LineSentences:
    """The sentences of a file in gensim's ``corpus_file`` format: each non-empty line is
    one sentence, its tokens split at whitespace and kept as they are (no lower-casing)."""

    def __init__(self, path: str | os.PathLike):
        self.path = path
        self._corpus = Corpus(path)  # checks that the file exists; reads .gz / .bz2 too

    def __iter__(self) -> Iterator[list[str]]:
        for line in self._corpus.lines():
            tokens = line.split()
            if tokens:
                yield tokens

    def __repr__(self) -> str:
        return f"LineSentences({str(self.path)!r})"


def training_corpus(corpus: object, tokenizer: str) -> Iterable[list[str]]:
    """``corpus`` as token lists: ``open_corpus``'s shapes, plus a list of plain sentences
    (``textseq.corpus.plain``: tokenized with ``tokenizer``, with a warning)."""
    return open_corpus(plain_sentences(corpus, tokenizer), tokenizer=tokenizer)
