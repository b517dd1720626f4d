import threading

import numba
import pytest

from textseq import threads


def test_shared_chunks_runs_every_index_once():
    seen = []
    lock = threading.Lock()

    def record(i):
        with lock:
            seen.append(i)

    job = threads.SharedChunks(record, 20)
    job.finish()
    assert sorted(seen) == list(range(20))


def test_shared_chunks_reraises_the_workers_error():
    def fail(i):
        raise ValueError(f"chunk {i}")

    job = threads.SharedChunks(fail, 3)
    with pytest.raises(ValueError, match="chunk"):
        job.finish()


def test_numba_threads_restores_the_count():
    before = numba.get_num_threads()
    with threads.numba_threads(1):
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before


def test_single_thread_blas_restores_the_count():
    import numpy as np

    np.ones((2, 2)) @ np.ones((2, 2))  # OpenBLAS is loaded with numpy
    before = threads.blas_threads()
    with threads.single_thread_blas():
        assert threads.blas_threads() == 1
    assert threads.blas_threads() == before


def test_set_threads_none_changes_nothing():
    before = (numba.get_num_threads(), threads.blas_threads())
    threads.set_threads(None)
    assert (numba.get_num_threads(), threads.blas_threads()) == before
