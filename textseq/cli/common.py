"""Options shared by the commands that read a corpus or train something."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.corpus import Corpus

CORPUS_HELP = (
    "Corpus files, folders (searched recursively), .gz/.bz2 files, '-' for stdin, or a "
    "built-in name (lee, wiki500). Default: the corpora/ folder."
)

CorpusArg = Annotated[
    list[str] | None, typer.Argument(help=CORPUS_HELP, show_default=False, metavar="[CORPUS]...")
]
TokenizerOpt = Annotated[
    str, typer.Option("--tokenizer", help="unicode (default), ascii (the classic rule) or char.")
]
GlobOpt = Annotated[str, typer.Option("--glob", help="File pattern inside folders.")]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Text encoding of the corpus.")]
ErrorsOpt = Annotated[
    str,
    typer.Option("--errors", help="strict: stop at undecodable bytes; replace: substitute them."),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of every random choice.")]
ThreadsOpt = Annotated[
    int | None, typer.Option("--threads", min=1, help="Threads to use (default: all cores).")
]
OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Where to write the result.")]

DEFAULT_CORPUS_DIR = "corpora"


def corpus_from_cli(
    paths: list[str] | None,
    tokenizer: str = "unicode",
    glob: str = "*.txt",
    encoding: str = "utf-8",
    errors: str = "strict",
) -> Corpus:
    """The corpus a command was given, or the default ``corpora/`` folder when none."""
    return Corpus(
        paths or [DEFAULT_CORPUS_DIR],
        tokenizer=tokenizer,
        glob=glob,
        encoding=encoding,
        errors=errors,
    )
