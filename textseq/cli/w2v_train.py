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

  textseq train-w2v more.txt --from-model model/ --epochs 2 -o vectors.bin --save-model model/
"""

# the options a model loaded with --from-model takes from the command line (the rest of its
# settings, shape and vocabulary included, are its own)
CONTINUE_OPTIONS = {"epochs": "epochs", "alpha": "alpha", "min_alpha": "min_alpha",
                    "threads": "workers", "seed": "seed"}  # fmt: skip
# options about where the text comes from and where results go, allowed with --from-model
SOURCE_OPTIONS = {"corpus", "output", "text", "save_model", "from_model", "progress", "glob",
                  "encoding", "errors"}  # fmt: skip

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
    from_model: Annotated[
        Path | None,
        typer.Option(
            "--from-model",
            help="Go on training a model folder saved by --save-model, on its vocabulary "
            "(other words are left out). Only --epochs, --alpha, --min-alpha, --threads and "
            "--seed may be given with it; every other setting is the model's.",
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", " /--quiet", help="Show a progress bar.")
    ] = True,
    tokenizer: TokenizerOpt = "unicode",
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
    ctx: typer.Context = None,
) -> None:
    """Train word vectors (skip-gram or CBOW with negative sampling) and write them."""
    from textseq.word2vec import Word2Vec

    settings = _settings(sg, dim, window, negative, sample, min_count, epochs, alpha, min_alpha,
                         cbow_mean, max_final_vocab, threads, seed)  # fmt: skip
    if from_model is None:
        model = Word2Vec(
            progress=progress, tokenizer=tokenizer, shared_negatives=shared_negatives, **settings
        )
    else:
        model = _continued_model(ctx, from_model, settings, progress)
        sg, dim, shared_negatives = model.sg, model.vector_size, model.shared_negatives
        tokenizer = model.tokenizer
    sentences = corpus_from_cli(corpus, tokenizer, glob, encoding, errors)
    model.train(sentences)
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


def _continued_model(ctx: typer.Context, folder: Path, settings: dict, progress: bool):
    """The model saved in ``folder`` with the command line's ``CONTINUE_OPTIONS`` in place of
    its own; any other training option given on the command line is an error, since it would
    otherwise be silently ignored."""
    from textseq.errors import OptionError
    from textseq.word2vec import Word2Vec

    def typed(name):  # by the member's name: typer vendors click in some versions only
        return getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"

    given = {name for name in ctx.params if typed(name)}
    kept = sorted(given - set(CONTINUE_OPTIONS) - SOURCE_OPTIONS)
    if kept:
        flags = ", ".join("--" + name.replace("_", "-") for name in kept)
        raise OptionError(f"{flags}: a model loaded with --from-model keeps its own settings")
    overrides = {CONTINUE_OPTIONS[name]: settings[CONTINUE_OPTIONS[name]]
                 for name in given & set(CONTINUE_OPTIONS)}  # fmt: skip
    return Word2Vec.load(folder, progress=progress, **overrides)


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
