"""Give freed heap memory back to the operating system between a worker's runs.

A model allocates and frees many medium-sized numpy arrays.  glibc's allocator keeps freed
pages in its arenas, and a long sweep's worker then grows by a few MB with every batch of
replications (peak RSS creeps, with no Python object left behind).  ``malloc_trim(0)``
returns the free pages at the top and inside the arenas.  Elsewhere (macOS, musl, Windows)
this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time

MIN_INTERVAL_S = 1.0  # a trim costs ~0.3 ms: tiny runs trim once a second, not every run
_trim = None
_last = -float("inf")
if sys.platform.startswith("linux"):
    try:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _trim = getattr(_libc, "malloc_trim", None)  # glibc only
    except OSError:
        _trim = None
    if _trim is not None:
        _trim.argtypes = [ctypes.c_size_t]
        _trim.restype = ctypes.c_int


def trim() -> bool:
    """Release free heap pages to the OS; whether anything could be done here."""
    global _last
    if _trim is None:
        return False
    _trim(0)
    _last = time.monotonic()
    return True


def trim_now_and_then() -> bool:
    """:func:`trim`, unless the last trim was less than ``MIN_INTERVAL_S`` ago; whether it
    trimmed."""
    if time.monotonic() - _last < MIN_INTERVAL_S:
        return False
    return trim()
