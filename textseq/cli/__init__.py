"""The command-line interface; each module registers one group of commands.

Importing the package sets one process default before numpy loads OpenBLAS (a setting the
user gave wins): ``OPENBLAS_THREAD_TIMEOUT=4``. Without it, OpenBLAS's helper thread keeps
spinning on the other core for 2^28 cycles after each multi-threaded product, so the Numba
kernels that run between products (the language model's softmax and Adam) find that core
busy; with it, the thread sleeps after 2^4 cycles. The two-thread training figures with and
without it are in the notes of benchmarks/results/lm_vs_torch.md.
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
