"""Sequence to sequence: a (bidirectional) recurrent encoder, a decoder with attention
(``none``, ``dot``, ``general``, ``additive``), on the language model's hand-written cells,
decoded through ``textseq.decoding``."""

from textseq.seq2seq.config import ATTENTION_KINDS, Seq2SeqConfig, Seq2SeqTrainConfig

__all__ = ["ATTENTION_KINDS", "Seq2SeqConfig", "Seq2SeqTrainConfig"]
