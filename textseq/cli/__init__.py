"""The command-line interface; each module registers one group of commands.

Importing the package sets two process defaults before numpy loads OpenBLAS and Numba starts
its threads (a setting the user gave wins): ``OPENBLAS_THREAD_TIMEOUT=4`` and
``OMP_WAIT_POLICY=PASSIVE``. Without the first, OpenBLAS's helper thread keeps spinning on
the other core for 2^28 cycles after each multi-threaded product, so the Numba kernels that
run between products (the language model's softmax and Adam) find that core busy; with it,
the thread sleeps after 2^4 cycles. The two-thread training figures with and
without it are in the notes of benchmarks/results/lm_vs_torch.md. The second
(``textseq.threads.passive_thread_waits``) makes Numba's OpenMP threads sleep, not spin,
while they wait for work.
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

from textseq.threads import passive_thread_waits  # noqa: E402  (after the BLAS default)

passive_thread_waits()
