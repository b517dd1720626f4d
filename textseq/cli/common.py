"""Options shared by the commands that read a corpus or train something."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.corpus import Corpus
from textseq.corpus.tokenize import tokenizer_spec
from textseq.errors import InputError
from textseq.lm.adaptive_cutoffs import AUTO_RULE

CORPUS_HELP = (
    "Corpus files, folders (searched recursively), .gz/.bz2 files, '-' for stdin, or a "
    "built-in name (lee, wiki500). Default: the corpora/ folder."
)

CorpusArg = Annotated[
    list[str] | None, typer.Argument(help=CORPUS_HELP, show_default=False, metavar="CORPUS")
]
TokenizerOpt = Annotated[
    str,
    typer.Option(
        "--tokenizer",
        help="unicode (default), ascii (the classic rule), char, or ja (Japanese words; "
        "pip install 'textseq[ja]').",
    ),
]
JaFormOpt = Annotated[
    str,
    typer.Option("--ja-form", help="ja: surface (words as written) or base (dictionary forms)."),
]
JaPunctOpt = Annotated[str, typer.Option("--ja-punct", help="ja: keep or drop punctuation tokens.")]
GlobOpt = Annotated[str, typer.Option("--glob", help="File pattern inside folders.")]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Text encoding of the corpus.")]
ErrorsOpt = Annotated[
    str,
    typer.Option("--errors", help="strict: stop at undecodable bytes; replace: substitute them."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of every random choice.")]
TrainSeedOpt = Annotated[
    int,
    typer.Option(
        "--seed",
        help="Seed of every random choice. Only a run on one thread (--threads 1) repeats "
        "bit for bit; with more threads two runs with one seed differ.",
    ),
]
ThreadsOpt = Annotated[
    int | None, typer.Option("--threads", min=1, help="Threads to use (default: all cores).")
]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Where to write the result.")]
ProgressOpt = Annotated[
    bool, typer.Option("--progress/--no-progress", " /--quiet", help="Show a progress bar.")
]
# the trainers' shared optimisation options (train-lm, train-seq2seq)
LrOpt = Annotated[float, typer.Option("--lr", help="Learning rate.")]
OptimizerOpt = Annotated[str, typer.Option("--optimizer", help="adam or sgd.")]
ClipOpt = Annotated[float, typer.Option("--clip", help="Clip the global gradient norm (0: off).")]
LrDecayOpt = Annotated[
    float, typer.Option("--lr-decay", help="Multiply the lr by this after a worse epoch.")
]
PatienceOpt = Annotated[
    int, typer.Option("--patience", help="Stop after N epochs without improvement (0: never).")
]
ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Continue the run saved in the output folder.")
]
# the output layer of the trainers whose models end in a softmax (train-lm, train-seq2seq)
AdaptiveSoftmaxOpt = Annotated[
    str | None,
    typer.Option(
        "--adaptive-softmax",
        metavar="CUTOFFS|auto",
        help="Adaptive softmax output: increasing word counts like 2000,10000 (head = the "
        f"2000 most frequent words, then tail clusters), or {AUTO_RULE}. Default: full "
        "softmax.",
        show_default=False,
    ),
]
DivValueOpt = Annotated[
    float,
    typer.Option(
        "--div-value",
        help="Adaptive softmax: each tail cluster's projection is this much smaller.",
    ),
]

DEFAULT_CORPUS_DIR = "corpora"


def given_on_command_line(ctx: typer.Context | None, name: str) -> bool:
    """Whether the option of parameter ``name`` was typed on the command line (not left at
    its default). By the source's name: Typer may bring its own copy of Click's enum."""
    if ctx is None:
        return False
    return getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"


def corpus_from_cli(
    paths: list[str] | None,
    tokenizer: str = "unicode",
    glob: str = "*.txt",
    encoding: str = "utf-8",
    errors: str = "strict",
    ja_form: str = "surface",
    ja_punct: str = "keep",
) -> Corpus:
    """The corpus a command was given, or the default ``corpora/`` folder when none; the
    ``ja_*`` options complete a ``ja`` tokenizer's spec."""
    if not paths:
        folder = Path(DEFAULT_CORPUS_DIR)
        if not folder.is_dir() or not any(p.is_file() for p in folder.rglob(glob)):
            raise InputError(
                f"no corpus given, and the default folder {DEFAULT_CORPUS_DIR}/ has no {glob} "
                "files: name a file, a folder or a built-in corpus (lee, wiki500)"
            )
    return Corpus(
        paths or [DEFAULT_CORPUS_DIR],
        tokenizer=tokenizer_spec(tokenizer, ja_form, ja_punct),
        glob=glob,
        encoding=encoding,
        errors=errors,
    )


def epoch_table(header: str, row):
    """A trainer's ``on_epoch``: prints ``header`` with the first epoch (so that the data's
    errors come before any table), then ``row(record)`` for each epoch."""
    printed = False

    def show(record) -> None:
        nonlocal printed
        if not printed:
            typer.echo(header)
            printed = True
        typer.echo(row(record))

    return show


def output_layer_note(cutoffs) -> str:
    """What a trainer's summary line adds for the output layer: nothing for a full softmax,
    the cutoffs of an adaptive one."""
    return "" if cutoffs is None else f", adaptive softmax cutoffs {cutoffs}"


def fmt(x, spec: str) -> str:
    """``x`` formatted by ``spec``, or ``-`` for a figure not measured (``None``)."""
    return "-" if x is None else format(x, spec)


def report_stop(history, output: Path, patience: int) -> None:
    """What a trainer's CLI says when a run stopped early: Ctrl-C (the checkpoint kept; exit
    130) or early stopping. ``history.stopped`` holds the lm history's stop names, which
    seq2seq's history shares."""
    from textseq.lm.history import EARLY_STOPPING, INTERRUPTED

    if history.stopped == INTERRUPTED:
        typer.echo(
            f"interrupted: the checkpoint after epoch {len(history.epochs)} is kept in "
            f"{output}; continue with --resume",
            err=True,
        )
        raise typer.Exit(130)
    if history.stopped == EARLY_STOPPING:
        typer.echo(f"early stopping: no validation improvement for {patience} epochs")
