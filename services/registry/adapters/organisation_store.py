"""Organisations: their public profile in the registry's network database (the directory),
their private settings — invitations, the identity provider — in their own database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.registry.domain.contact import invitation_id
from services.registry.domain.invitation import still_valid
from services.registry.domain.organisation import (
    Organisation,
    OrganisationProfile,
    domains_taken,
    name_key,
)
from shared import clock
from shared.auth.principal import Principal, Role
from shared.contracts import contacts
from shared.contracts.contacts import AdminInvitation
from shared.errors import ConflictError, NotFoundError
from shared.events.envelope import Envelope
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

COLLECTION = "organisations"
INVITATIONS = "invitations"
SETTINGS = "settings"
PROVIDER = "identity_provider"
# The directory's indexes (the deployment's provisioning job creates them too).
DIRECTORY_INDEXES = [IndexModel([("name_key", ASCENDING)], unique=True, name="name_key_1")]


class OrganisationStore:
    """Reads and writes organisations; every write carries its events."""

    def __init__(self, data: TenantData, outbox: OutboxWriter, invitation_secret: bytes) -> None:
        self._data = data
        self._outbox = outbox
        self._directory = data.network(COLLECTION)
        self._invitation_secret = invitation_secret

    async def prepare(self) -> None:
        """Indexes this store relies on (FerretDB enforces uniqueness even without index use)."""
        await self._directory.create_indexes(DIRECTORY_INDEXES)

    async def add(
        self,
        organisation: Organisation,
        events: Sequence[Envelope],
        invitations: dict[str, list[Role]],
    ) -> None:
        """Store a new organisation with its events, or ConflictError on a taken name or
        e-mail domain."""
        await self._check_domains(organisation.profile, None)
        try:
            await self._outbox.insert(self._directory, _to_document(organisation), events)
        except DuplicateKeyError as exc:
            raise ConflictError(
                f"an organisation named {organisation.profile.name!r} is already in the network",
                {"name": "an organisation of this name is already in the network"},
            ) from exc
        await self.invite(organisation.id, organisation.profile.name, invitations)

    async def invite(
        self, organisation_id: str, organisation_name: str, invitations: dict[str, list[Role]]
    ) -> None:
        """Whoever signs in with one of these verified e-mails gets the role (system use: the
        organisation's registration and the bootstrap command). A new invitation goes out on
        the contacts topic in the same write (the notifications service mails it)."""
        collection = self._data.system_organisation(organisation_id, INVITATIONS)
        for email, roles in invitations.items():
            wanted = [r.value for r in roles]
            existing = await collection.find_one({"_id": email}, projection={"used_at": 1})
            if existing is not None and existing.get("used_at") is not None:
                # Used: that person signed in and holds the roles (or lost them since, which
                # only an admin's grant undoes). The bootstrap re-run invites again: no-op.
                continue
            if existing is None:
                record = AdminInvitation(
                    invitation_id=self.invitation_id(organisation_id, email),
                    organisation_id=organisation_id,
                    organisation_name=organisation_name,
                    email=email,
                    roles=sorted(wanted),
                    invited_at=clock.now(),
                )
                document = {
                    "_id": email,
                    "roles": sorted(wanted),
                    "invitation_id": record.invitation_id,
                    "invited_at": record.invited_at,
                }
                try:
                    await self._outbox.insert(collection, document, [contacts.published(record)])
                    continue
                except DuplicateKeyError:
                    pass  # invited meanwhile by another request: add the roles below
            await collection.update_one({"_id": email}, {"$addToSet": {"roles": {"$each": wanted}}})

    def invitation_id(self, organisation_id: str, email: str) -> str:
        """The id of the invitation of `email` to `organisation_id` (whether it exists)."""
        return invitation_id(self._invitation_secret, organisation_id, email)

    async def use_invitation(self, organisation_id: str, email: str) -> list[Role]:
        """The roles `email` was invited to, using the invitation up in one conditional write
        (system use: sign-in with a verified e-mail). An invitation works once, within
        INVITATION_LIFETIME of being sent; an unknown, used or expired one gives no roles.
        Its record on the contacts topic is withdrawn in the same write."""
        collection = self._data.system_organisation(organisation_id, INVITATIONS)
        now = clock.now()
        document = await collection.find_one({"_id": email})
        if document is None or not still_valid(document["invited_at"], now):
            return []
        result = await self._outbox.update(
            collection,
            email,
            {"$set": {"used_at": now}},
            [contacts.tombstone(contacts.invitation_key(str(document["invitation_id"])))],
            condition={"used_at": {"$exists": False}},
        )
        if not result.matched_count:
            return []
        return [Role(r) for r in document["roles"]]

    async def directory(self) -> list[Organisation]:
        """Every organisation's public profile, oldest first."""
        documents = await self._directory.find({}, projection={"_outbox": 0}).to_list()
        return sorted((_to_organisation(d) for d in documents), key=lambda o: o.joined_at)

    async def get(self, caller: Principal, organisation_id: str) -> Organisation:
        """One organisation, for its own people and network co-ordinators."""
        if not (caller.belongs_to(organisation_id) or caller.is_network_coordinator):
            raise NotFoundError(f"no organisation {organisation_id!r} that you can see")
        return await self.get_for_system(organisation_id)

    async def get_for_system(self, organisation_id: str) -> Organisation:
        """One organisation, for flows with no caller yet (sign-in)."""
        document = await self._directory.find_one({"_id": organisation_id})
        if document is None:
            raise NotFoundError(f"no organisation {organisation_id!r}")
        return _to_organisation(document)

    async def update_profile(
        self,
        caller: Principal,
        organisation_id: str,
        profile: OrganisationProfile,
        events: Sequence[Envelope],
    ) -> Organisation:
        """Replace the profile (its admins only)."""
        if not caller.is_admin_of(organisation_id):
            raise NotFoundError(f"no organisation {organisation_id!r} that you administer")
        await self._check_domains(profile, organisation_id)
        update = {
            "$set": {"profile": profile.model_dump(mode="json"), "name_key": name_key(profile.name)}
        }
        try:
            result = await self._outbox.update(self._directory, organisation_id, update, events)
        except DuplicateKeyError as exc:
            raise ConflictError(
                f"an organisation named {profile.name!r} exists",
                {"name": "another organisation of the network has this name"},
            ) from exc
        if not result.matched_count:
            raise NotFoundError(f"no organisation {organisation_id!r}")
        return await self.get_for_system(organisation_id)

    async def _check_domains(self, profile: OrganisationProfile, except_id: str | None) -> None:
        taken = domains_taken(profile, await self.directory(), except_id=except_id)
        if taken:
            raise ConflictError(
                f"another organisation of the network signs in people at {', '.join(taken)}",
                {"email_domains": f"another organisation signs in people at {', '.join(taken)}"},
            )

    async def save_provider(
        self,
        caller: Principal,
        organisation_id: str,
        settings: dict[str, Any],
        *,
        first_only: bool = False,
    ) -> None:
        """Store the verified provider settings (secret already sealed) in the organisation's
        own database. With `first_only` (a network co-ordinator setting up an organisation)
        only if no provider is connected yet: ConflictError otherwise, decided by the write
        itself (an insert of the one settings record), so a race cannot replace one."""
        collection = self._data.of(
            caller, organisation_id, SETTINGS, admins_only=True, network_coordinators=True
        )
        if first_only:
            try:
                await collection.insert_one({"_id": PROVIDER, **settings})
            except DuplicateKeyError as exc:
                raise ConflictError(
                    "this organisation has a provider already; only its own admins can change it"
                ) from exc
            return
        await collection.replace_one({"_id": PROVIDER}, {"_id": PROVIDER, **settings}, upsert=True)

    async def provider(self, caller: Principal | None, organisation_id: str) -> Document | None:
        """The provider settings: for its admins and network co-ordinators, or (no caller) for
        the sign-in flow."""
        if caller is None:
            collection = self._data.system_organisation(organisation_id, SETTINGS)
        else:
            collection = self._data.of(
                caller, organisation_id, SETTINGS, admins_only=True, network_coordinators=True
            )
        return await collection.find_one({"_id": PROVIDER})


def _to_document(organisation: Organisation) -> Document:
    return {
        "_id": organisation.id,
        "name_key": organisation.name_key,
        "profile": organisation.profile.model_dump(mode="json"),
        "joined_at": organisation.joined_at,
    }


def _to_organisation(document: Document) -> Organisation:
    return Organisation(
        id=document["_id"],
        profile=OrganisationProfile.model_validate(document["profile"]),
        joined_at=document["joined_at"],
    )
