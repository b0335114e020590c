"""The cyclic garbage collector paused while a round's work allocates.

A round builds tens of thousands of small objects (candidates, reasons, suggestions) beside a
heap of profiles; the collector's full passes over that heap, triggered every 70,000 or so
allocations, cost more than the work itself (measured: reasons three times slower with it).
Nothing a round builds is cyclic garbage, so pausing it loses nothing; it runs again after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_collector() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off (restored after, as it was)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
