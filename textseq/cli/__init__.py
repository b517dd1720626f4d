"""The command-line interface; each module registers one group of commands.

Importing the package sets one process default before numpy loads OpenBLAS (a setting the
user gave wins): ``OPENBLAS_THREAD_TIMEOUT=4``. By default OpenBLAS's helper thread keeps
spinning on the other core for 2^28 cycles after each multi-threaded product, so the Numba
kernels that run between products (the language model's softmax and Adam) found that core
busy; on two threads LSTM training ran about 6% faster without the spin (measured with
``benchmarks/lm_step_profile.py --threads 2 --phases``, see benchmarks/results/lm_vs_torch.md).
"""

import os

os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
