"""The built-in rule-based tokenizers and the rules that join tokens back into text.

- ``unicode``: lowercase; a token is a run of letters, combining marks and digits, with inner
  apostrophes or hyphens ("don't", "well-known"). Works for every script that separates words
  with spaces (Latin, Cyrillic, Greek, Arabic, Devanagari, ...).
- ``ascii``: the classic rule of early language-model exercises: lowercase, every kind of
  white space becomes a space, every character outside ``a-z``, space, ``'`` and ``-`` is
  dropped, spaces collapse, and tokens that start with ``-`` are dropped.
- ``char``: one token per character, white space skipped, for text written without spaces.

Joining: words of spaced scripts join with one space, except before closing punctuation and
after opening punctuation (``join_spaced``; the words of unspaced scripts that ``unicode``
keeps whole are runs between punctuation, so a space keeps them apart too). Tokens of such
scripts join with nothing, except a space between two tokens of letters or digits of spaced
scripts, as in ``GNU Emacs`` inside Japanese (``join_unspaced``).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence

from textseq.errors import OptionError

_CLOSING = set(".,;:!?%)]}»”’…、。，．！？：；）」』】〕〉》")
_OPENING = set("([{«“¿¡（「『【〔〈《")


def is_unspaced_char(ch: str) -> bool:
    """True for characters of scripts written without spaces between words (Han, kana,
    Thai, Lao, Khmer, Myanmar, Tibetan) and for CJK punctuation and full-width forms."""
    code = ord(ch)
    return (
        0x2E80 <= code <= 0x30FF  # CJK radicals, punctuation, kana
        or 0x3100 <= code <= 0x9FFF  # bopomofo, CJK extension A, unified ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width and half-width forms
        or 0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x0F00 <= code <= 0x0FFF  # Tibetan
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x1780 <= code <= 0x17FF  # Khmer
        or 0x20000 <= code <= 0x3FFFF
    )


def _spaced_alnum(ch: str) -> bool:
    return ch.isalnum() and not is_unspaced_char(ch)


def join_spaced(tokens: Sequence[str]) -> str:
    """Words joined by single spaces, but none before closing or after opening punctuation."""
    parts: list[str] = []
    prev = ""
    for token in tokens:
        if not token:
            continue
        if prev and not (token[0] in _CLOSING or prev[-1] in _OPENING):
            parts.append(" ")
        parts.append(token)
        prev = token
    return "".join(parts)


def join_unspaced(tokens: Sequence[str]) -> str:
    """Tokens joined with nothing, but a space between two spaced-script letters or digits."""
    parts: list[str] = []
    prev = ""
    for token in tokens:
        if not token:
            continue
        if prev and _spaced_alnum(prev[-1]) and _spaced_alnum(token[0]):
            parts.append(" ")
        parts.append(token)
        prev = token
    return "".join(parts)


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


class RuleTokenizer:
    """A tokenizer made of a split function and a join function (see the registry's protocol).

    ``spaced``: its tokens are words of a script written with spaces, so a token stands for
    its characters and the space after it (the last one's space is the line's end).
    """

    def __init__(
        self,
        name: str,
        split: Callable[[str], list[str]],
        join: Callable[[Sequence[str]], str],
        spaced: bool,
    ):
        self.name = name
        self._split = split
        self._join = join
        self.spaced = spaced
        self.line_end = 0 if spaced else 1

    def tokenize(self, text: str) -> list[str]:
        return self._split(text)

    __call__ = tokenize

    def detokenize(self, tokens: Sequence[str]) -> str:
        return self._join(tokens)

    def measure(self, token: str) -> tuple[int, int]:
        return 1, len(token) + self.spaced

    def __repr__(self) -> str:
        return f"<tokenizer {self.name}>"


_RULES = {
    "unicode": (tokenize_unicode, join_spaced, True),
    "ascii": (tokenize_ascii, join_spaced, True),
    "char": (tokenize_chars, "".join, False),
}


def make(name: str, options: list[str]) -> RuleTokenizer:
    """The rule tokenizer ``name`` (these take no options)."""
    if options:
        raise OptionError(f"the {name} tokenizer takes no options, got {','.join(options)!r}")
    split, join, spaced = _RULES[name]
    return RuleTokenizer(name, split, join, spaced)
