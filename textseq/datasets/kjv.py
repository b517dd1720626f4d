"""The King James Bible from Debian's ``bible-kjv`` and ``bible-kjv-text``: one verse per line.

The ``bible`` program prints the whole canon; this module runs it and keeps the verse text,
without the verse numbers and the book/chapter headers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

from textseq.errors import InputError

BIBLE_PROGRAM = "bible"
BIBLE_DATA = Path("/usr/lib/bible.data")
# Line width large enough that no verse is wrapped; the whole canon, Genesis 1:1 to Rev 22:21.
BIBLE_ARGS = ("-l100000", "gen1:1-rev22:21")

_VERSE_LINE = re.compile(r"^\s+(?:\d+\s+)?(\S.*?)\s*$")


def parse_bible_output(lines: Iterable[str]) -> Iterator[str]:
    """Yield the text of each verse from the output of ``bible -l100000 ...``.

    Verse lines are indented and start with the verse number (``"  3 And God said, ..."``);
    book/chapter headers (``"Genesis 1"``) are not indented and blank lines separate them.
    """
    for line in lines:
        if not line[:1].isspace():
            continue  # header or blank line
        match = _VERSE_LINE.match(line)
        if match:
            yield match.group(1)


def read_kjv(program: str = BIBLE_PROGRAM) -> Iterator[str]:
    """Run the ``bible`` program and stream its verses, one per yielded string."""
    exe = shutil.which(program) or program
    with subprocess.Popen(
        [exe, *BIBLE_ARGS],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
    ) as proc:
        assert proc.stdout is not None
        yield from parse_bible_output(proc.stdout)
        stderr = proc.stderr.read() if proc.stderr is not None else ""
        code = proc.wait()
    if code != 0:
        raise InputError(f"the bible program failed (exit {code}): {stderr.strip()[:200]}")
