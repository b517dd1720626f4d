"""Thread counts for every engine: OpenBLAS's (through ctypes), Numba's, and a worker thread.

Both engines run their heavy work in two kinds of code: matrix products in numpy's OpenBLAS
and loops in Numba. Each has its own thread count; this module sets them together
(:func:`set_threads`), runs a block with BLAS on one thread (:class:`single_thread_blas`) or
with a given Numba count (:func:`numba_threads`), and lends a second thread to independent
chunks of work (:class:`SharedChunks`, used by the language model's two-task training).

numpy's OpenBLAS is found among the libraries loaded in this process and driven through its
exported ``openblas_set_num_threads``; where none is found the BLAS calls do nothing and
:func:`set_threads` warns. ``NUMBA_NUM_THREADS`` caps Numba's count and must be set before
Numba is imported; :func:`max_threads` reads that cap.
"""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable, Iterator

_SET_NAMES = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
              "openblas_set_num_threads64_", "openblas_set_num_threads")  # fmt: skip
_GET_NAMES = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
              "openblas_get_num_threads64_", "openblas_get_num_threads")  # fmt: skip
_blas_funcs: list | None = None


def _blas() -> list:
    """``(set, get)`` pairs for every OpenBLAS loaded in this process (found once)."""
    global _blas_funcs
    if _blas_funcs is None:
        import ctypes

        _blas_funcs = []
        try:
            with open("/proc/self/maps") as maps:
                libs = sorted({ln.split()[-1] for ln in maps if "openblas" in ln.lower()})
        except OSError:
            libs = []
        for path in libs:
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            setter = next((getattr(lib, n) for n in _SET_NAMES if hasattr(lib, n)), None)
            getter = next((getattr(lib, n) for n in _GET_NAMES if hasattr(lib, n)), None)
            if setter is not None and getter is not None:
                _blas_funcs.append((setter, getter))
    return _blas_funcs


def set_blas_threads(n: int) -> bool:
    """Use ``n`` threads in every loaded OpenBLAS; ``False`` if none was found."""
    for setter, _ in _blas():
        setter(int(n))
    return bool(_blas())


def blas_threads() -> int:
    """The thread count of the first loaded OpenBLAS (1 if none was found)."""
    funcs = _blas()
    return int(funcs[0][1]()) if funcs else 1


class single_thread_blas:
    """Context: OpenBLAS on one thread inside, the previous count restored on exit."""

    def __enter__(self):
        self._saved = [(s, g()) for s, g in _blas()]
        for setter, n in self._saved:
            if n != 1:
                setter(1)
        return self

    def __exit__(self, *exc):
        for setter, n in self._saved:
            if n != 1:
                setter(n)
        return False


def max_threads() -> int:
    """The most threads Numba may use in this process (``NUMBA_NUM_THREADS``)."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)


@contextlib.contextmanager
def numba_threads(n: int) -> Iterator[None]:
    """Context: Numba's parallel loops on ``n`` threads inside, the previous count after."""
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(min(int(n), max_threads()))
    try:
        yield
    finally:
        numba.set_num_threads(previous)


_chosen: int | None = None  # the last count given to set_threads


def chosen_threads() -> int | None:
    """The count last given to :func:`set_threads` (``None``: never set), which the corpus
    pass also takes as its number of processes."""
    return _chosen


def set_threads(n: int | None) -> None:
    """Use ``n`` threads in OpenBLAS and in Numba from now on (and ``n`` processes in the
    corpus pass); ``None`` leaves them as they are."""
    global _chosen
    if n is None:
        return
    _chosen = int(n)
    import numba

    numba.set_num_threads(min(n, max_threads()))
    if not set_blas_threads(n):
        warnings.warn("could not set the BLAS thread count; set OPENBLAS_NUM_THREADS", stacklevel=2)


# ---- a second thread for independent chunks of work ------------------------------------------
# ``SharedChunks`` hands independent chunks to a worker thread, which starts on them at once;
# the caller takes the chunks left when it is free. Each chunk writes its own rows, so the
# result does not depend on which thread computed which chunk.

_pool = None


def _worker():
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="textseq-worker")
    return _pool


class SharedChunks:
    """Run ``fn(i)`` for ``i`` in ``range(n)``, shared by a worker thread (started now) and
    the caller (``finish``); each index runs once. ``fn`` must release the GIL to gain."""

    def __init__(self, fn: Callable[[int], object], n: int):
        self._fn, self._n = fn, int(n)
        self._next = itertools.count()  # next() is atomic under the GIL
        self._future = _worker().submit(self._drain)

    def _drain(self) -> None:
        while (i := next(self._next)) < self._n:
            self._fn(i)

    def finish(self) -> None:
        """Take the chunks left, then wait for the worker's (re-raising its error)."""
        self._drain()
        self._future.result()
