"""Word-level RNN language models (RNN, LSTM, GRU) with hand-written backpropagation.

``train_lm(corpus, LMConfig(...), TrainConfig(...), out_dir)`` trains one and returns
``(model, history)``; ``RNNLM.load(folder)`` reads a saved model; ``model.predict_next`` and
``model.generate`` use it (the package name ``generate`` is the function; the module is
``textseq.lm.generate`` via ``from textseq.lm.generate import ...``).
"""

from textseq.lm.generate import generate, predict_next
from textseq.lm.model import RNNLM, LMConfig
from textseq.lm.train import (
    LMData,
    NonFiniteLossError,
    TrainConfig,
    Trainer,
    prepare_lm_data,
    train_lm,
)

__all__ = [
    "LMConfig",
    "LMData",
    "NonFiniteLossError",
    "RNNLM",
    "TrainConfig",
    "Trainer",
    "generate",
    "predict_next",
    "prepare_lm_data",
    "train_lm",
]
