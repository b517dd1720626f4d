"""The tokenizer registry: one protocol, text -> tokens and tokens -> text.

Every tokenizer is an object with

- ``name``: the spec that rebuilds it (``get_tokenizer(tok.name)``), which model files store;
- ``tokenize(text) -> list[str]`` (also its ``__call__``);
- ``detokenize(tokens) -> str``: text that reads right, for the output of generation;
- ``measure(token) -> (words, characters)``: how much text a token stands for, so that
  perplexity can be given per word and per character whatever the tokens are (a line's end
  counts as ``line_end`` characters, carried by ``<eos>``).

The built-in tokenizers (``textseq.corpus.word_tokenizers``):

- ``unicode`` (default): lowercase words of letters, marks and digits with inner ``'`` and
  ``-``; every script that separates words with spaces.
- ``ascii``: the classic rule (lowercase, keep ``a-z ' -``, drop tokens starting with ``-``).
- ``char``: one token per non-space character.
- ``ja``: Japanese words from a morphological analyzer (``textseq.corpus.ja``, the ``ja``
  extra). Options follow a colon: ``ja:base`` (dictionary forms), ``ja:drop-punct``.

Subword tokenizers are trained from a corpus and live in a model folder
(``textseq.corpus.subwords``); they wrap one of these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from textseq.corpus import word_tokenizers
from textseq.errors import OptionError


@runtime_checkable
class Tokenizer(Protocol):
    """What every tokenizer offers (see the module's docstring)."""

    name: str
    line_end: int

    def __call__(self, text: str) -> list[str]: ...

    def tokenize(self, text: str) -> list[str]: ...

    def detokenize(self, tokens: Sequence[str]) -> str: ...

    def measure(self, token: str) -> tuple[int, int]: ...


def _make_ja(options: list[str]) -> Tokenizer:
    from textseq.corpus.ja import JapaneseTokenizer

    return JapaneseTokenizer.from_options(options)


# name -> factory of options; a new language is one module and one line here
_FACTORIES: dict[str, Callable[[list[str]], Tokenizer]] = {
    "unicode": lambda options: word_tokenizers.make("unicode", options),
    "ascii": lambda options: word_tokenizers.make("ascii", options),
    "char": lambda options: word_tokenizers.make("char", options),
    "ja": _make_ja,
}

TOKENIZERS = tuple(_FACTORIES)
_CACHE: dict[str, Tokenizer] = {}


def get_tokenizer(spec: str | Tokenizer) -> Tokenizer:
    """The tokenizer for ``spec`` (``"unicode"``, ``"ja:base,drop-punct"``, ...); a tokenizer
    object is returned as is. An unknown name or option raises ``OptionError``; a tokenizer
    whose extra is not installed raises ``OptionError`` naming the ``pip install``."""
    if not isinstance(spec, str):
        if isinstance(spec, Tokenizer):
            return spec
        raise OptionError(f"a tokenizer is a name such as 'unicode', not {type(spec).__name__}")
    cached = _CACHE.get(spec)
    if cached is not None:
        return cached
    name, _, rest = spec.partition(":")
    options = [o.strip() for o in rest.split(",") if o.strip()]
    factory = _FACTORIES.get(name)
    if factory is None:
        raise OptionError(f"unknown tokenizer {name!r}; choose one of: {', '.join(TOKENIZERS)}")
    tokenizer = factory(options)
    _CACHE[spec] = tokenizer
    return tokenizer


def tokenize(text: str, tokenizer: str | Tokenizer = "unicode") -> list[str]:
    """Tokenize one piece of text with the named tokenizer."""
    return get_tokenizer(tokenizer).tokenize(text)


def detokenize(tokens: Sequence[str], tokenizer: str | Tokenizer = "unicode") -> str:
    """Join tokens back into text by the named tokenizer's rule."""
    return get_tokenizer(tokenizer).detokenize(tokens)


def tokenizer_spec(name: str, ja_form: str = "surface", ja_punct: str = "keep") -> str:
    """The spec for ``name`` with the Japanese options of the CLI (ignored by the others)."""
    if ja_form not in ("surface", "base"):
        raise OptionError(f"--ja-form must be surface or base, got {ja_form!r}")
    if ja_punct not in ("keep", "drop"):
        raise OptionError(f"--ja-punct must be keep or drop, got {ja_punct!r}")
    if name != "ja":
        return name
    options = []
    if ja_form != "surface":
        options.append(ja_form)
    if ja_punct != "keep":
        options.append(f"{ja_punct}-punct")
    return name + (":" + ",".join(options) if options else "")
