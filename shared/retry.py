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


# Server answers that mean it is going away or changing hands, not that the request is wrong:
# MongoDB's retryable codes (shutdown, a replica set's election, a network error between its
# members): HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress,
# ReadConcernMajorityNotAvailableYet, PrimarySteppedDown, ExceededTimeLimit, SocketException,
# LegacyNotPrimary, NotWritablePrimary, InterruptedAtShutdown, InterruptedDueToReplStateChange,
# NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
_SERVER_GOING_AWAY = frozenset(
    {6, 7, 89, 91, 134, 189, 262, 9001, 10058, 10107, 11600, 11602, 13435, 13436}
)


def is_transient(exc: BaseException) -> bool:
    """True for infrastructure failures (retry forever); False for bad events or bugs."""
    if isinstance(exc, _TRANSIENT):
        return True
    if isinstance(exc, mongo_errors.OperationFailure) and exc.code in _SERVER_GOING_AWAY:
        return True
    return isinstance(exc, mongo_errors.PyMongoError) and exc.timeout


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
