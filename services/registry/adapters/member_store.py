"""Members in their organisation's own database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from pymongo.asynchronous.collection import AsyncCollection

from services.registry.domain.contact import CONTACT_FIELDS, PUBLISHED_FIELD, contact_of
from services.registry.domain.member import Member
from services.registry.domain.profile import (
    PersonCard,
    Profile,
    SharedProfile,
    card_for,
    shared_view,
)
from shared import clock
from shared.auth.principal import Principal, Role
from shared.contracts import contacts, member_keys
from shared.contracts.member_keys import MemberKey
from shared.errors import NotFoundError
from shared.events.envelope import Envelope
from shared.events.keyed_state import KeyedState
from shared.events.sealing import key_from_text, key_text, new_data_key
from shared.mongo.claims import REVISION
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter, PartlyInsertedError
from shared.tenancy import TenantData

COLLECTION = "members"
# Erased members stay as tombstones (adapters/privacy.py): never read back as members.
LIVE: Document = {"erased_at": {"$exists": False}}
CONSENT = "share_across_organisations"
# The member's data key (crypto-shredding: docs/decisions.md "Erasure reaches Kafka"). With a
# leading underscore, so it is store bookkeeping: never part of a Member, an export or an API
# answer; the tombstone unsets it.
DATA_KEY = "_data_key"
# Members per reply when an import reads them all: FerretDB answers a cursor 250 documents at a
# time unless asked for more, and each of its replies costs about as much as a bigger one
# (measured: 10,000 members read in 40 replies took 53 s on the loaded machine, in one 31 s).
# Bounded so a reply of projected members stays far below the 16 MB message limit.
IMPORT_READ_BATCH = 2_000
# Attempts at making a data key while another write makes one (the loser reads the winner's).
KEY_ATTEMPTS = 3


class MemberStore:
    """Reads and writes members; every write carries its events."""

    def __init__(self, data: TenantData, outbox: OutboxWriter) -> None:
        self._data = data
        self._outbox = outbox

    async def by_identity(self, organisation_id: str, issuer: str, subject: str) -> Member | None:
        """The member a provider's (issuer, subject) belongs to (system use: sign-in)."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        document = await collection.find_one({"issuer": issuer, "subject": subject})
        return _to_member(document) if document else None

    async def by_id_for_system(self, organisation_id: str, member_id: str) -> Member | None:
        """A member by id (system use: refreshing a token)."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        document = await collection.find_one({"_id": member_id, **LIVE})
        return _to_member(document) if document else None

    async def add(self, member: Member, events: Sequence[Envelope]) -> None:
        """A member provisioned on first sign-in (system use), with their contact details."""
        collection = self._data.system_organisation(member.organisation_id, COLLECTION)
        document = {"_id": member.id, **member.model_dump(mode="python", exclude={"id"})}
        await self._outbox.insert(
            collection, {**document, PUBLISHED_FIELD: 1}, [*events, _contact(document)]
        )

    async def pre_provisioned(self, organisation_id: str, email: str) -> Member | None:
        """The member imported in bulk with this e-mail who has not signed in yet (system use:
        sign-in with a verified e-mail)."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        document = await collection.find_one({"email": email, "issuer": None, "subject": None})
        return _to_member(document) if document else None

    async def link_identity(
        self,
        member: Member,
        issuer: str,
        subject: str,
        roles: list[Role],
        events: Sequence[Envelope],
    ) -> bool:
        """Attach a provider identity (and invited roles) to a pre-provisioned member; False if
        someone else's sign-in attached one first (system use: sign-in)."""
        collection = self._data.system_organisation(member.organisation_id, COLLECTION)
        result = await self._outbox.update(
            collection,
            member.id,
            {"$set": {"issuer": issuer, "subject": subject, "roles": [r.value for r in roles]}},
            events,
            condition={"issuer": None, "subject": None, **LIVE},
        )
        return bool(result.matched_count)

    async def for_import(
        self, caller: Principal, organisation_id: str
    ) -> AsyncIterator[list[Document]]:
        """Every live member's id, contact fields (e-mail, name, profile), data key and
        revision in ONE query, IMPORT_READ_BATCH at a time as the server answers: a bulk
        import matches its rows by e-mail (a lookup per row would scan the collection per row
        on FerretDB) and writes changes against what it read (`set_profiles`)."""
        collection = self._data.of(caller, organisation_id, COLLECTION)
        cursor = collection.find(
            LIVE,
            projection={**dict.fromkeys(CONTACT_FIELDS, 1), DATA_KEY: 1, REVISION: 1},
            batch_size=IMPORT_READ_BATCH,
        )
        reply: list[Document] = []
        async for document in cursor:
            reply.append(document)
            if len(reply) == IMPORT_READ_BATCH:
                yield reply
                reply = []
        if reply:
            yield reply

    async def add_imported(
        self,
        caller: Principal,
        organisation_id: str,
        items: Sequence[tuple[Member, Profile, Sequence[Envelope], bytes]],
    ) -> set[str]:
        """Pre-provisioned members with their profiles, events and data keys (which sealed
        the events), in one insert; returns the ids of those written (all, unless the
        database refused some)."""
        collection = self._data.of(caller, organisation_id, COLLECTION)
        documents: list[tuple[Document, Sequence[Envelope | KeyedState]]] = []
        now = clock.now()
        for member, profile, events, key in items:
            document = {
                "_id": member.id,
                **member.model_dump(mode="python", exclude={"id"}),
                "profile": profile.model_dump(mode="json"),
                DATA_KEY: key_text(key),
            }
            record = MemberKey(
                member_id=member.id,
                organisation_id=organisation_id,
                key=key_text(key),
                created_at=now,
            )
            documents.append(
                (
                    {**document, PUBLISHED_FIELD: 1},
                    [member_keys.published(record), *events, _contact(document)],
                )
            )
        try:
            await self._outbox.insert_many(collection, documents)
        except PartlyInsertedError as exc:
            return {str(i) for i in exc.written}
        return {member.id for member, _, _, _ in items}

    async def data_key(self, caller: Principal, organisation_id: str, member_id: str) -> bytes:
        """The member's data key, which seals their events' personal data; made on first need
        and published to the keys topic in the same write (NotFoundError if no live member)."""
        collection = self._data.of(caller, organisation_id, COLLECTION)
        for _ in range(KEY_ATTEMPTS):
            document = await collection.find_one(
                {"_id": member_id, **LIVE}, projection={DATA_KEY: 1, "organisation_id": 1}
            )
            if document is None:
                break
            if DATA_KEY in document:
                return key_from_text(str(document[DATA_KEY]))
            key = new_data_key()
            record = MemberKey(
                member_id=member_id,
                organisation_id=str(document["organisation_id"]),
                key=key_text(key),
                created_at=clock.now(),
            )
            made = await self._outbox.update(
                collection,
                member_id,
                {"$set": {DATA_KEY: key_text(key)}},
                [member_keys.published(record)],
                condition={DATA_KEY: {"$exists": False}, **LIVE},
            )
            if made.matched_count:
                return key
            # Another write made one first (or the member was erased): read again.
        raise NotFoundError(f"no member {member_id!r} in your organisation")

    async def set_profiles(
        self,
        caller: Principal,
        organisation_id: str,
        changes: Sequence[tuple[Document, Profile, Sequence[Envelope]]],
    ) -> set[str]:
        """Replace many members' profiles on their organisation's behalf (bulk import), each
        `(document, profile, events)` with the member's document as `for_import` read it,
        together (`OutboxWriter.update_each`); the ids written (a member erased since is not)."""
        collection = self._data.of(caller, organisation_id, COLLECTION)
        updates: list[tuple[Document, Document, list[Envelope | KeyedState]]] = []
        for current, profile, events in changes:
            stored = profile.model_dump(mode="json")
            contact = _contact({**current, "profile": stored})
            updates.append(
                (current, {"$set": {"profile": stored, PUBLISHED_FIELD: 1}}, [*events, contact])
            )
        return {str(i) for i in await self._outbox.update_each(collection, updates, LIVE)}

    async def _write_profile(
        self,
        collection: AsyncCollection[Document],
        member_id: str,
        profile: Profile,
        events: Sequence[Envelope],
    ) -> bool:
        """Replace a live member's profile; the contact details it changes (name, time zone)
        go out in the same write. False if there is no such live member."""
        current = await collection.find_one(
            {"_id": member_id, **LIVE}, projection=dict.fromkeys(CONTACT_FIELDS, 1)
        )
        if current is None:
            return False
        stored = profile.model_dump(mode="json")
        result = await self._outbox.update(
            collection,
            member_id,
            {"$set": {"profile": stored, PUBLISHED_FIELD: 1}},
            [*events, _contact({**current, "profile": stored})],
            condition=LIVE,
        )
        return bool(result.matched_count)

    async def publish_missing_contacts(self, organisation_id: str) -> int:
        """Publish the contact details of an organisation's live members who joined before
        the contacts topic existed (system use: start-up); how many."""
        collection = self._data.system_organisation(organisation_id, COLLECTION)
        missing = await collection.find(
            {PUBLISHED_FIELD: {"$exists": False}, **LIVE},
            projection=dict.fromkeys(CONTACT_FIELDS, 1),
        ).to_list()
        published = 0
        for document in missing:
            result = await self._outbox.update(
                collection,
                document["_id"],
                {"$set": {PUBLISHED_FIELD: 1}},
                [_contact(document)],
                condition=LIVE,
            )
            published += result.matched_count
        return published

    async def me(self, caller: Principal) -> Member:
        """The caller's own member record."""
        document = await self._data.own(caller, COLLECTION).find_one(
            {"_id": caller.subject, **LIVE}
        )
        if document is None:
            raise NotFoundError("you are not a member (an integration client has no profile)")
        return _to_member(document)

    async def in_organisation(self, caller: Principal, organisation_id: str) -> list[Member]:
        """An organisation's members, for its admins and its clients."""
        collection = self._data.of(caller, organisation_id, COLLECTION)
        documents = await collection.find(LIVE, projection={"_outbox": 0, "_inbox": 0}).to_list()
        return sorted((_to_member(d) for d in documents), key=lambda m: m.joined_at)

    async def get(
        self,
        caller: Principal,
        organisation_id: str,
        member_id: str,
        *,
        network_coordinators: bool = False,
    ) -> Member:
        """One member of an organisation the caller belongs to (or any, for a network
        co-ordinator where `network_coordinators` allows it)."""
        collection = self._data.of(
            caller, organisation_id, COLLECTION, network_coordinators=network_coordinators
        )
        document = await collection.find_one({"_id": member_id, **LIVE})
        if document is None:
            raise NotFoundError(f"no member {member_id!r} in your organisation")
        return _to_member(document)

    async def profile(self, caller: Principal, organisation_id: str, member_id: str) -> Profile:
        """A profile of the caller's own organisation (any of its people)."""
        document = await self._data.of(caller, organisation_id, COLLECTION).find_one(
            {"_id": member_id}, projection={"profile": 1}
        )
        if document is None or "profile" not in document:
            raise NotFoundError(f"no profile for {member_id!r} yet")
        return Profile.model_validate(document["profile"])

    async def shared_profile(
        self, caller: Principal, organisation_id: str, member_id: str
    ) -> SharedProfile:
        """Another organisation's member, in the shape matching needs, only with consent."""
        collection = self._data.consented(caller, organisation_id, COLLECTION)
        document = await collection.find_one(
            {"_id": member_id, f"profile.{CONSENT}": True}, projection={"profile": 1}
        )
        if document is None:
            raise NotFoundError(f"no member {member_id!r} that you can see")
        return shared_view(member_id, organisation_id, Profile.model_validate(document["profile"]))

    async def cards(
        self,
        caller: Principal,
        people: Sequence[tuple[str, str]],
        organisation_names: dict[str, str],
    ) -> list[PersonCard]:
        """How each (organisation id, member id) is named to the caller, in the order asked.
        Each is one lookup by `_id` (the indexed filter on FerretDB); the domain decides what
        the caller may see of it."""

        async def one(organisation_id: str, member_id: str) -> PersonCard:
            name = organisation_names.get(organisation_id)
            record = None
            if name is not None:  # an organisation of the network: its database may be read
                collection = self._data.consented(caller, organisation_id, COLLECTION)
                record = await collection.find_one(
                    {"_id": member_id}, projection={"profile": 1, "name": 1, "erased_at": 1}
                )
            return card_for(caller.organisation, member_id, organisation_id, name, record)

        return list(await asyncio.gather(*(one(o, m) for o, m in people)))

    async def save_profile(
        self, caller: Principal, profile: Profile, events: Sequence[Envelope]
    ) -> None:
        """Replace the caller's own profile, with the events it causes."""
        collection = self._data.own(caller, COLLECTION)
        if not await self._write_profile(collection, caller.subject, profile, events):
            raise NotFoundError("you are not a member (or you were erased)")

    async def set_roles(
        self, caller: Principal, member: Member, roles: list[Role], events: Sequence[Envelope]
    ) -> Member:
        """Replace a member's roles (after the domain allowed the change)."""
        collection = self._data.of(
            caller, member.organisation_id, COLLECTION, network_coordinators=True
        )
        await self._outbox.update(
            collection, member.id, {"$set": {"roles": [r.value for r in roles]}}, events
        )
        return member.model_copy(update={"roles": roles})


def _to_member(document: dict[str, object]) -> Member:
    fields = {k: v for k, v in document.items() if not k.startswith("_") and k != "profile"}
    return Member.model_validate({"id": document["_id"], **fields})


def _contact(document: Document) -> KeyedState:
    """The contact details of a member's stored document, as the outbox publishes them."""
    contact = contact_of(
        str(document["_id"]), str(document["organisation_id"]), document, clock.now()
    )
    return contacts.published(contact)
