"""Contact details, as the registry shares them on its compacted contacts topic: the one
place this service learns addresses (`shared.contracts.contacts`).

Each member's address, name and zone live in their own organisation's database
(`contacts`), an invitation's address in the inviting organisation's (`invitations`); the
network database keeps only which organisation a person's records are in (`person_homes`,
ids only) and who was erased (`erased_members`, ids only), so a contact record read late —
after `member.erased` — never brings an address back. A tombstone deletes the record; so does
`member.erased`, whichever comes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel

from shared.contracts.contacts import INVITATION_ID_PREFIX, AdminInvitation, MemberContact
from shared.contracts.registry import MemberErased
from shared.events.catalogue import InboundEvent
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

CONTACTS = "contacts"
INVITATIONS = "invitations"
HOMES = "person_homes"
ERASED = "erased_members"


def _collection_of(person_id: str) -> str:
    """Where a person's record is: an invitation's id says it is one, a member's is anything
    else."""
    return INVITATIONS if person_id.startswith(INVITATION_ID_PREFIX) else CONTACTS


class Contact(BaseModel):
    """Where and how to reach one person (a member, or an invitation's address)."""

    person_id: str
    organisation_id: str
    email: str | None
    name: str | None = None
    time_zone: str | None = None


class ContactBook:
    """Contact details by person id, through the data door (no caller: consumers only)."""

    def __init__(self, data: TenantData) -> None:
        self._data = data

    async def keep_member(self, contact: MemberContact) -> None:
        """Store a member's latest details, unless they were erased."""
        if await self._data.network(ERASED).find_one({"_id": contact.member_id}) is not None:
            return
        await self._home(contact.member_id, contact.organisation_id)
        await self._data.system_organisation(contact.organisation_id, CONTACTS).replace_one(
            {"_id": contact.member_id},
            {
                "_id": contact.member_id,
                "email": contact.email,
                "name": contact.name,
                "time_zone": contact.time_zone,
                "updated_at": contact.updated_at,
            },
            upsert=True,
        )

    async def keep_invitation(self, invitation: AdminInvitation) -> bool:
        """Store an invitation; True if it was new."""
        await self._home(invitation.invitation_id, invitation.organisation_id)
        collection = self._data.system_organisation(invitation.organisation_id, INVITATIONS)
        new = await insert_once(collection, [{"_id": invitation.invitation_id}])
        await collection.replace_one(
            {"_id": invitation.invitation_id},
            {
                "_id": invitation.invitation_id,
                "email": invitation.email,
                "organisation_name": invitation.organisation_name,
                "roles": invitation.roles,
                "invited_at": invitation.invited_at,
            },
        )
        return new == 1

    async def forget(self, person_id: str) -> None:
        """Delete a person's details (a tombstone, or an erasure)."""
        home = await self._data.network(HOMES).find_one({"_id": person_id})
        if home is None:
            return
        organisation_id = str(home["organisation_id"])
        for collection in (CONTACTS, INVITATIONS):
            await self._data.system_organisation(organisation_id, collection).delete_one(
                {"_id": person_id}
            )
        await self._data.network(HOMES).delete_one({"_id": person_id})

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """`member.erased`: mark them erased first (so no late record returns), then delete."""
        await insert_once(
            self._data.network(ERASED),
            [{"_id": e.data.member_id, "erased_at": e.data.erased_at} for e in events],
        )
        for event in events:
            await self.forget(event.data.member_id)

    async def erased(self, person_ids: Iterable[str]) -> set[str]:
        """Which of these people were erased (a `$in` over ids alone: the collection is small
        and holds nothing else)."""
        ids = sorted(set(person_ids))
        if not ids:
            return set()
        cursor = self._data.network(ERASED).find({"_id": {"$in": ids}}, projection={"_id": 1})
        return {str(d["_id"]) async for d in cursor}

    async def homes(self, person_ids: Iterable[str]) -> dict[str, str]:
        """Which organisation each known person's records are in (each by `_id`, FerretDB's
        one indexed filter: a `$in` would decode every person of the network)."""
        ids = sorted(set(person_ids))
        homes = self._data.network(HOMES)
        found = await asyncio.gather(*(homes.find_one({"_id": i}) for i in ids))
        return {i: str(d["organisation_id"]) for i, d in zip(ids, found, strict=True) if d}

    async def of(
        self, person_ids: Iterable[str], homes: Mapping[str, str] | None = None
    ) -> dict[str, Contact]:
        """The details of each person we know, by id. `homes` (person → organisation: the
        organisation a mail names), when the caller knows them, saves looking them up; a
        person not found in the home given is not known."""
        ids = sorted(set(person_ids))
        given = homes or {}
        rest = [i for i in ids if i not in given]
        return await self._in_homes(
            {i: given[i] for i in ids if i in given} | (await self.homes(rest) if rest else {})
        )

    async def _in_homes(self, homes: Mapping[str, str]) -> dict[str, Contact]:
        """Each person's record in their organisation, by `_id`, all at once: an
        invitation's for an invitation id, else a member's contact."""
        wanted = list(homes.items())
        documents = await asyncio.gather(
            *(
                self._data.system_organisation(o, _collection_of(p)).find_one({"_id": p})
                for p, o in wanted
            )
        )
        return {
            person_id: Contact(
                person_id=person_id,
                organisation_id=organisation_id,
                email=d.get("email"),
                name=d.get("name"),
                time_zone=d.get("time_zone"),
            )
            for (person_id, organisation_id), d in zip(wanted, documents, strict=True)
            if d is not None
        }

    async def erased_since(self, moment: datetime) -> list[str]:
        """Members erased since `moment` (for the tests' and operators' checks)."""
        cursor = self._data.network(ERASED).find({"erased_at": {"$gte": moment}})
        return [str(d["_id"]) async for d in cursor]

    async def _home(self, person_id: str, organisation_id: str) -> None:
        await self._data.network(HOMES).replace_one(
            {"_id": person_id},
            {"_id": person_id, "organisation_id": organisation_id},
            upsert=True,
        )
