"""Word-level RNN language models (RNN, LSTM, GRU) with hand-written backpropagation.

``train_lm(corpus, LMConfig(...), TrainConfig(...), out_dir)`` trains one and returns
``(model, history)``; ``RNNLM.load(folder)`` reads a saved model; ``model.predict_next`` and
``model.generate`` (or the functions ``predict_next`` and ``generate`` of
``textseq.lm.textgen``, re-exported here) use it.

The modules load on first use (the model, the trainer and decoding compile Numba kernels).
"""

from textseq._lazy import lazy_getattr

_EXPORTS = {
    "RNNLM": "textseq.lm.model",
    "LMConfig": "textseq.lm.config",
    "LMData": "textseq.lm.data",
    "prepare_lm_data": "textseq.lm.data",
    "TrainConfig": "textseq.lm.train_config",
    "EpochRecord": "textseq.lm.history",
    "Scores": "textseq.lm.history",
    "TrainingHistory": "textseq.lm.history",
    "NonFiniteLossError": "textseq.lm.trainer",
    "Trainer": "textseq.lm.trainer",
    "train_lm": "textseq.lm.trainer",
    "generate": "textseq.lm.textgen",
    "predict_next": "textseq.lm.textgen",
}

__all__ = list(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
