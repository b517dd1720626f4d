"""``textseq train-w2v`` and ``textseq compare-gensim``: train word vectors, or train them
with textseq and gensim side by side.

Option values are checked by ``Word2Vec`` (one-line ``OptionError``s); ``main`` prints them
as ``error: ...``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import (
    CorpusArg,
    EncodingOpt,
    ErrorsOpt,
    GlobOpt,
    SeedOpt,
    ThreadsOpt,
    TokenizerOpt,
    corpus_from_cli,
)
from textseq.files import atomic_write

TRAIN_EPILOG = """Examples:

  textseq train-w2v lee -o vectors.bin --min-count 2 --epochs 10

  textseq train-w2v corpora/ -o vectors.txt --text --sg --dim 200 --threads 2

  textseq train-w2v big.txt.gz -o vectors.bin --save-model model/   (keep it for more training)
"""

COMPARE_EPILOG = """Examples:

  textseq compare-gensim lee --min-count 2 --threads 1

  textseq compare-gensim corpora/english --sg --threads 2 --json result.json
"""

SgOpt = Annotated[bool, typer.Option("--sg/--cbow", help="Skip-gram (--sg) or CBOW (--cbow).")]
DimOpt = Annotated[int, typer.Option("--dim", help="Vector size.")]
WindowOpt = Annotated[int, typer.Option("--window", help="Largest distance to a context word.")]
NegativeOpt = Annotated[int, typer.Option("--negative", help="Noise words per positive word.")]
SampleOpt = Annotated[
    float, typer.Option("--sample", help="Subsampling of frequent words (0 = off).")
]
MinCountOpt = Annotated[
    int, typer.Option("--min-count", help="Ignore words seen fewer times than this.")
]
EpochsOpt = Annotated[int, typer.Option("--epochs", help="Passes over the corpus.")]
AlphaOpt = Annotated[float, typer.Option("--alpha", help="Initial learning rate.")]
MinAlphaOpt = Annotated[float, typer.Option("--min-alpha", help="Final learning rate.")]
CbowMeanOpt = Annotated[
    bool, typer.Option("--cbow-mean/--cbow-sum", help="CBOW: mean or sum of the context.")
]
SharedNegOpt = Annotated[
    bool,
    typer.Option(
        "--shared-negatives/--per-pair-negatives",
        help="Skip-gram: one set of noise words per centre word (faster, above all on two "
        "threads) or a fresh set per context word, as gensim and the C tool.",
    ),
]
MaxFinalVocabOpt = Annotated[
    int | None, typer.Option("--max-final-vocab", help="Keep at most this many words.")
]


def register(app: typer.Typer) -> None:
    app.command("train-w2v", epilog=TRAIN_EPILOG)(train_command)
    app.command("compare-gensim", epilog=COMPARE_EPILOG)(compare_command)


def _settings(sg, dim, window, negative, sample, min_count, epochs, alpha, min_alpha,
              cbow_mean, max_final_vocab, threads, seed) -> dict:  # fmt: skip
    """The settings both commands share, by gensim's names."""
    return {
        "sg": int(sg),
        "vector_size": dim,
        "window": window,
        "negative": negative,
        "sample": sample,
        "min_count": min_count,
        "epochs": epochs,
        "alpha": alpha,
        "min_alpha": min_alpha,
        "cbow_mean": int(cbow_mean),
        "max_final_vocab": max_final_vocab,
        "workers": threads,
        "seed": seed,
    }


def _kind(sg: bool, shared_negatives: bool) -> str:
    if not sg:
        return "CBOW"
    return "skip-gram" + (" (shared negatives)" if shared_negatives else " (per-pair negatives)")


def train_command(
    corpus: CorpusArg = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Vectors file to write (word2vec format).")
    ] = Path("vectors.bin"),
    sg: SgOpt = False,
    dim: DimOpt = 100,
    window: WindowOpt = 5,
    negative: NegativeOpt = 5,
    sample: SampleOpt = 1e-3,
    min_count: MinCountOpt = 5,
    epochs: EpochsOpt = 5,
    alpha: AlphaOpt = 0.025,
    min_alpha: MinAlphaOpt = 0.0001,
    cbow_mean: CbowMeanOpt = True,
    shared_negatives: SharedNegOpt = True,
    max_final_vocab: MaxFinalVocabOpt = None,
    threads: ThreadsOpt = None,
    seed: SeedOpt = 1,
    text: Annotated[
        bool, typer.Option("--text", help="Write the text format instead of binary.")
    ] = False,
    save_model: Annotated[
        Path | None,
        typer.Option("--save-model", help="Also save the full model folder (for more training)."),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", " /--quiet", help="Show a progress bar.")
    ] = True,
    tokenizer: TokenizerOpt = "unicode",
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
) -> None:
    """Train word vectors (skip-gram or CBOW with negative sampling) and write them."""
    from textseq.word2vec import Word2Vec

    sentences = corpus_from_cli(corpus, tokenizer, glob, encoding, errors)
    settings = _settings(sg, dim, window, negative, sample, min_count, epochs, alpha, min_alpha,
                         cbow_mean, max_final_vocab, threads, seed)  # fmt: skip
    model = Word2Vec(
        progress=progress, tokenizer=tokenizer, shared_negatives=shared_negatives, **settings
    ).train(sentences)
    model.wv.save_word2vec_format(output, binary=not text)
    if save_model is not None:
        model.save(save_model)
    r = model.report_
    kind = _kind(sg, shared_negatives)
    typer.echo(f"{kind}: {len(model.vocab_):,} words x {dim} dims, {r.threads} thread(s)")
    typer.echo(
        f"trained on {r.corpus_words:,} corpus words x {len(r.epochs)} epochs = "
        f"{r.raw_words:,} words ({r.effective_words:,} after subsampling)"
    )
    typer.echo(
        f"time {r.seconds:.2f} s ({r.encode_seconds:.2f} s encoding), "
        f"{r.words_per_second:,.0f} effective words/s; compile/cache load {r.compile_seconds:.2f} s"
    )
    if model.compute_loss and r.epochs:
        typer.echo(f"loss per word: first epoch {r.epochs[0].mean_loss:.4f}, "
                   f"last {r.epochs[-1].mean_loss:.4f}")  # fmt: skip
    typer.echo(f"vectors written to {output} ({'text' if text else 'binary'})")
    if save_model is not None:
        typer.echo(f"model saved to {save_model}/")


def compare_command(
    corpus: CorpusArg = None,
    sg: SgOpt = False,
    dim: DimOpt = 100,
    window: WindowOpt = 5,
    negative: NegativeOpt = 5,
    sample: SampleOpt = 1e-3,
    min_count: MinCountOpt = 5,
    epochs: EpochsOpt = 5,
    alpha: AlphaOpt = 0.025,
    min_alpha: MinAlphaOpt = 0.0001,
    cbow_mean: CbowMeanOpt = True,
    shared_negatives: SharedNegOpt = True,
    max_final_vocab: MaxFinalVocabOpt = None,
    threads: ThreadsOpt = None,
    seed: SeedOpt = 1,
    gensim_first: Annotated[
        bool, typer.Option("--gensim-first", help="Run gensim before textseq.")
    ] = False,
    evaluate: Annotated[
        bool, typer.Option("--evaluate/--no-evaluate", help="Score analogies and word pairs.")
    ] = True,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write every figure as JSON here.")
    ] = None,
    tokenizer: TokenizerOpt = "unicode",
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
) -> None:
    """Train textseq and gensim on the same corpus and settings, one after the other, and
    print one table: time, words/s, their ratio, analogy and word-pair scores, neighbours."""
    from textseq.word2vec.compare import compare_with_gensim

    sentences = corpus_from_cli(corpus, tokenizer, glob, encoding, errors)
    settings = _settings(sg, dim, window, negative, sample, min_count, epochs, alpha, min_alpha,
                         cbow_mean, max_final_vocab, threads, seed)  # fmt: skip
    order = ("gensim", "textseq") if gensim_first else ("textseq", "gensim")
    result = compare_with_gensim(
        sentences, order=order, evaluate=evaluate, shared_negatives=shared_negatives, **settings
    )
    kind = _kind(sg, shared_negatives)
    typer.echo(
        f"{kind}, {result.settings['workers']} thread(s), {result.textseq.raw_words:,} words "
        f"trained; load average {result.load_before[0]:.2f} before, "
        f"{result.load_after[0]:.2f} after"
    )
    typer.echo(result.table())
    if json_path is not None:
        with atomic_write(json_path) as handle:
            json.dump(result.to_dict(), handle, indent=2)
            handle.write("\n")
        typer.echo(f"figures written to {json_path}")
