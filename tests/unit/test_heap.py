"""A service freezes what start-up built, once per process, and spaces young collections."""

from __future__ import annotations

import subprocess
import sys

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
