"""The King James Bible reader on a sample written in ``bible``'s real output format.

The sample mimics the real output (checked by hand against bible-kjv 4.x); no test needs the
Debian packages.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from textseq.datasets.kjv import parse_bible_output, read_kjv
from textseq.errors import InputError

BIBLE_SAMPLE = """
Genesis 1

  1 In the beginning God created the heaven and the earth.
  2 And the earth was without form, and void; and darkness was upon the face of the deep.

Revelation 22

  20 He which testifieth these things saith, Surely I come quickly. Amen.
  21 The grace of our Lord Jesus Christ be with you all. Amen.
"""

BIBLE_VERSES = [
    "In the beginning God created the heaven and the earth.",
    "And the earth was without form, and void; and darkness was upon the face of the deep.",
    "He which testifieth these things saith, Surely I come quickly. Amen.",
    "The grace of our Lord Jesus Christ be with you all. Amen.",
]


def test_bible_output_keeps_verse_text_only():
    verses = list(parse_bible_output(BIBLE_SAMPLE.splitlines(keepends=True)))
    assert verses == BIBLE_VERSES


def _fake_program(tmp_path: Path, body: str) -> str:
    program = tmp_path / "bible"
    program.write_text("#!/bin/sh\n" + body)
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return str(program)


def test_read_kjv_runs_the_program_with_the_whole_canon(tmp_path):
    (tmp_path / "sample.txt").write_text(BIBLE_SAMPLE)
    args_file = tmp_path / "args.txt"
    program = _fake_program(tmp_path, f'echo "$@" > {args_file}\ncat {tmp_path / "sample.txt"}\n')
    assert list(read_kjv(program)) == BIBLE_VERSES
    assert args_file.read_text().split() == ["-l100000", "gen1:1-rev22:21"]


def test_read_kjv_failing_program_is_an_input_error(tmp_path):
    program = _fake_program(tmp_path, "echo 'no data file' >&2\nexit 3\n")
    with pytest.raises(InputError, match="exit 3.*no data file"):
        list(read_kjv(program))
