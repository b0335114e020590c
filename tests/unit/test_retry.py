"""Backoff doubles up to its cap; only infrastructure failures count as transient."""

from __future__ import annotations

from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure

from shared.retry import Backoff, TransientError, is_transient


def test_backoff_doubles_and_caps_with_bounded_jitter() -> None:
    backoff = Backoff(initial=0.1, maximum=1.0)
    delays = [backoff.next_delay() for _ in range(8)]
    nominal = [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]
    for delay, expected in zip(delays, nominal, strict=True):
        assert expected * 0.8 <= delay <= expected * 1.2
    assert backoff.attempts == 8


def test_transient_failures_are_told_apart_from_bad_events() -> None:
    assert is_transient(AutoReconnect("primary stepped down"))
    assert is_transient(TransientError("try later"))
    assert is_transient(TimeoutError())
    assert not is_transient(ValueError("bad data"))
    assert not is_transient(DuplicateKeyError("dup"))
    # A server shutting down or a replica set electing a new primary passes; a bad query not.
    assert is_transient(OperationFailure("interrupted at shutdown", 11600))
    assert is_transient(OperationFailure("not primary", 10107))
    assert not is_transient(OperationFailure("unknown operator: $bad", 2))
