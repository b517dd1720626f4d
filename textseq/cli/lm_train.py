"""``textseq train-lm``: train a word-level RNN/LSTM/GRU language model on a corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import (
    AdaptiveSoftmaxOpt,
    ClipOpt,
    CorpusArg,
    DivValueOpt,
    EncodingOpt,
    ErrorsOpt,
    GlobOpt,
    JaFormOpt,
    JaPunctOpt,
    LrDecayOpt,
    LrOpt,
    OptimizerOpt,
    PatienceOpt,
    ProgressOpt,
    ResumeOpt,
    ThreadsOpt,
    TokenizerOpt,
    TrainSeedOpt,
    corpus_from_cli,
    epoch_table,
    fmt,
    given_on_command_line,
    output_layer_note,
    report_stop,
)
from textseq.corpus.tokenize import tokenizer_spec
from textseq.errors import OptionError
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

  textseq train-lm kjv.txt -o kjv-lstm/ --resume     (continue an interrupted run)

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


def _resumed_run(output: Path):
    """The history of the run saved in ``output`` (its settings and finished epochs)."""
    from textseq.lm.checkpoint import read_state

    if not ModelFolder(output).has_checkpoint():
        raise OptionError(f"--resume: {output} holds no checkpoint of a run to continue")
    return read_state(ModelFolder(output)).history


def note_seed_threads(threads: int | None) -> None:
    """Say once (on stderr) that a seed repeats a run only on one thread, when this run uses
    more."""
    from textseq import threads as thread_counts

    n = thread_counts.blas_threads() if threads is None else threads
    if n > 1:
        typer.echo(
            f"note: this run uses {n} threads, so --seed does not repeat it bit for bit; "
            "--threads 1 does",
            err=True,
        )


def train_lm_command(
    corpus: CorpusArg = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model folder to write.")] = Path(
        "model"
    ),
    cell: Annotated[str, typer.Option("--cell", help=", ".join(CELL_KINDS) + ".")] = _ARCH.cell,
    embed: Annotated[int, typer.Option("--embed", help="Embedding size.")] = _ARCH.embed,
    hidden: Annotated[int, typer.Option("--hidden", help="Hidden size.")] = _ARCH.hidden,
    layers: Annotated[int, typer.Option("--layers", help="Recurrent layers.")] = _ARCH.layers,
    bptt: Annotated[int, typer.Option("--bptt", help="Steps per BPTT window.")] = _TRAIN.bptt,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Streams per batch.")
    ] = _TRAIN.batch_size,
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs",
            min=1,
            help=f"Passes over the training part [default: {_TRAIN.epochs}; with --resume: "
            "the resumed run's own].",
            show_default=False,
        ),
    ] = None,
    lr: LrOpt = _TRAIN.lr,
    optimizer: OptimizerOpt = _TRAIN.optimizer,
    clip: ClipOpt = _TRAIN.clip,
    dropout: Annotated[
        float, typer.Option("--dropout", help="Dropout probability.")
    ] = _ARCH.dropout,
    tie: Annotated[
        bool, typer.Option("--tie", help="Tie embedding and output weights (embed = hidden).")
    ] = _ARCH.tie,
    adaptive_softmax: AdaptiveSoftmaxOpt = _ARCH.adaptive_softmax,
    div_value: DivValueOpt = _ARCH.div_value,
    min_count: Annotated[
        int,
        typer.Option(
            "--min-count",
            help="Words seen fewer times become <unk> (1: every word of the training part "
            "gets its own output row; raise it on large corpora for a smaller, faster model).",
        ),
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
    lr_decay: LrDecayOpt = _TRAIN.lr_decay,
    patience: PatienceOpt = _TRAIN.patience,
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
            help="Always run 2+ threads as two tasks (BLAS on one thread in each).",
        ),
    ] = _TRAIN.share_threads,
    adapt_threads: Annotated[
        bool,
        typer.Option(
            "--adapt-threads/--no-adapt-threads",
            help="With 2+ threads, time BLAS's own threads, one thread and two tasks as "
            "training runs and use the fastest (BLAS's threads starve when other programs "
            "keep the cores busy); --no-adapt-threads keeps BLAS's threads throughout.",
        ),
    ] = _TRAIN.adapt_threads,
    seed: TrainSeedOpt = _TRAIN.seed,
    resume: ResumeOpt = False,
    progress: ProgressOpt = True,
    ctx: typer.Context = None,
) -> None:
    """Train a language model on words or subwords; print per-epoch loss, perplexity (per
    token, per word, bits per character) and speed."""
    from textseq.lm.history import EpochRecord
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
        epochs=_TRAIN.epochs if epochs is None else epochs,
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
        adapt_threads=adapt_threads,
    ).validate()
    if resume:
        done = _resumed_run(output)
        if epochs is None:
            train.epochs = done.train.epochs
    data = corpus_from_cli(corpus, config.tokenizer, glob, encoding, errors)
    if resume:
        typer.echo(
            f"resuming the run in {output} with its saved settings ({len(done.epochs)} of "
            f"{train.epochs} epochs done)"
        )
    if given_on_command_line(ctx, "seed"):
        note_seed_threads(threads)
    header = (
        f"{'epoch':>5}  {'train loss':>10}  {'train ppl':>10}  {'valid ppl':>10}  "
        f"{'word ppl':>9}  {'bpc':>5}  {'top-1':>6}  {'top-5':>6}  {'tokens/s':>9}  "
        f"{'seconds':>7}"
    )

    def row(rec: EpochRecord) -> str:
        return (
            f"{rec.epoch:>5}  {rec.train_loss:>10.4f}  {rec.train_ppl:>10.2f}  "
            f"{fmt(rec.valid_ppl, '10.2f')}  {fmt(rec.valid_word_ppl, '9.2f')}  "
            f"{fmt(rec.valid_bpc, '5.3f')}  {fmt(rec.valid_acc, '6.1%')}  "
            f"{fmt(rec.valid_acc5, '6.1%')}  {rec.tokens_per_s:>9,.0f}  {rec.seconds:>7.1f}"
        )

    model, history = train_lm(
        data,
        config,
        train,
        out_dir=output,
        progress=progress,
        resume=resume,
        on_epoch=epoch_table(header, row),
    )
    report_stop(history, output, patience)
    test = history.test
    typer.echo(
        f"best epoch {history.best_epoch}: valid ppl {fmt(history.best_valid_ppl, '.2f')}"
        f"; test ppl {fmt(test.ppl, '.2f')} (per word {fmt(test.word_ppl, '.2f')}, "
        f"{fmt(test.bpc, '.3f')} bits/char), top-1 {fmt(test.acc, '.1%')}, "
        f"top-5 {fmt(test.acc5, '.1%')}"
    )
    output_layer = output_layer_note(model.config.adaptive_softmax)
    typer.echo(
        f"model saved to {output} ({model.num_parameters():,} parameters, "
        f"{model.vocab_size:,} {'subwords' if model.config.subwords else 'words'}{output_layer})"
    )
    small = history.data.too_small()
    if small:
        sizes = {"validation": history.data.valid_tokens, "test": history.data.test_tokens}
        typer.echo(
            "note: "
            + " and ".join(f"the {name} part has {sizes[name]:,} tokens" for name in small)
            + f": too few for the perplexity and accuracy on {'them' if len(small) > 1 else 'it'}"
            " to mean much (give more text, or a larger share with --split)",
            err=True,
        )
