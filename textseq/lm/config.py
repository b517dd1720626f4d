"""The architecture of a language model: ``LMConfig``, the settings that rebuild an ``RNNLM``
from its weights. Plain data, so the CLI reads its defaults without loading the kernels."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textseq.corpus import get_tokenizer
from textseq.corpus.subwords import MIN_VOCAB as MIN_SUBWORDS
from textseq.errors import ModelFileError, OptionError
from textseq.lm.adaptive_cutoffs import DIV_VALUE, check_settings

CELL_KINDS = ("rnn", "lstm", "gru")


@dataclass
class LMConfig:
    """Architecture of an ``RNNLM`` (everything needed to rebuild it from its weights)."""

    cell: str = "lstm"  # one of CELL_KINDS
    embed: int = 128
    hidden: int = 256
    layers: int = 1
    dropout: float = 0.0  # on the embedding, between layers and before the output
    tie: bool = False  # output matrix = embedding matrix (needs embed == hidden)
    tokenizer: str = "unicode"
    subwords: int = 0  # target subword vocabulary (a model trained on the corpus); 0 = words
    seed: int = 0  # initialisation
    dtype: str = "float32"  # float64 for gradient checks
    # output layer: None = full softmax; cutoffs [c1, c2, ...] = adaptive softmax
    # (textseq.lm.adaptive); "auto" is replaced by cutoffs from the vocabulary at init
    adaptive_softmax: list[int] | str | None = None
    div_value: float = DIV_VALUE  # adaptive softmax: tail projection shrink factor

    def validate(self) -> LMConfig:
        if self.cell not in CELL_KINDS:
            raise OptionError(f"cell must be one of {', '.join(CELL_KINDS)}, got {self.cell!r}")
        for name in ("embed", "hidden", "layers"):
            if int(getattr(self, name)) < 1:
                raise OptionError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.tie and self.embed != self.hidden:
            raise OptionError(
                f"weight tying needs the embedding size to equal the hidden size "
                f"(got --embed {self.embed} and --hidden {self.hidden})"
            )
        if self.dtype not in ("float32", "float64"):
            raise OptionError(f"dtype must be float32 or float64, got {self.dtype!r}")
        get_tokenizer(self.tokenizer)
        if self.subwords and int(self.subwords) < MIN_SUBWORDS:
            raise OptionError(f"subwords must be 0 (words) or at least {MIN_SUBWORDS}")
        self.adaptive_softmax = check_settings(self.adaptive_softmax, self.div_value)
        if self.adaptive_softmax is not None and self.tie:
            raise OptionError(
                "weight tying is not available with the adaptive softmax (its output is not "
                "one vocabulary x hidden matrix); drop --tie or --adaptive-softmax"
            )
        return self

    @classmethod
    def from_dict(cls, data: dict) -> LMConfig:
        return cls(**known_settings(cls, data, "model"))


def known_settings(cls, data: dict, what: str) -> dict:
    """``data`` as keyword arguments of the dataclass ``cls``; a name that is not one of its
    fields raises ``ModelFileError`` (a model file from another version, or edited)."""
    unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise ModelFileError(f"unknown {what} settings {unknown}")
    return dict(data)
