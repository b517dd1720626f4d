"""What the benchmark scripts say about the machine they ran on (its CPU, its load), and the
progress lines they print as they run."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine_line() -> str:
    """``<CPU>, <n> cores; Python <version>``: how the results files name the machine."""
    return f"{cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}"


def load_avg() -> str:
    """The load average over 1, 5 and 15 minutes, as ``1.02/1.10/1.31``."""
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def log(msg: str) -> None:
    """A progress line on stderr, with the time of day."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
