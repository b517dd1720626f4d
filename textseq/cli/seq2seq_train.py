"""``textseq train-seq2seq``: train an encoder-decoder with attention on a pairs file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import (
    AdaptiveSoftmaxOpt,
    ClipOpt,
    DivValueOpt,
    LrDecayOpt,
    LrOpt,
    OptimizerOpt,
    PatienceOpt,
    ProgressOpt,
    ResumeOpt,
    SeedOpt,
    ThreadsOpt,
    epoch_table,
    fmt,
    output_layer_note,
    report_stop,
)
from textseq.cli.lm_train import parse_split
from textseq.datasets.tasks import DEFAULT_SIZE
from textseq.errors import OptionError
from textseq.lm.config import CELL_KINDS
from textseq.modelfolder import ModelFolder
from textseq.seq2seq.config import ATTENTION_KINDS, Seq2SeqConfig, Seq2SeqTrainConfig

_ARCH, _TRAIN = Seq2SeqConfig(), Seq2SeqTrainConfig()  # the defaults of every option below
_LAYOUT = ModelFolder("")
SUBWORD_TOKENIZER = "unicode"  # the word tokenizer under --subwords unless one is named

EPILOG = f"""Examples:

  textseq train-seq2seq dates -o dates-model/ --size 50000 --epochs 5

  textseq datasets make reverse -o reverse.tsv --min-length 20 --max-length 40

  textseq train-seq2seq reverse.tsv -o rev/ --tokenizer unicode --attention additive

  textseq train-seq2seq pairs.tsv -o m/ --source-tokenizer unicode --target-tokenizer char

  textseq train-seq2seq pairs.tsv -o sub/ --subwords 2000     (subword units, both sides)

  textseq train-seq2seq pairs.tsv -o big/ --tokenizer unicode --adaptive-softmax auto

PAIRS is a UTF-8 file with one source<TAB>target pair per line, or the name of a generated
task (dates, addition, reverse; --size pairs, seeded by --seed). The model folder holds
{_LAYOUT.config}, {_LAYOUT.source_vocab}, {_LAYOUT.target_vocab}, {_LAYOUT.weights} (the best
epoch: highest validation exact match), {_LAYOUT.history}, {_LAYOUT.checkpoint}/ (for
--resume) and, with --subwords, {_LAYOUT.subwords}: one subword model shared by both sides,
trained on the words of the training pairs; translate reads its inputs and joins its
outputs with it.
"""


def register(app: typer.Typer) -> None:
    app.command("train-seq2seq", epilog=EPILOG, no_args_is_help=True)(train_seq2seq_command)


def train_seq2seq_command(
    pairs: Annotated[
        str,
        typer.Argument(help="Pairs file, '-' for stdin, or a task name.", metavar="PAIRS"),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")] = Path(
        "seq2seq-model"
    ),
    cell: Annotated[str, typer.Option("--cell", help=", ".join(CELL_KINDS) + ".")] = _ARCH.cell,
    bidirectional: Annotated[
        bool,
        typer.Option("--bidirectional/--unidirectional", help="Read the source both ways."),
    ] = _ARCH.bidirectional,
    attention: Annotated[
        str, typer.Option("--attention", help=", ".join(ATTENTION_KINDS) + ".")
    ] = _ARCH.attention,
    embed: Annotated[int, typer.Option("--embed", help="Embedding size.")] = _ARCH.embed,
    hidden: Annotated[int, typer.Option("--hidden", help="Hidden size.")] = _ARCH.hidden,
    layers: Annotated[int, typer.Option("--layers", help="Recurrent layers.")] = _ARCH.layers,
    dropout: Annotated[
        float, typer.Option("--dropout", help="Dropout probability.")
    ] = _ARCH.dropout,
    adaptive_softmax: AdaptiveSoftmaxOpt = _ARCH.adaptive_softmax,
    div_value: DivValueOpt = _ARCH.div_value,
    tokenizer: Annotated[
        str | None,
        typer.Option(
            "--tokenizer",
            help=f"Both sides' tokenizer [default: {_ARCH.source_tokenizer}; "
            f"{SUBWORD_TOKENIZER} with --subwords].",
        ),
    ] = None,
    source_tokenizer: Annotated[
        str | None, typer.Option("--source-tokenizer", help="The source side's tokenizer.")
    ] = None,
    target_tokenizer: Annotated[
        str | None, typer.Option("--target-tokenizer", help="The target side's tokenizer.")
    ] = None,
    shared_vocab: Annotated[
        bool, typer.Option("--shared-vocab", help="One vocabulary for both sides.")
    ] = _ARCH.shared_vocab,
    subwords: Annotated[
        int,
        typer.Option(
            "--subwords",
            help="Train on subword units: one subword model of about N pieces, shared by "
            "both sides, is trained on the training pairs' words and saved in the model "
            "folder; each side keeps its own vocabulary of pieces (0: whole tokens).",
        ),
    ] = _ARCH.subwords,
    size: Annotated[
        int | None,
        typer.Option(
            "--size", help=f"Pairs to make when PAIRS names a task [default: {DEFAULT_SIZE}]."
        ),
    ] = None,
    epochs: Annotated[
        int, typer.Option("--epochs", help="Passes over the training part.")
    ] = _TRAIN.epochs,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Pairs per batch.")
    ] = _TRAIN.batch_size,
    lr: LrOpt = _TRAIN.lr,
    optimizer: OptimizerOpt = _TRAIN.optimizer,
    clip: ClipOpt = _TRAIN.clip,
    lr_decay: LrDecayOpt = _TRAIN.lr_decay,
    patience: PatienceOpt = _TRAIN.patience,
    min_count: Annotated[
        int, typer.Option("--min-count", help="Tokens seen fewer times become <unk>.")
    ] = _TRAIN.min_count,
    max_size: Annotated[
        int | None, typer.Option("--max-size", help="Largest vocabulary, specials included.")
    ] = _TRAIN.max_size,
    split: Annotated[
        str, typer.Option("--split", help="Train,validation,test shares, by pair.")
    ] = ",".join(map(str, _TRAIN.split)),
    max_valid: Annotated[
        int | None,
        typer.Option("--max-valid", help="Validation pairs decoded for exact match."),
    ] = _TRAIN.max_valid,
    threads: ThreadsOpt = _TRAIN.threads,
    seed: SeedOpt = _TRAIN.seed,
    resume: ResumeOpt = False,
    progress: ProgressOpt = True,
) -> None:
    """Train a sequence-to-sequence model; print per-epoch validation exact match, token
    accuracy and perplexity."""
    from textseq.seq2seq.history import EpochRecord
    from textseq.seq2seq.trainer import train_seq2seq

    default_tokenizer = SUBWORD_TOKENIZER if subwords else _ARCH.source_tokenizer
    config = Seq2SeqConfig(
        cell=cell,
        embed=embed,
        hidden=hidden,
        layers=layers,
        bidirectional=bidirectional,
        attention=attention,
        dropout=dropout,
        source_tokenizer=source_tokenizer or tokenizer or default_tokenizer,
        target_tokenizer=target_tokenizer or tokenizer or default_tokenizer,
        shared_vocab=shared_vocab,
        subwords=subwords,
        seed=seed,
        adaptive_softmax=adaptive_softmax,
        div_value=div_value,
    ).validate()
    train = Seq2SeqTrainConfig(
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
        max_valid=max_valid,
        seed=seed,
        threads=threads,
    ).validate()
    if size is not None and size < 1:
        raise OptionError(f"--size must be at least 1, got {size}")
    if resume and not ModelFolder(output).has_checkpoint():
        raise OptionError(f"--resume: {output} holds no checkpoint of a run to continue")
    if resume:
        typer.echo(f"resuming the run in {output} with its saved settings (up to {epochs} epochs)")
    header = (
        f"{'epoch':>5}  {'train loss':>10}  {'valid ppl':>9}  {'tok acc':>7}  {'exact':>7}  "
        f"{'tokens/s':>9}  {'seconds':>7}"
    )

    def row(rec: EpochRecord) -> str:
        return (
            f"{rec.epoch:>5}  {rec.train_loss:>10.4f}  {fmt(rec.valid_ppl, '9.3f')}  "
            f"{fmt(rec.valid_token_acc, '7.2%')}  {fmt(rec.valid_exact, '7.2%')}  "
            f"{rec.tokens_per_s:>9,.0f}  {rec.seconds:>7.1f}"
        )

    model, history = train_seq2seq(
        pairs,
        config,
        train,
        out_dir=output,
        progress=progress,
        resume=resume,
        on_epoch=epoch_table(header, row),
        size=size,
    )
    report_stop(history, output, patience)
    test = history.test
    typer.echo(
        f"best epoch {history.best_epoch}: valid exact {fmt(history.best_valid_exact, '.2%')}"
        f"; test exact {fmt(test.exact, '.2%')}, tokens {fmt(test.token_acc, '.2%')}, "
        f"ppl {fmt(test.ppl, '.3f')}"
    )
    typer.echo(
        f"model saved to {output} ({model.num_parameters():,} parameters, "
        f"{len(model.source_vocab_):,} source and {len(model.target_vocab_):,} target "
        f"{'subwords' if model.subwords_ is not None else 'tokens'}"
        f"{output_layer_note(model.config.adaptive_softmax)})"
    )
