"""The settings of a word2vec model: one frozen dataclass holds their names, defaults, help
texts and checks.

Everything else reads them from here: ``Word2Vec`` (its keyword arguments and the attributes
gensim users read, such as ``model.window``: ``settings_as_attributes``), the model folder's
config (``to_dict``; ``Word2Vec.load`` checks the names against ``NAMES``), the command line
(one option per setting offered there, see ``textseq.cli.w2v_train``) and the comparison
with gensim (the settings both take, ``GENSIM_NAMES``). Adding a setting is adding a field
here (and its check to ``__post_init__`` when it needs one).

The metadata of each field (``setting``):

- ``help``: one line for users (the command line's help text);
- ``cli``: whether the command line offers the setting, and ``flag`` its spelling there
  (``None``: ``--name`` with dashes; ``"--a/--b"``: an on/off switch);
- ``gensim``: the comparison gives gensim the setting too (gensim's ``Word2Vec`` takes it
  by that name and meaning);
- ``run``: a setting of one training run, not of the model: a model loaded to go on
  training takes it from the caller (the command line refuses the others with
  ``--from-model``).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np

from textseq.errors import OptionError


def setting(
    default: Any,
    help: str,
    *,
    flag: str | None = None,
    cli: bool = True,
    gensim: bool = True,
    run: bool = False,
) -> Any:
    """A field of ``Word2VecParams`` with its metadata; ``flag`` defaults to ``--name``
    (underscores as dashes) and ``cli=False`` leaves the setting off the command line."""
    return field(
        default=default,
        metadata={"help": help, "flag": flag, "cli": cli, "gensim": gensim, "run": run},
    )


DEFAULT_SCHEDULE = {0: (0.075, 0.005), 1: (0.05, 0.0025)}
"""The learning rate's start and end when neither is given, by ``sg``. Both start above the
C tool's (CBOW 0.05, skip-gram 0.025, falling to 0.0001) and end at a fifteenth (CBOW) or a
twentieth (skip-gram) of their start: at the same work they score higher on word similarity,
and no lower (CBOW) or higher (skip-gram) on analogies (benchmarks/results/w2v_defaults.md)."""

GIVEN_ALPHA_MIN = 0.0001
"""The end of the rate when only ``alpha`` is given (gensim's and the C tool's)."""


def _schedule_help(end: bool) -> str:
    """The command line's note of the default rates, from ``DEFAULT_SCHEDULE``."""
    cbow, sg = (DEFAULT_SCHEDULE[arch][int(end)] for arch in (0, 1))
    return f"[default: {cbow:g} for CBOW, {sg:g} for skip-gram" + (
        f"; {GIVEN_ALPHA_MIN:g} when --alpha is given]" if end else "]"
    )


@dataclass(frozen=True)
class Word2VecParams:
    """The hyper-parameters of ``Word2Vec``, by gensim's names and with gensim's defaults
    (``workers=None``: every core Numba may use) but for the learning rate. With neither
    ``alpha`` nor ``min_alpha`` given, the rate falls along the architecture's schedule
    (``DEFAULT_SCHEDULE``), and both then read as that schedule's numbers. A rate given is
    kept as is, whatever the architecture; an ``alpha`` given without ``min_alpha`` falls to
    gensim's and the C tool's 0.0001, and a ``min_alpha`` given without ``alpha`` starts at
    the schedule's start. Checked when made: a bad value raises ``OptionError`` naming the
    setting."""

    vector_size: int = setting(100, "Vector size.", flag="--dim")
    window: int = setting(5, "Largest distance to a context word.")
    min_count: int = setting(
        5,
        "Ignore words seen fewer times (5, as word2vec and gensim: rarer words get poor "
        "vectors and cost time).",
    )
    sg: int = setting(0, "Skip-gram (--sg) or CBOW (--cbow).", flag="--sg/--cbow")
    negative: int = setting(5, "Noise words per positive word.")
    ns_exponent: float = setting(
        0.75, "Exponent of the noise-word distribution (counts ** ns_exponent).", cli=False
    )
    sample: float = setting(1e-3, "Subsampling of frequent words (0 = off).")
    alpha: float | None = setting(
        None, f"Initial learning rate {_schedule_help(end=False)}.", run=True
    )
    min_alpha: float | None = setting(
        None,
        f"Final learning rate {_schedule_help(end=True)}.",
        run=True,
    )
    epochs: int = setting(5, "Passes over the corpus.", run=True)
    cbow_mean: int = setting(1, "CBOW: mean or sum of the context.", flag="--cbow-mean/--cbow-sum")
    seed: int = setting(
        1,
        "Seed of every random choice. A run repeats bit for bit with one thread only: "
        "several threads update shared weights in an order that varies.",
        run=True,
    )
    workers: int | None = setting(
        None, "Threads to use (default: all cores).", flag="--threads", run=True
    )
    max_vocab_size: int | None = setting(
        None, "Prune the rarest words while counting when more are held (gensim's rule).",
        cli=False,
    )  # fmt: skip
    max_final_vocab: int | None = setting(None, "Keep at most this many words.")
    # gensim takes it too, but its loss tracking costs time: the comparison leaves it off
    compute_loss: bool = setting(
        True, "Sum the negative-sampling loss of every epoch.", cli=False, gensim=False
    )
    shared_negatives: bool = setting(
        True,
        "Skip-gram: one set of noise words per centre word (faster, above all on two "
        "threads) or a fresh set per context word, as gensim and the C tool.",
        flag="--shared-negatives/--per-pair-negatives",
        gensim=False,
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_alpha_given", self.alpha is not None)
        object.__setattr__(self, "_min_alpha_given", self.min_alpha is not None)
        start, end = DEFAULT_SCHEDULE.get(self.sg, (None, None))  # a bad sg is refused below
        if self._alpha_given:
            end = GIVEN_ALPHA_MIN
        if self.alpha is None:
            object.__setattr__(self, "alpha", start)
        if self.min_alpha is None:
            object.__setattr__(self, "min_alpha", end)
        for name in ("vector_size", "window", "min_count", "epochs", "negative"):
            check_int(name, getattr(self, name))
        if self.sg not in (0, 1):
            raise OptionError(f"sg must be 0 (CBOW) or 1 (skip-gram), got {self.sg!r}")
        if not isinstance(self.shared_negatives, (bool, np.bool_)):
            raise OptionError(
                f"shared_negatives must be True or False, got {self.shared_negatives!r}"
            )
        if self.cbow_mean not in (0, 1):
            raise OptionError(f"cbow_mean must be 0 (sum) or 1 (mean), got {self.cbow_mean!r}")
        if not (self.sample >= 0):
            raise OptionError(f"sample must be >= 0, got {self.sample!r}")
        if not (self.alpha > 0) or not (0 <= self.min_alpha <= self.alpha):
            raise OptionError(
                f"need alpha > 0 and 0 <= min_alpha <= alpha, got alpha={self.alpha}, "
                f"min_alpha={self.min_alpha}"
            )
        if not math.isfinite(self.ns_exponent):
            raise OptionError(f"ns_exponent must be a finite number, got {self.ns_exponent!r}")
        for name in ("workers", "max_vocab_size", "max_final_vocab"):
            if getattr(self, name) is not None:
                check_int(name, getattr(self, name))
        if not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise OptionError(f"seed must be a non-negative integer, got {self.seed!r}")

    def replace(self, **changes: Any) -> Word2VecParams:
        """A copy with ``changes``, checked; a learning rate that was a default follows a
        change of architecture or of the other rate."""
        if not self._alpha_given:
            changes.setdefault("alpha", None)
        if not self._min_alpha_given:
            changes.setdefault("min_alpha", None)
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Every setting by name (what a model folder's config stores)."""
        return asdict(self)


def check_int(name: str, value: Any, low: int = 1) -> None:
    """``OptionError`` unless ``value`` is an integer (not a bool) of at least ``low``."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise OptionError(f"{name} must be an integer >= {low}, got {value!r}")


NAMES: tuple[str, ...] = tuple(f.name for f in fields(Word2VecParams))
"""Every setting, in the order of the fields."""

GENSIM_NAMES: tuple[str, ...] = tuple(
    f.name for f in fields(Word2VecParams) if f.metadata["gensim"]
)
"""The settings gensim's ``Word2Vec`` takes by the same name and meaning."""

RUN_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Word2VecParams) if f.metadata["run"])
"""The settings of one training run, which a model loaded to go on training takes anew."""

DEFAULTS = Word2VecParams()


def settings_as_attributes(cls: type) -> type:
    """Class decorator for an estimator that keeps its settings in ``self.params``: each
    setting reads and writes as an attribute (``model.window``; a write replaces ``params``
    with a checked copy), and ``help()`` and editors show the settings as keyword arguments
    of ``__init__`` (which takes them as ``**settings``)."""
    for f in fields(Word2VecParams):
        setattr(cls, f.name, _setting_property(f.name, f.metadata["help"]))
    own = list(inspect.signature(cls.__init__).parameters.values())
    keywords = [
        inspect.Parameter(
            f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=f.type
        )
        for f in fields(Word2VecParams)
    ]
    positional = [p for p in own if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    rest = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]
    cls.__init__.__signature__ = inspect.Signature([*positional, *keywords, *rest])
    return cls


def _setting_property(name: str, doc: str) -> property:
    def get(self: Any) -> Any:
        return getattr(self.params, name)

    def set_(self: Any, value: Any) -> None:
        self.params = self.params.replace(**{name: value})

    return property(get, set_, doc=doc)
