"""Training driver of the RNN language model: data split, batching, epochs, checkpoints.

Stream mode (default): the training ids (one line per sentence, each followed by ``<eos>``)
are cut into ``batch_size`` contiguous streams, read ``bptt`` steps at a time; the hidden
state is carried from one window to the next (a plain array, so nothing links it to the
previous window: truncated BPTT) and every position contributes to the loss. Window mode:
the classic "k words in, the next word out" chunks, shuffled, zero initial state, loss on
the last position only.

After each epoch: validation perplexity and top-1/top-5 next-word accuracy, learning-rate
decay when validation does not improve, early stopping after ``patience`` such epochs, and
a checkpoint. The model folder always holds the best model so far (config.json, vocab.tsv,
weights.npz, history.json) and ``checkpoint/`` with the last epoch's weights, optimizer
state and random-generator state (arrays and JSON, no pickle), so ``resume`` continues the
run bit for bit. The folder is rewritten atomically, so Ctrl-C or a crash leaves the last
complete checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from textseq import threads
from textseq.corpus import Vocab, make_chunks, open_corpus, split_range
from textseq.corpus.spool import count_and_spool, read_lines, vocab_table
from textseq.errors import InputError, ModelFileError, OptionError, TextseqError
from textseq.files import atomic_dir, load_json, load_npz, save_json, save_npz
from textseq.lm.model import RNNLM, LMConfig
from textseq.lm.optim import clip_scale, global_norm, make_optimizer

CHECKPOINT = "checkpoint"


class NonFiniteLossError(TextseqError):
    """The training loss or gradient became NaN or infinite."""


@dataclass
class TrainConfig:
    """How to train (the architecture is ``LMConfig``)."""

    mode: str = "stream"  # stream | window
    bptt: int = 35  # steps per window in stream mode
    chunk_size: int = 5  # words in per chunk in window mode
    batch_size: int = 32
    eval_batch_size: int = 10  # streams for validation/test in stream mode
    epochs: int = 10
    lr: float = 2e-3
    optimizer: str = "adam"  # adam | sgd
    clip: float | None = 5.0  # global gradient norm; None or 0 = no clipping
    lr_decay: float = 0.5  # lr *= lr_decay after an epoch without validation improvement
    patience: int = 3  # stop after this many epochs without improvement; 0 = never
    min_count: int = 1  # vocabulary: words seen fewer times become <unk>
    max_size: int | None = None
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)  # train, valid, test by line
    seed: int = 0  # dropout masks and window shuffling
    threads: int | None = None  # BLAS and Numba threads; None = leave as is
    # with 2+ threads, run them as two tasks (``RNNLM.overlap``), BLAS on one thread in each.
    # LSTM on kjv, 2 cores (lm_step_profile.py --share-threads): 12,234 vs 12,525 tokens/s
    # idle, 7,493 vs 5,442 with a busy loop on the other core
    share_threads: bool = False

    def validate(self) -> TrainConfig:
        if self.mode not in ("stream", "window"):
            raise OptionError(f"mode must be stream or window, got {self.mode!r}")
        for name in ("bptt", "chunk_size", "batch_size", "eval_batch_size", "epochs"):
            if int(getattr(self, name)) < 1:
                raise OptionError(f"{name.replace('_', '-')} must be at least 1")
        if not self.lr > 0:
            raise OptionError(f"the learning rate must be positive, got {self.lr}")
        if self.clip is not None and self.clip < 0:
            raise OptionError(f"clip must be positive (or 0 for none), got {self.clip}")
        if not 0 < self.lr_decay <= 1:
            raise OptionError(f"lr-decay must be in (0, 1], got {self.lr_decay}")
        if self.patience < 0:
            raise OptionError(f"patience must be >= 0, got {self.patience}")
        if self.optimizer not in ("adam", "sgd"):
            raise OptionError(f"optimizer must be adam or sgd, got {self.optimizer!r}")
        split = tuple(float(r) for r in self.split)
        if len(split) != 3 or any(r < 0 for r in split) or abs(sum(split) - 1) > 1e-6:
            raise OptionError(
                f"split must be three non-negative shares summing to 1, got {list(self.split)}"
            )
        if split[0] == 0:
            raise OptionError("the training share of the split must be positive")
        self.split = split
        if self.threads is not None and self.threads < 1:
            raise OptionError(f"threads must be at least 1, got {self.threads}")
        return self


@dataclass
class LMData:
    """A corpus ready to train on: the vocabulary (built on the training part) and the
    int32 ids of the three contiguous parts (each line followed by ``<eos>``)."""

    vocab: Vocab
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


def prepare_lm_data(corpus, train: TrainConfig, tokenizer="unicode", vocab=None, progress=False):
    """Split a corpus by line into train/valid/test, build the vocabulary on the training
    part (unless ``vocab`` is given, as on resume) and encode the three parts.

    One pass over the text (``count_and_spool``): the tokens are never all held as Python
    lists, only their provisional ids, which the vocabulary then maps."""
    train.validate()
    words, _, spool = count_and_spool(open_corpus(corpus, tokenizer=tokenizer), progress)
    with spool:
        n_lines = spool.num_sentences
        if n_lines == 0 or len(spool) == 0:
            raise InputError("the corpus is empty: it has no words")
        parts = split_range(n_lines, train.split)
        if parts[0].stop == 0:
            raise InputError(f"the corpus has {n_lines} lines: too few to split")
        offsets = spool.offsets
        if vocab is None:
            first = spool.read(0, int(offsets[parts[0].stop]))
            counts = np.bincount(first, minlength=len(words))
            seen = np.flatnonzero(counts)  # words of the training part only
            vocab = Vocab.from_count_array(
                np.array(words, dtype=object)[seen].tolist(), counts[seen],
                min_count=train.min_count, max_size=train.max_size, sentences=parts[0].stop,
            )  # fmt: skip
        unk = vocab.unk_id if vocab.unk_id is not None else -1
        table = vocab_table(vocab.fresh_index(), words, missing=unk)
        ids = [read_lines(spool, part.start, part.stop, table, vocab.eos_id) for part in parts]
    return LMData(vocab, *ids)


# ---- batching ----------------------------------------------------------------------------
def stream_windows(ids: np.ndarray, batch_size: int, bptt: int):
    """``(inputs, targets)`` time-major ``(T, B)`` windows over ``batch_size`` streams."""
    n = len(ids) // batch_size
    data = np.ascontiguousarray(ids[: n * batch_size].reshape(batch_size, n).T)  # (n, B)
    for i in range(0, n - 1, bptt):
        T = min(bptt, n - 1 - i)
        yield data[i : i + T], data[i + 1 : i + 1 + T]


def num_stream_windows(n_ids: int, batch_size: int, bptt: int) -> int:
    n = n_ids // batch_size
    return max(0, math.ceil((n - 1) / bptt))


def chunk_batches(ids: np.ndarray, k: int, batch_size: int, rng=None):
    """Window mode: ``(inputs (k, B), targets (B,))``, in shuffled order when ``rng``."""
    inputs, targets = make_chunks(ids, k)
    order = rng.permutation(len(targets)) if rng is not None else np.arange(len(targets))
    for i in range(0, len(order), batch_size):
        idx = order[i : i + batch_size]
        yield np.ascontiguousarray(inputs[idx].T), targets[idx]


# ---- evaluation --------------------------------------------------------------------------
def evaluate(model: RNNLM, ids: np.ndarray, train: TrainConfig) -> dict:
    """Perplexity and top-1/top-5 next-word accuracy of ``model`` on ``ids`` (no dropout)."""
    loss_sum, hit1, hit5, count = 0.0, 0, 0, 0
    if train.mode == "stream":
        B = max(1, min(train.eval_batch_size, len(ids) // 2))
        state = model.initial_state(B)
        for x, y in stream_windows(ids, B, train.bptt):
            (s, h1, h5, c), state = model.evaluate(x, y, state)
            loss_sum, hit1, hit5, count = loss_sum + s, hit1 + h1, hit5 + h5, count + c
    elif len(ids) > train.chunk_size:
        for x, y in chunk_batches(ids, train.chunk_size, 256):
            (s, h1, h5, c), _ = model.evaluate(x, y, model.initial_state(x.shape[1]), True)
            loss_sum, hit1, hit5, count = loss_sum + s, hit1 + h1, hit5 + h5, count + c
    if count == 0:
        return {"loss": None, "ppl": None, "acc": None, "acc5": None, "tokens": 0}
    loss = loss_sum / count
    return {
        "loss": loss,
        "ppl": math.exp(min(loss, 700.0)),
        "acc": hit1 / count,
        "acc5": hit5 / count,
        "tokens": count,
    }


# ---- the trainer -------------------------------------------------------------------------
class Trainer:
    """Trains an ``RNNLM`` on prepared ids; ``fit`` returns ``self`` with ``model_`` and
    ``history_`` set. ``out_dir`` (optional) receives the model folder and checkpoints."""

    def __init__(self, train: TrainConfig | None = None, out_dir=None, progress: bool = True):
        self.train = train or TrainConfig()
        self.out_dir = out_dir
        self.progress = progress

    # -- setup --
    def fit(self, model: RNNLM, data: LMData, resume: bool = False) -> Trainer:
        tc = self.train.validate()
        threads.set_threads(tc.threads)
        if len(data.train) < 2:
            raise InputError("the training part has fewer than 2 tokens: nothing to learn")
        if tc.mode == "stream" and len(data.train) // tc.batch_size < 2:
            raise InputError(
                f"the training part has {len(data.train)} tokens: too few for "
                f"{tc.batch_size} streams; lower --batch-size"
            )
        if tc.mode == "window" and len(data.train) <= tc.chunk_size:
            raise InputError(f"the training part is shorter than a chunk of {tc.chunk_size}")
        self.model_ = model
        self.optimizer_ = make_optimizer(tc.optimizer, tc.lr)
        self.rng_ = np.random.default_rng(tc.seed)
        self.history_ = {
            "epochs": [],
            "best_epoch": None,
            "best_valid_ppl": None,
            "lr": tc.lr,
            "bad_epochs": 0,
            "stopped": None,
            "train": _train_dict(tc),
            "data": {
                "train_tokens": int(len(data.train)),
                "valid_tokens": int(len(data.valid)),
                "test_tokens": int(len(data.test)),
                "vocab_size": len(data.vocab),
                "train_crc32": zlib.crc32(np.ascontiguousarray(data.train).tobytes()),
            },
        }
        self._best_weights = None
        if resume:
            self._load_checkpoint(data)
        model.history_ = self.history_
        try:
            self._run(data)
        except KeyboardInterrupt:
            self.history_["stopped"] = "interrupted"
            if self._best_weights is not None:
                model.set_weights(self._best_weights)
            return self
        self._finish(data)
        return self

    # -- epochs --
    def _run(self, data: LMData) -> None:
        tc, hist = self.train, self.history_
        start = len(hist["epochs"])
        if start >= tc.epochs:
            return
        if hist["stopped"] == "early stopping":
            return
        for epoch in range(start + 1, tc.epochs + 1):
            t0 = time.perf_counter()
            train_loss, tokens = self._train_epoch(data.train, epoch)
            seconds = time.perf_counter() - t0
            valid = evaluate(self.model_, data.valid, tc)
            rec = {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_ppl": math.exp(min(train_loss, 700.0)),
                "valid_loss": valid["loss"],
                "valid_ppl": valid["ppl"],
                "valid_acc": valid["acc"],
                "valid_acc5": valid["acc5"],
                "tokens_per_s": tokens / seconds,
                "seconds": seconds,
                "lr": hist["lr"],
            }
            hist["epochs"].append(rec)
            # without a validation part every epoch counts as the best so far
            improved = (
                hist["best_epoch"] is None
                or valid["ppl"] is None
                or valid["ppl"] < hist["best_valid_ppl"]
            )
            if improved:
                hist["best_epoch"], hist["best_valid_ppl"] = epoch, valid["ppl"]
                hist["bad_epochs"] = 0
                self._best_weights = self.model_.get_weights()
            else:
                hist["bad_epochs"] += 1
                hist["lr"] *= tc.lr_decay
                self.optimizer_.lr = hist["lr"]
            stop = tc.patience and hist["bad_epochs"] >= tc.patience
            if stop:
                hist["stopped"] = "early stopping"
            self._save_checkpoint()
            if self.progress_callback is not None:
                self.progress_callback(rec)
            if stop:
                break

    progress_callback = None  # called with each epoch's record (the CLI prints it)

    def _train_epoch(self, ids: np.ndarray, epoch: int) -> tuple[float, int]:
        model = self.model_
        shared = self.train.share_threads and threads.blas_threads() > 1
        saved = model.overlap
        model.overlap = saved or shared
        try:
            with threads.single_thread_blas() if shared else contextlib.nullcontext():
                return self._train_windows(ids, epoch)
        finally:
            model.overlap = saved

    def _train_windows(self, ids: np.ndarray, epoch: int) -> tuple[float, int]:
        tc, model, opt = self.train, self.model_, self.optimizer_
        named = model.named_parameters()
        params = [p for _, p, _ in named]
        grads = [g for _, _, g in named]
        drop_rng = self.rng_ if model.config.dropout > 0 else None
        if tc.mode == "stream":
            total = num_stream_windows(len(ids), tc.batch_size, tc.bptt)
            batches = stream_windows(ids, tc.batch_size, tc.bptt)
            last_only = False
        else:
            total = math.ceil((len(ids) - tc.chunk_size) / tc.batch_size)
            batches = chunk_batches(ids, tc.chunk_size, tc.batch_size, self.rng_)
            last_only = True
        state = model.initial_state(tc.batch_size)
        loss_sum, n_pred, tokens = 0.0, 0, 0
        t0 = time.perf_counter()
        bar = tqdm(
            total=total, desc=f"epoch {epoch}", unit=" win", disable=not self.progress, leave=False
        )
        try:
            for step, (x, y) in enumerate(batches):
                if last_only:
                    state = model.initial_state(x.shape[1])
                loss, state = model.loss(x, y, state, rng=drop_rng, last_only=last_only)
                if not math.isfinite(loss):
                    self._non_finite("loss", loss, epoch, step)
                model.backward()
                norm = global_norm(grads)
                if not math.isfinite(norm):
                    self._non_finite("gradient norm", norm, epoch, step)
                opt.step(params, grads, clip_scale(norm, tc.clip or None))  # clip on the fly
                n = y.size
                loss_sum += loss * n
                n_pred += n
                tokens += x.size
                if step % 10 == 0 or step == total - 1:
                    avg = loss_sum / n_pred
                    rate = tokens / max(time.perf_counter() - t0, 1e-9)
                    bar.set_postfix(
                        loss=f"{avg:.3f}",
                        ppl=f"{math.exp(min(avg, 700)):.1f}",
                        tok_s=f"{rate:,.0f}",
                        refresh=False,
                    )
                bar.update(1)
        finally:
            bar.close()
        return loss_sum / max(n_pred, 1), tokens

    def _non_finite(self, what: str, value: float, epoch: int, step: int):
        kept = ""
        if self.out_dir is not None and self.history_["epochs"]:
            kept = (
                f"; the last good checkpoint (epoch {len(self.history_['epochs'])}) is kept "
                f"in {self.out_dir}"
            )
        raise NonFiniteLossError(
            f"the training {what} became {value} at epoch {epoch}, window {step + 1}; try a "
            f"lower --lr or a smaller --clip{kept}"
        )

    # -- end of training --
    def _finish(self, data: LMData) -> None:
        hist = self.history_
        if self._best_weights is not None:
            self.model_.set_weights(self._best_weights)
        test = evaluate(self.model_, data.test, self.train)
        hist["test_loss"], hist["test_ppl"] = test["loss"], test["ppl"]
        hist["test_acc"], hist["test_acc5"] = test["acc"], test["acc5"]
        if hist["stopped"] is None:
            hist["stopped"] = "completed"
        self._save_checkpoint()

    # -- files --
    def _save_checkpoint(self) -> None:
        if self.out_dir is None:
            return
        model = self.model_
        scalars, arrays = self.optimizer_.state_dict()
        state = {
            "history": self.history_,
            "optimizer": scalars,
            "rng": self.rng_.bit_generator.state,
        }
        with atomic_dir(self.out_dir) as tmp:
            model.write_files(tmp, weights=self._best_weights)
            ck = tmp / CHECKPOINT
            ck.mkdir()
            save_npz(ck / "weights.npz", model.get_weights())
            save_npz(ck / "optimizer.npz", arrays)
            save_json(ck / "state.json", state)

    def _load_checkpoint(self, data: LMData) -> None:
        ck = Path(self.out_dir) / CHECKPOINT
        state = load_json(ck / "state.json", what="checkpoint state")
        try:
            hist = state["history"]
            crc = zlib.crc32(np.ascontiguousarray(data.train).tobytes())
            if (hist["data"]["train_tokens"], hist["data"]["train_crc32"]) != (
                len(data.train),
                crc,
            ):
                raise ModelFileError(
                    f"the corpus differs from the checkpoint's: {len(data.train):,} training "
                    f"tokens now, {hist['data']['train_tokens']:,} when the run started"
                    " (or the same number of other words); resume with the same corpus"
                )
            weights = load_npz(ck / "weights.npz", what="checkpoint weights")
            self.model_.set_weights(weights)
            arrays = load_npz(ck / "optimizer.npz", what="optimizer state")
            if state["optimizer"]["name"] != self.optimizer_.name:
                raise ModelFileError(
                    f"the checkpoint was trained with {state['optimizer']['name']}, not "
                    f"{self.optimizer_.name}"
                )
            params = [p for _, p, _ in self.model_.named_parameters()]
            self.optimizer_.load_state_dict(state["optimizer"], arrays, params)
            self.optimizer_.lr = hist["lr"]
            self.rng_.bit_generator.state = state["rng"]
        except (KeyError, TypeError, OptionError) as exc:
            raise ModelFileError(f"checkpoint in {ck} is incomplete or corrupt ({exc})") from None
        hist["train"] = _train_dict(self.train)
        if hist.get("stopped") == "completed":
            hist["stopped"] = None
        for key in ("test_loss", "test_ppl", "test_acc", "test_acc5"):
            hist.pop(key, None)
        self.history_ = hist
        best = load_npz(Path(self.out_dir) / "weights.npz", what="best weights")
        self._best_weights = {name: best[name] for name in weights}


def _train_dict(tc: TrainConfig) -> dict:
    d = dataclasses.asdict(tc)
    d["split"] = list(d["split"])
    return d


def train_lm(
    corpus,
    config: LMConfig | None = None,
    train: TrainConfig | None = None,
    out_dir=None,
    progress: bool = True,
    resume: bool = False,
    on_epoch=None,
):
    """Train a language model on ``corpus``; returns ``(model, history)``.

    ``corpus``: anything ``open_corpus`` takes (paths, built-in names, a ``Corpus``, lists
    of token lists), or an ``LMData`` already split and encoded. ``out_dir``: the model
    folder, rewritten after every epoch. ``resume=True`` continues the run saved in
    ``out_dir`` with its saved model and training settings (``train.epochs`` may be raised).
    ``on_epoch(record)`` is called after each epoch.
    """
    config = config or LMConfig()
    train = dataclasses.replace(train or TrainConfig())
    vocab = None
    if resume:
        if out_dir is None:
            raise OptionError("resume needs the model folder of the run to continue")
        saved = RNNLM.load(out_dir)
        state = load_json(Path(out_dir) / CHECKPOINT / "state.json", what="checkpoint state")
        epochs = train.epochs
        try:
            saved_train = dict(state["history"]["train"])
        except (KeyError, TypeError):
            raise ModelFileError(f"checkpoint in {out_dir} is incomplete") from None
        saved_train["split"] = tuple(saved_train["split"])
        train = TrainConfig(
            **{**saved_train, "epochs": epochs, "threads": train.threads,
               "share_threads": train.share_threads}
        )  # fmt: skip
        config, vocab = saved.config, saved.vocab_
    if isinstance(corpus, LMData):
        data = corpus
    else:
        tokenizer = getattr(corpus, "tokenizer", None) or config.tokenizer
        config = dataclasses.replace(config, tokenizer=tokenizer)
        data = prepare_lm_data(corpus, train, tokenizer, vocab=vocab, progress=progress)
    model = RNNLM(config).init(data.vocab)
    trainer = Trainer(train, out_dir=out_dir, progress=progress)
    trainer.progress_callback = on_epoch
    trainer.fit(model, data, resume=resume)
    return trainer.model_, trainer.history_
