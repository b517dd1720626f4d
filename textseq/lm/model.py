"""The word-level RNN language model: embedding -> recurrent layers -> softmax over words.

    ids (T, B) -> Embedding (T, B, E) -> dropout -> cell 1 .. cell L (T, B, H) -> dropout
               -> SoftmaxOutput over V words, all T*B positions in one matmul

Arrays are time-major inside; the public inference calls (``step``, ``advance``,
``forward_sequence``) take batch-first ids, as ``textseq.decoding`` and
``textseq.lm.textgen`` expect. The state is a flat tuple of ``(B, H)`` arrays: ``h`` per
layer, plus ``c`` after it for LSTM layers; a beam reorders its rows by indexing each array.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from textseq import threads
from textseq.corpus import Vocab, get_tokenizer
from textseq.errors import ModelFileError, OptionError
from textseq.files import atomic_dir, load_json, load_npz, save_json
from textseq.lm import textgen
from textseq.lm.cells import CELLS, Cell, make_cell
from textseq.lm.layers import Dropout, Embedding, SoftmaxOutput
from textseq.modelfolder import ModelFolder

FORMAT = "textseq-rnnlm"
FORMAT_VERSION = 1
OUT_CHUNKS = 8  # row blocks of the output weight gradient shared by two threads
FWD_CHUNKS = 5  # blocks of steps projected onto the vocabulary while later steps run


@dataclass
class LMConfig:
    """Architecture of an ``RNNLM`` (everything needed to rebuild it from its weights)."""

    cell: str = "lstm"  # rnn | lstm | gru
    embed: int = 128
    hidden: int = 256
    layers: int = 1
    dropout: float = 0.0  # on the embedding, between layers and before the output
    tie: bool = False  # output matrix = embedding matrix (needs embed == hidden)
    tokenizer: str = "unicode"
    seed: int = 0  # initialisation
    dtype: str = "float32"  # float64 for gradient checks

    def validate(self) -> LMConfig:
        if self.cell not in CELLS:
            raise OptionError(f"cell must be one of {', '.join(CELLS)}, got {self.cell!r}")
        for name in ("embed", "hidden", "layers"):
            if int(getattr(self, name)) < 1:
                raise OptionError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise OptionError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.tie and self.embed != self.hidden:
            raise OptionError(
                f"weight tying needs the embedding size to equal the hidden size "
                f"(got --embed {self.embed} and --hidden {self.hidden})"
            )
        if self.dtype not in ("float32", "float64"):
            raise OptionError(f"dtype must be float32 or float64, got {self.dtype!r}")
        get_tokenizer(self.tokenizer)
        return self

    @classmethod
    def from_dict(cls, data: dict) -> LMConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ModelFileError(f"unknown model settings {unknown} in config.json")
        return cls(**data)


class RNNLM:
    """A multi-layer RNN/LSTM/GRU language model with hand-written backpropagation.

    ``RNNLM(config)`` stores the architecture; ``init(vocab)`` creates the weights (seeded by
    ``config.seed``). Learned state: ``vocab_``, ``embedding_``, ``cells_``, ``dropouts_``,
    ``output_``, and ``history_`` (per-epoch figures) after training or loading.
    """

    def __init__(self, config: LMConfig | None = None, **overrides):
        self.config = dataclasses.replace(config or LMConfig(), **overrides)

    # ---- construction -----------------------------------------------------------------
    def init(self, vocab: Vocab) -> RNNLM:
        """Create freshly initialised weights for ``vocab``."""
        cfg = self.config.validate()
        dtype = np.dtype(cfg.dtype)
        rng = np.random.default_rng(cfg.seed)
        V = len(vocab)
        self.vocab_ = vocab
        self.embedding_ = Embedding(V, cfg.embed, rng, dtype)
        self.cells_: list[Cell] = []
        size = cfg.embed
        for _ in range(cfg.layers):
            self.cells_.append(make_cell(cfg.cell, size, cfg.hidden, rng, dtype))
            size = cfg.hidden
        self.dropouts_ = [Dropout(cfg.dropout) for _ in range(cfg.layers + 1)]
        self.output_ = SoftmaxOutput(cfg.hidden, V, rng, dtype)
        if cfg.tie:
            self.output_.params["W"] = self.embedding_.params["W"]
            self.output_.grads["W"] = self.embedding_.grads["W"]
        self.history_: dict = {}
        return self

    @property
    def vocab_size(self) -> int:
        return len(self.vocab_)

    def tokenize(self, text: str) -> list[str]:
        """Split text with the tokenizer the model was trained with."""
        return get_tokenizer(self.config.tokenizer)(text)

    def named_parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, parameter, gradient)`` for every distinct parameter (a tied matrix once)."""
        emb = self.embedding_
        out = [(f"embedding.{k}", p, emb.grads[k]) for k, p in emb.params.items()]
        for i, cell in enumerate(self.cells_):
            out += [(f"layer{i}.{k}", p, cell.grads[k]) for k, p in cell.params.items()]
        for k, p in self.output_.params.items():
            if not (k == "W" and self.config.tie):
                out.append((f"output.{k}", p, self.output_.grads[k]))
        return out

    def num_parameters(self) -> int:
        return sum(p.size for _, p, _ in self.named_parameters())

    # ---- state ------------------------------------------------------------------------
    def initial_state(self, batch_size: int) -> tuple[np.ndarray, ...]:
        """Zero state for ``batch_size`` sequences: a flat tuple of ``(B, H)`` arrays."""
        return tuple(s for cell in self.cells_ for s in cell.initial_state(batch_size))

    def _split_state(self, state) -> list[tuple[np.ndarray, ...]]:
        out, i = [], 0
        for cell in self.cells_:
            out.append(tuple(state[i : i + cell.n_states]))
            i += cell.n_states
        if i != len(state):
            raise ValueError(f"state has {len(state)} arrays, the model needs {i}")
        return out

    # ---- computation ------------------------------------------------------------------
    def _hidden(self, ids_tm, state, rng=None, store=False):
        """Top-layer hidden states ``(T, B, H)`` for time-major ids; dropout when ``rng``."""
        x = self.embedding_.forward(ids_tm)
        x = self.dropouts_[0].forward(x, rng)
        new_state = []
        for cell, drop, s in zip(self.cells_, self.dropouts_[1:], self._split_state(state)):
            x, s = cell.forward(x, s, store=store)
            x = drop.forward(x, rng)
            new_state.extend(s)
        return x, tuple(new_state)

    def loss(self, inputs, targets, state, rng=None, last_only=False):
        """Training forward over a window; stores what ``backward`` needs.

        ``inputs`` are time-major ids ``(T, B)``; ``targets`` are ``(T, B)`` ids (``-1`` =
        no loss there), or ``(B,)`` with ``last_only=True`` (window mode: only the last
        position is scored). ``rng`` draws the dropout masks (``None``: no dropout).
        Returns the mean cross-entropy and the final state.
        """
        if not last_only and self._overlapping():
            return self._loss_overlapped(inputs, targets, state, rng)
        hs, new_state = self._hidden(inputs, state, rng, store=True)
        T, B, H = hs.shape
        self._last_only = last_only
        self._hs_shape = hs.shape
        h = hs[-1] if last_only else hs.reshape(T * B, H)
        loss = self.output_.forward_loss(h, targets.reshape(-1))
        return loss, new_state

    # Two threads as two tasks (see ``_loss_overlapped`` and ``backward``): the trainer turns
    # this on for its epochs when it has two threads or more; tests force both paths.
    overlap: bool = False

    def _overlapping(self) -> bool:
        return bool(self.overlap)

    def _loss_overlapped(self, inputs, targets, state, rng):
        """``loss`` on two threads, the same maths and random draws: while the top cell runs
        its steps (one-thread products), a worker thread projects the finished steps onto
        the vocabulary, ``FWD_CHUNKS`` blocks of steps; this thread takes the blocks left.
        BLAS stays on one thread in both throughout: a call on two threads leaves OpenBLAS's
        own thread spinning for a while on the core the worker needs (measured slower)."""
        with threads.single_thread_blas():
            return self._loss_overlapped_1blas(inputs, targets, state, rng)

    def _loss_overlapped_1blas(self, inputs, targets, state, rng):
        T, B = inputs.shape
        top, drop, out = self.cells_[-1], self.dropouts_[-1], self.output_
        H = top.hidden_size
        split = self._split_state(state)
        x = self.dropouts_[0].forward(self.embedding_.forward(inputs), rng)
        new_state = []
        for cell, d, s in zip(self.cells_[:-1], self.dropouts_[1:-1], split[:-1]):
            x, s = cell.forward(x, s, store=True)
            x = d.forward(x, rng)
            new_state.extend(s)
        # the top dropout's mask, drawn now: the cell itself draws nothing, so the order of
        # draws is the plain path's
        mask = None
        if rng is not None and drop.p > 0:
            mask = drop.draw_mask((T, B, H), top.dtype, rng)
        else:
            drop.forward(x, None)  # forgets any earlier mask
        hdrop = np.empty((T, B, H), top.dtype) if mask is not None else None
        bounds = [c * T // FWD_CHUNKS for c in range(FWD_CHUNKS + 1)]
        ready = [threading.Event() for _ in range(FWD_CHUNKS)]
        seen = {"hs": None, "next": 0}
        out._buffer(T * B)  # sized once, before two threads use it

        def on_step(hs, t):
            seen["hs"] = hs
            while seen["next"] < FWD_CHUNKS and bounds[seen["next"] + 1] <= t:
                ready[seen["next"]].set()
                seen["next"] += 1

        def project(c):
            ready[c].wait()
            t0, t1, hs = bounds[c], bounds[c + 1], seen["hs"]
            if t0 == t1 or hs is None:  # (None: the cell failed; its error is raised)
                return
            src = hs
            if mask is not None:
                np.multiply(hs[t0:t1], mask[t0:t1], out=hdrop[t0:t1])
                src = hdrop
            out.project_rows(src.reshape(T * B, H), t0 * B, t1 * B)

        job = threads.SharedChunks(project, FWD_CHUNKS)
        try:
            hs, s = top.forward(x, split[-1], store=True, on_step=on_step)
        finally:
            for e in ready:
                e.set()
            job.finish()
        new_state.extend(s)
        self._last_only = False
        self._hs_shape = (T, B, H)
        h = (hs if mask is None else hdrop).reshape(T * B, H)
        return out.loss_from_logits(h, targets.reshape(-1)), tuple(new_state)

    def backward(self) -> tuple[np.ndarray, ...]:
        """Fill every gradient for the last ``loss``; returns ``dloss/d initial state``.

        On two threads the output layer's weight gradient (a third of the work) runs in
        chunks on a worker thread while this one runs the cells' backward (mostly one-thread
        per-step products), and this thread takes the chunks left when it is done."""
        out = self.output_
        overlap = self._overlapping()
        if overlap:
            with threads.single_thread_blas():
                dh = out.input_grad(parts=2, run=threads.SharedChunks)  # halves: W packed twice
        else:
            dh = out.input_grad()
        T, B, H = self._hs_shape
        if self._last_only:
            dx = np.zeros(self._hs_shape, dtype=dh.dtype)
            dx[-1] = dh
        else:
            dx = dh.reshape(T, B, H)
        with threads.single_thread_blas() if overlap else contextlib.nullcontext():
            if overlap:
                job = threads.SharedChunks(
                    lambda i: out.weight_grad_rows(i, OUT_CHUNKS), OUT_CHUNKS
                )
            else:
                out.weight_grad_rows(0, 1)
            try:
                dstate = []
                for cell, drop in zip(reversed(self.cells_), reversed(self.dropouts_[1:])):
                    dx = drop.backward(dx)
                    dx, ds = cell.backward(dx)
                    dstate = list(ds) + dstate
                dx = self.dropouts_[0].backward(dx)
            finally:
                if overlap:
                    job.finish()
        self.embedding_.backward(dx, accumulate=self.config.tie)  # after: W may be tied
        return tuple(dstate)

    def step(self, ids, state):
        """One inference step: ids ``(B,)`` -> logits ``(B, V)`` (a new array) and the new
        state. The arrays passed in are not modified. This is the step protocol of
        ``textseq.decoding``; each cell picks its kernels for the batch size (a handful of
        rows: the tiled product; more: BLAS), reading the model's own parameters."""
        h, new_state = self._step_hidden(ids, state)
        return self.output_.logits(h), new_state

    def advance(self, ids, state):
        """``step`` without the output layer: ids ``(B,)`` -> the new state only (prompt
        words before the last, whose logits nobody reads)."""
        return self._step_hidden(ids, state)[1]

    def _step_hidden(self, ids, state):
        """Top-layer hidden state ``(B, H)`` and the new state after one step (no dropout)."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        x = self.embedding_.params["W"].take(ids, axis=0)
        new_state: list[np.ndarray] = []
        for cell, s in zip(self.cells_, self._split_state(state)):
            x, s = cell.step(x, s)
            new_state.extend(s)
        return x, tuple(new_state)

    def forward_sequence(self, ids, state):
        """Inference over a batch of sequences: ids ``(B, T)`` -> logits ``(B, T, V)``."""
        ids = np.asarray(ids)
        B, T = ids.shape
        hs, new_state = self._hidden(np.ascontiguousarray(ids.T), state)
        logits = self.output_.logits(hs.reshape(T * B, -1)).reshape(T, B, -1)
        return logits.transpose(1, 0, 2), new_state

    def evaluate(self, ids_tm, targets_tm, state, last_only=False):
        """Inference scores of one window: ``(summed loss, top-1 hits, top-5 hits, count)``
        and the final state."""
        hs, new_state = self._hidden(ids_tm, state)
        h = hs[-1] if last_only else hs.reshape(-1, hs.shape[-1])
        return self.output_.score(h, targets_tm.reshape(-1)), new_state

    # ---- weights as arrays -------------------------------------------------------------
    def get_weights(self) -> dict[str, np.ndarray]:
        """Every distinct parameter by name (copies)."""
        return {name: p.copy() for name, p, _ in self.named_parameters()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy arrays into the parameters, checking names, shapes and dtypes."""
        problems = self._weight_problems(weights)
        if problems:
            raise ModelFileError("; ".join(problems))
        for name, p, _ in self.named_parameters():
            p[...] = weights[name]

    def _weight_problems(self, weights: dict[str, np.ndarray], where: str = "weights") -> list:
        problems = []
        expected = {name: p for name, p, _ in self.named_parameters()}
        for name, p in expected.items():
            if name not in weights:
                problems.append(f"{where} lack array {name!r}")
                continue
            w = weights[name]
            if w.shape != p.shape:
                problems.append(f"{where}: {name!r} has shape {w.shape}, expected {p.shape}")
            elif w.dtype != p.dtype:
                problems.append(f"{where}: {name!r} has dtype {w.dtype}, expected {p.dtype}")
        extra = sorted(set(weights) - set(expected))
        if extra:
            problems.append(f"{where} hold unexpected arrays {extra}")
        return problems

    # ---- files --------------------------------------------------------------------------
    def config_dict(self) -> dict:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vocab_size": self.vocab_size,
            "model": dataclasses.asdict(self.config),
        }

    def write_files(self, folder, weights: dict[str, np.ndarray] | None = None) -> None:
        """Write config.json, vocab.tsv, weights.npz (and history.json) into ``folder``."""
        folder = Path(folder)
        save_json(folder / "config.json", self.config_dict())
        self.vocab_.save(folder / "vocab.tsv")
        arrays = self.get_weights() if weights is None else weights
        np.savez(folder / "weights.npz", **arrays)
        if getattr(self, "history_", None):
            save_json(folder / "history.json", self.history_)

    def save(self, path) -> RNNLM:
        """Save the model as a folder, atomically (the old folder is replaced whole)."""
        with atomic_dir(path) as tmp:
            self.write_files(tmp)
        return self

    @classmethod
    def load(cls, path) -> RNNLM:
        """Load a model folder, checking its format version, vocabulary size, array names,
        shapes and dtypes; any mismatch raises ``ModelFileError`` naming it."""
        path = Path(path)
        meta = ModelFolder(path).read_config(FORMAT, FORMAT_VERSION, "RNN language model")
        try:
            config = LMConfig.from_dict(meta["model"])
            config.validate()
        except (KeyError, TypeError, OptionError) as exc:
            raise ModelFileError(f"{path / 'config.json'} has invalid settings: {exc}") from None
        vocab_file = path / "vocab.tsv"
        if not vocab_file.is_file():
            raise ModelFileError(f"model folder {path} has no vocab.tsv")
        try:
            vocab = Vocab.load(vocab_file)
        except Exception as exc:  # a corrupt vocabulary is a model-file problem here
            raise ModelFileError(f"cannot read {vocab_file}: {exc}") from None
        if len(vocab) != meta.get("vocab_size"):
            raise ModelFileError(
                f"vocabulary size mismatch in {path}: vocab.tsv has {len(vocab)} words, "
                f"config.json says {meta.get('vocab_size')}"
            )
        model = cls(config).init(vocab)
        weights = load_npz(path / "weights.npz", what="model weights")
        emb = weights.get("embedding.W")
        if emb is not None and emb.ndim == 2 and emb.shape[0] != len(vocab):
            raise ModelFileError(
                f"vocabulary size mismatch in {path}: vocab.tsv has {len(vocab)} words but "
                f"the embedding in weights.npz has {emb.shape[0]} rows"
            )
        problems = model._weight_problems(weights, where=f"{path / 'weights.npz'}")
        if problems:
            raise ModelFileError("; ".join(problems))
        model.set_weights(weights)
        hist = path / "history.json"
        model.history_ = load_json(hist, what="training history") if hist.is_file() else {}
        return model

    def __repr__(self) -> str:
        return f"RNNLM({json.dumps(dataclasses.asdict(self.config))})"

    # ---- prediction and generation (textseq.lm.textgen) ----------------------------------
    def predict_next(self, prompt, topk=10, allow_unk=True):
        """The ``topk`` most likely next words after ``prompt`` as (word, probability);
        ``allow_unk=False`` leaves ``<unk>`` out and renormalises the rest."""
        return textgen.predict_next(self, prompt, topk, allow_unk)

    def generate(self, prompt, max_tokens=30, strategy="argmax", **kw):
        """Continue ``prompt``; see ``textseq.lm.textgen.generate`` for the strategies."""
        return textgen.generate(self, prompt, max_tokens, strategy=strategy, **kw)
