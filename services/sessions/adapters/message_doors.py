"""Who opens which thread (docs/decisions.md, "E-mentoring messages").

- A relationship's thread: its parties read and write; the programme's co-ordinators read
  (the confidentiality rule names messages beside logs and plans as visible to "the
  relationship's parties and the programme's co-ordinator") but never write and keep no read
  marker. Once the
  relationship has ended the thread stays readable and nobody writes in it (409).
- A circle's thread: its members only (the circle's contract: what is said stays in it).
- Everyone else gets 404, as for a thread that does not exist.
"""

from __future__ import annotations

from functools import partial

from services.sessions.adapters.circle_store import CircleStore
from services.sessions.adapters.message_thread import MESSAGE_READS, MESSAGES, OpenThread
from services.sessions.adapters.relationship_store import RelationshipStore
from services.sessions.domain.messages import ThreadKind
from services.sessions.domain.relationships import Relationship, Status
from shared.auth.principal import CallerKind, Principal


def _takes_part(caller: Principal, r: Relationship) -> bool:
    party = r.party(caller.subject)
    return (
        caller.kind is CallerKind.MEMBER
        and party is not None
        and party.organisation_id == caller.organisation
    )


class MessageDoors:
    """Opens a thread for a caller, or answers 404."""

    def __init__(self, relationships: RelationshipStore, circles: CircleStore) -> None:
        self._relationships = relationships
        self._circles = circles

    async def open(
        self, caller: Principal, kind: ThreadKind, thread_id: str, *, writing: bool
    ) -> OpenThread:
        """The thread of relationship or circle `thread_id`: for `writing` (posting, marking
        read) only to those who take part; for reading also to whoever may oversee it."""
        if kind is ThreadKind.RELATIONSHIP:
            return await self.relationship(caller, thread_id, writing=writing)
        return await self.circle(caller, thread_id)

    async def relationship(self, caller: Principal, rel_id: str, *, writing: bool) -> OpenThread:
        """A relationship's thread: parties write; parties and co-ordinators read."""
        store = self._relationships
        r = await (store.for_party if writing else store.for_oversight)(caller, rel_id)
        return OpenThread(
            kind=ThreadKind.RELATIONSHIP,
            id=r.id,
            programme_id=r.programme_id,
            reader=caller.subject,
            participant=_takes_part(caller, r),
            closed=(
                None
                if r.status is Status.ACTIVE
                else f"relationship {r.id!r} has ended: its messages stay readable, "
                "and no new message can be sent"
            ),
            messages=store.home(r, MESSAGES),
            reads=store.home(r, MESSAGE_READS),
            announce=partial(store.event, r),
        )

    async def circle(self, caller: Principal, circle_id: str) -> OpenThread:
        """A circle's thread: its members, for reading and writing alike."""
        circle = await self._circles.for_member(caller, circle_id)
        return OpenThread(
            kind=ThreadKind.CIRCLE,
            id=circle.id,
            programme_id=circle.programme_id,
            reader=caller.subject,
            participant=True,
            closed=None,
            messages=self._circles.home(circle, MESSAGES),
            reads=self._circles.home(circle, MESSAGE_READS),
            announce=partial(self._circles.event, circle),
        )
