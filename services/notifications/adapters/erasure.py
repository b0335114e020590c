"""`member.erased`: everything this service keeps about the member goes — their address and
name (the contact book, which also remembers the id as erased so no late contact record brings
them back), their preferences, the record of every mail they were sent or were to be sent,
their scheduled mails and digest items, and their places in relationships, circles and
programmes."""

from __future__ import annotations

from collections.abc import Sequence

from services.notifications.adapters.contact_book import ContactBook
from services.notifications.adapters.mail_queue import MailQueue
from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.relationship_book import RelationshipBook
from services.notifications.adapters.timetable import Timetable
from shared.contracts.registry import MemberErased
from shared.events.catalogue import InboundEvent


class MemberErasure:
    """Erases a member from every store (idempotent: deletes and exact `$pull`s)."""

    def __init__(
        self,
        contacts: ContactBook,
        relationships: RelationshipBook,
        preferences: PreferenceStore,
        queue: MailQueue,
        timetable: Timetable,
    ) -> None:
        self._contacts = contacts
        self._relationships = relationships
        self._preferences = preferences
        self._queue = queue
        self._timetable = timetable

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Erase each member the events name."""
        await self._contacts.on_erased(events)
        await self._relationships.on_erased(events)
        for e in events:
            member, organisation = e.data.member_id, e.data.organisation_id
            await self._preferences.forget(organisation, member)
            await self._queue.forget(organisation, member)
            await self._timetable.forget(member)
