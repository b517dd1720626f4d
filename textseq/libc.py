"""glibc's allocator controls, where the C library is glibc (elsewhere every call does nothing).

Python hands freed memory back to glibc, which keeps it in its heap unless the heap's top is
free; a large temporary structure (the word counts of a whole corpus) can leave megabytes
resident for the rest of the run. ``release_free_heap`` asks glibc to return those pages.
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def libc():
    """The C library, or ``None`` where ``libc.so.6`` cannot be loaded."""
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def release_free_heap() -> None:
    """Return the free pages of glibc's heap to the system (``malloc_trim(0)``)."""
    lib = libc()
    if lib is not None and hasattr(lib, "malloc_trim"):
        lib.malloc_trim(0)
