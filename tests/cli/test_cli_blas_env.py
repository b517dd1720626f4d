"""The CLI's one process default: OpenBLAS's helper thread must not spin between products."""

import os
import subprocess
import sys

CHECK = (
    "import sys, os, textseq.cli; "
    "assert 'numpy' not in sys.modules, 'numpy loaded before the default was set'; "
    "import numpy; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"
)


def _run(env_value=None):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    if env_value is not None:
        env["OPENBLAS_THREAD_TIMEOUT"] = env_value
    done = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_cli_sets_the_openblas_timeout_before_numpy_loads():
    assert _run() == "4"


def test_a_timeout_the_user_set_wins():
    assert _run("12") == "12"


def test_cli_makes_numbas_openmp_threads_wait_asleep_unless_told_otherwise():
    check = "import os, textseq.cli; print(os.environ.get('OMP_WAIT_POLICY'))"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    run = [sys.executable, "-c", check]
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    assert subprocess.run(run, env=env, capture_output=True, text=True).stdout.strip() == "ACTIVE"
