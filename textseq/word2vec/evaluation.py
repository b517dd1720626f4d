"""Word-analogy accuracy and word-pair correlation, computed the way gensim 4.4 does.

The rules follow ``gensim.models.KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs`` so that the numbers can be put side by side with gensim's:

- only the first ``restrict_vocab`` words count as known (``ok_vocab``); with
  ``case_insensitive`` words are compared upper-cased, and when several spellings of a word
  are known the first (most frequent) one's vector is used;
- a question or pair with a word outside ``ok_vocab`` is skipped (or, with
  ``dummy4unknown``, counted as wrong / given similarity 0);
- an analogy ``a b c expected`` is answered with 3CosAdd: the five best words for
  ``positive=[b, c], negative=[a]`` among the first ``restrict_vocab`` words, the three
  question words excluded by row, then the first of them whose upper-cased spelling is none
  of the question words (gensim keeps the last candidate when none qualifies);
- pair correlations are scipy's ``pearsonr`` and ``spearmanr`` on the cosine similarities.

Unlike gensim, which skips malformed lines silently, a malformed line raises ``InputError``
naming the file and line. Shares (``skipped``, ``oov_ratio``) are fractions in [0, 1];
gensim logs them as percentages. The analogy search runs as batched matrix products.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Protocol

import numpy as np

from textseq.datasets import eval_path
from textseq.errors import InputError, OptionError

C_TOOL_RESTRICT_VOCAB = 30000
"""The C tool's ``compute-accuracy`` threshold; gensim's default is 300000."""

_CANDIDATES = 5  # gensim asks most_similar for topn=5 per question
_BATCH_CELLS = 1 << 22  # scores computed per batch (questions x searched words)


class WordVectors(Protocol):
    """What the evaluations read of a set of word vectors (``KeyedVectors`` has it): the
    words by row, most frequent first, and the rows scaled to unit length."""

    index_to_key: list[str]

    @property
    def unit_vectors(self) -> np.ndarray: ...

    def __len__(self) -> int: ...


def resolve_eval_file(path_or_name: str | os.PathLike) -> Path:
    """A built-in evaluation set by name (``questions-words``, ``wordsim353``, ``simlex999``)
    or a user's file."""
    return eval_path(path_or_name)


def known_words(
    kv: WordVectors, restrict_vocab: int | None, case_insensitive: bool
) -> dict[str, int]:
    """gensim's ``ok_vocab``: spelling -> row for the first ``restrict_vocab`` words."""
    if restrict_vocab is not None and (
        not isinstance(restrict_vocab, Integral) or restrict_vocab < 1
    ):
        raise OptionError(f"restrict_vocab must be a positive integer, got {restrict_vocab!r}")
    keys = kv.index_to_key[:restrict_vocab]
    if not case_insensitive:
        return {key: i for i, key in enumerate(keys)}
    ok: dict[str, int] = {}
    for i, key in enumerate(keys):
        ok.setdefault(key.upper(), i)
    return ok


def _read_lines(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read evaluation file {path}: {exc.strerror}") from None
    lines = data.split(b"\n")
    out = []
    for line_no, raw in enumerate(lines, 1):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}, line {line_no}: not valid UTF-8 ({exc.reason})") from None
    return out


# ---- analogies -----------------------------------------------------------------------------
@dataclass
class _Section:
    name: str
    correct: int = 0
    incorrect: int = 0
    questions: list = field(default_factory=list)  # (a, b, c, expected) spellings, in vocab

    def as_dict(self) -> dict:
        total = self.correct + self.incorrect
        return {
            "section": self.name,
            "correct": self.correct,
            "incorrect": self.incorrect,
            "total": total,
            "accuracy": self.correct / total if total else 0.0,
        }


def _read_analogies(
    path: Path, ok: dict[str, int], case_insensitive: bool, dummy4unknown: bool
) -> tuple[list[_Section], int, int]:
    """Sections with their in-vocabulary questions, the number of questions, and of OOV ones."""
    sections: list[_Section] = []
    questions = oov = 0
    for line_no, line in enumerate(_read_lines(path), 1):
        if line.startswith(": "):
            sections.append(_Section(line.lstrip(": ").strip()))
            continue
        words = line.split()
        if not words:
            continue
        if not sections:
            raise InputError(
                f"{path}, line {line_no}: a question before the first ': section' header line"
            )
        if len(words) != 4:
            raise InputError(
                f"{path}, line {line_no}: expected 4 words (a b c expected), found {len(words)}"
            )
        if case_insensitive:
            words = [w.upper() for w in words]
        questions += 1
        if any(w not in ok for w in words):
            oov += 1
            if dummy4unknown:
                sections[-1].incorrect += 1
            continue
        sections[-1].questions.append(tuple(words))
    return sections, questions, oov


def _answer(
    kv: WordVectors,
    ok: dict[str, int],
    questions: list[tuple[str, str, str, str]],
    end: int,
    case_insensitive: bool,
) -> np.ndarray:
    """For each question, whether gensim's rule picks the expected word (batched 3CosAdd)."""
    unit = kv.unit_vectors
    searched = unit[:end]
    keys = kv.index_to_key
    rows = np.array([[ok[a], ok[b], ok[c]] for a, b, c, _ in questions], dtype=np.int64)
    rows = rows.reshape(-1, 3)
    correct = np.zeros(len(questions), dtype=bool)
    batch = max(1, _BATCH_CELLS // max(end, 1))
    for start in range(0, len(questions), batch):
        block = rows[start : start + batch]
        mean = (
            unit[block[:, 1]].astype(np.float64)
            + unit[block[:, 2]].astype(np.float64)
            - unit[block[:, 0]].astype(np.float64)
        ) / 3.0
        length = np.linalg.norm(mean, axis=1, keepdims=True)
        mean = np.divide(mean, length, out=np.zeros_like(mean), where=length > 0)
        scores = mean.astype(np.float32) @ searched.T  # (questions, searched words)
        for j in range(3):  # the question words themselves are never an answer
            inside = block[:, j] < end
            scores[np.nonzero(inside)[0], block[inside, j]] = -np.inf
        excluded = np.array([len({r for r in q if r < end}) for q in block.tolist()])
        k = min(_CANDIDATES, end)
        if k < end:
            best = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        else:
            best = np.tile(np.arange(end), (len(block), 1))
        order = np.argsort(-np.take_along_axis(scores, best, axis=1), axis=1, kind="stable")
        best = np.take_along_axis(best, order, axis=1)
        for i, (candidates, n_excluded) in enumerate(zip(best.tolist(), excluded.tolist())):
            a, b, c, expected = questions[start + i]
            ignore = {a, b, c}
            predicted = None
            for row in candidates[: min(k, end - n_excluded)]:
                predicted = keys[row].upper() if case_insensitive else keys[row]
                if predicted in ok and predicted not in ignore:
                    break
            correct[start + i] = predicted == expected
    return correct


def evaluate_word_analogies(
    kv: WordVectors,
    path_or_name: str | os.PathLike = "questions-words",
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
) -> dict:
    """Accuracy on "a is to b as c is to ?" questions, per section and overall.

    The file has ``: section name`` lines followed by ``a b c expected`` lines (the format
    of ``questions-words``). ``restrict_vocab=30000`` gives the C tool's customary setting
    (``C_TOOL_RESTRICT_VOCAB``). Returns ``{"accuracy", "correct", "incorrect", "total",
    "questions", "skipped" (share of questions with an unknown word), "skipped_count",
    "restrict_vocab", "sections": [{"section", "correct", "incorrect", "total",
    "accuracy"}]}``.
    """
    path = resolve_eval_file(path_or_name)
    ok = known_words(kv, restrict_vocab, case_insensitive)
    sections, questions, oov = _read_analogies(path, ok, case_insensitive, dummy4unknown)
    if questions == 0:
        raise InputError(f"{path} contains no analogy questions")
    end = len(kv) if restrict_vocab is None else min(restrict_vocab, len(kv))
    for section in sections:
        if section.questions:
            right = _answer(kv, ok, section.questions, end, case_insensitive)
            section.correct += int(right.sum())
            section.incorrect += int((~right).sum())
    correct = sum(s.correct for s in sections)
    incorrect = sum(s.incorrect for s in sections)
    total = correct + incorrect
    return {
        "accuracy": correct / total if total else 0.0,
        "correct": correct,
        "incorrect": incorrect,
        "total": total,
        "questions": questions,
        "skipped": oov / questions,
        "skipped_count": oov,
        "restrict_vocab": restrict_vocab,
        "sections": [s.as_dict() for s in sections],
    }


# ---- word pairs ----------------------------------------------------------------------------
def evaluate_word_pairs(
    kv: WordVectors,
    path_or_name: str | os.PathLike = "wordsim353",
    restrict_vocab: int | None = 300000,
    case_insensitive: bool = True,
    dummy4unknown: bool = False,
    delimiter: str = "\t",
) -> dict:
    """Correlation of cosine similarities with human scores (``word1<TAB>word2<TAB>score``).

    Lines starting with ``#`` are comments; a first line whose score is not a number is
    taken as a column header. Returns ``{"pearson", "pearson_pvalue", "spearman",
    "spearman_pvalue", "oov_ratio" (share of pairs with an unknown word), "pairs_used",
    "pairs_oov"}``.
    """
    path = resolve_eval_file(path_or_name)
    ok = known_words(kv, restrict_vocab, case_insensitive)
    unit = kv.unit_vectors
    gold: list[float] = []
    model: list[float] = []
    oov = 0
    seen_data = False
    for line_no, line in enumerate(_read_lines(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(delimiter)
        if len(fields) != 3:
            raise InputError(
                f"{path}, line {line_no}: expected 3 fields (word, word, score) separated by "
                f"{delimiter!r}, found {len(fields)}"
            )
        a, b, score = (f.strip() for f in fields)
        try:
            value = float(score)
        except ValueError:
            if not seen_data:  # a column header
                seen_data = True
                continue
            raise InputError(f"{path}, line {line_no}: score {score!r} is not a number") from None
        seen_data = True
        if case_insensitive:
            a, b = a.upper(), b.upper()
        if a not in ok or b not in ok:
            oov += 1
            if dummy4unknown:
                gold.append(value)
                model.append(0.0)
            continue
        gold.append(value)
        model.append(float(unit[ok[a]] @ unit[ok[b]]))
    used = len(gold) - (oov if dummy4unknown else 0)
    if len(gold) < 2:
        raise InputError(
            f"{path}: only {len(gold)} of {len(gold) + (0 if dummy4unknown else oov)} pairs "
            "have both words in the vocabulary; at least 2 are needed for a correlation"
        )
    # imported here: scipy.stats takes most of a second to import, which every training
    # command would otherwise pay at start-up
    from scipy import stats

    pearson = stats.pearsonr(gold, model)
    spearman = stats.spearmanr(gold, model)
    denominator = len(gold) if dummy4unknown else len(gold) + oov
    return {
        "pearson": float(pearson[0]),
        "pearson_pvalue": float(pearson[1]),
        "spearman": float(spearman[0]),
        "spearman_pvalue": float(spearman[1]),
        "oov_ratio": oov / denominator,
        "pairs_used": used,
        "pairs_oov": oov,
    }
