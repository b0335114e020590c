"""A thread opened for one caller: what it is, where its messages live, what the caller may
do in it. Built by the doors in `message_doors.py` (relationships and circles) once they have
checked the caller, and used by the store and the live stream, which never check again by
themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from services.sessions.domain.messages import ThreadKind, thread_key
from shared.events.envelope import Envelope, EventData
from shared.mongo.databases import Document

MESSAGES = "messages"  # one inserted document per message, beside the thread's home record
MESSAGE_READS = "message_reads"  # one small document per (thread, participant)


@dataclass(frozen=True)
class OpenThread:
    """A relationship's or a circle's thread, as the caller who opened it may use it."""

    kind: ThreadKind
    id: str
    programme_id: str
    reader: str  # the caller's subject
    participant: bool  # takes part: may write (if open) and keeps a read marker
    closed: str | None  # why nobody writes any more (an ended relationship), else None
    messages: AsyncCollection[Document]
    reads: AsyncCollection[Document]
    announce: Callable[[EventData], Envelope]  # an event about the thread, rightly addressed

    @property
    def key(self) -> str:
        """The thread's one-string name (stored on every message and marker)."""
        return thread_key(self.kind, self.id)

    @property
    def scope(self) -> dict[str, Any]:
        """The filter every query of the thread's records starts from: its kind and its
        relationship's or circle's id (`relationship_id` / `circle_id`)."""
        return {"thread_kind": self.kind.value, f"{self.kind.value}_id": self.id}

    def labels(self) -> dict[str, Any]:
        """The fields that place a stored record in its thread."""
        return {
            "thread_key": self.key,
            "thread_kind": self.kind.value,
            "thread_id": self.id,
            f"{self.kind.value}_id": self.id,
            "programme_id": self.programme_id,
        }
