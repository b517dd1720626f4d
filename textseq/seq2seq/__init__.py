"""Sequence to sequence: a (bidirectional) recurrent encoder, a decoder with attention
(``none``, ``dot``, ``general``, ``additive``), on the language model's hand-written cells,
decoded through ``textseq.decoding``.

    model, history = train_seq2seq("dates", Seq2SeqConfig(), Seq2SeqTrainConfig(epochs=3))
    model.translate("September 27, 1994").text            # '1994-09-27'
    model.translate("27 sep 94", strategy="beam", n_best=3).attention   # (T, S) weights

Modules: ``config`` (the settings), ``encoder``, ``attention``, ``decoder``, ``model`` (the
whole model, its files and its step protocol), ``data`` (pairs files and tasks, vocabularies,
batches), ``trainer``, ``history``, ``translate`` (decoding and evaluation). They load on
first use (the model compiles Numba kernels).
"""

from textseq._lazy import lazy_getattr

_EXPORTS = {
    "ATTENTION_KINDS": "textseq.seq2seq.config",
    "Seq2SeqConfig": "textseq.seq2seq.config",
    "Seq2SeqTrainConfig": "textseq.seq2seq.config",
    "Seq2Seq": "textseq.seq2seq.model",
    "Seq2SeqHistory": "textseq.seq2seq.history",
    "train_seq2seq": "textseq.seq2seq.trainer",
    "Translation": "textseq.seq2seq.translate",
}

__all__ = list(_EXPORTS)

__getattr__ = lazy_getattr(__name__, _EXPORTS)
