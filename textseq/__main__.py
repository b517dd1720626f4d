"""``python -m textseq`` runs the CLI."""

from textseq.cli.main import run

run()
