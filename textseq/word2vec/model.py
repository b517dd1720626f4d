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
from tqdm.auto import tqdm

from textseq.corpus import Vocab, open_corpus
from textseq.corpus.counting import count_words
from textseq.corpus.spool import count_and_spool, remap_spool, spool_encode, vocab_table
from textseq.errors import ModelFileError, OptionError, VocabError
from textseq.files import load_npz, save_json, save_npz
from textseq.libc import release_free_heap
from textseq.modelfolder import ModelFolder
from textseq.threads import max_threads, numba_threads
from textseq.word2vec import kernels
from textseq.word2vec.kernel_inputs import (
    kernel_mode,
    kernel_settings,
    noise_table,
    sample_thresholds,
    warm_up,
)
from textseq.word2vec.keyedvectors import KeyedVectors
from textseq.word2vec.params import NAMES, Word2VecParams, check_int, settings_as_attributes
from textseq.word2vec.plan import EncodedCorpus, EpochPlan, private_rows_per_thread, rows_with_room
from textseq.word2vec.reports import EpochReport, TrainingReport

FORMAT = "textseq-word2vec"
FORMAT_VERSION = 1


@settings_as_attributes
class Word2Vec:
    """Skip-gram / CBOW with negative sampling, trained by Numba kernels.

    The settings are the fields of ``Word2VecParams`` (gensim's names and defaults), given
    as keywords and kept in ``params``; each reads and writes as an attribute too
    (``model.window``), as in gensim. ``progress``, ``callbacks`` (called as
    ``callback(model, epoch_report)`` or ``callback.on_epoch_end(model, epoch_report)``)
    and ``tokenizer`` (how a corpus given by path is read) belong to this object only.
    Learned state, ``None`` until ``build_vocab`` or ``load``: ``vocab_`` (a ``Vocab``),
    ``vectors_`` (input vectors, the word vectors), ``syn1neg_`` (output vectors),
    ``report_`` (the last ``TrainingReport``), ``epochs_trained_``; ``wv`` gives the query
    object.

    ``shared_negatives`` (skip-gram only, on by default): each centre word draws one set of
    ``negative`` noise words for its whole window, and the output rows it touches are written
    once per window with the window's summed update (as in Ji et al., "Parallelizing
    Word2Vec in Shared and Distributed Memory", 2016). ``False`` draws a fresh set for every
    (context, centre) pair and writes the rows each time, as gensim and the C tool do. The
    shared form scores as gensim does over seeds (``benchmarks/results/``) and is faster,
    above all on two threads, which then write the rows they share several times less often.

    As in gensim, a corpus given to the constructor (``Word2Vec(sentences, min_count=1)``)
    is trained on at once; without one, the constructor only stores the settings, and
    ``build_vocab`` / ``train`` do the work. The settings are keyword-only.

    >>> model = Word2Vec(min_count=2, epochs=3, progress=False).train("lee")  # doctest: +SKIP
    """

    def __init__(
        self,
        sentences=None,
        *,
        progress: bool = True,
        callbacks: Iterable[Callable] = (),
        tokenizer: str = "unicode",
        **settings: Any,
    ):
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
        self._corpus = None  # the corpus build_vocab counted: train's default
        self._encoded = EncodedCorpus()  # its ids (or another corpus's), kept between calls
        self._out_rows: np.ndarray | None = None  # output rows + room for private rows
        self._wv: KeyedVectors | None = None  # the query view, made again when vectors move
        if sentences is not None:
            self.train(sentences)

    # ---- vocabulary and weights ---------------------------------------------------------
    def build_vocab(self, corpus) -> Word2Vec:
        """Count the corpus, apply ``min_count`` / ``max_final_vocab`` / ``max_vocab_size``,
        build the sampling tables and initialise the weights (gensim's scheme, seeded)."""
        warm_up()  # compile (or load) the kernels now, so no timed step pays for it
        sentences = open_corpus(corpus, tokenizer=self.tokenizer)
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
                self._encoded.keep(corpus, remap_spool(raw, table))
            del words, counts  # every distinct word: free them before the weights exist
        else:
            counts, n_sentences = count_words(sentences, self.max_vocab_size)
            min_count = self._effective_min_count(np.fromiter(counts.values(), np.int64))
            vocab = Vocab.from_counts(
                counts, min_count=min_count, unk_token=None, eos_token=None, sentences=n_sentences
            )
            del counts
        # the counting pass's dict lies freed in glibc's heap, under later objects that keep
        # it from shrinking: hand it back before the weights are allocated
        release_free_heap()
        self._set_vocab(vocab)
        rng = np.random.default_rng(self.seed)
        shape = (len(vocab), self.vector_size)
        # gensim 4's scheme, uniform in [-1, 1) / vector_size (the C tool's range is half
        # that), which scores as gensim does; made in place, with no second or third copy
        self.vectors_ = rng.random(shape, dtype=np.float32)
        self.vectors_ *= np.float32(2.0)
        self.vectors_ -= np.float32(1.0)
        self.vectors_ /= np.float32(self.vector_size)
        # zeros, with room for the threads' copies of the frequent words' rows (train warns)
        self.syn1neg_ = self._out_rows = None
        threads = self._threads(warn=False)
        self._output_rows_with_room(threads, self._own_rows(threads))
        self.epochs_trained_ = 0
        self._corpus = corpus
        self._wv = None
        return self

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
        epochs: int | None = None,
        total_examples: int | None = None,
        total_words: int | None = None,
    ) -> Word2Vec:
        """Train ``epochs`` passes (default: the model's ``epochs``) over ``corpus`` (default:
        the one given to ``build_vocab``; the vocabulary is built first when there is none).
        Returns ``self``; the report is in ``report_``. The learning rate falls linearly from
        ``alpha`` to ``min_alpha`` over this call's words, as gensim's ``train``.

        ``total_examples`` / ``total_words`` are accepted so that gensim's usual call,
        ``train(sentences, total_examples=model.corpus_count, epochs=model.epochs)``, runs
        unchanged. gensim needs them to plan its learning rate; textseq counts the corpus
        exactly while it encodes it, so it only checks them."""
        for name, value in (("total_examples", total_examples), ("total_words", total_words)):
            if value is not None:
                check_int(name, value, low=0)
        epochs = self.epochs if epochs is None else epochs
        check_int("epochs", epochs)
        if self.vocab_ is None:
            if corpus is None:
                raise OptionError("train() needs a corpus when no vocabulary was built")
            self.build_vocab(corpus)
        if corpus is None:
            corpus = self._corpus
            if corpus is None:
                raise OptionError("this model was loaded from disk: pass a corpus to train()")
        threads = self._threads()
        report = TrainingReport(
            threads=threads, vocab_size=len(self.vocab_), corpus_words=0,
            compile_seconds=warm_up(),
        )  # fmt: skip
        start = time.perf_counter()
        if not self._encoded.holds(corpus):
            self._encoded.close()
            sentences = open_corpus(corpus, tokenizer=self.tokenizer)
            ids = spool_encode(
                sentences, self.vocab_.fresh_index(), self.progress, processes=threads
            )
            self._encoded.keep(corpus, ids)
        plan = self._encoded.planned()
        report.corpus_words = plan.num_words
        report.encode_seconds = time.perf_counter() - start
        if plan.num_words == 0:
            raise VocabError("no word of the corpus is in the vocabulary: nothing to train")
        self.report_ = report
        self._wv = None
        with numba_threads(threads):
            self._run_epochs(plan, report, int(epochs))
        report.seconds = time.perf_counter() - start
        return self

    def _run_epochs(self, plan: EpochPlan, report: TrainingReport, epochs: int) -> None:
        blocks = plan.calls(report.threads)
        ids_buffer, seg_buffer = plan.buffers(blocks)
        corpus_words = plan.num_words
        total_words = corpus_words * epochs
        # per chunk, rewritten each epoch; the epoch's loss is their exact sum (math.fsum),
        # so how the chunks are cut into calls cannot change its bits
        chunk_loss = np.zeros(plan.num_chunks, np.float64)
        chunk_eff = np.zeros(plan.num_chunks, np.int64)
        callbacks = list(self.callbacks or ())
        own_count = self._own_rows(report.threads)
        weights = kernels.Weights(
            self.vectors_, self._output_rows_with_room(report.threads, own_count)
        )
        bar = tqdm(
            total=total_words, unit=" words", unit_scale=True, disable=not self.progress,
            desc="word2vec", dynamic_ncols=True,
        )  # fmt: skip
        with bar:
            for epoch in range(epochs):
                epoch_start = time.perf_counter()
                # read each epoch: a callback may change a setting (or the tables) between two
                tables = kernels.Tables(self.keep_threshold_, self.neg_table_)
                settings = kernel_settings(self.params, total_words, report.threads, own_count)
                # the chunks' generators are seeded by the model's epoch count, not this
                # call's: a second train() call (or one after load) draws fresh subsamples,
                # windows and noise words instead of replaying the first call's
                seed_epoch = self.epochs_trained_
                for lo, hi in blocks:
                    ids, seg, chunks, word_lo = plan.read_block(lo, hi, ids_buffer, seg_buffer)
                    block = kernels.Block(
                        ids, seg, chunks, 0, hi - lo, chunk_base=lo, epoch=seed_epoch,
                        words_done=epoch * corpus_words + word_lo,
                    )  # fmt: skip
                    kernels.train_chunks(
                        weights, tables, settings, block, chunk_loss[lo:hi], chunk_eff[lo:hi]
                    )
                    effective = int(chunk_eff[:hi].sum())
                    elapsed = time.perf_counter() - epoch_start
                    postfix = {"epoch": f"{epoch + 1}/{epochs}"}
                    postfix["eff words/s"] = f"{effective / max(elapsed, 1e-9):,.0f}"
                    if self.compute_loss:
                        postfix["loss"] = f"{chunk_loss[:hi].sum() / max(effective, 1):.4f}"
                    bar.set_postfix(postfix, refresh=False)
                    bar.update(len(ids))
                info = EpochReport(
                    epoch=self.epochs_trained_ + 1, raw_words=corpus_words,
                    effective_words=int(chunk_eff.sum()),
                    seconds=time.perf_counter() - epoch_start, loss=math.fsum(chunk_loss),
                )  # fmt: skip
                report.epochs.append(info)
                self.epochs_trained_ += 1
                self._wv = None  # the vectors moved: a callback must not see cached norms
                for callback in callbacks:
                    if hasattr(callback, "on_epoch_end"):
                        callback.on_epoch_end(self, info)
                    else:
                        callback(self, info)

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
        """Write the model folder (``ModelFolder``: config, vocabulary, weights) atomically."""
        self._require_trained()
        with ModelFolder(path).writing() as folder:
            config = {
                "format": FORMAT,
                "version": FORMAT_VERSION,
                "params": self.get_params(),
                "tokenizer": self.tokenizer,
                "vocab_size": len(self.vocab_),
                "epochs_trained": int(self.epochs_trained_),
            }
            if self.report_ is not None:
                config["last_report"] = self.report_.to_dict()
            save_json(folder.config, config)
            self.vocab_.save(folder.vocab)
            save_npz(folder.weights, {"vectors": self.vectors_, "syn1neg": self.syn1neg_})

    @classmethod
    def load(cls, path: str | os.PathLike, **overrides) -> Word2Vec:
        """Read a model folder written by ``save``; ``overrides`` replace saved settings
        (e.g. ``workers`` or ``progress``). Everything is checked against everything else."""
        folder = ModelFolder(path)
        config = folder.read_config(FORMAT, FORMAT_VERSION, "word2vec model")
        params = dict(config.get("params") or {})
        unknown = set(params) - set(NAMES)
        if unknown:
            raise ModelFileError(f"{folder.config} has unknown settings {sorted(unknown)}")
        params.update(overrides)
        try:
            model = cls(tokenizer=config.get("tokenizer", "unicode"), **params)
        except OptionError as exc:
            raise ModelFileError(f"{folder.config}: {exc}") from None
        try:
            vocab = Vocab.load(folder.vocab)
        except VocabError as exc:
            raise ModelFileError(f"{folder.path}: {exc}") from None
        if vocab.num_specials:
            raise ModelFileError(f"{folder.vocab} has special tokens; word2vec uses none")
        arrays = load_npz(
            folder.weights, expected={"vectors": ("f", 2), "syn1neg": ("f", 2)},
            what="model weights",
        )  # fmt: skip
        shape = (len(vocab), model.vector_size)
        for name in ("vectors", "syn1neg"):
            arr = arrays[name]
            if arr.shape != shape or arr.dtype != np.float32:
                raise ModelFileError(
                    f"{folder.weights}: {name} has shape {arr.shape} and dtype {arr.dtype}, "
                    f"expected {shape} float32 (vocabulary size x vector_size)"
                )
        if config.get("vocab_size") != len(vocab):
            raise ModelFileError(
                f"{folder.path}: config says {config.get('vocab_size')} words, "
                f"{folder.vocab.name} has {len(vocab)}"
            )
        model._set_vocab(vocab)
        model.vectors_ = np.ascontiguousarray(arrays["vectors"])
        model.syn1neg_ = np.ascontiguousarray(arrays["syn1neg"])
        model.epochs_trained_ = int(config.get("epochs_trained", 0))
        return model

    def __repr__(self) -> str:
        state = f"{len(self.vocab_)} words" if self.vocab_ is not None else "untrained"
        kind = "skip-gram" if self.sg else "CBOW"
        return f"Word2Vec({kind}, vector_size={self.vector_size}, {state})"
