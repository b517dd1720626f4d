"""Plots of word vectors and training curves (needs the ``plot`` extra: matplotlib).

matplotlib is imported only here and only when a plot is asked for, with the headless Agg
backend, so the rest of textseq works without it. PNGs are written atomically.
``training_curves`` reads the per-epoch series of a saved model (no matplotlib needed).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from textseq.errors import ModelFileError, OptionError, TextseqError
from textseq.files import PathLike, atomic_write, load_json
from textseq.modelfolder import ModelFolder
from textseq.projection import project_2d

INSTALL_HINT = "plots need matplotlib: pip install 'textseq[plot]' (or pip install matplotlib)"


def matplotlib_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _pyplot():
    if not matplotlib_available():
        raise TextseqError(INSTALL_HINT)
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str | os.PathLike) -> None:
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=120, bbox_inches="tight")


def plot_embeddings(
    words: Sequence[str],
    vectors: np.ndarray,
    path: str | os.PathLike,
    method: str = "pca",
    title: str | None = None,
    seed: int = 0,
) -> None:
    """Scatter the words in a 2-D projection of their vectors, each point labelled."""
    if len(words) != len(vectors):
        raise OptionError(f"{len(words)} words but {len(vectors)} vectors")
    if len(words) < 2:
        raise OptionError("plot at least two words")
    points = project_2d(vectors, method, seed=seed)
    plt = _pyplot()
    size = 7 + min(len(words), 300) / 30
    fig, ax = plt.subplots(figsize=(size, size * 0.75))
    ax.scatter(points[:, 0], points[:, 1], s=8, color="#3b6ea8", alpha=0.6)
    fontsize = 9 if len(words) <= 60 else 7
    for (x, y), word in zip(points, words):
        ax.annotate(word, (x, y), xytext=(2, 2), textcoords="offset points", fontsize=fontsize)
    axis = "principal component" if method == "pca" else "t-SNE dimension"
    ax.set_xlabel(f"{axis} 1")
    ax.set_ylabel(f"{axis} 2")
    ax.set_title(title or f"{len(words)} word vectors ({method.upper()})")
    ax.grid(alpha=0.2)
    _save(fig, path)
    plt.close(fig)


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    path: str | os.PathLike,
    title: str,
    xlabel: str = "epoch",
) -> None:
    """One panel per named series (e.g. training loss, validation perplexity) over epochs."""
    series = {name: list(values) for name, values in curves.items() if len(values)}
    if not series:
        raise TextseqError("nothing to plot: the history has no per-epoch figures")
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(series), figsize=(5.5 * len(series), 4), squeeze=False)
    for ax, (name, values) in zip(axes[0], series.items()):
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, marker="o", color="#c0504d" if "ppl" in name else "#3b6ea8")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(name)
        ax.set_title(name)
        if len(epochs) <= 20:  # one tick per epoch while they stay readable
            ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def training_curves(model_dir: PathLike) -> tuple[dict[str, list[float]], str]:
    """Per-epoch series of a saved model and a title: training loss and validation
    perplexity of a language model (its ``TrainingHistory``), or the loss per trained word
    of a word2vec model (the epochs of its last training report)."""
    folder = ModelFolder(model_dir)
    name = folder.path.name
    if folder.source_vocab.is_file() and folder.history.is_file():  # sequence to sequence
        from textseq.seq2seq.history import Seq2SeqHistory

        history = Seq2SeqHistory.read(folder)
        curves = {
            "training loss": [e.train_loss for e in history.epochs],
            "validation exact match": [
                e.valid_exact for e in history.epochs if e.valid_exact is not None
            ],
        }
        return curves, f"sequence to sequence: {name}"
    if folder.history.is_file():
        # imported here: the ``textseq.lm`` package loads the model's kernels, which a
        # command that only plots word vectors should not wait for
        from textseq.lm.history import TrainingHistory

        history = TrainingHistory.read(folder)
        curves = {
            "training loss": [e.train_loss for e in history.epochs],
            "validation perplexity": [
                e.valid_ppl for e in history.epochs if e.valid_ppl is not None
            ],
        }
        config = load_json(folder.config, what="model config")
        cell = (config.get("model") or {}).get("cell", "rnn")
        return curves, f"{cell.upper()} language model: {name}"
    if folder.config.is_file():
        report = load_json(folder.config, what="model config").get("last_report") or {}
        epochs = report.get("epochs") or []
        curves = {
            "loss per trained word": [
                e["loss"] / e["effective_words"] for e in epochs if e.get("effective_words")
            ]
        }
        return curves, f"word2vec: {name}"
    raise ModelFileError(
        f"{folder.path} is not a model folder (no {folder.history.name} or {folder.config.name})"
    )


def plot_attention(
    weights: np.ndarray,
    source_tokens: Sequence[str],
    output_tokens: Sequence[str],
    path: str | os.PathLike,
    title: str | None = None,
) -> None:
    """Heatmap of attention weights ``(len(output_tokens), len(source_tokens))``: source
    tokens along the x axis, output tokens down the y axis, darker = more weight."""
    weights = np.asarray(weights, dtype=float)
    if weights.shape != (len(output_tokens), len(source_tokens)):
        raise OptionError(
            f"attention weights of shape {weights.shape} do not match {len(output_tokens)} "
            f"output and {len(source_tokens)} source tokens"
        )
    plt = _pyplot()
    rows, cols = weights.shape
    fig, ax = plt.subplots(figsize=(1.5 + 0.35 * max(cols, 4), 1.2 + 0.35 * max(rows, 4)))
    image = ax.imshow(weights, cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(np.arange(cols), labels=list(source_tokens), rotation=90)
    ax.set_yticks(np.arange(rows), labels=list(output_tokens))
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    ax.set_title(title or "attention")
    fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
