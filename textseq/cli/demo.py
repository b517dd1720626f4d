"""``textseq demo``: the main job on the built-in corpus, end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from textseq.cli.corpus import print_vocab_summary
from textseq.corpus import Corpus, Vocab

DEMO_EPILOG = """Examples:

  textseq demo

  textseq demo --corpus wiki500 --out /tmp/demo
"""


def register(app: typer.Typer) -> None:
    app.command("demo", epilog=DEMO_EPILOG)(demo)


def demo(
    corpus: Annotated[str, typer.Option("--corpus", help="Corpus path or built-in name.")] = "lee",
    out: Annotated[Path, typer.Option("--out", help="Folder for everything the demo writes.")] = (
        Path("textseq-demo")
    ),
    min_count: Annotated[int, typer.Option("--min-count", min=1)] = 5,
) -> None:
    """Run the whole toolkit on the built-in Lee corpus and show what it learns."""
    out.mkdir(parents=True, exist_ok=True)
    sentences = Corpus(corpus)
    typer.echo(f"== corpus: {corpus} ({', '.join(str(f) for f in sentences.files)})")
    vocab = Vocab.build(sentences, min_count=min_count, progress=True)
    print_vocab_summary(vocab, min_count)
    vocab.save(out / "vocab.tsv")
    typer.echo(f"most frequent words: {' '.join(vocab.words[vocab.num_specials :][:15])}")
    typer.echo(f"\nwrote {out / 'vocab.tsv'}")
