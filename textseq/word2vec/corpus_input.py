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
import warnings
from collections.abc import Iterable, Iterator

from textseq.corpus import Corpus, open_corpus
from textseq.errors import InputError

SHAPES = (
    "a corpus is a path (or a list of paths), a list of token lists such as "
    "[['the', 'king'], ['the', 'queen']], or a list of sentences such as "
    "['The king.', 'The queen.']"
)


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


def _is_sentence(text: str) -> bool:
    """A string that holds words separated by spaces and names no file: a sentence."""
    return len(text.split()) > 1 and not os.path.exists(text)


def training_corpus(corpus: object, tokenizer: str) -> Iterable[list[str]]:
    """``corpus`` as token lists: ``open_corpus``'s shapes, plus a list of plain sentences
    (tokenized with ``tokenizer``, with a warning). A list of strings that are neither
    sentences nor files fails with one message showing the accepted shapes."""
    if isinstance(corpus, (list, tuple)) and corpus and all(isinstance(s, str) for s in corpus):
        if any(_is_sentence(s) for s in corpus):
            warnings.warn(
                f"the corpus is a list of {len(corpus):,} plain strings: each is tokenized as "
                f"one sentence with the {tokenizer!r} tokenizer (pass token lists, such as "
                "[['the', 'king'], ...], to choose the tokens yourself)",
                stacklevel=3,
            )
            return Corpus.from_texts(corpus, tokenizer=tokenizer)
        try:
            return Corpus(list(corpus), tokenizer=tokenizer)
        except InputError as exc:
            raise InputError(f"{exc}; {SHAPES}") from None
    return open_corpus(corpus, tokenizer=tokenizer)


class Counted:
    """Iterates ``sentences`` once, counting their words (``words``) on the way."""

    def __init__(self, sentences: Iterable[list[str]]):
        self.sentences = sentences
        self.words = 0

    def __iter__(self) -> Iterator[list[str]]:
        for tokens in self.sentences:
            self.words += len(tokens)
            yield tokens
