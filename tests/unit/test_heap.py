"""A service freezes what start-up built, once per process, and spaces young collections;
memory a thread freed goes back to the system when asked."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from shared.heap import give_back_free_memory

PROBE = """
import gc
from shared.heap import YOUNG_THRESHOLD, settle_after_start
settle_after_start()
frozen = gc.get_freeze_count()
kept = [[] for _ in range(1000)]
settle_after_start()
print(frozen > 1000, gc.get_freeze_count() == frozen, gc.get_threshold()[0] == YOUNG_THRESHOLD)
"""


def test_start_up_is_frozen_once_and_young_collections_are_spaced() -> None:
    # Its own process: freezing the test runner's heap would keep every later test's garbage.
    answer = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert answer.stdout.split() == ["True", "True", "True"]


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_memory_a_thread_freed_goes_back_to_the_system() -> None:
    kept: list[bytes] = []

    def work() -> None:
        # 100 MB in 16 KB pieces (the thread's arena, not mmap), each followed by a small
        # piece kept: freed, they leave holes the arena cannot trim from its top.
        pieces = []
        for i in range(6_400):
            pieces.append(bytes(16_384 - i % 7))
            kept.append(bytes(600 + i % 5))  # above what Python's own allocator takes
        del pieces

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    before = _resident_mb()
    give_back_free_memory()
    assert _resident_mb() < before - 20, "the freed pieces stayed resident"
    assert len(kept) == 6_400
