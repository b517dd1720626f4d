"""Tokenizers: turn one line of text into a list of tokens.

- ``unicode`` (default): lowercase; a token is a run of letters, combining marks and digits,
  with inner apostrophes or hyphens ("don't", "well-known"). Works for every script that
  separates words with spaces (Latin, Cyrillic, Greek, Arabic, Devanagari, ...).
- ``ascii``: the classic rule of early language-model exercises: lowercase, every kind of
  white space becomes a space, every character outside ``a-z``, space, ``'`` and ``-`` is
  dropped, spaces collapse, and tokens that start with ``-`` are dropped.
- ``char``: one token per character, white space skipped, for text written without spaces.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable

Tokenizer = Callable[[str], list[str]]

TOKENIZERS = ("unicode", "ascii", "char")


@functools.lru_cache(maxsize=1)
def _combining_marks_class() -> str:
    """A regex character class of every Unicode combining mark (categories Mn, Mc, Me).

    Python's ``re`` has no ``\\p{M}``, and ``\\w`` leaves marks out, which would cut words of
    scripts such as Devanagari in pieces. Built once, on first use. Marks live only in the
    first two planes and in the variation-selector block of plane 14, so only those are scanned.
    """
    ranges: list[tuple[int, int]] = []
    for code in itertools.chain(range(0x20000), range(0xE0000, 0xE1000)):
        if unicodedata.category(chr(code)).startswith("M"):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1] = (ranges[-1][0], code)
            else:
                ranges.append((code, code))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


@functools.lru_cache(maxsize=1)
def _unicode_word_pattern() -> re.Pattern[str]:
    # One character class (no alternation group), so that the regex engine repeats it without
    # keeping backtracking state per character: a 50 MB line stays cheap. ``\w`` includes the
    # underscore, which tokenize_unicode turns into a space first.
    letter = rf"[\w{_combining_marks_class()}]"
    return re.compile(rf"{letter}+(?:['\u2019\-]{letter}+)*")


def tokenize_unicode(text: str) -> list[str]:
    """Lowercased words of letters/marks/digits, with inner ``'`` (or ``’``) and ``-``."""
    return _unicode_word_pattern().findall(text.lower().replace("_", " "))


_ASCII_DROP = re.compile(r"[^a-z' -]+")
_WHITESPACE = re.compile(r"\s+")


def tokenize_ascii(text: str) -> list[str]:
    """The classic rule: keep ``a-z``, ``'`` and ``-``; drop tokens starting with ``-``."""
    text = _WHITESPACE.sub(" ", text.lower())
    text = _ASCII_DROP.sub("", text)
    return [token for token in text.split() if not token.startswith("-")]


def tokenize_chars(text: str) -> list[str]:
    """One token per non-space character, case kept (most scripts without spaces have none)."""
    return [ch for ch in text if not ch.isspace()]


_BY_NAME: dict[str, Tokenizer] = {
    "unicode": tokenize_unicode,
    "ascii": tokenize_ascii,
    "char": tokenize_chars,
}


def get_tokenizer(name: str) -> Tokenizer:
    """Return the tokenizer called ``name``; an unknown name raises ``OptionError``."""
    from textseq.errors import OptionError

    try:
        return _BY_NAME[name]
    except KeyError:
        raise OptionError(
            f"unknown tokenizer {name!r}; choose one of: {', '.join(TOKENIZERS)}"
        ) from None


def tokenize(text: str, tokenizer: str = "unicode") -> list[str]:
    """Tokenize one piece of text with the named tokenizer."""
    return get_tokenizer(tokenizer)(text)
