"""``textseq corpora``: list the built-in corpora and build larger ones from Debian packages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.common import ProgressOpt
from textseq.datasets import BUILTIN_CORPORA, EVAL_SETS, corpus_path, eval_path
from textseq.datasets.recipes import DEFAULT_OUT_DIR, RECIPES, get_recipe
from textseq.errors import TextseqError

LIST_EPILOG = """Examples:

  textseq corpora list

  textseq corpora list -o ~/my-corpora
"""

BUILD_EPILOG = """Examples:

  textseq corpora build english

  textseq corpora build kjv -o /data/text

The first writes corpora/english/english.txt, the second /data/text/kjv/kjv.txt.

Recipes: kjv, gcide, wordnet, english (the three joined). A missing Debian package is
named with the apt-get command that installs it.
"""

OutDirOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="Folder that holds one sub-folder per built corpus (<DIR>/<name>/<name>.txt).",
    ),
]
FormerOutDir = Annotated[Path | None, typer.Option("--out-dir", hidden=True)]  # now --output

corpora_app = typer.Typer(
    name="corpora",
    help="List the built-in corpora and build larger ones from installed packages.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def register(app: typer.Typer) -> None:
    app.add_typer(corpora_app, name="corpora")


def _file_size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _tokens(n: int) -> str:
    if n >= 1_000_000:
        return f"~{n / 1e6:.1f}M tokens"
    return f"~{round(n / 1000)}k tokens"


def _builtin_rows(kind: str, items: dict, locate) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for name, item in items.items():
        try:
            status = f"available ({_file_size(locate(name))})"
        except TextseqError:
            status = "missing"
        rows.append((name, kind, status, f"gensim test data: {item.filename}", item.description))
    return rows


def _recipe_rows(out_dir: Path) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for name, recipe in RECIPES.items():
        path = recipe.output_path(out_dir)
        if path.is_file():
            status = f"built: {path} ({_file_size(path)})"
        elif recipe.available():
            status = "available, not built"
        else:
            status = "needs: apt-get install " + " ".join(recipe.missing_packages())
        size = _tokens(recipe.approx_tokens)
        rows.append((name, "recipe", status, recipe.source, f"{recipe.description}, {size}"))
    return rows


@corpora_app.command("list", epilog=LIST_EPILOG)
def list_corpora(out_dir: OutDirOpt = DEFAULT_OUT_DIR, former: FormerOutDir = None) -> None:
    """List built-in corpora, eval sets and recipes.

    Shows each one's size, source and whether it is available on this machine (for a
    recipe: already built in the output folder, buildable, or which packages it needs).
    """
    out_dir = out_dir if former is None else former
    rows = (
        _builtin_rows("corpus", BUILTIN_CORPORA, corpus_path)
        + _builtin_rows("eval set", EVAL_SETS, eval_path)
        + _recipe_rows(out_dir)
    )
    header = ("NAME", "KIND", "STATUS", "SOURCE", "CONTENT")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        name, kind, status = (cell.ljust(w) for cell, w in zip(row, widths))
        typer.echo(f"{name}  {kind}  {status}  {row[3]} | {row[4]}".rstrip())


@corpora_app.command("build", epilog=BUILD_EPILOG)
def build_corpus(
    name: Annotated[
        str,
        typer.Argument(
            help="Recipe to build: kjv, gcide, wordnet, english or japanese.",
            metavar="NAME",
            show_default=False,
        ),
    ],
    out_dir: OutDirOpt = DEFAULT_OUT_DIR,
    progress: ProgressOpt = True,
    former: FormerOutDir = None,
) -> None:
    """Build a recipe corpus from Debian packages.

    It is written to <DIR>/<NAME>/<NAME>.txt.

    The text is plain UTF-8 with one sentence (verse, paragraph or gloss) per line, written
    atomically; the command prints its line and token counts.
    """
    out_dir = out_dir if former is None else former
    recipe = get_recipe(name)
    result = recipe.build(out_dir, progress=progress)
    rate = result.tokens / result.seconds if result.seconds > 0 else float("inf")
    typer.echo(
        f"wrote {result.path}: {result.lines:,} lines, {result.tokens:,} tokens "
        f"in {result.seconds:.1f} s ({rate / 1e6:.2f}M tokens/s)"
    )
