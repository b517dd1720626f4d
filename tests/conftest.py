"""Shared fixtures: run the real CLI in-process and capture its output and exit code; run a
block on a given number of Numba threads."""

from __future__ import annotations

import pytest

from textseq import threads
from textseq.cli.main import main


class CliResult:
    def __init__(self, code: int, out: str, err: str):
        self.code, self.out, self.err = code, out, err

    @property
    def error(self) -> str:
        """The ``error:`` lines of stderr (progress bars may share the stream)."""
        lines = [ln for ln in self.err.replace("\r", "\n").splitlines() if ln.startswith("error:")]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[-500:]!r}, err={self.err[-500:]!r})"


@pytest.fixture
def cli(capsys):
    """``cli("build-dict", "lee", ...)`` runs ``textseq`` and returns code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def numba_threads():
    """``with numba_threads(n):`` runs a block on ``n`` Numba threads (at most the process's
    ``NUMBA_NUM_THREADS``) and restores the previous count after it."""
    return threads.numba_threads
