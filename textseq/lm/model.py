"""The word-level RNN language model: embedding -> recurrent layers -> softmax over words.

    ids (T, B) -> Embedding (T, B, E) -> dropout -> cell 1 .. cell L (T, B, H) -> dropout
               -> SoftmaxOutput over V words, all T*B positions in one matmul
                  (or AdaptiveSoftmaxOutput when ``config.adaptive_softmax`` holds cutoffs)

Arrays are time-major inside; the public inference calls (``step``, ``advance``,
``forward_sequence``) take batch-first ids, as ``textseq.decoding`` and
``textseq.lm.textgen`` expect. The state is a flat tuple of ``(B, H)`` arrays: ``h`` per
layer, plus ``c`` after it for LSTM layers; a beam reorders its rows by indexing each array.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np

from textseq.corpus import Vocab, get_tokenizer
from textseq.corpus.subwords import SubwordTokenizer
from textseq.errors import ModelFileError, OptionError
from textseq.files import PathLike, load_npz, save_json
from textseq.lm import textgen
from textseq.lm.adaptive import AdaptiveSoftmaxOutput
from textseq.lm.adaptive_cutoffs import resolve_cutoffs
from textseq.lm.cells import Cell, make_cell
from textseq.lm.config import LMConfig
from textseq.lm.history import TrainingHistory
from textseq.lm.layers import Dropout, Embedding, SoftmaxOutput
from textseq.modelfolder import ModelFolder

FORMAT = "textseq-rnnlm"
FORMAT_VERSION = 1


class RNNLM:
    """A multi-layer RNN/LSTM/GRU language model with hand-written backpropagation.

    ``RNNLM(config)`` stores the architecture; ``init(vocab)`` creates the weights (seeded by
    ``config.seed``). Learned state: ``vocab_``, ``embedding_``, ``cells_``, ``dropouts_``,
    ``output_``, and ``history_`` (a ``TrainingHistory``: per-epoch figures, empty for a
    model that was never trained).
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
        if cfg.adaptive_softmax is None:
            self.output_ = SoftmaxOutput(cfg.hidden, V, rng, dtype)
        else:
            # fixed now, so that the saved config rebuilds the same layer
            cfg.adaptive_softmax = resolve_cutoffs(cfg.adaptive_softmax, vocab.counts)
            self.output_ = AdaptiveSoftmaxOutput(
                cfg.hidden, V, cfg.adaptive_softmax, rng, dtype, cfg.div_value
            )
        if cfg.tie:
            self.output_.params["W"] = self.embedding_.params["W"]
            self.output_.grads["W"] = self.embedding_.grads["W"]
        self.history_ = TrainingHistory()
        return self

    @property
    def vocab_size(self) -> int:
        return len(self.vocab_)

    @property
    def text_tokenizer(self):
        """The tokenizer of the training text: the subword model (``tokenizer_``, kept in the
        model folder) when the model reads subwords, else the named word tokenizer."""
        subwords = getattr(self, "tokenizer_", None)
        return subwords if subwords is not None else get_tokenizer(self.config.tokenizer)

    def tokenize(self, text: str) -> list[str]:
        """Split text with the tokenizer the model was trained with."""
        return self.text_tokenizer.tokenize(text)

    def detokenize(self, tokens) -> str:
        """Join tokens into text by the model's tokenizer (subwords merge into words)."""
        return self.text_tokenizer.detokenize(tokens)

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
        Returns the mean cross-entropy and the final state. (``textseq.lm.overlap`` holds
        the same step on two threads.)
        """
        hs, new_state = self._hidden(inputs, state, rng, store=True)
        T, B, H = hs.shape
        self._last_only = last_only
        self._hs_shape = hs.shape
        h = hs[-1] if last_only else hs.reshape(T * B, H)
        loss = self.output_.forward_loss(h, targets.reshape(-1))
        return loss, new_state

    def backward(self) -> tuple[np.ndarray, ...]:
        """Fill every gradient for the last ``loss``; returns ``dloss/d initial state``."""
        dh = self.output_.backward()
        dx, dstate = self.backward_layers(dh)
        self.embedding_.backward(dx, accumulate=self.config.tie)  # after: W may be tied
        return dstate

    def backward_layers(self, dh: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """The part of ``backward`` between the output layer and the embedding: from
        ``dloss/dh`` of the top layer (``(T*B, H)``, or ``(B, H)`` when only the last
        position was scored) down through the dropouts and cells. Returns ``dloss/dx`` of
        the embedding's output ``(T, B, E)`` and ``dloss/d initial state``."""
        T, B, H = self._hs_shape
        if self._last_only:
            dx = np.zeros(self._hs_shape, dtype=dh.dtype)
            dx[-1] = dh
        else:
            dx = dh.reshape(T, B, H)
        dstate = []
        for cell, drop in zip(reversed(self.cells_), reversed(self.dropouts_[1:])):
            dx = drop.backward(dx)
            dx, ds = cell.backward(dx)
            dstate = list(ds) + dstate
        return self.dropouts_[0].backward(dx), tuple(dstate)

    def step(self, ids, state):
        """One inference step: ids ``(B,)`` -> scores ``(B, V)`` (a new array: logits, or
        the exact log-probabilities of an adaptive softmax) and the new state. The arrays
        passed in are not modified. This is the step protocol of ``textseq.decoding``; each
        cell picks its kernels for the batch size (a handful of rows: the tiled product;
        more: BLAS), reading the model's own parameters."""
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

    def write_files(
        self, folder: ModelFolder | PathLike, weights: dict[str, np.ndarray] | None = None
    ) -> None:
        """Write the model's files into ``folder`` (config, vocabulary, ``weights`` or the
        model's own, and its history unless it is empty)."""
        folder = folder if isinstance(folder, ModelFolder) else ModelFolder(folder)
        save_json(folder.config, self.config_dict())
        self.vocab_.save(folder.vocab)
        if self.config.subwords:
            self.tokenizer_.save(folder.subwords)
        arrays = self.get_weights() if weights is None else weights
        np.savez(folder.weights, **arrays)
        if not self.history_.is_empty:
            self.history_.write(folder)

    def save(self, path: PathLike) -> RNNLM:
        """Save the model as a folder, atomically (the old folder is replaced whole)."""
        with ModelFolder(path).writing() as tmp:
            self.write_files(tmp)
        return self

    @classmethod
    def load(cls, path: PathLike) -> RNNLM:
        """Load a model folder, checking its format version, vocabulary size, array names,
        shapes and dtypes; any mismatch raises ``ModelFileError`` naming it."""
        folder = ModelFolder(path)
        path = folder.path
        meta = folder.read_config(FORMAT, FORMAT_VERSION, "RNN language model")
        try:
            config = LMConfig.from_dict(meta["model"])
            config.validate()
        except (KeyError, TypeError, OptionError, ModelFileError) as exc:
            raise ModelFileError(f"{folder.config} has invalid settings: {exc}") from None
        if not folder.vocab.is_file():
            raise ModelFileError(f"model folder {path} has no {folder.vocab.name}")
        try:
            vocab = Vocab.load(folder.vocab)
        except Exception as exc:  # a corrupt vocabulary is a model-file problem here
            raise ModelFileError(f"cannot read {folder.vocab}: {exc}") from None
        if len(vocab) != meta.get("vocab_size"):
            raise ModelFileError(
                f"vocabulary size mismatch in {path}: {folder.vocab.name} has {len(vocab)} "
                f"words, {folder.config.name} says {meta.get('vocab_size')}"
            )
        try:
            model = cls(config).init(vocab)
        except OptionError as exc:  # settings that do not fit the vocabulary (cutoffs)
            raise ModelFileError(f"{folder.config} has invalid settings: {exc}") from None
        weights = load_npz(folder.weights, what="model weights")
        emb = weights.get("embedding.W")
        if emb is not None and emb.ndim == 2 and emb.shape[0] != len(vocab):
            raise ModelFileError(
                f"vocabulary size mismatch in {path}: {folder.vocab.name} has {len(vocab)} "
                f"words but the embedding in {folder.weights.name} has {emb.shape[0]} rows"
            )
        problems = model._weight_problems(weights, where=f"{folder.weights}")
        if problems:
            raise ModelFileError("; ".join(problems))
        model.set_weights(weights)
        if config.subwords:
            model.tokenizer_ = SubwordTokenizer.load(folder.subwords, config.tokenizer)
        model.history_ = TrainingHistory.read(folder)
        return model

    def __repr__(self) -> str:
        return f"RNNLM({json.dumps(dataclasses.asdict(self.config))})"

    # ---- prediction and generation (textseq.lm.textgen) ----------------------------------
    # prediction and generation: the functions of ``textseq.lm.textgen`` as methods
    # (``model.generate(prompt, ...)`` is ``textgen.generate(model, prompt, ...)``)
    predict_next = textgen.predict_next
    generate = textgen.generate
