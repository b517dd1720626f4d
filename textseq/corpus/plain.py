"""A list of plain strings given where a corpus is expected: files, or sentences?

A list of strings names files (or built-in corpora) to ``open_corpus``. Users who come from
gensim pass token lists, and people new to both often pass plain sentences
(``["The king and the queen lived.", ...]``). ``plain_sentences`` tells the two apart: when
some string is neither an existing path nor a built-in name and holds a space, the list is
read as sentences, each tokenized as one line, with one warning saying so. A list of strings
that are neither files nor sentences fails with one message that shows the accepted shapes.
"""

from __future__ import annotations

import os
import warnings

from textseq.corpus.corpus import Corpus
from textseq.datasets.builtin import is_builtin_corpus
from textseq.errors import InputError

SHAPES = (
    "a corpus is a path (or a list of paths), a list of token lists such as "
    "[['the', 'king'], ['the', 'queen']], or a list of sentences such as "
    "['The king.', 'The queen.']"
)


def _names_a_corpus(text: str) -> bool:
    return os.path.exists(text) or is_builtin_corpus(text)


def plain_sentences(corpus: object, tokenizer: object) -> object:
    """``corpus`` as a ``Corpus`` of in-memory sentences when it is a list of plain sentences
    (tokenized with ``tokenizer``, with a warning); otherwise ``corpus`` unchanged."""
    if not isinstance(corpus, (list, tuple)) or not corpus:
        return corpus
    if not all(isinstance(item, str) for item in corpus):
        return corpus
    missing = [item for item in corpus if not _names_a_corpus(item)]
    if not missing:
        return corpus
    if not any(len(item.split()) > 1 for item in missing):
        raise InputError(f"no such file or built-in corpus: {missing[0]!r}; {SHAPES}")
    sentences = Corpus.from_texts(corpus, tokenizer=tokenizer)
    warnings.warn(
        f"the corpus is a list of {len(corpus):,} plain strings: each is tokenized as one "
        f"sentence with the {sentences.tokenizer!r} tokenizer (pass token lists, such as "
        "[['the', 'king'], ...], to choose the tokens yourself)",
        stacklevel=3,
    )
    return sentences
