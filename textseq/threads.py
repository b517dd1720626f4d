"""Thread counts for every engine: OpenBLAS's (through ctypes), Numba's, and a worker thread.

Both engines run their heavy work in two kinds of code: matrix products in numpy's OpenBLAS
and loops in Numba. Each has its own thread count; this module sets them together
(:func:`set_threads`), runs a block with BLAS on one thread (:class:`single_thread_blas`) or
with a given Numba count (:func:`numba_threads`), lends a second thread to independent
chunks of work (:class:`SharedChunks`, used by the language model's two-task training), and
picks the fastest of several ways of running the same steps by timing them
(:class:`FastestWay`: what runs fastest on an idle machine can starve on a busy one).

numpy's OpenBLAS is found among the libraries loaded in this process and driven through its
exported ``openblas_set_num_threads``; where none is found the BLAS calls do nothing and
:func:`set_threads` warns. ``NUMBA_NUM_THREADS`` caps Numba's count and must be set before
Numba is imported; :func:`max_threads` reads that cap.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import warnings
from collections.abc import Callable, Iterator

_SET_NAMES = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
              "openblas_set_num_threads64_", "openblas_set_num_threads")  # fmt: skip
_GET_NAMES = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
              "openblas_get_num_threads64_", "openblas_get_num_threads")  # fmt: skip
_blas_funcs: list | None = None


def passive_thread_waits() -> None:
    """Make Numba's OpenMP threads sleep, not spin, while they wait for work, unless the
    user chose (``OMP_WAIT_POLICY``). A thread that finishes its share of a parallel kernel
    call spins at the call's end by default; on cores that other programs share, the
    spinning takes the time the thread still working needs, and two threads end up slower
    than one. Textseq's parallel loops run only on large inputs, so waking a sleeping thread
    costs little beside them. OpenMP reads the setting at the first parallel call of the
    process: the CLI sets it on import, the engines before their first parallel call."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


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


def blas_waits(n: int, rows: int, inner: int, cols: int, repeats: int = 4,
               slower: float = 2.0) -> bool:  # fmt: skip
    """Whether ``repeats`` float32 products ``(rows x inner) @ (inner x cols)`` on ``n`` BLAS
    threads take more than ``slower`` times as long as on one: the threads wait for cores
    that other programs keep busy. It stops as soon as the answer is yes, so it costs
    little either way; the BLAS thread count is restored after it. (``cols`` is raised
    until the product is large enough for OpenBLAS to split it.)"""
    import time

    import numpy as np

    cols = max(int(cols), -(-(1 << 19) // max(rows * inner, 1)))
    a = np.ones((rows, inner), np.float32)
    b = np.ones((inner, cols), np.float32)
    out = np.empty((rows, cols), np.float32)
    before = blas_threads()
    try:
        set_blas_threads(1)
        np.matmul(a, b, out=out)  # (caches)
        t0 = time.perf_counter()
        for _ in range(repeats):
            np.matmul(a, b, out=out)
        budget = slower * (time.perf_counter() - t0)
        set_blas_threads(n)
        t0 = time.perf_counter()
        for _ in range(repeats):  # the first wakes the threads: it counts
            np.matmul(a, b, out=out)
            if time.perf_counter() - t0 > budget:
                return True
        return False
    finally:
        set_blas_threads(before)


# ---- the fastest of several ways to run the same steps -----------------------------------------
class FastestWay:
    """Choose, step after step, the fastest of several ways of running the same kind of step
    (e.g. BLAS on two threads, or on one), by timing the steps as they run.

    A round of trials runs each way in turn for up to ``trial`` timed steps (the first step
    a way ever runs is not counted: it pays for starting threads and warming caches), and
    cuts a way's trial short at its first step (counted or not) slower than ``slower``
    times the best median of the round so far, so that a way that starves costs one slow
    step. Then the way with the smallest median runs. Its steps are still timed: ``strikes``
    steps in a row slower than ``slower`` times its median (the machine got busier) start a
    round at once, and so does a stretch of ``every`` steps, which doubles (up to ``most``)
    while the same way keeps winning; in those later rounds a way whose first timed step is
    slower than ``losing`` times the best so far has lost, after that one step. Nothing
    waits on anything: a way that starves shows as slow steps.

    A starving step can cost as much as many good ones, so a way cut short sits out the
    next round, then the next two, four, ... (up to ``most_skipped``); and ``gates`` may
    name, per way, a cheap check run before its trial (``gate() -> bool``, False: skip the
    way this round).

    ``next()`` names the way for the coming step, ``took(seconds)`` reports its time. The
    first round tries the ways in the order given, so the safest way first."""

    def __init__(self, ways, trial: int = 3, every: int = 400, most: int = 6400,
                 slower: float = 2.0, strikes: int = 3, gates=None,
                 most_skipped: int = 16, losing: float = 1.3):  # fmt: skip
        self.ways = tuple(ways)
        if not self.ways:
            raise ValueError("FastestWay needs at least one way")
        self.trial, self.every, self.most = max(1, int(trial)), int(every), int(most)
        self.slower, self.strikes = float(slower), int(strikes)
        self.losing = float(losing)
        self.medians: dict[str, float] = {}  # of the last round, by way
        self.best: str | None = None
        self.rounds = 0  # rounds of trials started
        self._warm: set[str] = set()  # ways that ran once already
        self._period = self.every
        self._queue: list[str] = []  # ways still to try in this round (popped from the end)
        self._times: list[float] = []  # the way on trial's timed steps
        self._round: dict[str, float] = {}
        self._since = 0
        self._slow: list[float] = []  # the way in use's slow steps in a row
        self._current: str | None = None
        self._gates = dict(gates or {})
        self._most_skipped = int(most_skipped)
        self._backoff: dict[str, int] = {}  # rounds a way sits out after its last cut
        self._sit_out: dict[str, int] = {}  # rounds it still sits out
        self._start_round()

    def _start_round(self, known: dict[str, float] | None = None) -> None:
        self.rounds += 1
        self._round, self._times = dict(known or {}), []
        # the way in use first (a fresh reference for the others), then the rest in order;
        # a way timed already (``known``) is not tried again
        order = sorted(self.ways, key=lambda w: w != self.best)
        queue = []
        for w in order:
            if self._sit_out.get(w, 0) > 0 and w != self.best:
                self._sit_out[w] -= 1
            elif w not in self._round:
                queue.append(w)
        self._queue = queue[::-1]
        self._open_gates()

    def _open_gates(self) -> None:
        """Drop from the head of the queue the ways whose gate says no; decide when none is
        left."""
        while self._queue:
            gate = self._gates.get(self._queue[-1])
            if gate is None or self._queue[-1] == self.best or gate():
                return
            self._queue.pop()
        if self._round:
            self._decide()
        else:  # nothing could be timed: start over with the ways in their order
            self.best = self.best or self.ways[0]
            self.medians = {self.best: float("inf")}

    @property
    def trying(self) -> bool:
        """Whether the coming step is part of a round of trials."""
        return bool(self._queue)

    def next(self) -> str:
        """The way to run the coming step."""
        self._current = self._queue[-1] if self._queue else self.best
        return self._current

    def took(self, seconds: float) -> None:
        """Report how long the step named by the last ``next()`` took."""
        way = self._current
        if way is None:
            raise RuntimeError("took() before next()")
        seconds = float(seconds)
        if self._queue:
            self._trial_step(way, seconds)
            return
        self._since += 1
        if seconds > self.slower * self.medians[way]:
            self._slow.append(seconds)
        else:
            self._slow = []
        if len(self._slow) >= self.strikes:  # its slow steps are its trial
            self._period = self.every
            self._start_round({way: sorted(self._slow)[len(self._slow) // 2]})
        elif self._since >= self._period:
            self._start_round()

    def _trial_step(self, way: str, seconds: float) -> None:
        reference = min(self._round.values(), default=None)
        starving = reference is not None and seconds > self.slower * reference
        if way not in self._warm:
            self._warm.add(way)
            if not starving:  # (a first step that slow is cut: the next round tries again)
                return
        self._times.append(seconds)
        # a way that lost its last round, clearly slower again, has lost this one too
        lost = self.medians.get(way, 0.0) > min(self.medians.values(), default=0.0)
        losing = lost and reference is not None and seconds > self.losing * reference
        if len(self._times) < self.trial and not (starving or losing):
            return
        times = sorted(self._times)
        self._round[way] = times[len(times) // 2]
        self._times = []
        self._queue.pop()
        if starving:
            self._backoff[way] = min(2 * self._backoff.get(way, 0) or 1, self._most_skipped)
            self._sit_out[way] = self._backoff[way]
        else:
            self._backoff[way] = 0
        self._open_gates()

    def _decide(self) -> None:
        previous = self.best
        self.medians = self._round
        self.best = min(self.medians, key=self.medians.get)
        self._since, self._slow = 0, []
        same = previous == self.best
        self._period = min(self._period * 2, self.most) if same else self.every
