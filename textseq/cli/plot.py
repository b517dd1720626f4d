"""Plot commands: ``plot-embeddings`` (word vectors in 2-D) and ``plot-training`` (curves)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.errors import ModelFileError, OptionError
from textseq.plotting import plot_curves, plot_embeddings, training_curves

EMBEDDINGS_EPILOG = """Examples:

  textseq plot-embeddings --vectors vectors.bin --top 150 -o embeddings.png

  textseq plot-embeddings --vectors vectors.bin --words king queen man woman -o four.png

  textseq plot-embeddings --vectors vectors.bin --top 300 --method tsne -o tsne.png
"""

TRAINING_EPILOG = """Examples:

  textseq plot-training lm-model/ -o curve.png

  textseq plot-training w2v-model/ -o w2v-loss.png
"""


def register(app: typer.Typer) -> None:
    app.command("plot-embeddings", epilog=EMBEDDINGS_EPILOG)(plot_embeddings_command)
    app.command("plot-training", epilog=TRAINING_EPILOG)(plot_training_command)


def plot_embeddings_command(
    vectors: Annotated[Path, typer.Option("--vectors", help="word2vec text or binary file.")],
    words: Annotated[
        list[str] | None, typer.Option("--words", help="Words to plot (repeat the option).")
    ] = None,
    extra_words: Annotated[
        list[str] | None,
        typer.Argument(help="More words to plot.", show_default=False, metavar="WORD"),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=2, help="Plot the N most frequent.")] = 200,
    method: Annotated[str, typer.Option("--method", help="pca or tsne.")] = "pca",
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG to write.")] = Path(
        "embeddings.png"
    ),
    seed: Annotated[int, typer.Option("--seed", help="Seed of the t-SNE start.")] = 0,
) -> None:
    """Plot word vectors in two dimensions (PCA or t-SNE), each point labelled."""
    from textseq.word2vec import load_word2vec_format

    kv = load_word2vec_format(vectors)
    chosen = list(words or []) + list(extra_words or [])
    if not chosen:
        chosen = kv.index_to_key[:top]
    rows = [kv.get_index(word) for word in chosen]
    if method not in ("pca", "tsne"):
        raise OptionError(f"unknown --method {method!r}; choose pca or tsne")
    plot_embeddings(chosen, kv.vectors[rows], output, method=method, seed=seed)
    typer.echo(f"wrote {output} ({len(chosen)} words, {method})")


def plot_training_command(
    model_dir: Annotated[
        Path,
        typer.Argument(
            help="A language-model or word2vec model folder.", metavar="MODEL", show_default=False
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG to write.")] = Path(
        "training.png"
    ),
) -> None:
    """Plot the per-epoch training loss (and validation perplexity) of a saved model."""
    if not model_dir.is_dir():
        raise ModelFileError(f"model folder {model_dir} does not exist")
    curves, title = training_curves(model_dir)
    plot_curves(curves, output, title)
    typer.echo(f"wrote {output}")
