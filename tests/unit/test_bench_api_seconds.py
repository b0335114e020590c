"""bench/api's second-by-second p99 tells a pause from a server too slow throughout."""

from __future__ import annotations

from bench.api import by_second


def test_a_pause_shows_in_the_seconds_it_happened() -> None:
    due = [i / 100 for i in range(500)]  # five seconds at 100/s
    latencies = [400.0 if 2.0 <= t < 3.0 else 5.0 for t in due]
    seconds = by_second(due, latencies, 50.0)
    assert seconds["count"] == 5
    assert seconds["under_target"] == 4
    assert len(seconds["slowest"]) == 3
    assert [2, 400.0] in seconds["slowest"]
