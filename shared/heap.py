"""The heap of a long-running service: the garbage collector, and memory handed back.

Why: CPython's full collection walks every tracked object, and a service holds hundreds of
thousands that live as long as the process (modules, routes, schemas, pools). Under load
(bench/api, sessions at 500 requests/s) a full collection ran every ~4 s, found nothing to
free, and stopped the event loop for 75-90 ms each time: requests queued behind it made the
slowest percent of answers ten times slower than the rest. What is built by the time the
service has started is frozen out of collection (it is never garbage), and young collections
run after more allocations, so the objects of one request mostly die before they are promoted.
Memory grows by at most the allocations between two young collections.

Threads that work on large arrays leave memory behind: glibc's allocator gives each thread an
arena of its own, and what a thread frees stays in that arena, unused by the others and not
returned to the system. A matching round of 30,000 x 10,000 on two threads ended holding 285 MB
of such free memory. `give_back_free_memory` returns it (glibc's `malloc_trim`).
"""

from __future__ import annotations

import ctypes
import gc
from functools import cache

# Allocations (net of frees) between two young collections; CPython's default is 700.
YOUNG_THRESHOLD = 20_000


def settle_after_start() -> None:
    """Call once the service is up: freeze what start-up built and space out collections.
    Only the first call in a process does anything (a test process starts many apps, and
    what one leaves behind must stay collectable)."""
    if gc.get_freeze_count():
        return
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def give_back_free_memory() -> None:
    """Return the allocator's free memory, in every thread's arena, to the system; nothing
    where the C library has no `malloc_trim` (it is glibc's)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> ctypes._NamedFuncPointer | None:
    # The process's own symbols, the C library's among them (no search for the library).
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim
