"""glibc heap release: freed blocks under a live one go back to the system."""

import sys

import pytest

from textseq.libc import libc, release_free_heap


def _heap_kib() -> int:
    """Resident KiB of the process's brk heap."""
    resident, in_heap = 0, False
    with open("/proc/self/smaps") as handle:
        for line in handle:
            fields = line.split()
            if "-" in fields[0] and not fields[0].endswith(":"):
                in_heap = fields[-1] == "[heap]"
            elif in_heap and fields[0] == "Rss:":
                resident += int(fields[1])
    return resident


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or libc() is None, reason="needs Linux with glibc"
)
def test_release_free_heap_returns_freed_blocks_below_a_live_one():
    blocks = [bytes(2000) + bytes([i % 256]) for i in range(10_000)]  # ~20 MB, glibc heap
    pin = bytes(3000)  # allocated last: keeps the heap's top in use
    before = _heap_kib()
    del blocks
    release_free_heap()
    after = _heap_kib()
    assert len(pin) == 3000
    assert before - after > 10_000  # KiB
