"""Writing a benchmark's results file without losing its hand-written notes.

A results file is a script's tables followed by a ``## Notes`` section written by hand after
the run. A script that rewrites the file (a new run, ``--resume``, ``--render``) keeps that
section: everything from the first heading that starts with ``## Notes`` is carried over to
the new tables.
"""

from __future__ import annotations

from pathlib import Path

from textseq.files import atomic_write

NOTES_HEADING = "## Notes"


def notes_of(path: Path) -> str:
    """The ``## Notes`` section of the file at ``path`` (heading included), or ``""``."""
    if not path.exists():
        return ""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(NOTES_HEADING):
            return "".join(lines[i:])
    return ""


def write_results(path: Path, tables: str) -> None:
    """Write ``tables`` to ``path`` atomically, followed by the notes the file had."""
    notes = notes_of(path)
    text = tables if not notes else tables.rstrip("\n") + "\n\n" + notes
    with atomic_write(path) as handle:
        handle.write(text)
