"""``textseq demo``: the main job on the built-in corpus, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.demo import run_demo

DEMO_EPILOG = """Examples:

  textseq demo

  textseq demo --quick --out /tmp/demo

  textseq demo --corpus my-texts/ --out my-demo
"""


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=DEMO_EPILOG)(demo)


def demo(
    corpus: Annotated[str, typer.Option("--corpus", help="Corpus path or built-in name.")] = "lee",
    out: Annotated[Path, typer.Option("--out", help="Folder for everything the demo writes.")] = (
        Path("textseq-demo")
    ),
    quick: Annotated[bool, typer.Option("--quick", help="Small models: a 30-second run.")] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random choice.")] = 1,
) -> None:
    """Run the whole toolkit on the built-in Lee corpus and show what it learns."""
    run_demo(corpus, out, quick=quick, seed=seed, echo=typer.echo)
