"""Every setting of a decoding, in one frozen dataclass, and its validation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from textseq.errors import OptionError

STRATEGIES = ("argmax", "sample", "beam")


@dataclass(frozen=True)
class DecodingOptions:
    """How to search (``strategy`` and its settings) and how raw scores become the scores
    the search chooses from (see ``textseq.decoding.shaping.shape_logits``).

    ``temperature=0`` is the limit of sampling as the temperature goes to zero: ``sample``
    then takes the argmax. Temperature, top-k, top-p and min-p never change which word is
    largest, so ``argmax`` accepts and ignores them; ``beam`` scales its scores by the
    temperature (0 is refused there) and restricts its candidates by top-k/top-p/min-p.
    ``allow_unk=False`` never emits the unknown-word id. ``stop_at_eos``: a hypothesis ends
    at the end-of-sequence id (when the model has one). ``seed`` seeds sampling.
    """

    strategy: str = "argmax"
    max_tokens: int = 30
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    min_p: float | None = None
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    allow_unk: bool = False
    beam_width: int = 5
    length_penalty: float = 1.0
    n_best: int = 1
    stop_at_eos: bool = True
    seed: int | None = None

    def validate(self) -> DecodingOptions:
        """Raise a one-line ``OptionError`` naming the first bad setting; return ``self``."""
        if self.strategy not in STRATEGIES:
            raise OptionError(
                f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}"
            )
        if not is_int(self.max_tokens) or self.max_tokens < 0:
            raise OptionError(f"max-tokens must be a whole number >= 0, got {self.max_tokens!r}")
        t = self.temperature
        if not is_number(t) or not math.isfinite(t) or t < 0:
            raise OptionError(f"temperature must be a number >= 0 (0 means argmax), got {t!r}")
        if self.top_k is not None and (not is_int(self.top_k) or self.top_k < 1):
            raise OptionError(f"top-k must be a whole number >= 1, got {self.top_k!r}")
        p = self.top_p
        if p is not None and (not is_number(p) or not 0.0 < p <= 1.0):
            raise OptionError(f"top-p must be in (0, 1], got {p!r}")
        p = self.min_p
        if p is not None and (not is_number(p) or not 0.0 < p <= 1.0):
            raise OptionError(f"min-p must be in (0, 1], got {p!r}")
        r = self.repetition_penalty
        if not is_number(r) or not math.isfinite(r) or r <= 0:
            raise OptionError(f"repetition penalty must be a number > 0 (1 = off), got {r!r}")
        n = self.no_repeat_ngram_size
        if not is_int(n) or n < 0:
            raise OptionError(f"no-repeat n-gram size must be a whole number >= 0, got {n!r}")
        self._validate_search()
        if self.seed is not None and (not is_int(self.seed) or self.seed < 0):
            raise OptionError(f"seed must be a whole number >= 0, got {self.seed!r}")
        return self

    def _validate_search(self) -> None:
        n_best, width = self.n_best, self.beam_width
        if not is_int(n_best) or n_best < 1:
            raise OptionError(f"n-best must be a whole number >= 1, got {n_best!r}")
        if self.strategy != "beam":
            if n_best != 1:
                raise OptionError("n-best > 1 needs strategy 'beam'")
            return
        if not is_int(width) or width < 1:
            raise OptionError(f"beam width must be a whole number >= 1, got {width!r}")
        if n_best > width:
            raise OptionError(f"n-best ({n_best}) cannot exceed the beam width ({width})")
        if self.temperature == 0:
            raise OptionError("temperature 0 is only meaningful for sampling; beam needs > 0")
        lp = self.length_penalty
        if not is_number(lp) or not math.isfinite(lp):
            raise OptionError(f"length penalty must be a finite number, got {lp!r}")


def is_number(x: object) -> bool:
    """A real number (Python or numpy), not a bool."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def is_int(x: object) -> bool:
    """A whole number (Python or numpy), not a bool."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)
