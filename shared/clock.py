"""The current time, at the precision the store keeps."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """UTC now, truncated to milliseconds (BSON dates hold no finer), so what an API answers
    on creation equals what it answers when read back."""
    t = datetime.now(UTC)
    return t.replace(microsecond=t.microsecond // 1000 * 1000)
