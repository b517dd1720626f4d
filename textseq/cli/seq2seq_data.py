"""``textseq datasets make``: write the pairs of a generated sequence-to-sequence task."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import SeedOpt
from textseq.datasets.tasks import DEFAULT_SIZE, TASKS, make_task, write_pairs

MAKE_EPILOG = """Examples:

  textseq datasets make dates -o dates.tsv --size 50000 --seed 0

  textseq datasets make reverse -o reverse.tsv --size 20000 --min-length 20 --max-length 40

  textseq datasets make addition -o addition.tsv --size 10000
"""

datasets_app = typer.Typer(
    name="datasets",
    help="Generated sequence-to-sequence tasks (dates, addition, reverse).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")


@datasets_app.command("make", epilog=MAKE_EPILOG, no_args_is_help=True)
def make_command(
    task: Annotated[
        str, typer.Argument(help=f"One of {', '.join(TASKS)}.", show_default=False, metavar="TASK")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Pairs file to write.", show_default=False)
    ],
    size: Annotated[int, typer.Option("--size", help="Pairs to make.")] = DEFAULT_SIZE,
    seed: SeedOpt = 0,
    min_length: Annotated[
        int | None, typer.Option("--min-length", help="reverse: shortest sequence [default: 1].")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option("--max-length", help="reverse: longest sequence [default: 40].")
    ] = None,
) -> None:
    """Write TASK's pairs, one source<TAB>target per line."""
    from textseq.errors import OptionError

    lengths = {k: v for k, v in (("min_length", min_length), ("max_length", max_length)) if v}
    if lengths and task != "reverse":
        raise OptionError("--min-length and --max-length apply to the reverse task only")
    pairs = make_task(task, size, seed, **lengths)
    write_pairs(pairs, output)
    typer.echo(f"wrote {output} ({len(pairs):,} {task} pairs, seed {seed})")
