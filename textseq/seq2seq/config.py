"""The settings of a sequence-to-sequence model: ``Seq2SeqConfig`` (the architecture, what
rebuilds a model from its weights) and ``Seq2SeqTrainConfig`` (how it trains). Plain data, so
the CLI reads its defaults without loading any kernel."""

from __future__ import annotations

from dataclasses import dataclass

from textseq.corpus import get_tokenizer
from textseq.corpus.subwords import MIN_VOCAB as MIN_SUBWORDS
from textseq.errors import OptionError
from textseq.lm.adaptive_cutoffs import DIV_VALUE, check_settings
from textseq.lm.config import CELL_KINDS, known_settings
from textseq.lm.train_config import TrainingSettings, check_optimisation

ATTENTION_KINDS = ("none", "dot", "general", "additive")


@dataclass
class Seq2SeqConfig:
    """Architecture of a ``Seq2Seq`` model.

    The encoder has ``layers`` recurrent layers of ``hidden`` units per direction (two
    directions with ``bidirectional``); the decoder has as many layers of ``hidden`` units,
    each started from a learned projection of the matching encoder layer's final states.
    ``attention``: ``none`` (the decoder sees the source only through its initial state),
    ``dot`` and ``general`` (Luong's scores), ``additive`` (Bahdanau's score).
    ``shared_vocab``: one vocabulary for both sides.
    ``subwords``: the tokens are subword units of one SentencePiece model of about this many
    pieces, shared by both sides: trained on the words of the training pairs (source and
    target, each side's words from its own tokenizer), saved in the model folder; each side's
    vocabulary holds the pieces its side uses. 0: the tokenizers' tokens themselves.
    ``adaptive_softmax``: the decoder's output layer over the target vocabulary, a full
    softmax (None) or an adaptive one with these cutoffs (``textseq.lm.adaptive``; ``auto``
    is replaced at ``init`` by cutoffs from the target vocabulary's counts), its tail
    projections ``div_value`` times smaller each."""

    cell: str = "gru"  # one of CELL_KINDS, for encoder and decoder
    embed: int = 64
    hidden: int = 128
    layers: int = 1
    bidirectional: bool = True
    attention: str = "general"  # one of ATTENTION_KINDS
    dropout: float = 0.0  # on both embeddings and before the output layer
    source_tokenizer: str = "char"
    target_tokenizer: str = "char"
    shared_vocab: bool = False
    subwords: int = 0  # target pieces of the shared subword model; 0 = no subwords
    seed: int = 0  # initialisation
    dtype: str = "float32"  # float64 for gradient checks
    adaptive_softmax: list[int] | str | None = None  # None = full softmax; cutoffs or "auto"
    div_value: float = DIV_VALUE  # adaptive softmax: tail projection shrink factor

    @property
    def memory_size(self) -> int:
        """Size of one encoder state as attention reads it (both directions together)."""
        return self.hidden * (2 if self.bidirectional else 1)

    def validate(self) -> Seq2SeqConfig:
        if self.cell not in CELL_KINDS:
            raise OptionError(f"cell must be one of {', '.join(CELL_KINDS)}, got {self.cell!r}")
        if self.attention not in ATTENTION_KINDS:
            raise OptionError(
                f"attention must be one of {', '.join(ATTENTION_KINDS)}, got {self.attention!r}"
            )
        for name in ("embed", "hidden", "layers"):
            if int(getattr(self, name)) < 1:
                raise OptionError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.attention == "dot" and self.bidirectional:
            raise OptionError(
                "dot attention compares decoder and encoder states of one size: with "
                "--bidirectional the encoder's are twice as long; use general or additive"
            )
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.dtype not in ("float32", "float64"):
            raise OptionError(f"dtype must be float32 or float64, got {self.dtype!r}")
        get_tokenizer(self.source_tokenizer)
        get_tokenizer(self.target_tokenizer)
        if self.subwords and int(self.subwords) < MIN_SUBWORDS:
            raise OptionError(f"subwords must be 0 (none) or at least {MIN_SUBWORDS}")
        if self.subwords:
            for side in ("source", "target"):
                if getattr(self, f"{side}_tokenizer") == "char":
                    raise OptionError(
                        f"subwords split words: the {side} side's char tokenizer has none; "
                        "read it with a word tokenizer (unicode, ascii, ja)"
                    )
        self.adaptive_softmax = check_settings(self.adaptive_softmax, self.div_value)
        return self

    @classmethod
    def from_dict(cls, data: dict) -> Seq2SeqConfig:
        return cls(**known_settings(cls, data, "model"))


@dataclass
class Seq2SeqTrainConfig(TrainingSettings):
    """How to train a ``Seq2Seq`` model (the architecture is ``Seq2SeqConfig``)."""

    batch_size: int = 64
    eval_batch_size: int = 256
    epochs: int = 10
    lr: float = 2e-3
    optimizer: str = "adam"  # adam | sgd
    clip: float | None = 5.0  # global gradient norm; None or 0 = no clipping
    lr_decay: float = 1.0  # lr *= lr_decay after an epoch without validation improvement
    patience: int = 0  # stop after this many epochs without improvement; 0 = never
    min_count: int = 1  # vocabularies: tokens seen fewer times become <unk>
    max_size: int | None = None
    split: tuple[float, float, float] = (0.9, 0.05, 0.05)  # train, valid, test by line
    max_valid: int | None = 2000  # pairs of the validation part decoded for exact match
    max_output: int = 64  # most tokens a greedy decoding emits in validation
    seed: int = 0  # order of the pairs, dropout masks, the split
    threads: int | None = None  # BLAS and Numba threads; None = leave as is

    def validate(self) -> Seq2SeqTrainConfig:
        for name in ("batch_size", "eval_batch_size", "epochs", "max_output"):
            if int(getattr(self, name)) < 1:
                raise OptionError(f"{name.replace('_', '-')} must be at least 1")
        check_optimisation(self)
        if self.min_count < 1:
            raise OptionError(f"min-count must be at least 1, got {self.min_count}")
        if self.max_valid is not None and self.max_valid < 0:
            raise OptionError(f"max-valid must be >= 0, got {self.max_valid}")
        return self
