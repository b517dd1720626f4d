"""``textseq demo``: the main job on the built-in corpus, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.demo import run_demo

DEMO_EPILOG = """Examples:

  textseq demo

  textseq demo --quick -o /tmp/demo

  textseq demo --corpus my-texts/ -o my-demo

With --corpus, the prompts and query words come from that corpus.
"""


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=DEMO_EPILOG)(demo)


def demo(
    corpus: Annotated[str, typer.Option("--corpus", help="Corpus path or built-in name.")] = "lee",
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for everything the demo writes.")
    ] = Path("textseq-demo"),
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Small models on part of the corpus: a check in seconds."),
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random choice.")] = 1,
    out: Annotated[Path | None, typer.Option("--out", hidden=True)] = None,  # former name
) -> None:
    """Run the whole toolkit on a corpus (the built-in Lee corpus by default) and show what
    it learns."""
    run_demo(corpus, output if out is None else out, quick=quick, seed=seed, echo=typer.echo)
