"""Members in their organisation's own database."""

from __future__ import annotations

from collections.abc import Sequence

from services.registry.domain.member import Member
from services.registry.domain.profile import Profile, SharedProfile, shared_view
from shared.auth.principal import Principal, Role
from shared.errors import NotFoundError
from shared.events.envelope import Envelope
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

COLLECTION = "members"
CONSENT = "share_across_organisations"


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
        document = await collection.find_one({"_id": member_id})
        return _to_member(document) if document else None

    async def add(self, member: Member, events: Sequence[Envelope]) -> None:
        """A member provisioned on first sign-in (system use)."""
        collection = self._data.system_organisation(member.organisation_id, COLLECTION)
        document = member.model_dump(mode="python", exclude={"id"})
        await self._outbox.insert(collection, {"_id": member.id, **document}, events)

    async def me(self, caller: Principal) -> Member:
        """The caller's own member record."""
        document = await self._data.own(caller, COLLECTION).find_one({"_id": caller.subject})
        if document is None:
            raise NotFoundError("you are not a member (an integration client has no profile)")
        return _to_member(document)

    async def in_organisation(self, caller: Principal, organisation_id: str) -> list[Member]:
        """An organisation's members, for its admins and its clients."""
        collection = self._data.of(caller, organisation_id, COLLECTION)
        documents = await collection.find({}, projection={"_outbox": 0, "_inbox": 0}).to_list()
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
        document = await collection.find_one({"_id": member_id})
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

    async def save_profile(
        self, caller: Principal, profile: Profile, events: Sequence[Envelope]
    ) -> None:
        """Replace the caller's own profile, with the events it causes."""
        collection = self._data.own(caller, COLLECTION)
        await self._outbox.update(
            collection,
            caller.subject,
            {"$set": {"profile": profile.model_dump(mode="json")}},
            events,
        )

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
