"""``textseq train-w2v`` and ``textseq compare-gensim``: train word vectors, or train them
with textseq and gensim side by side.

Both commands take one option per setting of ``Word2VecParams`` that names a command-line
flag in its metadata, with the setting's default and help text (``setting_options``): a new
setting appears here without an edit. Option values are checked by ``Word2VecParams``
(one-line ``OptionError``s); ``main`` prints them as ``error: ...``.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import Field, fields
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer

from textseq.cli.common import (
    CorpusArg,
    EncodingOpt,
    ErrorsOpt,
    GlobOpt,
    JaFormOpt,
    JaPunctOpt,
    ProgressOpt,
    TokenizerOpt,
    corpus_from_cli,
)
from textseq.corpus.tokenize import tokenizer_spec
from textseq.errors import OptionError
from textseq.files import atomic_write
from textseq.word2vec.params import RUN_NAMES, Word2VecParams

TRAIN_EPILOG = """Examples:

  textseq train-w2v lee -o vectors.bin --min-count 2 --epochs 10

  textseq train-w2v corpora/ -o vectors.txt --text --sg --dim 200 --threads 2

  textseq train-w2v big.txt.gz -o vectors.bin --save-model model/   (keep it for more training)

  textseq train-w2v more.txt --from-model model/ --epochs 2 -o vectors.bin --save-model model/
"""

# options about where the text comes from and where results go, allowed with --from-model
SOURCE_OPTIONS = {"corpus", "output", "text", "save_model", "from_model", "progress", "glob",
                  "encoding", "errors"}  # fmt: skip

COMPARE_EPILOG = """Examples:

  textseq compare-gensim lee --min-count 2 --threads 1

  textseq compare-gensim corpora/english --sg --threads 2 --json result.json
"""


# ---- the settings as options -----------------------------------------------------------------
def _cli_fields() -> list[Field]:
    return [f for f in fields(Word2VecParams) if f.metadata["cli"]]


def flag(name: str) -> str:
    """How the command line spells a setting or another parameter (the first spelling of
    an on/off switch)."""
    meta = {f.name: f.metadata for f in _cli_fields()}.get(name)
    spelled = meta["flag"] if meta and meta["flag"] else "--" + name.replace("_", "-")
    return spelled.split("/")[0]


def setting_options() -> list[inspect.Parameter]:
    """One keyword parameter per setting offered on the command line, typed as Typer
    expects: its flag, help text and default from ``Word2VecParams``. A flag ``--a/--b``
    makes an on/off switch; for a 0/1 setting (``sg``) the switch is turned back into 0/1
    by ``with_setting_options``."""
    hints = get_type_hints(Word2VecParams)
    out = []
    for f in _cli_fields():
        spelled = f.metadata["flag"] or "--" + f.name.replace("_", "-")
        switch = "/" in spelled
        kind = bool if switch else hints[f.name]
        option = typer.Option(spelled, help=f.metadata["help"])
        out.append(
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=bool(f.default) if switch else f.default,
                annotation=Annotated[kind, option],
            )
        )
    return out


def _from_cli(name: str, value: Any) -> Any:
    """A switch's value as the setting's type (0/1 for an int setting)."""
    return int(value) if get_type_hints(Word2VecParams)[name] is int else value


def _check(settings: dict[str, Any]) -> None:
    """Check the settings as ``Word2VecParams`` does, naming a bad one by its flag (``--threads``
    rather than ``workers``), so the message speaks the command line's language."""
    try:
        Word2VecParams(**settings)
    except OptionError as exc:
        message = str(exc)
        for name in settings:
            if message.startswith(name + " "):
                raise OptionError(flag(name) + message[len(name) :]) from None
        raise


def with_setting_options(after: str) -> Callable[[Callable], Callable]:
    """Give a command the options of ``setting_options`` (listed after its parameter
    ``after``); the command gets their values as one dict, ``settings``, by setting name."""

    def decorate(command: Callable) -> Callable:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.name != "settings"
        ]
        at = [p.name for p in own].index(after) + 1
        names = [f.name for f in _cli_fields()]

        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            settings = {name: _from_cli(name, kwargs.pop(name)) for name in names}
            _check(settings)
            return command(settings=settings, **kwargs)

        run.__signature__ = inspect.Signature([*own[:at], *setting_options(), *own[at:]])
        return run

    return decorate


# ---- the commands ----------------------------------------------------------------------------
def register(app: typer.Typer) -> None:
    app.command("train-w2v", epilog=TRAIN_EPILOG)(train_command)
    app.command("compare-gensim", epilog=COMPARE_EPILOG)(compare_command)


def _kind(sg: bool, shared_negatives: bool) -> str:
    if not sg:
        return "CBOW"
    return "skip-gram" + (" (shared negatives)" if shared_negatives else " (per-pair negatives)")


@with_setting_options(after="output")
def train_command(
    corpus: CorpusArg = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Vectors file to write (word2vec format).")
    ] = Path("vectors.bin"),
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
            "(other words are left out). Only "
            + ", ".join(flag(name) for name in RUN_NAMES)
            + " may be given with it; every other setting is the model's.",
        ),
    ] = None,
    progress: ProgressOpt = True,
    tokenizer: TokenizerOpt = "unicode",
    ja_form: JaFormOpt = "surface",
    ja_punct: JaPunctOpt = "keep",
    glob: GlobOpt = "*.txt",
    encoding: EncodingOpt = "utf-8",
    errors: ErrorsOpt = "strict",
    ctx: typer.Context = None,
    settings: dict | None = None,
) -> None:
    """Train word vectors (skip-gram or CBOW with negative sampling) and write them.

    Ctrl-C stops the run: the vectors after the last finished epoch are written (and the
    model folder, with --save-model), each file whole or not at all; before the first
    epoch ends, nothing is written."""
    from textseq.word2vec.model import Word2Vec
    from textseq.word2vec.snapshot import LastEpoch

    if from_model is None:
        spec = tokenizer_spec(tokenizer, ja_form, ja_punct)
        model = Word2Vec(progress=progress, tokenizer=spec, **settings)
    else:
        model = _continued_model(ctx, from_model, settings, progress)
    _note_seed(ctx, model)
    sentences = corpus_from_cli(corpus, model.tokenizer, glob, encoding, errors)
    snapshot = LastEpoch(output_vectors=save_model is not None)
    model.callbacks = [*model.callbacks, snapshot]
    epochs_before = model.epochs_trained_
    try:
        model.train(sentences)
    except KeyboardInterrupt:
        _interrupted(model, snapshot.restore(model) - epochs_before, output, text, save_model)
        raise typer.Exit(130) from None
    _write(model, output, text, save_model)
    r = model.report_
    kind = _kind(model.sg, model.shared_negatives)
    typer.echo(
        f"{kind}: {len(model.vocab_):,} words x {model.vector_size} dims, {r.threads} thread(s)"
    )
    typer.echo(
        f"trained on {r.corpus_words:,} corpus words x {len(r.epochs)} epochs = "
        f"{r.raw_words:,} words ({r.effective_words:,} after subsampling)"
    )
    typer.echo(
        f"time {r.seconds:.2f} s ({r.encode_seconds:.2f} s encoding), "
        f"{r.words_per_second:,.0f} effective words/s (after subsampling, per second of the "
        f"whole time); compile/cache load {r.compile_seconds:.2f} s"
    )
    if model.compute_loss and r.epochs:
        typer.echo(f"loss per word: first epoch {r.epochs[0].mean_loss:.4f}, "
                   f"last {r.epochs[-1].mean_loss:.4f}")  # fmt: skip
    typer.echo(f"vectors written to {output} ({'text' if text else 'binary'})")
    if save_model is not None:
        typer.echo(f"model saved to {save_model}/")


def _write(model, output: Path, text: bool, save_model: Path | None) -> None:
    """The vectors file and, when asked, the model folder (each written atomically)."""
    model.wv.save_word2vec_format(output, binary=not text, progress=model.progress)
    if save_model is not None:
        model.save(save_model)


def _interrupted(model, finished: int, output: Path, text: bool, save_model: Path | None):
    """After Ctrl-C: write what the last finished epoch left (``finished`` epochs of this
    run), or say that nothing was written."""
    planned = model.epochs
    if finished <= 0:
        typer.echo(
            f"interrupted before the first of {planned} epochs finished: nothing was written",
            err=True,
        )
        return
    _write(model, output, text, save_model)
    also = f" and the model to {save_model}/" if save_model is not None else ""
    typer.echo(
        f"interrupted after {finished} of {planned} epochs: wrote the vectors of epoch "
        f"{finished} to {output}{also} (each file whole: written aside, then renamed)",
        err=True,
    )


def _note_seed(ctx: typer.Context, model) -> None:
    """Say once that a seed given with several threads does not reproduce a run."""
    given = getattr(ctx.get_parameter_source("seed"), "name", None) == "COMMANDLINE"
    threads = model.thread_count
    if given and threads > 1:
        typer.echo(
            f"note: --seed reproduces a run only with --threads 1; {threads} threads update "
            "shared weights in an order that differs from run to run",
            err=True,
        )


def _continued_model(ctx: typer.Context, folder: Path, settings: dict, progress: bool):
    """The model saved in ``folder`` with the command line's run settings
    (``params.RUN_NAMES``) in place of its own; any other training option given on the
    command line is an error, since it would otherwise be silently ignored."""
    from textseq.word2vec.model import Word2Vec

    def typed(name):  # by the member's name: typer vendors click in some versions only
        return getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"

    given = {name for name in ctx.params if typed(name)}
    kept = sorted(flag(name) for name in given - set(RUN_NAMES) - SOURCE_OPTIONS)
    if kept:
        raise OptionError(
            f"{', '.join(kept)}: a model loaded with --from-model keeps its own settings"
        )
    overrides = {name: settings[name] for name in given & set(RUN_NAMES)}
    return Word2Vec.load(folder, progress=progress, **overrides)


@with_setting_options(after="corpus")
def compare_command(
    corpus: CorpusArg = None,
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
    settings: dict | None = None,
) -> None:
    """Train textseq and gensim on the same corpus and settings, one after the other, and
    print one table: time, words/s, their ratio, analogy and word-pair scores, neighbours."""
    from textseq.word2vec.compare import compare_with_gensim

    sentences = corpus_from_cli(corpus, tokenizer, glob, encoding, errors)
    order = ("gensim", "textseq") if gensim_first else ("textseq", "gensim")
    result = compare_with_gensim(sentences, order=order, evaluate=evaluate, **settings)
    kind = _kind(result.settings["sg"], result.shared_negatives)
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
