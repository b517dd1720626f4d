"""The word2vec estimator: vocabulary, tables, weights, epochs and model files.

Python does the orchestration (as gensim's ``word2vec.py``); every word goes through the
Numba kernels in ``kernels.py``. The settings are a ``Word2VecParams`` (``params.py``), the
way through the corpus an ``EpochPlan`` (``plan.py``), and each call's figures a
``TrainingReport`` (``reports.py``).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from textseq.corpus import Vocab
from textseq.corpus.counting import count_words
from textseq.corpus.spool import count_and_spool, remap_spool, spool_encode, vocab_table
from textseq.errors import OptionError, VocabError
from textseq.libc import release_free_heap
from textseq.threads import max_threads, numba_threads
from textseq.word2vec import kernels
from textseq.word2vec.corpus_input import LineSentences, training_corpus
from textseq.word2vec.epochs import run_epochs
from textseq.word2vec.gensim_names import (
    BUILD_VOCAB_ARGS,
    CONSTRUCTOR_ARGS,
    TRAIN_ARGS,
    missing_attribute,
    take_gensim_args,
    unknown_keyword,
)
from textseq.word2vec.kernel_inputs import (
    kernel_mode,
    noise_table,
    sample_thresholds,
    warm_up,
)
from textseq.word2vec.keyedvectors import KeyedVectors
from textseq.word2vec.model_files import load_model, save_model
from textseq.word2vec.params import NAMES, Word2VecParams, check_int, settings_as_attributes
from textseq.word2vec.plan import EncodedCorpus, private_rows_per_thread, rows_with_room
from textseq.word2vec.reports import TrainingReport
from textseq.word2vec.vocab_update import fresh_vectors, update_vocab


@settings_as_attributes
class Word2Vec:
    """Skip-gram / CBOW with negative sampling, trained by Numba kernels.

    The settings are the fields of ``Word2VecParams`` (gensim's names and defaults), given
    as keywords and kept in ``params``; each reads and writes as an attribute too
    (``model.window``), as in gensim. ``progress``, ``callbacks`` (functions
    ``callback(model, epoch_report)`` or gensim's ``CallbackAny2Vec`` objects: see
    ``callbacks``) and ``tokenizer`` (how a corpus given by path, or as plain sentences, is
    tokenized) belong to this object only. Learned state, ``None`` until ``build_vocab`` or
    ``load``: ``vocab_`` (a ``Vocab``), ``vectors_`` (input vectors, the word vectors),
    ``syn1neg_`` (output vectors), ``report_`` (the last ``TrainingReport``),
    ``epochs_trained_``; ``corpus_count`` and ``corpus_total_words`` as in gensim; ``wv``
    gives the query object.

    ``shared_negatives`` (skip-gram only, on by default): each centre word draws one set of
    ``negative`` noise words for its whole window, and the output rows it touches are written
    once per window with the window's summed update (as in Ji et al., "Parallelizing
    Word2Vec in Shared and Distributed Memory", 2016). ``False`` draws a fresh set for every
    (context, centre) pair and writes the rows each time, as gensim and the C tool do. The
    shared form scores as gensim does over seeds (``benchmarks/results/``) and is faster,
    above all on two threads, which then write the rows they share several times less often.

    As in gensim, a corpus given to the constructor (``Word2Vec(sentences, min_count=1)``,
    or ``corpus_file=`` a file of space-separated tokens) is trained on at once; without one,
    the constructor only stores the settings, and ``build_vocab`` / ``train`` do the work.
    The settings are keyword-only. gensim's other arguments are taken as ``gensim_names``
    says (``hs=0`` accepted, ``hs=1`` refused by name); ``docs/GENSIM.md`` lists every call.

    >>> model = Word2Vec(min_count=2, epochs=3, progress=False).train("lee")  # doctest: +SKIP
    """

    @property
    def hs(self) -> int:
        """gensim's hierarchical-softmax switch: 0, textseq trains negative sampling only."""
        return 0

    def __init__(
        self,
        sentences=None,
        *,
        corpus_file: str | os.PathLike | None = None,
        progress: bool = True,
        callbacks: Iterable[Callable] = (),
        tokenizer: str = "unicode",
        **settings: Any,
    ):
        take_gensim_args(settings, CONSTRUCTOR_ARGS)
        for name in settings:
            if name not in NAMES:
                raise unknown_keyword("Word2Vec", name, [*NAMES, "corpus_file", "callbacks"])
        self.params = Word2VecParams(**settings)
        self.progress = progress
        self.callbacks = callbacks
        self.tokenizer = tokenizer
        self.vocab_: Vocab | None = None
        self.vectors_: np.ndarray | None = None
        self.syn1neg_: np.ndarray | None = None  # the first rows of _out_rows
        self.keep_threshold_: np.ndarray | None = None
        self.neg_table_: np.ndarray | None = None
        self.report_: TrainingReport | None = None
        self.epochs_trained_ = 0
        self.corpus_count = 0  # sentences of the corpus build_vocab counted (as gensim's)
        self.corpus_total_words = 0  # and its words, rare ones too (as gensim's)
        self._corpus = None  # the corpus build_vocab counted: train's default
        self._encoded = EncodedCorpus()  # its ids (or another corpus's), kept between calls
        self._out_rows: np.ndarray | None = None  # output rows + room for private rows
        self._wv: KeyedVectors | None = None  # the query view, made again when vectors move
        if sentences is not None or corpus_file is not None:
            self.train(sentences, corpus_file=corpus_file)

    def __getattr__(self, name: str) -> Any:
        # only for names not found otherwise: gensim's that textseq lacks say what to use
        raise missing_attribute(self, name)

    def _corpus_arg(self, corpus, corpus_iterable, corpus_file):
        """The one corpus of a call, given as ``corpus``, gensim's ``corpus_iterable`` or
        ``corpus_file`` (``None`` when none is given)."""
        given = [c for c in (corpus, corpus_iterable, corpus_file) if c is not None]
        if len(given) > 1:
            raise OptionError("give one corpus: sentences (corpus_iterable) or corpus_file")
        if corpus_file is None:
            return given[0] if given else None
        known = self._corpus
        if isinstance(known, LineSentences) and os.fspath(known.path) == os.fspath(corpus_file):
            return known  # the file build_vocab read: its ids are kept
        return LineSentences(corpus_file)

    # ---- vocabulary and weights ---------------------------------------------------------
    def build_vocab(
        self,
        corpus=None,
        corpus_file: str | os.PathLike | None = None,
        update: bool = False,
        *,
        corpus_iterable=None,
        **gensim_args: Any,
    ) -> Word2Vec:
        """Count the corpus, apply ``min_count`` / ``max_final_vocab`` / ``max_vocab_size``,
        build the sampling tables and initialise the weights (gensim's scheme, seeded).
        ``update=True`` adds the new words of ``corpus`` to a trained model instead
        (``vocab_update``). Sets ``corpus_count`` and ``corpus_total_words``."""
        take_gensim_args(gensim_args, BUILD_VOCAB_ARGS)
        _no_more_args("build_vocab", gensim_args)
        corpus = self._corpus_arg(corpus, corpus_iterable, corpus_file)
        if corpus is None:
            raise OptionError("build_vocab() needs a corpus (sentences or corpus_file)")
        warm_up()  # compile (or load) the kernels now, so no timed step pays for it
        if update:
            return update_vocab(self, corpus)
        sentences = training_corpus(corpus, self.tokenizer)
        self._encoded.close()
        if self.max_vocab_size is None:
            words, counts, raw = count_and_spool(
                sentences, self.progress, processes=self._threads(warn=False)
            )
            with raw:
                if len(counts) == 0:
                    raise VocabError("the corpus is empty: no tokens were found")
                min_count = self._effective_min_count(counts)
                vocab = Vocab.from_count_array(
                    words, counts, min_count=min_count, unk_token=None, eos_token=None,
                    sentences=raw.num_sentences,
                )  # fmt: skip
                table = vocab_table(vocab.fresh_index(), words)  # -1: dropped
                self._encoded.keep(corpus, remap_spool(raw, table), int(counts.sum()))
                self.corpus_count, self.corpus_total_words = raw.num_sentences, int(counts.sum())
            del words, counts  # every distinct word: free them before the weights exist
        else:
            counts, n_sentences = count_words(sentences, self.max_vocab_size)
            self.corpus_count, self.corpus_total_words = n_sentences, sum(counts.values())
            min_count = self._effective_min_count(np.fromiter(counts.values(), np.int64))
            vocab = Vocab.from_counts(
                counts, min_count=min_count, unk_token=None, eos_token=None, sentences=n_sentences
            )
            del counts
        # the counting pass's dict lies freed in glibc's heap, under later objects that keep
        # it from shrinking: hand it back before the weights are allocated
        release_free_heap()
        return self._start_weights(vocab, corpus)

    def _start_weights(self, vocab: Vocab, corpus) -> Word2Vec:
        """Take ``vocab`` (counted from ``corpus``) and make fresh weights for it."""
        self._set_vocab(vocab)
        # gensim 4's scheme, uniform in [-1, 1) / vector_size (the C tool's range is half
        # that), which scores as gensim does; made in place, with no second or third copy
        rng = np.random.default_rng(self.seed)
        self.vectors_ = fresh_vectors(rng, len(vocab), self.vector_size)
        # zeros, with room for the threads' copies of the frequent words' rows (train warns)
        self.syn1neg_ = self._out_rows = None
        threads = self._threads(warn=False)
        self._output_rows_with_room(threads, self._own_rows(threads))
        self.epochs_trained_ = 0
        self._corpus = corpus
        self._wv = None
        return self

    def build_vocab_from_freq(
        self, word_freq: dict[str, int], corpus_count: int | None = None, **gensim_args: Any
    ) -> Word2Vec:
        """The vocabulary from word counts instead of a corpus, as gensim's method of that
        name (``min_count`` / ``max_final_vocab`` apply); ``train`` then needs a corpus.
        ``corpus_count`` sets that attribute (sentences are not counted here)."""
        update = gensim_args.pop("update", False)
        take_gensim_args(gensim_args, BUILD_VOCAB_ARGS)
        _no_more_args("build_vocab_from_freq", gensim_args)
        if update:
            raise OptionError("build_vocab_from_freq(update=True): use build_vocab(sentences, "
                              "update=True), which counts the new corpus")  # fmt: skip
        counts = np.fromiter(word_freq.values(), np.int64, len(word_freq))
        if len(counts) == 0:
            raise VocabError("word_freq is empty: no words to build a vocabulary from")
        min_count = self._effective_min_count(counts)
        vocab = Vocab.from_counts(word_freq, min_count=min_count, unk_token=None, eos_token=None)
        warm_up()
        self._encoded.close()
        self.corpus_count, self.corpus_total_words = int(corpus_count or 0), int(counts.sum())
        return self._start_weights(vocab, None)

    def _effective_min_count(self, counts: np.ndarray) -> int:
        """gensim's rule: ``max_final_vocab`` raises ``min_count`` just above the count of
        the first word that would not fit."""
        if self.max_final_vocab is None or self.max_final_vocab >= len(counts):
            return self.min_count
        ranked = np.sort(counts)[::-1]
        return max(self.min_count, int(ranked[self.max_final_vocab]) + 1)

    def _set_vocab(self, vocab: Vocab) -> None:
        self.vocab_ = vocab
        counts = vocab.counts
        if len(counts) == 0 or counts.min() < 1:
            raise VocabError("the vocabulary is empty or has words with zero count")
        self.keep_threshold_ = sample_thresholds(counts, self.sample)
        self.neg_table_ = noise_table(counts, self.ns_exponent)

    def _own_rows(self, threads: int) -> int:
        """How many of the most frequent words' output rows each thread but the first trains
        in its own copy (``plan.private_rows_per_thread``)."""
        return private_rows_per_thread(
            threads, kernel_mode(self.params), self.window, self.vocab_.counts,
            self.keep_threshold_, self.negative, self.ns_exponent,
        )  # fmt: skip

    def _output_rows_with_room(self, threads: int, own_count: int) -> np.ndarray:
        """The output vectors with room after them for the threads' private rows
        (``plan.rows_with_room``), ``syn1neg_`` being the first rows: moved into a larger
        array (once) when the model was loaded or built for fewer threads."""
        words = len(self.vocab_)
        rows = rows_with_room(
            self.syn1neg_, self._out_rows, words, self.vector_size, threads, own_count
        )
        if rows is not self._out_rows:
            self._out_rows, self.syn1neg_ = rows, rows[:words]
        return rows

    # ---- training -----------------------------------------------------------------------
    @property
    def syn1neg(self) -> np.ndarray | None:
        """gensim's name for ``syn1neg_``, the output vectors."""
        return self.syn1neg_

    @property
    def thread_count(self) -> int:
        """The threads ``train`` uses: ``workers`` (default: every core), at most as many
        as Numba may use."""
        return self._threads(warn=False)

    def _threads(self, warn: bool = True) -> int:
        wanted = self.workers if self.workers is not None else max_threads()
        if wanted > max_threads():
            if warn:
                warnings.warn(
                    f"workers={wanted} but Numba allows {max_threads()} threads "
                    "(NUMBA_NUM_THREADS); using that many",
                    stacklevel=3,
                )
            wanted = max_threads()
        return wanted

    def train(
        self,
        corpus=None,
        *,
        corpus_iterable=None,
        corpus_file: str | os.PathLike | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
        epochs: int | None = None,
        start_alpha: float | None = None,
        end_alpha: float | None = None,
        compute_loss: bool | None = None,
        callbacks: Iterable[Callable] | None = None,
        **gensim_args: Any,
    ) -> Word2Vec:
        """Train ``epochs`` passes (default: the model's ``epochs``) over ``corpus`` (gensim:
        ``corpus_iterable`` or ``corpus_file``; default: the corpus given to ``build_vocab``,
        which is built first when there is none). Returns ``self``; the report is in
        ``report_``. The learning rate falls linearly from ``alpha`` to ``min_alpha`` over
        this call's words, as gensim's ``train``; ``start_alpha`` / ``end_alpha`` replace
        those two settings, ``compute_loss`` and ``callbacks`` the model's (as in gensim,
        but left as they are when not given).

        ``total_examples`` / ``total_words`` are taken so that gensim's usual call,
        ``train(sentences, total_examples=model.corpus_count, epochs=model.epochs)``, runs
        unchanged. gensim plans its learning rate with them; textseq counts the corpus
        exactly while it encodes it, so they change nothing, and a total that differs from
        the corpus's sentences (or words) gives a warning, as gensim's log does."""
        take_gensim_args(gensim_args, TRAIN_ARGS)
        _no_more_args("train", gensim_args)
        for name, value in (("total_examples", total_examples), ("total_words", total_words)):
            if value is not None:
                check_int(name, value, low=0)
        epochs = self.epochs if epochs is None else epochs
        check_int("epochs", epochs)
        rates = {"alpha": start_alpha, "min_alpha": end_alpha}
        rates = {name: rate for name, rate in rates.items() if rate is not None}
        if rates:  # a rate not given stays as it was given, or follows the rules of params
            self.params = self.params.replace(**rates)
        if compute_loss is not None:
            self.compute_loss = bool(compute_loss)
        if callbacks is not None:
            self.callbacks = callbacks
        corpus = self._corpus_arg(corpus, corpus_iterable, corpus_file)
        if self.vocab_ is None:
            if corpus is None:
                raise OptionError("train() needs a corpus when no vocabulary was built")
            self.build_vocab(corpus)
        if corpus is None:
            corpus = self._corpus
            if corpus is None:
                raise OptionError(
                    "pass a corpus to train(): this model has a vocabulary but no corpus "
                    "(it was loaded, or built from word counts)"
                )
        threads = self._threads()
        report = TrainingReport(
            threads=threads, vocab_size=len(self.vocab_), corpus_words=0,
            compile_seconds=warm_up(),
        )  # fmt: skip
        start = time.perf_counter()
        if not self._encoded.holds(corpus):
            self._encoded.close()
            sentences = training_corpus(corpus, self.tokenizer)
            ids = spool_encode(
                sentences, self.vocab_.fresh_index(), self.progress, processes=threads
            )
            self._encoded.keep(corpus, ids, ids.raw_words)
        self._encoded.check_totals(total_examples, total_words)
        plan = self._encoded.planned()
        report.corpus_words = plan.num_words
        report.encode_seconds = time.perf_counter() - start
        if plan.num_words == 0:
            raise VocabError("no word of the corpus is in the vocabulary: nothing to train")
        self.report_ = report
        self._wv = None
        own_count = self._own_rows(threads)
        weights = kernels.Weights(self.vectors_, self._output_rows_with_room(threads, own_count))
        with numba_threads(threads):
            run_epochs(self, plan, weights, own_count, report, int(epochs), start)
        return self

    def get_latest_training_loss(self) -> float:
        """The loss summed over the epochs of the last (or current) ``train`` call, as
        gensim's method of that name; 0.0 before training or with ``compute_loss=False``."""
        if self.report_ is None:
            return 0.0
        return math.fsum(e.loss for e in self.report_.epochs)

    # ---- queries ------------------------------------------------------------------------
    @property
    def wv(self) -> KeyedVectors:
        """The word vectors as a ``KeyedVectors`` (queries, word2vec file formats)."""
        self._require_trained()
        if self._wv is None:
            self._wv = KeyedVectors(list(self.vocab_.words), self.vectors_, self.vocab_.counts)
        return self._wv

    def predict_output_word(
        self, context_words: Sequence[str], topn: int = 10
    ) -> list[tuple[str, float]]:
        """The ``topn`` most likely centre words for ``context_words``, with probabilities,
        as gensim's method of that name: the context's input vectors are averaged (summed
        when ``cbow_mean=0``), scored against every output vector, and the scores turned
        into probabilities by a softmax over the vocabulary. Negative sampling never trains
        that softmax, so the probabilities rank words well but are not calibrated.

        Context words outside the vocabulary are left out, as gensim does; when none is
        known, ``UnknownWordError`` names the first with its nearest spellings."""
        self._require_trained()
        check_int("topn", topn)
        if isinstance(context_words, str):
            context_words = [context_words]
        if len(context_words) == 0:
            raise OptionError("predict_output_word needs at least one context word")
        wv = self.wv
        rows = [wv.key_to_index[w] for w in context_words if w in wv.key_to_index]
        if not rows:
            wv.get_index(context_words[0])  # raises UnknownWordError with suggestions
        hidden = self.vectors_[rows].sum(axis=0, dtype=np.float64)
        if self.cbow_mean:
            hidden /= len(rows)
        # a float32 product (no float64 copy of the output matrix), the softmax in float64
        scores = (self.syn1neg_ @ hidden.astype(np.float32)).astype(np.float64)
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        top = np.argsort(-probs, kind="stable")[:topn]
        return [(wv.index_to_key[i], float(probs[i])) for i in top]

    def _require_trained(self) -> None:
        if self.vectors_ is None:
            raise OptionError("this model has no vocabulary yet: call build_vocab() or train()")

    # ---- files --------------------------------------------------------------------------
    def get_params(self) -> dict:
        """The settings by name (``Word2VecParams.to_dict``)."""
        return self.params.to_dict()

    def save(self, path: str | os.PathLike) -> None:
        """Write the model folder (``model_files``: config, vocabulary and weights, no
        pickle) atomically."""
        self._require_trained()
        save_model(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike, **overrides) -> Word2Vec:
        """Read a model folder written by ``save``; ``overrides`` replace saved settings
        (e.g. ``workers`` or ``progress``). Everything is checked against everything else.
        gensim's pickled ``save`` files are refused with what to do instead."""
        return load_model(cls, path, overrides)

    def __repr__(self) -> str:
        state = f"{len(self.vocab_)} words" if self.vocab_ is not None else "untrained"
        kind = "skip-gram" if self.sg else "CBOW"
        return f"Word2Vec({kind}, vector_size={self.vector_size}, {state})"


def _no_more_args(method: str, rest: dict[str, Any]) -> None:
    """Python's ``TypeError`` for a keyword neither textseq nor gensim takes."""
    if rest:
        raise unknown_keyword(method, next(iter(rest)), list(TRAIN_KEYWORDS))


TRAIN_KEYWORDS = ("corpus_iterable", "corpus_file", "total_examples", "total_words", "epochs",
                  "start_alpha", "end_alpha", "compute_loss", "callbacks", "update")  # fmt: skip
