"""The sequence-to-sequence model: source embedding -> encoder -> bridge -> decoder with
attention -> softmax over target tokens. Backpropagation is written out layer by layer.

    src (B, S) -> Embedding -> dropout -> Encoder (S, B, Dm) --memory M--------------.
                                            '-> finals -> Bridge -> decoder initial state
    tgt_in (B, T) -> Embedding -> dropout -> Decoder(M) (B, T, H) -> dropout
                  -> output layer over the target vocabulary, all B*T rows at once:
                     SoftmaxOutput, or AdaptiveSoftmaxOutput (``config.adaptive_softmax``)

With the adaptive softmax, training computes each tail cluster only for the rows whose
target lies in it; scoring (perplexity, token accuracy) and every decoding step use its
exact log-probabilities, so the step protocol hands decoding normalised scores.

The target side starts from ``<eos>`` and ends with it: ``tgt_in = <eos> y1 .. yn`` and
``tgt_out = y1 .. yn <eos>``; padding is ``-1`` in ``tgt_out`` (no loss) and any id in
the inputs (their steps come after the real ones and reach nothing that is scored). Source
padding is masked in the attention and skipped by the encoder's finals, so a padded batch
gives the summed loss and gradients of its examples one at a time.

For decoding, ``Seq2Seq`` has the step protocol of ``textseq.decoding``: the state is the
decoder's states, then the memory, its attention keys and its padding mask (each with the
batch on axis 0), so a beam reorders every part by row.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from textseq.corpus import Vocab
from textseq.corpus.subwords import SubwordTokenizer
from textseq.errors import ModelFileError, OptionError, TextseqError
from textseq.files import PathLike, load_npz, save_json, save_npz
from textseq.lm.adaptive import AdaptiveSoftmaxOutput
from textseq.lm.adaptive_cutoffs import resolve_cutoffs
from textseq.lm.layers import Dropout, Embedding, SoftmaxOutput
from textseq.modelfolder import ModelFolder
from textseq.seq2seq import translate as _translate
from textseq.seq2seq.config import Seq2SeqConfig
from textseq.seq2seq.data import side_tokenizers
from textseq.seq2seq.decoder import Decoder
from textseq.seq2seq.encoder import Encoder
from textseq.seq2seq.history import Seq2SeqHistory

FORMAT = "textseq-seq2seq"
FORMAT_VERSION = 1


class Bridge:
    """The decoder's initial state of one layer from the encoder's final states:
    ``h0 = tanh(final W^T + b)``, ``W (H, Dm)``; an LSTM's cell starts at zero."""

    def __init__(self, in_size, out_size, rng, dtype=np.float32):
        s = 1.0 / np.sqrt(in_size)
        self.params = {
            "W": rng.uniform(-s, s, (out_size, in_size)).astype(dtype),
            "b": np.zeros(out_size, dtype=dtype),
        }
        self.grads = {k: np.zeros_like(p) for k, p in self.params.items()}

    def forward(self, final: np.ndarray, store=True) -> np.ndarray:
        h = np.tanh(final @ self.params["W"].T + self.params["b"])
        if store:
            self._cache = (final, h)
        return h

    def backward(self, dh: np.ndarray) -> np.ndarray:
        final, h = self._cache
        dz = dh * (1.0 - h * h)
        np.matmul(dz.T, final, out=self.grads["W"])
        np.sum(dz, axis=0, out=self.grads["b"])
        return dz @ self.params["W"]


def _embedding(rows: int, dim: int, rng, dtype) -> Embedding:
    """An embedding table drawn from N(0, 1), as PyTorch starts one: inputs of a few
    characters learn much faster from it than from the language model's +-0.1."""
    emb = Embedding(rows, dim, rng, dtype)
    emb.params["W"][...] = rng.standard_normal((rows, dim))
    return emb


def _output_layer(cfg: Seq2SeqConfig, target_vocab: Vocab, rng, dtype):
    """The full softmax, or the adaptive one over the target vocabulary; ``auto`` cutoffs
    are fixed in ``cfg`` here, so the saved config rebuilds the same layer."""
    V = len(target_vocab)
    if cfg.adaptive_softmax is None:
        return SoftmaxOutput(cfg.hidden, V, rng, dtype)
    cfg.adaptive_softmax = resolve_cutoffs(cfg.adaptive_softmax, target_vocab.counts)
    return AdaptiveSoftmaxOutput(cfg.hidden, V, cfg.adaptive_softmax, rng, dtype, cfg.div_value)


def pad_batch(seqs, pad: int = 0, dtype=np.int64) -> tuple[np.ndarray, np.ndarray]:
    """Sequences of ids -> ``(B, max length)`` padded with ``pad``, and their lengths."""
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    out = np.full((len(seqs), int(lengths.max(initial=1))), pad, dtype=dtype)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out, lengths


class Seq2Seq:
    """Encoder-decoder with attention; ``Seq2Seq(config).init(source_vocab, target_vocab)``
    creates the weights (seeded by ``config.seed``); ``subwords``: the subword model the
    vocabularies are made of, when ``config.subwords``. Learned state: ``source_vocab_``,
    ``target_vocab_``, ``subwords_`` (or None), ``source_tokenizer_`` and
    ``target_tokenizer_`` (what reads each side's text and joins output tokens), the layers
    (``src_embedding_``, ``encoder_``, ``bridges_``, ``tgt_embedding_``, ``decoder_``,
    ``output_``) and ``history_``."""

    def __init__(self, config: Seq2SeqConfig | None = None, **overrides):
        self.config = dataclasses.replace(config or Seq2SeqConfig(), **overrides)

    def init(
        self, source_vocab: Vocab, target_vocab: Vocab, subwords: SubwordTokenizer | None = None
    ) -> Seq2Seq:
        cfg = self.config.validate()
        if target_vocab.eos_id is None:
            raise ValueError("the target vocabulary needs an <eos> token")
        if bool(cfg.subwords) != (subwords is not None):
            raise ValueError("a subword model goes with config.subwords, and only with it")
        self.subwords_ = subwords
        self.source_tokenizer_, self.target_tokenizer_ = side_tokenizers(cfg, subwords)
        dtype = np.dtype(cfg.dtype)
        rng = np.random.default_rng(cfg.seed)
        self.source_vocab_, self.target_vocab_ = source_vocab, target_vocab
        self.src_embedding_ = _embedding(len(source_vocab), cfg.embed, rng, dtype)
        self.encoder_ = Encoder(
            cfg.cell, cfg.embed, cfg.hidden, cfg.layers, cfg.bidirectional, rng, dtype
        )
        self.bridges_ = [Bridge(cfg.memory_size, cfg.hidden, rng, dtype) for _ in range(cfg.layers)]
        self.tgt_embedding_ = _embedding(len(target_vocab), cfg.embed, rng, dtype)
        self.decoder_ = Decoder(
            cfg.cell, cfg.embed, cfg.hidden, cfg.layers, cfg.memory_size, cfg.attention, rng, dtype
        )
        self.output_ = _output_layer(cfg, target_vocab, rng, dtype)
        self.dropouts_ = [Dropout(cfg.dropout) for _ in range(3)]  # src, tgt, output
        self.history_ = Seq2SeqHistory()
        return self

    @property
    def eos_id(self) -> int:
        return self.target_vocab_.eos_id

    def named_layers(self) -> list[tuple[str, object]]:
        out = [("src_embedding", self.src_embedding_)]
        out += self.encoder_.named_cells()
        out += [(f"bridge{i}", b) for i, b in enumerate(self.bridges_)]
        out += [("tgt_embedding", self.tgt_embedding_)]
        out += self.decoder_.named_layers()
        out += [("output", self.output_)]
        return out

    def named_parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, parameter, gradient)`` for every parameter."""
        return [
            (f"{name}.{k}", p, layer.grads[k])
            for name, layer in self.named_layers()
            for k, p in layer.params.items()
        ]

    def num_parameters(self) -> int:
        return sum(p.size for _, p, _ in self.named_parameters())

    def get_weights(self) -> dict[str, np.ndarray]:
        return {name: p.copy() for name, p, _ in self.named_parameters()}

    def set_weights(self, weights: dict[str, np.ndarray], where: str = "weights") -> None:
        """Copy arrays into the parameters; names, shapes and dtypes must match exactly."""
        expected = {name: p for name, p, _ in self.named_parameters()}
        problems = [f"{where} hold unexpected arrays {sorted(set(weights) - set(expected))}"]
        problems = problems if set(weights) - set(expected) else []
        for name, p in expected.items():
            w = weights.get(name)
            if w is None:
                problems.append(f"{where} lack array {name!r}")
            elif w.shape != p.shape or w.dtype != p.dtype:
                problems.append(
                    f"{where}: {name!r} is {w.dtype} {w.shape}, expected {p.dtype} {p.shape}"
                )
        if problems:
            raise ModelFileError("; ".join(problems))
        for name, p in expected.items():
            p[...] = weights[name]

    # ---- files --------------------------------------------------------------------------
    def write_files(self, folder: ModelFolder | PathLike, weights=None) -> None:
        """Write config, both vocabularies, ``weights`` (or the model's own), the subword model
        (with subwords) and the history into ``folder``."""
        folder = folder if isinstance(folder, ModelFolder) else ModelFolder(folder)
        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "source_vocab_size": len(self.source_vocab_),
            "target_vocab_size": len(self.target_vocab_),
            "model": dataclasses.asdict(self.config),
        }
        save_json(folder.config, meta)
        self.source_vocab_.save(folder.source_vocab)
        self.target_vocab_.save(folder.target_vocab)
        save_npz(folder.weights, self.get_weights() if weights is None else weights)
        if self.subwords_ is not None:
            self.subwords_.save(folder.subwords)
        if not self.history_.is_empty:
            self.history_.write(folder)

    def save(self, path: PathLike) -> Seq2Seq:
        """Save as a model folder, atomically (an old folder is replaced whole)."""
        with ModelFolder(path).writing() as tmp:
            self.write_files(tmp)
        return self

    @classmethod
    def load(cls, path: PathLike) -> Seq2Seq:
        """Load a model folder, checking format, settings, vocabularies and every array."""
        folder = ModelFolder(path)
        meta = folder.read_config(FORMAT, FORMAT_VERSION, "sequence-to-sequence model")
        try:
            config = Seq2SeqConfig.from_dict(meta["model"]).validate()
        except (KeyError, TypeError, OptionError, ModelFileError) as exc:
            raise ModelFileError(f"{folder.config} has invalid settings: {exc}") from None
        vocabs = []
        for side, file in (("source", folder.source_vocab), ("target", folder.target_vocab)):
            try:
                vocab = Vocab.load(file)
            except TextseqError as exc:
                raise ModelFileError(f"cannot read the {side} vocabulary: {exc}") from None
            if len(vocab) != meta.get(f"{side}_vocab_size"):
                raise ModelFileError(
                    f"vocabulary size mismatch in {folder.path}: {file.name} has {len(vocab)} "
                    f"entries, {folder.config.name} says {meta.get(f'{side}_vocab_size')}"
                )
            vocabs.append(vocab)
        subwords = None
        if config.subwords:
            subwords = SubwordTokenizer.load(folder.subwords, config.source_tokenizer)
        try:
            model = cls(config).init(*vocabs, subwords)
        except OptionError as exc:  # settings that do not fit the vocabulary (cutoffs)
            raise ModelFileError(f"{folder.config} has invalid settings: {exc}") from None
        model.set_weights(load_npz(folder.weights, what="model weights"), str(folder.weights))
        model.history_ = Seq2SeqHistory.read(folder)
        return model

    # ---- training -----------------------------------------------------------------------
    def _initial_states(self, finals, store):
        states = []
        for cell, bridge, final in zip(self.decoder_.cells, self.bridges_, finals):
            h = bridge.forward(final, store=store)
            states.append((h,) + tuple(np.zeros_like(h) for _ in range(cell.n_states - 1)))
        return states

    def _encode(self, src, src_len, rng=None, store=True):
        """Memory ``(B, S, Dm)``, padding mask ``(B, S)`` and the decoder's initial states."""
        x = self.src_embedding_.forward(np.ascontiguousarray(np.asarray(src).T))
        x = self.dropouts_[0].forward(x, rng)
        mem, finals = self.encoder_.forward(x, src_len, store=store)
        M = np.ascontiguousarray(mem.transpose(1, 0, 2))
        mask = np.arange(M.shape[1])[None, :] >= np.asarray(src_len)[:, None]
        return M, mask, self._initial_states(finals, store)

    def loss(self, src, src_len, tgt_in, tgt_out, rng=None) -> float:
        """Mean cross-entropy over the target tokens of a padded batch (``src``, ``tgt_in``,
        ``tgt_out``: ``(B, S)``, ``(B, T)``, ``(B, T)`` ids; ``tgt_out`` is ``-1`` at
        padding). ``rng`` draws the dropout masks (None: no dropout). Stores what
        ``backward`` needs."""
        M, mask, states = self._encode(src, src_len, rng)
        y = self.tgt_embedding_.forward(np.ascontiguousarray(np.asarray(tgt_in).T))
        y = self.dropouts_[1].forward(y, rng)
        out, _ = self.decoder_.forward(y, states, M, mask)
        out = self.dropouts_[2].forward(out, rng)
        self._shapes = (out.shape, M.shape)
        return self.output_.forward_loss(out.reshape(-1, out.shape[2]), np.asarray(tgt_out))

    def backward(self) -> None:
        """Fill every gradient for the last ``loss``."""
        (B, T, H), _ = self._shapes
        dout = self.output_.backward().reshape(B, T, H)
        dout = self.dropouts_[2].backward(dout)
        dy, dstates, dM = self.decoder_.backward(dout)
        self.tgt_embedding_.backward(self.dropouts_[1].backward(dy))
        dfinals = [br.backward(ds[0]) for br, ds in zip(self.bridges_, dstates)]
        if dM is None:
            dmem = np.zeros(self.encoder_._cache["shape"] + (self.config.memory_size,))
            dmem = dmem.astype(dfinals[0].dtype)
        else:
            dmem = dM.transpose(1, 0, 2)
        dx = self.encoder_.backward(dmem, dfinals)
        self.src_embedding_.backward(self.dropouts_[0].backward(dx))

    def scores(self, src, src_len, tgt_in, tgt_out) -> tuple[float, int, int]:
        """Inference, teacher forced: ``(summed loss, correct top-1 tokens, tokens)``."""
        M, mask, states = self._encode(src, src_len, store=False)
        y = self.tgt_embedding_.forward(np.ascontiguousarray(np.asarray(tgt_in).T))
        out, _ = self.decoder_.forward(y, states, M, mask, store=False)
        loss, top1, _, n = self.output_.score(out.reshape(-1, out.shape[2]), np.asarray(tgt_out))
        return loss, top1, n

    # ---- decoding (the step protocol of textseq.decoding) ----------------------------------
    def encode(self, src, src_len) -> tuple[np.ndarray, ...]:
        """The decoding state of a padded batch of sources, before any target token."""
        M, mask, states = self._encode(src, src_len, store=False)
        flat = tuple(s for st in states for s in st)
        if self.decoder_.attention is None:
            return flat
        return flat + (M, self.decoder_.attention.keys(M), mask)

    def initial_state(self, batch_size: int) -> tuple[np.ndarray, ...]:
        """The state of ``batch_size`` one-token sources of id 0 (the protocol's
        contextless start; translation starts from ``encode``)."""
        return self.encode(np.zeros((batch_size, 1), dtype=np.int64), np.ones(batch_size, int))

    def _split_state(self, state):
        out, i = [], 0
        for cell in self.decoder_.cells:
            out.append(tuple(state[i : i + cell.n_states]))
            i += cell.n_states
        return out, state[i:]

    def step_with_attention(self, ids, state):
        """``step``, and the attention weights ``(B, S)`` of this step (None without)."""
        states, rest = self._split_state(state)
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        x = self.tgt_embedding_.params["W"].take(ids, axis=0)
        M = K = mask = None
        if rest:
            M, K, mask = rest
        out, new, a = self.decoder_.step(x, states, M, K, mask)
        logits = self.output_.logits(np.ascontiguousarray(out))
        return logits, tuple(s for st in new for s in st) + tuple(rest), a

    def step(self, ids, state):
        """ids ``(B,)`` -> logits ``(B, V)`` of the next target token (the exact
        log-probabilities with an adaptive softmax) and the new state."""
        logits, state, _ = self.step_with_attention(ids, state)
        return logits, state

    # ---- translation (textseq.seq2seq.translate's functions as methods) ---------------------
    translate = _translate.translate
