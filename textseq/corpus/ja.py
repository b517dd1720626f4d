"""Japanese words from a morphological analyzer: MeCab through ``fugashi``, with UniDic
(``unidic-lite``), both installed by ``pip install 'textseq[ja]'``.

UniDic cuts text into short units (``吾輩 / は / 猫 / で / ある``). Options (the spec
``ja:base,drop-punct``):

- ``surface`` (default) or ``base``: the words as written, or their dictionary forms
  (``住ん`` -> ``住む``; UniDic's written base form, the surface when it has none);
- ``keep-punct`` (default) or ``drop-punct``: keep or drop punctuation and white space
  tokens (UniDic's parts of speech 補助記号 and 空白).

Case and width are kept as written. Detokenizing joins words without spaces, with a space
only between two words of spaced-script letters or digits (``GNU Emacs``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from textseq.corpus.word_tokenizers import join_unspaced
from textseq.errors import OptionError

INSTALL = "pip install 'textseq[ja]'"
FORMS = ("surface", "base")
PUNCT = ("keep", "drop")
_PUNCT_POS = frozenset({"補助記号", "空白"})


@functools.lru_cache(maxsize=1)
def _tagger():
    """One MeCab tagger with UniDic for the process (loading the dictionary takes time)."""
    try:
        import fugashi
        import unidic_lite  # noqa: F401  (the dictionary fugashi finds)
    except ImportError:
        raise OptionError(
            f"the ja tokenizer needs a Japanese analyzer; install it with: {INSTALL}"
        ) from None
    try:
        return fugashi.Tagger()
    except RuntimeError as exc:  # fugashi found no usable dictionary
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no dictionary"
        raise OptionError(f"the ja tokenizer cannot start MeCab ({first}); {INSTALL}") from None


class JapaneseTokenizer:
    """Japanese words by MeCab + UniDic (see the module's docstring for the options)."""

    line_end = 1

    def __init__(self, form: str = "surface", punct: str = "keep"):
        if form not in FORMS:
            raise OptionError(f"ja form must be surface or base, got {form!r}")
        if punct not in PUNCT:
            raise OptionError(f"ja punctuation must be keep or drop, got {punct!r}")
        self.form = form
        self.punct = punct
        options = ([form] if form != "surface" else []) + (
            [f"{punct}-punct"] if punct != "keep" else []
        )
        self.name = "ja" + (":" + ",".join(options) if options else "")
        self._tagger = _tagger()

    @classmethod
    def from_options(cls, options: list[str]) -> JapaneseTokenizer:
        """From the spec's options: ``surface``/``base``, ``keep-punct``/``drop-punct``."""
        kwargs = {}
        for option in options:
            if option in FORMS:
                kwargs["form"] = option
            elif option in ("keep-punct", "drop-punct"):
                kwargs["punct"] = option.split("-")[0]
            else:
                raise OptionError(
                    f"unknown ja tokenizer option {option!r}; options: surface, base, "
                    "keep-punct, drop-punct"
                )
        return cls(**kwargs)

    def tokenize(self, text: str) -> list[str]:
        tokens = []
        for word in self._tagger(text):
            feature = word.feature
            if self.punct == "drop" and feature.pos1 in _PUNCT_POS:
                continue
            surface = word.surface
            if not surface or surface.isspace():
                continue
            if self.form == "base":
                base = getattr(feature, "orthBase", None)
                surface = base if base and base != "*" else surface
            tokens.append(surface)
        return tokens

    __call__ = tokenize

    def detokenize(self, tokens: Sequence[str]) -> str:
        return join_unspaced(tokens)

    def measure(self, token: str) -> tuple[int, int]:
        return 1, len(token)

    def __repr__(self) -> str:
        return f"<tokenizer {self.name}>"
