"""Subword units: a SentencePiece model (unigram or BPE) trained on a corpus.

The subword model splits the words of a word tokenizer (``unicode``, ``ja``, ...): the words
of a line are joined by spaces and SentencePiece cuts that into pieces, each piece that starts
a word marked with ``▁`` (``▁un``, ``believ``, ``able``). Decoding reverses both steps, so
``detokenize(tokenize(text))`` is the word tokenizer's own ``detokenize`` of its words:
exact up to what that tokenizer drops (case, punctuation) and to white space.

Training covers every character of the training text, so no piece of it is unknown; a
character never seen becomes ``<unk>`` (the language model's unknown token too). The model is
SentencePiece's own file (a protocol buffer, no code inside), saved in the model folder
beside the vocabulary.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from textseq.corpus.tokenize import Tokenizer, get_tokenizer
from textseq.errors import ModelFileError, OptionError
from textseq.files import atomic_write

MODEL_TYPES = ("unigram", "bpe")
WORD_START = "\u2581"  # SentencePiece's mark of a piece that starts a word
UNK = "<unk>"
CONTINUES = "\u2026"  # shown before a piece that continues a word, when a piece stands alone
MIN_VOCAB = 16
MAX_TRAINING_LINES = 2_000_000  # lines SentencePiece samples for training, at most


def _sentencepiece():
    import sentencepiece

    return sentencepiece


class SubwordTokenizer:
    """Pieces of the words of ``base`` by a trained SentencePiece model (see the module)."""

    def __init__(self, model_bytes: bytes, base: str | Tokenizer = "unicode"):
        spm = _sentencepiece()
        self.base = get_tokenizer(base)
        self.model_bytes = bytes(model_bytes)
        self._sp = spm.SentencePieceProcessor()
        try:
            self._sp.LoadFromSerializedProto(self.model_bytes)
        except (RuntimeError, OSError) as exc:
            raise ModelFileError(f"not a SentencePiece model ({exc})") from None
        self.name = f"subwords({self.base.name})"
        self.line_end = self.base.line_end
        # the separator a word of the base tokenizer carries (a space, or nothing)
        self._gap = self.base.measure("a")[1] - 1

    @property
    def vocab_size(self) -> int:
        """Pieces in the subword model (specials included)."""
        return self._sp.GetPieceSize()

    def pieces(self) -> list[str]:
        return [self._sp.IdToPiece(i) for i in range(self.vocab_size)]

    def encode_words(self, words: Sequence[str]) -> list[str]:
        """The pieces of a line given as the base tokenizer's words."""
        if not words:
            return []
        return self._sp.EncodeAsPieces(" ".join(words))

    def tokenize(self, text: str) -> list[str]:
        return self.encode_words(self.base.tokenize(text))

    __call__ = tokenize

    def detokenize(self, tokens: Sequence[str]) -> str:
        words = self._sp.DecodePieces([str(t) for t in tokens]).split()
        return self.base.detokenize(words)

    def piece_text(self, piece: str) -> str:
        """How one piece reads on its own (a list of candidates): one that starts a word is
        its text (``▁で`` -> ``で``, ``▁un`` -> ``un``), one that continues a word follows
        ``…`` (``able`` -> ``…able``), the bare start mark stays ``▁``; a string that is no
        piece (``<eos>``) or the unknown piece is itself."""
        if piece == UNK or self._sp.PieceToId(piece) == self._sp.unk_id():
            return piece
        if piece == WORD_START:
            return piece
        if piece.startswith(WORD_START):
            return piece[len(WORD_START) :]
        return CONTINUES + piece

    def measure(self, token: str) -> tuple[int, int]:
        starts = token.startswith(WORD_START)
        return int(starts), len(token.lstrip(WORD_START)) + (self._gap if starts else 0)

    def save(self, path: str | Path) -> None:
        """Write SentencePiece's model file (atomically)."""
        with atomic_write(path, "wb") as handle:
            handle.write(self.model_bytes)

    @classmethod
    def load(cls, path: str | Path, base: str | Tokenizer = "unicode") -> SubwordTokenizer:
        path = Path(path)
        if not path.is_file():
            raise ModelFileError(f"the subword model {path} is missing")
        try:
            return cls(path.read_bytes(), base)
        except ModelFileError as exc:
            raise ModelFileError(f"cannot read {path}: {exc}") from None

    def __repr__(self) -> str:
        return f"<tokenizer {self.name}, {self.vocab_size} pieces>"


def token_text(token: str, tokenizer: Tokenizer | None = None) -> str:
    """How a token of ``tokenizer`` reads on its own: a subword piece as
    ``SubwordTokenizer.piece_text`` shows it; any other token is itself."""
    if isinstance(tokenizer, SubwordTokenizer):
        return tokenizer.piece_text(token)
    return token


def train_subwords(
    sentences: Iterable[Sequence[str]],
    vocab_size: int,
    base: str | Tokenizer = "unicode",
    model_type: str = "bpe",
    seed: int = 0,
) -> SubwordTokenizer:
    """Train a subword model of about ``vocab_size`` pieces on sentences of ``base``'s words.

    ``vocab_size`` is a target: a small corpus gets fewer pieces when it has too few distinct
    strings. The run is single-threaded and seeded, so the same text gives the same model.
    """
    if model_type not in MODEL_TYPES:
        raise OptionError(f"subword model must be one of {', '.join(MODEL_TYPES)}")
    if int(vocab_size) < MIN_VOCAB:
        raise OptionError(f"--subwords must be at least {MIN_VOCAB}, got {vocab_size}")
    spm = _sentencepiece()
    lines: Iterator[str] = (" ".join(words) for words in sentences if words)
    first = next(lines, None)
    if first is None:
        raise OptionError("cannot train subwords: the corpus has no words")
    model = io.BytesIO()
    spm.set_random_generator_seed(int(seed) + 1)  # SentencePiece takes 0 as "unseeded"
    try:
        spm.SentencePieceTrainer.Train(
            sentence_iterator=_prepend(first, lines),
            model_writer=model,
            vocab_size=int(vocab_size),
            model_type=model_type,
            character_coverage=1.0,
            hard_vocab_limit=False,
            normalization_rule_name="identity",
            unk_id=0,
            bos_id=-1,
            eos_id=-1,
            pad_id=-1,
            unk_piece=UNK,
            num_threads=1,
            max_sentence_length=1 << 16,
            input_sentence_size=MAX_TRAINING_LINES,
            shuffle_input_sentence=True,
            minloglevel=2,
        )
    except RuntimeError as exc:
        needed = re.search(r"required_chars\. \d+ vs (\d+)", str(exc))
        if needed:
            raise OptionError(
                f"--subwords {vocab_size} is too small for this text: its characters "
                f"alone need {needed.group(1)} pieces"
            ) from None
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "failed"
        raise OptionError(f"cannot train {vocab_size} subwords on this corpus: {detail}") from None
    return SubwordTokenizer(model.getvalue(), base)


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class PieceSentences:
    """A re-iterable corpus of pieces over a re-iterable corpus of words."""

    def __init__(self, sentences: Iterable[Sequence[str]], subwords: SubwordTokenizer):
        self.sentences = sentences
        self.subwords = subwords
        self.tokenizer = subwords.base.name
        self.files = list(getattr(sentences, "files", []))

    def __iter__(self) -> Iterator[list[str]]:
        encode = self.subwords.encode_words
        for words in self.sentences:
            pieces = encode(words)
            if pieces:
                yield pieces
