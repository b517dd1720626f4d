"""The exceptions textseq raises for user errors.

The CLI turns every ``TextseqError`` into one ``error: ...`` line and a non-zero exit, so
their messages are written for people: say what is wrong and, where it helps, what to do.
"""

from __future__ import annotations


class TextseqError(Exception):
    """Base class of every error caused by input, options or files rather than by a bug."""


class InputError(TextseqError):
    """A corpus or data file is missing, empty, binary or cannot be decoded."""


class VocabError(TextseqError):
    """A vocabulary cannot be built, stored or loaded as asked."""


class ModelFileError(TextseqError):
    """A saved model or vector file is missing, corrupt, of another version or mismatched."""


class OptionError(TextseqError, ValueError):
    """An option value is out of range or options contradict each other."""


class MemoryLimitError(TextseqError):
    """A requested dense array would not fit in memory."""


class UnknownWordError(TextseqError, KeyError):
    """A word is not in the vocabulary; the message suggests the nearest known spellings."""

    def __init__(self, word: str, suggestions: list[str] | None = None):
        self.word = word
        self.suggestions = list(suggestions or [])
        super().__init__(word)

    def __str__(self) -> str:  # KeyError would repr() the argument; we want a sentence
        msg = f"word {self.word!r} is not in the vocabulary"
        if self.suggestions:
            msg += "; did you mean: " + ", ".join(self.suggestions) + "?"
        return msg
