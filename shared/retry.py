"""Doubling backoff, and which failures are worth retrying."""

from __future__ import annotations

import random

from aiokafka import errors as kafka_errors
from pymongo import errors as mongo_errors


class TransientError(Exception):
    """Raise from a handler for a failure that will pass if retried later."""


_TRANSIENT: tuple[type[BaseException], ...] = (
    TransientError,
    mongo_errors.AutoReconnect,  # includes NetworkTimeout
    mongo_errors.ConnectionFailure,
    mongo_errors.ServerSelectionTimeoutError,
    mongo_errors.ExecutionTimeout,
    mongo_errors.WaitQueueTimeoutError,
    kafka_errors.KafkaConnectionError,
    kafka_errors.KafkaTimeoutError,
    kafka_errors.RequestTimedOutError,
    kafka_errors.NodeNotReadyError,
    TimeoutError,
    ConnectionError,
)


def is_transient(exc: BaseException) -> bool:
    """True for infrastructure failures (retry forever); False for bad events or bugs."""
    return isinstance(exc, _TRANSIENT)


class Backoff:
    """Delays of initial, 2x, 4x ... capped at `maximum`, each with +-20 % jitter."""

    def __init__(self, initial: float = 0.1, maximum: float = 10.0) -> None:
        self._next = initial
        self._maximum = maximum
        self.attempts = 0

    def next_delay(self) -> float:
        """The delay before the next attempt."""
        self.attempts += 1
        delay = self._next
        self._next = min(self._next * 2, self._maximum)
        return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
