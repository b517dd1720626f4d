"""Imported first by the benchmarks that time BLAS work against PyTorch, before numpy or
torch load: the process runs without the machine's OpenBLAS core-type overrides (it
re-executes itself without them if they are set), OpenMP threads wait passively (set before
torch starts its pool), and textseq's CLI OpenBLAS default is in place (textseq/cli).
"""

import os
import sys

_DROP_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if any(k in os.environ for k in _DROP_ENV):
    _env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
    os.execve(sys.executable, [sys.executable, *sys.argv], _env)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import textseq.cli  # noqa: E402, F401
