"""Word-level RNN language models (RNN, LSTM, GRU) with hand-written backpropagation.

``train_lm(corpus, LMConfig(...), TrainConfig(...), out_dir)`` trains one and returns
``(model, history)``; ``RNNLM.load(folder)`` reads a saved model; ``model.predict_next`` and
``model.generate`` use it (the package name ``generate`` is the function; the module is
``textseq.lm.generate`` via ``from textseq.lm.generate import ...``).

The model and trainer (Numba kernels) load on first use; generation is plain numpy.
"""

from textseq._lazy import lazy_getattr
from textseq.lm.generate import generate, predict_next

_EXPORTS = {
    "RNNLM": "textseq.lm.model",
    "LMConfig": "textseq.lm.model",
    "LMData": "textseq.lm.data",
    "prepare_lm_data": "textseq.lm.data",
    "TrainConfig": "textseq.lm.train_config",
    "EpochRecord": "textseq.lm.history",
    "Scores": "textseq.lm.history",
    "TrainingHistory": "textseq.lm.history",
    "NonFiniteLossError": "textseq.lm.trainer",
    "Trainer": "textseq.lm.trainer",
    "train_lm": "textseq.lm.trainer",
}

__all__ = ["generate", "predict_next", *_EXPORTS]

__getattr__ = lazy_getattr(__name__, _EXPORTS)
