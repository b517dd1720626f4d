"""The vocabulary: words <-> integer ids, with counts and an unknown-word threshold.

Ids put the special tokens first (``<unk>``, then ``<eos>``, each only when used) and then
the words by descending count, ties broken by the word itself, so "the N most frequent
words" is always a prefix. A word seen fewer than ``min_count`` times is unknown: the classic
"threshold 3, words seen 3 times or less are unknown" is ``min_count=4``.

Saved as UTF-8 TSV, one ``word<TAB>count`` per line after a header line; special tokens carry
a third field (``special:unk``, ``special:eos``). Human-readable and loaded without running code.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from textseq.corpus.counting import count_words
from textseq.errors import OptionError, UnknownWordError, VocabError
from textseq.files import atomic_write
from textseq.spelling import SpellingIndex

HEADER = "#textseq-vocab\t1"
_SPECIAL_KINDS = ("unk", "eos")
_FORBIDDEN = {"\t": "a tab", "\n": "a newline", "\r": "a carriage return"}


@dataclass(frozen=True)
class VocabStats:
    """What building the vocabulary saw: for the summary ``build-dict`` prints."""

    sentences: int
    tokens: int
    distinct: int
    kept: int
    unknown_tokens: int

    @property
    def unknown_share(self) -> float:
        return self.unknown_tokens / self.tokens if self.tokens else 0.0


def check_storable(word: str) -> None:
    """Refuse words the TSV format cannot hold (tab, newline, empty, unencodable)."""
    if not isinstance(word, str) or not word:
        raise VocabError(f"cannot store {word!r} in a vocabulary: words must be non-empty text")
    for char, what in _FORBIDDEN.items():
        if char in word:
            raise VocabError(f"cannot store word {word!r} in vocab TSV: it contains {what}")
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        raise VocabError(f"cannot store word {word!r}: it is not valid Unicode text") from None


def check_all_storable(words: Sequence[str]) -> None:
    """``check_storable`` for every word, checked in bulk on the words joined (a vocabulary
    of millions of words); the first bad word raises ``check_storable``'s error."""
    try:
        joined = "".join(words)  # TypeError for anything but text
        fine = all(words) and not any(char in joined for char in _FORBIDDEN)
        joined.encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        fine = False
    if not fine:
        for word in words:
            check_storable(word)


class Vocab:
    """Words in id order with their counts; see the module docstring for the rules."""

    def __init__(
        self,
        words: Sequence[str],
        counts: Sequence[int] | np.ndarray,
        unk_token: str | None = "<unk>",
        eos_token: str | None = "<eos>",
        stats: VocabStats | None = None,
    ):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64).copy()
        if len(self.words) != len(self.counts):
            raise VocabError(f"{len(self.words)} words but {len(self.counts)} counts")
        if len(set(self.words)) != len(self.words):
            dup = next(w for w, n in Counter(self.words).items() if n > 1)
            raise VocabError(f"word {dup!r} appears twice in the vocabulary")
        self._index: dict[str, int] | None = None
        specials = [t for t in (unk_token, eos_token) if t is not None]
        if self.words[: len(specials)] != specials:
            raise VocabError(f"special tokens {specials} must come first, in that order")
        self.unk_token = unk_token
        self.eos_token = eos_token
        self.unk_id = 0 if unk_token is not None else None  # the specials come first
        self.eos_id = len(specials) - 1 if eos_token is not None else None
        self.num_specials = len(specials)
        self.stats = stats
        self._spelling: SpellingIndex | None = None

    # ---- building ---------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        sentences: Iterable[list[str]],
        min_count: int = 1,
        max_size: int | None = None,
        unk_token: str | None = "<unk>",
        eos_token: str | None = "<eos>",
        progress: bool = False,
    ) -> Vocab:
        """Count the words of a corpus stream and keep those seen at least ``min_count`` times."""
        from textseq.corpus.parallel import can_count_by_block, merged_counts

        if can_count_by_block(sentences):  # by blocks on every core, without a dict of counts
            merge = merged_counts(sentences, progress=progress)
            return cls.from_count_array(
                merge.words, merge.counts, min_count, max_size, unk_token, eos_token,
                merge.sentences,
            )  # fmt: skip
        counts, sentences_seen = count_words(sentences, progress=progress)
        return cls.from_counts(counts, min_count, max_size, unk_token, eos_token, sentences_seen)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[str, int],
        min_count: int = 1,
        max_size: int | None = None,
        unk_token: str | None = "<unk>",
        eos_token: str | None = "<eos>",
        sentences: int = 0,
    ) -> Vocab:
        """Apply the threshold and size limit to word counts.

        ``max_size`` counts every entry, specials included, so it is the size of the
        matrices a model will build. A word spelled like a special token joins that token.
        """
        if min_count < 1:
            raise OptionError(f"min_count must be at least 1, got {min_count}")
        specials = [t for t in (unk_token, eos_token) if t is not None]
        if unk_token is not None and unk_token == eos_token:
            raise OptionError("the unknown and end-of-sentence tokens must differ")
        for token in specials:
            check_storable(token)
        if max_size is not None and max_size <= len(specials):
            raise OptionError(
                f"max_size must be larger than the {len(specials)} special tokens, got {max_size}"
            )
        total = sum(counts.values())
        if total == 0:
            raise VocabError("the corpus is empty: no tokens were found")
        special_counts = dict.fromkeys(specials, 0)
        regular = []
        for word, count in counts.items():
            if word in special_counts:
                special_counts[word] += count
            elif count >= min_count:
                regular.append((word, count))
        regular.sort(key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            regular = regular[: max_size - len(specials)]
        if not regular:
            top_word, top_count = max(counts.items(), key=lambda item: item[1])
            raise VocabError(
                f"no word is seen at least {min_count} times (the most frequent, {top_word!r}, "
                f"is seen {top_count} times): lower the threshold"
            )
        for word, _ in regular:
            check_storable(word)
        unknown = total - sum(c for _, c in regular) - sum(special_counts.values())
        if unk_token is not None:
            special_counts[unk_token] += unknown
        if eos_token is not None:
            special_counts[eos_token] += sentences
        stats = VocabStats(sentences, total, len(counts), len(regular), unknown)
        words = specials + [w for w, _ in regular]
        word_counts = [special_counts[t] for t in specials] + [c for _, c in regular]
        return cls(words, word_counts, unk_token, eos_token, stats)

    @classmethod
    def from_count_array(
        cls,
        words: Sequence[str],
        counts: np.ndarray,
        min_count: int = 1,
        max_size: int | None = None,
        unk_token: str | None = "<unk>",
        eos_token: str | None = "<eos>",
        sentences: int = 0,
    ) -> Vocab:
        """``from_counts`` for parallel ``words`` / ``counts`` (as ``count_and_spool`` gives),
        with the same result.

        A large corpus has millions of distinct words, most seen once: here they are filtered
        and sorted in numpy arrays, so no Python object (count, tuple) is made per word, and
        the memory of a big count stays in a few large blocks that go back to the system.
        """
        if min_count < 1:
            raise OptionError(f"min_count must be at least 1, got {min_count}")
        if unk_token is not None and unk_token == eos_token:
            raise OptionError("the unknown and end-of-sentence tokens must differ")
        counts = np.asarray(counts, dtype=np.int64)
        names = np.array(words, dtype=object)
        specials = [t for t in (unk_token, eos_token) if t is not None]
        keep = counts >= min_count
        special_counts = []
        for token in specials:  # a word spelled like a special token joins that token
            hit = names == token
            special_counts.append(int(counts[hit].sum()))
            keep &= ~hit
        regular = np.flatnonzero(keep)
        by_word = list(words).__getitem__
        regular = np.array(sorted(regular.tolist(), key=by_word), np.int64)  # ties: by word
        regular = regular[np.argsort(-counts[regular], kind="stable")]  # then by frequency
        if max_size is not None:
            regular = regular[: max(max_size - len(specials), 0)]
        if len(regular) == 0 or max_size is not None and max_size <= len(specials):
            # the error messages (and argument checks) of from_counts, on a small dict
            top = [int(counts.argmax())] if len(counts) else []
            return cls.from_counts(
                {words[i]: int(counts[i]) for i in top}, min_count, max_size, unk_token,
                eos_token, sentences,
            )  # fmt: skip
        total = int(counts.sum())  # > 0: some word was kept, so seen at least once
        kept_words = names[regular].tolist()
        check_all_storable(specials + kept_words)
        unknown = total - int(counts[regular].sum()) - sum(special_counts)
        if unk_token is not None:
            special_counts[0] += unknown
        if eos_token is not None:
            special_counts[-1] += sentences
        stats = VocabStats(sentences, total, len(words), len(regular), unknown)
        all_counts = np.concatenate([np.array(special_counts, np.int64), counts[regular]])
        return cls(specials + kept_words, all_counts, unk_token, eos_token, stats)

    # ---- lookup -----------------------------------------------------------------------
    @property
    def index(self) -> dict[str, int]:
        """word -> id, built on first use: a trainer that only reads ids never holds it
        (a dict entry and an int object per word)."""
        if self._index is None:
            self._index = self.fresh_index()
        return self._index

    def fresh_index(self) -> dict[str, int]:
        """A new word -> id dict that the vocabulary does not keep: for a one-off pass (a
        trainer encoding its corpus) that should free it when done."""
        return {word: i for i, word in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> int:
        """The id of ``word``: the unknown id when unknown, or ``UnknownWordError``."""
        found = self.index.get(word)
        if found is not None:
            return found
        if self.unk_id is not None:
            return self.unk_id
        raise UnknownWordError(word, self.suggest(word))

    def word(self, word_id: int) -> str:
        return self.words[word_id]

    def suggest(self, word: str, n: int = 3) -> list[str]:
        """The known words spelled most like ``word`` (for error messages)."""
        if self._spelling is None:
            self._spelling = SpellingIndex(self.words[self.num_specials :])
        return self._spelling.suggest(word, n)

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Ids of ``tokens`` as int32; unknown words get the unknown id, or are dropped."""
        index = self.index
        if self.unk_id is not None:
            unk = self.unk_id
            return np.fromiter((index.get(t, unk) for t in tokens), np.int32, len(tokens))
        return np.fromiter((i for i in map(index.get, tokens) if i is not None), np.int32)

    def decode(self, ids: Iterable[int]) -> list[str]:
        words = self.words
        return [words[i] for i in ids]

    # ---- files ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as UTF-8 TSV, atomically."""
        kinds = {self.unk_token: "unk", self.eos_token: "eos"}
        check_all_storable(self.words)
        counts = self.counts.tolist()
        specials = self.num_specials
        lines = [HEADER + "\n"]
        lines += [f"{w}\t{c}\tspecial:{kinds[w]}\n" for w, c in zip(self.words, counts[:specials])]
        lines += [f"{w}\t{c}\n" for w, c in zip(self.words[specials:], counts[specials:])]
        with atomic_write(path) as handle:
            handle.write("".join(lines))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocab:
        """Read a vocabulary TSV written by ``save``; any damage raises ``VocabError``."""
        name = os.fspath(path)
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
        except FileNotFoundError:
            raise VocabError(f"vocabulary file {name} does not exist") from None
        except IsADirectoryError:
            raise VocabError(f"vocabulary file {name} is a folder") from None
        except UnicodeDecodeError as exc:
            raise VocabError(
                f"vocabulary file {name} is not UTF-8 text (byte offset {exc.start})"
            ) from None
        lines = text.split("\n")
        if lines[0] != HEADER:
            raise VocabError(f"{name} is not a textseq vocabulary (first line must be {HEADER!r})")
        if lines[-1] != "":
            raise VocabError(f"{name} is truncated: the last line has no line ending")
        words: list[str] = []
        counts: list[int] = []
        special: dict[str, str] = {}
        for number, line in enumerate(lines[1:-1], start=2):
            fields = line.split("\t")
            if len(fields) not in (2, 3) or not fields[0]:
                raise VocabError(f"{name} line {number}: expected word<TAB>count, got {line!r}")
            word, count_text = fields[0], fields[1]
            if not count_text.isdigit():
                raise VocabError(f"{name} line {number}: count {count_text!r} is not a number")
            if len(fields) == 3:
                kind = fields[2].removeprefix("special:")
                if kind not in _SPECIAL_KINDS or kind in special or len(words) != len(special):
                    raise VocabError(f"{name} line {number}: bad special-token mark {fields[2]!r}")
                special[kind] = word
            words.append(word)
            counts.append(int(count_text))
        if len(words) == len(special):
            raise VocabError(f"vocabulary file {name} has no words")
        try:
            return cls(words, counts, special.get("unk"), special.get("eos"))
        except VocabError as exc:
            raise VocabError(f"{name}: {exc}") from None

    def __repr__(self) -> str:
        return f"Vocab({len(self)} entries, unk={self.unk_token!r}, eos={self.eos_token!r})"
