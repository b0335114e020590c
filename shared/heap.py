"""The garbage collector, set for a long-running service rather than a short script.

Why: CPython's full collection walks every tracked object, and a service holds hundreds of
thousands that live as long as the process (modules, routes, schemas, pools). Under load
(bench/api, sessions at 500 requests/s) a full collection ran every ~4 s, found nothing to
free, and stopped the event loop for 75-90 ms each time: requests queued behind it made the
slowest percent of answers ten times slower than the rest. What is built by the time the
service has started is frozen out of collection (it is never garbage), and young collections
run after more allocations, so the objects of one request mostly die before they are promoted.
Memory grows by at most the allocations between two young collections.
"""

from __future__ import annotations

import gc

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
