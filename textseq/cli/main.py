"""The ``textseq`` command: one Typer app, command groups registered from their modules.

``main`` is the console-script entry point. It turns every user error (``TextseqError``,
file-system errors, Ctrl-C) into one ``error: ...`` line on stderr and a non-zero exit;
only a bug shows a traceback.
"""

from __future__ import annotations

import sys
import warnings

import typer

from textseq import __version__
from textseq.cli import corpora as corpora_commands
from textseq.cli import corpus as corpus_commands
from textseq.cli import demo as demo_commands
from textseq.cli import lm_generate as lm_generate_commands
from textseq.cli import lm_train as lm_train_commands
from textseq.cli import plot as plot_commands
from textseq.cli import seq2seq_data as seq2seq_data_commands
from textseq.cli import seq2seq_train as seq2seq_train_commands
from textseq.cli import seq2seq_translate as seq2seq_translate_commands
from textseq.cli import w2v_query as w2v_query_commands
from textseq.cli import w2v_train as w2v_train_commands
from textseq.errors import TextseqError

app = typer.Typer(
    name="textseq",
    help="Word vectors (word2vec) and RNN language models, from raw text.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"textseq {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Word vectors (word2vec) and RNN language models, from raw text."""


# In the order ``--help`` lists them: data, word vectors, language model, plots, demo.
for module in (
    corpus_commands,
    corpora_commands,
    w2v_train_commands,
    w2v_query_commands,
    lm_train_commands,
    lm_generate_commands,
    seq2seq_data_commands,
    seq2seq_train_commands,
    seq2seq_translate_commands,
    plot_commands,
    demo_commands,
):
    module.register(app)


def _warning_line(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr if file is None else file)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 user error, 2 usage error, 130 Ctrl-C)."""
    warnings.showwarning = _warning_line
    try:
        app(args=argv, prog_name="textseq")
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except TextseqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
