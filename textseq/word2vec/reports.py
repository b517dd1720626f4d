"""What a ``Word2Vec.train`` call did: one ``EpochReport`` per epoch in a ``TrainingReport``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class EpochReport:
    """What one epoch did; ``loss`` is the summed negative-sampling loss (float64)."""

    epoch: int
    raw_words: int
    effective_words: int
    seconds: float
    loss: float

    @property
    def words_per_second(self) -> float:
        return self.effective_words / self.seconds if self.seconds > 0 else float("nan")

    @property
    def mean_loss(self) -> float:
        return self.loss / self.effective_words if self.effective_words else float("nan")


@dataclass
class TrainingReport:
    """Timing and loss of one ``train`` call. ``seconds`` runs from the call's start to the
    end of its last finished epoch (encoding included; set after each epoch);
    ``compile_seconds`` is the first kernel call of the process (JIT compile, or loading
    Numba's cache), measured on a tiny input before training and not counted in ``seconds``."""

    threads: int
    vocab_size: int
    corpus_words: int
    encode_seconds: float = 0.0
    compile_seconds: float = 0.0
    seconds: float = 0.0
    epochs: list[EpochReport] = field(default_factory=list)

    @property
    def raw_words(self) -> int:
        return sum(e.raw_words for e in self.epochs)

    @property
    def effective_words(self) -> int:
        return sum(e.effective_words for e in self.epochs)

    @property
    def words_per_second(self) -> float:
        """Effective words (kept after subsampling) per second of ``train`` wall time."""
        return self.effective_words / self.seconds if self.seconds > 0 else float("nan")

    @property
    def kernel_seconds(self) -> float:
        return sum(e.seconds for e in self.epochs)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["words_per_second"] = self.words_per_second
        return data
