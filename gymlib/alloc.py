"""The C allocator, tuned for numpy code that makes and frees many arrays of a few hundred kB.

A generated clip of 900 frames passes through dozens of ``(T, 33, 3)`` float arrays of about
0.7 MB each. With glibc's default settings, freed memory at the top of the heap is returned to
the operating system as soon as more than twice the largest recent block is free, and taken
back for the next array: every page of it is then faulted in and zeroed again. On the project's
2-core VM that is about 1,400 page faults per clip and a quarter of the generator's time.
:func:`keep_freed_memory` asks glibc to keep up to ``trim_mb`` of freed heap for reuse, which
is what lets the generator pass 50,000 frames/s (``benchmarks/synth_realism.py``).

The cost is that a process may hold up to ``trim_mb`` more resident memory than it uses. An
explicit ``MALLOC_TRIM_THRESHOLD_`` or ``MALLOC_MMAP_THRESHOLD_`` in the environment wins: the
user's choice is never overridden. On other C libraries (macOS, Windows, musl) this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

# mallopt parameters, from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: Blocks at least this large are mapped on their own and unmapped when freed (MB).
MMAP_MB = 32
#: Freed memory kept at the heap's top for reuse before any is returned (MB).
TRIM_MB = 64


@functools.cache
def keep_freed_memory(trim_mb: int = TRIM_MB, mmap_mb: int = MMAP_MB) -> bool:
    """Keep up to ``trim_mb`` of freed heap and serve blocks under ``mmap_mb`` from the heap.

    Returns True when glibc accepted both settings, False where they do not apply (not glibc,
    or the user set ``MALLOC_TRIM_THRESHOLD_`` / ``MALLOC_MMAP_THRESHOLD_``). Process-wide;
    calling it again does nothing.
    """
    if not 1 <= mmap_mb <= trim_mb <= 4096:
        raise ValueError(
            f"expected 1 <= mmap_mb <= trim_mb <= 4096 (MB), got mmap_mb={mmap_mb}, "
            f"trim_mb={trim_mb}"
        )
    if os.environ.get("MALLOC_TRIM_THRESHOLD_") or os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 (present in glibc only)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok_mmap = mallopt(_M_MMAP_THRESHOLD, mmap_mb << 20)
    ok_trim = mallopt(_M_TRIM_THRESHOLD, trim_mb << 20)
    return bool(ok_mmap) and bool(ok_trim)
