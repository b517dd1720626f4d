"""Train textseq and gensim side by side on the same corpus and settings, and compare.

Both systems run one after the other in this process, with the same thread count and seed,
on the same sentences: the corpus is read and tokenized once, before any timing, and the same
in-memory token lists go to both (so neither pays for file reading or tokenizing). For each
system the vocabulary step and the training step are timed apart; *effective words/s* is the
number of words kept after frequent-word subsampling divided by the training wall time, the
figure gensim logs (textseq's training time includes encoding the corpus to ids once).

Peak memory is the growth of the process's peak resident set (``VmHWM``, reset through
``/proc/self/clear_refs`` before each system) over the resident set at the system's start
(after ``malloc_trim``, with glibc's mmap threshold fixed so freed arrays leave the process);
it is ``None`` where Linux does not offer that.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from textseq.corpus import open_corpus
from textseq.datasets import eval_path
from textseq.errors import InputError, OptionError
from textseq.libc import libc, release_free_heap
from textseq.threads import max_threads
from textseq.word2vec.evaluation import evaluate_word_analogies, evaluate_word_pairs
from textseq.word2vec.kernel_inputs import warm_up
from textseq.word2vec.keyedvectors import KeyedVectors
from textseq.word2vec.model import Word2Vec
from textseq.word2vec.params import DEFAULTS, GENSIM_NAMES, NAMES, Word2VecParams

PAIR_SETS = ("wordsim353", "simlex999")
ANALOGY_SET = "questions-words"


@dataclass
class SystemResult:
    """One system's run: times in seconds, memory in MiB, scores as fractions."""

    system: str
    vocab_size: int
    vocab_seconds: float
    train_seconds: float
    effective_words: int
    raw_words: int
    compile_seconds: float | None = None
    peak_memory_mib: float | None = None
    analogy_accuracy: float | None = None
    analogy_skipped: float | None = None
    pairs: dict[str, float] = field(default_factory=dict)  # set name -> Spearman

    @property
    def words_per_second(self) -> float:
        return self.effective_words / self.train_seconds if self.train_seconds > 0 else np.nan


@dataclass
class Comparison:
    """The side-by-side result; ``table()`` renders it as Markdown."""

    settings: dict
    corpus: str
    order: list[str]
    textseq: SystemResult
    gensim: SystemResult
    neighbour_overlap: dict[str, float]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    shared_negatives: bool = True  # textseq's skip-gram form (see ``Word2Vec``)

    @property
    def speed_ratio(self) -> float:
        return self.textseq.words_per_second / self.gensim.words_per_second

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("textseq", "gensim"):
            data[name]["words_per_second"] = getattr(self, name).words_per_second
        data["speed_ratio"] = self.speed_ratio
        return data

    def table(self) -> str:
        t, g = self.textseq, self.gensim

        def num(x, fmt):
            return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else fmt.format(x)

        def ratio(a, b):
            return num(a / b if a is not None and b else None, "{:.2f}x")

        def diff(a, b, fmt):
            return num(a - b if a is not None and b is not None else None, fmt)

        rows = [
            ("vocabulary", f"{t.vocab_size:,}", f"{g.vocab_size:,}", ""),
            ("vocab build (s)", num(t.vocab_seconds, "{:.2f}"), num(g.vocab_seconds, "{:.2f}"),
             ratio(g.vocab_seconds, t.vocab_seconds)),
            ("train wall time (s)", num(t.train_seconds, "{:.2f}"), num(g.train_seconds, "{:.2f}"),
             ratio(g.train_seconds, t.train_seconds)),
            ("effective words", f"{t.effective_words:,}", f"{g.effective_words:,}", ""),
            ("effective words/s", num(t.words_per_second, "{:,.0f}"),
             num(g.words_per_second, "{:,.0f}"), ratio(t.words_per_second, g.words_per_second)),
            ("compile/cache load (s)", num(t.compile_seconds, "{:.2f}"), "-", ""),
            ("peak memory growth (MiB)", num(t.peak_memory_mib, "{:.1f}"),
             num(g.peak_memory_mib, "{:.1f}"), ratio(t.peak_memory_mib, g.peak_memory_mib)),
            ("analogy accuracy (%)", num(_pct(t.analogy_accuracy), "{:.2f}"),
             num(_pct(g.analogy_accuracy), "{:.2f}"),
             diff(_pct(t.analogy_accuracy), _pct(g.analogy_accuracy), "{:+.2f} pt")),
            ("analogy questions skipped (%)", num(_pct(t.analogy_skipped), "{:.1f}"),
             num(_pct(g.analogy_skipped), "{:.1f}"), ""),
        ]  # fmt: skip
        for name in sorted(set(t.pairs) | set(g.pairs)):
            a, b = t.pairs.get(name), g.pairs.get(name)
            rows.append(
                (f"{name} Spearman", num(a, "{:.3f}"), num(b, "{:.3f}"), diff(a, b, "{:+.3f}"))
            )
        if self.neighbour_overlap:
            mean = float(np.mean(list(self.neighbour_overlap.values())))
            detail = ", ".join(f"{w} {v:.1f}" for w, v in self.neighbour_overlap.items())
            rows.append(("top-10 neighbour overlap", f"{mean:.2f} mean", detail, ""))
        lines = ["| | textseq | gensim | textseq vs gensim |", "|---|---:|---:|---:|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
        return "\n".join(lines)


def _pct(x):
    return None if x is None else 100.0 * x


def _status() -> dict[str, int]:
    fields = {}
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    key, value = line.split(":")
                    fields[key] = int(value.split()[0])  # kB
    except OSError:
        pass
    return fields


def fix_malloc_threshold() -> None:
    """Make glibc give large blocks back to the system when freed (fixed mmap threshold).

    By default glibc raises its mmap threshold after a large block is freed, so the next
    system would reuse memory the first one left in the heap and look smaller than it is;
    with the threshold fixed, each system's peak is measured from a clean start.
    """
    lib = libc()
    if lib is not None and hasattr(lib, "mallopt"):
        lib.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD


class _PeakMemory:
    """Peak RSS growth over a block, in MiB (Linux only, else None)."""

    def __enter__(self):
        gc.collect()
        release_free_heap()  # so the baseline is what is in use
        try:
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")  # resets VmHWM to the current RSS
            self.start = _status().get("VmRSS")
        except OSError:
            self.start = None
        self.mib = None
        return self

    def __exit__(self, *exc):
        peak = _status().get("VmHWM")
        if self.start is not None and peak is not None:
            self.mib = (peak - self.start) / 1024.0
        return False


def _params(overrides: dict) -> Word2VecParams:
    """textseq's settings: the defaults with ``overrides``, ``workers`` resolved to a
    thread count (gensim gets the ones it shares, ``params.GENSIM_NAMES``)."""
    unknown = set(overrides) - set(NAMES)
    if unknown:
        raise OptionError(f"compare_with_gensim got unknown settings {sorted(unknown)}")
    params = DEFAULTS.replace(**overrides)
    if params.workers is None:
        params = params.replace(workers=max_threads())
    return params


def _run_textseq(sentences, params: Word2VecParams, evaluate) -> tuple[SystemResult, object]:
    model = Word2Vec(progress=False, **params.to_dict())
    warm_up()  # compile time is reported apart, and its memory is not the trainer's
    with _PeakMemory() as mem:
        start = time.perf_counter()
        model.build_vocab(sentences)
        vocab_seconds = time.perf_counter() - start
        model.train(sentences)
    report = model.report_
    result = SystemResult(
        system="textseq",
        vocab_size=len(model.vocab_),
        vocab_seconds=vocab_seconds,
        train_seconds=report.seconds,
        effective_words=report.effective_words,
        raw_words=report.raw_words,
        compile_seconds=report.compile_seconds,
        peak_memory_mib=mem.mib,
    )
    kv = model.wv
    if evaluate:
        scores = evaluate_word_analogies(kv, ANALOGY_SET)
        result.analogy_accuracy = scores["accuracy"]
        result.analogy_skipped = scores["skipped"]
        for name in PAIR_SETS:
            try:
                result.pairs[name] = evaluate_word_pairs(kv, name)["spearman"]
            except InputError:  # too few pairs known on a tiny corpus
                result.pairs[name] = float("nan")
    return result, kv


def _run_gensim(sentences, settings, evaluate, questions) -> tuple[SystemResult, object]:
    import logging

    from gensim.models import Word2Vec as GensimWord2Vec

    logging.getLogger("gensim").setLevel(logging.WARNING)
    model = GensimWord2Vec(hs=0, **settings)
    with _PeakMemory() as mem:
        start = time.perf_counter()
        model.build_vocab(sentences)
        vocab_seconds = time.perf_counter() - start
        start = time.perf_counter()
        effective, raw = model.train(
            sentences, total_examples=model.corpus_count, epochs=model.epochs
        )
        train_seconds = time.perf_counter() - start
    result = SystemResult(
        system="gensim",
        vocab_size=len(model.wv),
        vocab_seconds=vocab_seconds,
        train_seconds=train_seconds,
        effective_words=int(effective),
        raw_words=int(raw),
        peak_memory_mib=mem.mib,
    )
    kv = model.wv
    if evaluate:
        score, sections = kv.evaluate_word_analogies(str(eval_path(ANALOGY_SET)))
        result.analogy_accuracy = float(score)
        total = sections[-1]
        answered = len(total["correct"]) + len(total["incorrect"])
        result.analogy_skipped = 1.0 - answered / questions if questions else None
        for name in PAIR_SETS:
            try:
                _, spearman, _ = kv.evaluate_word_pairs(str(eval_path(name)))
                result.pairs[name] = float(spearman[0])
            except (ValueError, ZeroDivisionError):
                result.pairs[name] = float("nan")
    del model
    return result, kv


def _count_questions() -> int:
    with open(eval_path(ANALOGY_SET), encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip() and not line.startswith(":"))


def neighbour_overlap(kv_a, kv_b, words: Iterable[str], topn: int = 10) -> dict[str, float]:
    """Share of each word's ``topn`` nearest neighbours that both vector sets agree on."""
    out = {}
    for word in words:
        a = {w for w, _ in kv_a.most_similar(word, topn=topn)}
        b = {w for w, _ in kv_b.most_similar(word, topn=topn)}
        out[word] = len(a & b) / topn
    return out


def probe_words(kv, other, count: int = 5, skip: int = 20, step: int = 20) -> list[str]:
    """A few frequent words (past the first ``skip``, mostly function words) known to both."""
    words = []
    for i in range(skip, len(kv.index_to_key), step):
        word = kv.index_to_key[i]
        if word in other.key_to_index:
            words.append(word)
        if len(words) == count:
            break
    return words


def compare_with_gensim(
    corpus,
    order: Sequence[str] = ("textseq", "gensim"),
    evaluate: bool = True,
    tokenizer: str = "unicode",
    **settings,
) -> Comparison:
    """Train both systems on ``corpus`` (a ``Corpus``, path, built-in name or token lists)
    with the same ``settings`` (any of ``Word2VecParams``, by gensim's names; gensim gets
    the ones it shares; ``workers`` defaults to every core) and return a ``Comparison``.
    ``order`` says which system runs first; ``shared_negatives`` picks textseq's skip-gram
    form (``False``: gensim's own, fresh negatives per pair)."""
    if sorted(order) != ["gensim", "textseq"]:
        raise OptionError(f"order must name textseq and gensim once each, got {list(order)}")
    params = _params(settings)
    settings = {name: getattr(params, name) for name in GENSIM_NAMES}
    fix_malloc_threshold()
    if isinstance(corpus, list):  # already token lists in memory (benchmarks load once)
        sentences = corpus
    else:
        sentences = list(open_corpus(corpus, tokenizer=tokenizer))
    if not sentences:
        raise InputError("the corpus has no sentences")
    questions = _count_questions() if evaluate else 0
    load_before = os.getloadavg()
    results, vectors = {}, {}
    for system in order:
        if system == "textseq":
            results[system], vectors[system] = _run_textseq(sentences, params, evaluate)
        else:
            results[system], vectors[system] = _run_gensim(sentences, settings, evaluate, questions)
        gc.collect()
    load_after = os.getloadavg()
    overlap = {}
    if evaluate:
        gensim_kv = KeyedVectors.from_gensim(vectors["gensim"])
        words = probe_words(vectors["textseq"], gensim_kv)
        overlap = neighbour_overlap(vectors["textseq"], gensim_kv, words)
    name = corpus if isinstance(corpus, str) else f"{len(sentences):,} sentences"
    return Comparison(
        settings=settings,
        corpus=str(name),
        order=list(order),
        textseq=results["textseq"],
        gensim=results["gensim"],
        neighbour_overlap=overlap,
        load_before=load_before,
        load_after=load_after,
        shared_negatives=params.shared_negatives,
    )
