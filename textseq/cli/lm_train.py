"""``textseq train-lm``: train a word-level RNN/LSTM/GRU language model on a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import (
    CorpusArg,
    EncodingOpt,
    ErrorsOpt,
    GlobOpt,
    JaFormOpt,
    JaPunctOpt,
    SeedOpt,
    ThreadsOpt,
    TokenizerOpt,
    corpus_from_cli,
)
from textseq.corpus.tokenize import tokenizer_spec
from textseq.errors import OptionError
from textseq.lm.adaptive_cutoffs import AUTO_RULE
from textseq.lm.config import CELL_KINDS, LMConfig
from textseq.lm.train_config import TrainConfig
from textseq.modelfolder import ModelFolder

_LAYOUT = ModelFolder("")
_ARCH, _TRAIN = (
    LMConfig(),
    TrainConfig(),
)  # the defaults of every option below  # the names of a model folder's files, for the help text

TRAIN_LM_EPILOG = f"""Examples:

  textseq train-lm lee -o model/ --cell lstm --epochs 5

  textseq train-lm kjv.txt -o kjv-lstm/ --min-count 4 --dropout 0.2 --clip 0.25 --threads 2

  textseq train-lm kjv.txt -o kjv-lstm/ --epochs 6 --resume     (continue a run)

  textseq train-lm lee -o win/ --mode window --chunk-size 5 --cell rnn

  textseq train-lm lee -o sub/ --subwords 2000     (subword units; perplexity per word too)

  textseq train-lm ja.txt -o ja-lm/ --tokenizer ja     (Japanese words)

The model folder holds {_LAYOUT.config}, {_LAYOUT.vocab}, {_LAYOUT.weights} (the best epoch so
far), {_LAYOUT.history} (per-epoch figures, final test ppl) and {_LAYOUT.checkpoint}/ (for
--resume).
"""


def register(app: typer.Typer) -> None:
    app.command("train-lm", epilog=TRAIN_LM_EPILOG)(train_lm_command)


def parse_split(text: str) -> tuple[float, float, float]:
    """``"0.8,0.1,0.1"`` -> shares of train, validation and test."""
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        raise OptionError(f"--split must be three numbers like 0.8,0.1,0.1, got {text!r}") from None
    if len(parts) != 3:
        raise OptionError(f"--split must be three numbers like 0.8,0.1,0.1, got {text!r}")
    return parts


def _fmt(x, spec):
    return "-" if x is None else format(x, spec)


def train_lm_command(
    corpus: CorpusArg = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Model folder to write.", show_default=False)
    ] = Path("model"),
    cell: Annotated[str, typer.Option("--cell", help=", ".join(CELL_KINDS) + ".")] = _ARCH.cell,
    embed: Annotated[int, typer.Option("--embed", help="Embedding size.")] = _ARCH.embed,
    hidden: Annotated[int, typer.Option("--hidden", help="Hidden size.")] = _ARCH.hidden,
    layers: Annotated[int, typer.Option("--layers", help="Recurrent layers.")] = _ARCH.layers,
    bptt: Annotated[int, typer.Option("--bptt", help="Steps per BPTT window.")] = _TRAIN.bptt,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Streams per batch.")
    ] = _TRAIN.batch_size,
    epochs: Annotated[
        int, typer.Option("--epochs", help="Passes over the training part.")
    ] = _TRAIN.epochs,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate.")] = _TRAIN.lr,
    optimizer: Annotated[str, typer.Option("--optimizer", help="adam or sgd.")] = _TRAIN.optimizer,
    clip: Annotated[
        float, typer.Option("--clip", help="Clip the global gradient norm (0: off).")
    ] = _TRAIN.clip,
    dropout: Annotated[
        float, typer.Option("--dropout", help="Dropout probability.")
    ] = _ARCH.dropout,
    tie: Annotated[
        bool, typer.Option("--tie", help="Tie embedding and output weights (embed = hidden).")
    ] = _ARCH.tie,
    adaptive_softmax: Annotated[
        str | None,
        typer.Option(
            "--adaptive-softmax",
            metavar="CUTOFFS|auto",
            help="Adaptive softmax output: increasing word counts like 2000,10000 (head = the "
            f"2000 most frequent words, then tail clusters), or {AUTO_RULE}. Default: full "
            "softmax.",
            show_default=False,
        ),
    ] = None,
    div_value: Annotated[
        float,
        typer.Option(
            "--div-value",
            help="Adaptive softmax: each tail cluster's projection is this much smaller.",
        ),
    ] = _ARCH.div_value,
    min_count: Annotated[
        int, typer.Option("--min-count", help="Words seen fewer times become <unk>.")
    ] = _TRAIN.min_count,
    max_size: Annotated[
        int | None, typer.Option("--max-size", help="Largest vocabulary, specials included.")
    ] = _TRAIN.max_size,
    mode: Annotated[
        str, typer.Option("--mode", help="stream (truncated BPTT) or window (k words in).")
    ] = _TRAIN.mode,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", help="Words in per chunk in window mode.")
    ] = _TRAIN.chunk_size,
    split: Annotated[
        str, typer.Option("--split", help="Train,validation,test shares, by line.")
    ] = ",".join(map(str, _TRAIN.split)),
    lr_decay: Annotated[
        float, typer.Option("--lr-decay", help="Multiply the lr by this after a worse epoch.")
    ] = _TRAIN.lr_decay,
    patience: Annotated[
        int, typer.Option("--patience", help="Stop after N epochs without improvement (0: never).")
    ] = _TRAIN.patience,
    tokenizer: TokenizerOpt = _ARCH.tokenizer,
    ja_form: JaFormOpt = "surface",
    ja_punct: JaPunctOpt = "keep",
    subwords: Annotated[
        int,
        typer.Option(
            "--subwords",
            help="Train on subword units: a subword model of about N pieces is trained on "
            "the corpus's words and saved in the model folder (0: whole words).",
        ),
    ] = _ARCH.subwords,
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
    threads: ThreadsOpt = _TRAIN.threads,
    share_threads: Annotated[
        bool,
        typer.Option(
            "--share-threads",
            help="Run 2+ threads as two tasks: faster while other programs use a core, "
            "a little slower on an idle machine.",
        ),
    ] = _TRAIN.share_threads,
    seed: SeedOpt = _TRAIN.seed,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue the run saved in the output folder.")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", " /--quiet", help="Show a progress bar.")
    ] = True,
) -> None:
    """Train a language model on words or subwords; print per-epoch loss, perplexity (per
    token, per word, bits per character) and speed."""
    from textseq.lm.history import EARLY_STOPPING, INTERRUPTED, EpochRecord
    from textseq.lm.trainer import train_lm

    config = LMConfig(
        cell=cell,
        embed=embed,
        hidden=hidden,
        layers=layers,
        dropout=dropout,
        tie=tie,
        adaptive_softmax=adaptive_softmax,
        div_value=div_value,
        tokenizer=tokenizer_spec(tokenizer, ja_form, ja_punct),
        subwords=subwords,
        seed=seed,
    ).validate()
    train = TrainConfig(
        mode=mode,
        bptt=bptt,
        chunk_size=chunk_size,
        batch_size=batch_size,
        epochs=epochs,
        lr=lr,
        optimizer=optimizer,
        clip=clip or None,
        lr_decay=lr_decay,
        patience=patience,
        min_count=min_count,
        max_size=max_size,
        split=parse_split(split),
        seed=seed,
        threads=threads,
        share_threads=share_threads,
    ).validate()
    if resume and not ModelFolder(output).has_checkpoint():
        raise OptionError(f"--resume: {output} holds no checkpoint of a run to continue")
    data = corpus_from_cli(corpus, config.tokenizer, glob, encoding, errors)
    if resume:
        typer.echo(f"resuming the run in {output} with its saved settings (up to {epochs} epochs)")
    typer.echo(
        f"{'epoch':>5}  {'train loss':>10}  {'valid ppl':>9}  {'word ppl':>9}  {'bpc':>5}  "
        f"{'top-1':>6}  {'top-5':>6}  {'tokens/s':>9}  {'seconds':>7}"
    )

    def show(rec: EpochRecord) -> None:
        typer.echo(
            f"{rec.epoch:>5}  {rec.train_loss:>10.4f}  {_fmt(rec.valid_ppl, '9.2f')}  "
            f"{_fmt(rec.valid_word_ppl, '9.2f')}  {_fmt(rec.valid_bpc, '5.3f')}  "
            f"{_fmt(rec.valid_acc, '6.1%')}  {_fmt(rec.valid_acc5, '6.1%')}  "
            f"{rec.tokens_per_s:>9,.0f}  {rec.seconds:>7.1f}"
        )

    model, history = train_lm(
        data, config, train, out_dir=output, progress=progress, resume=resume, on_epoch=show
    )
    if history.stopped == INTERRUPTED:
        typer.echo(
            f"interrupted: the checkpoint after epoch {len(history.epochs)} is kept in "
            f"{output}; continue with --resume",
            err=True,
        )
        raise typer.Exit(130)
    if history.stopped == EARLY_STOPPING:
        typer.echo(f"early stopping: no validation improvement for {patience} epochs")
    test = history.test
    typer.echo(
        f"best epoch {history.best_epoch}: valid ppl {_fmt(history.best_valid_ppl, '.2f')}"
        f"; test ppl {_fmt(test.ppl, '.2f')} (per word {_fmt(test.word_ppl, '.2f')}, "
        f"{_fmt(test.bpc, '.3f')} bits/char), top-1 {_fmt(test.acc, '.1%')}, "
        f"top-5 {_fmt(test.acc5, '.1%')}"
    )
    cutoffs = model.config.adaptive_softmax
    output_layer = "" if cutoffs is None else f", adaptive softmax cutoffs {cutoffs}"
    typer.echo(
        f"model saved to {output} ({model.num_parameters():,} parameters, "
        f"{model.vocab_size:,} {'subwords' if model.config.subwords else 'words'}{output_layer})"
    )
