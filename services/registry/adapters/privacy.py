"""A member's export and erasure (`member.erased` tells the other services:
docs/events.md).

Erasure, in this order:

1. The member's pending invitation (keyed by their e-mail address) is deleted.
2. ONE update turns the member's document into a tombstone — every personal field unset
   (e-mail, name, the provider's issuer and subject, profile, roles, and anything else not on
   the tombstone's short list), `erased_at` set, and `erasure_pending: true` — and carries
   `member.erased` in the same write (the outbox). The personal data and the announcement
   therefore go together or not at all; FerretDB has no transactions, so nothing else could
   make them atomic.
3. The rest is cleaned up: the member's refresh tokens (organisation database), enrolments
   and circle places (network database); then `erasure_pending` is removed.

Why the tombstone comes first and the clean-up after it, not the other way round: once the
tombstone is written, nothing can add to what step 3 removes — sign-in no longer finds the
member (issuer and subject are gone, so signing in again provisions a new member), and the
refresh flow, profile writes, enrolment and circles find no live member (MemberStore's reads
and writes skip documents with `erased_at`; enrolling and joining need the profile, which is
gone) — so the clean-up cannot race with a new refresh token, enrolment or circle place the
way a clean-up done *before* the tombstone could. A crash after step 2 leaves the tombstone
flagged `erasure_pending`: the request itself re-runs step 3 when the member (or their
admin) asks again, and `finish_pending` — run at start-up and on a slow timer — finds every
flagged tombstone and finishes it. Step 3 is idempotent (deletes, and a compare-and-set of
each circle's member list), so running it twice is harmless. A crash before step 2 leaves
the member un-erased; they erase again.

The tombstone write also deletes the member's contact details (and their address's
invitation) from the compacted contacts topic, so their e-mail address leaves the broker within
the bound docs/decisions.md 23 states, and destroys their data key: it unsets the key from the
document and writes `KeyDestroyed` over it on the compacted keys topic
(`shared.contracts.member_keys`). Events already published on the domain topics stay
(retention is unlimited), but the personal part of each — a `member.profile_updated`'s whole
profile — is sealed under that key, so once compaction has removed the key from the broker
(the same bound) nothing personal of theirs can be read from Kafka (docs/decisions.md,
"Erasure reaches Kafka"). The clean-up writes `KeyDestroyed` once more when it finishes, so a
key record the outbox relay had in flight at the moment of erasure is never the last word.
Other members' references to the erased id (a line manager, a circle's facilitator, a
programme's co-ordinators) are theirs and stay; they now point at a tombstone.

FerretDB notes (docs/decisions.md 3): `$pull` with a condition and `$elemMatch` in a filter silently
match nothing, so circles are found by `members.member_id` (which works) and rewritten with
`$set` of the filtered list, conditioned on the list being what was read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection

from services.registry.adapters.organisation_store import INVITATIONS, OrganisationStore
from services.registry.domain.export import (
    ERASED,
    ERASED_BY_SELF,
    PENDING_FIELD,
    ErasureReceipt,
    ExportedCircle,
    ExportedEnrolment,
    MemberExport,
    member_section,
    tombstone_update,
    without_member,
)
from shared.auth.principal import Principal
from shared.contracts import contacts, member_keys
from shared.contracts.member_keys import KeyDestroyed
from shared.contracts.registry import MemberErased
from shared.errors import NotFoundError
from shared.events.catalogue import new_event
from shared.events.keyed_state import KeyedState
from shared.logging import get_logger
from shared.mongo.claims import guarded_update
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

# Collection names are owned by their stores; repeated here so this module reads only.
MEMBERS = "members"
REFRESH_TOKENS = "refresh_tokens"
ENROLMENTS = "enrolments"
CIRCLES = "circles"
# The tombstone sweep is a scan of every organisation's members: rare is enough, since the
# request path finishes the clean-up itself and start-up catches what a crash left.
SWEEP_SECONDS = 600.0
# Attempts at rewriting one circle's member list while others change it.
CIRCLE_ATTEMPTS = 5
LIVE: Document = {ERASED: {"$exists": False}}


class MemberPrivacy:
    """Exports and erases members, through the tenant-scoped data door."""

    def __init__(
        self, data: TenantData, outbox: OutboxWriter, organisations: OrganisationStore
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._organisations = organisations

    async def export(self, caller: Principal) -> MemberExport:
        """Everything the registry holds about the caller (a member), and nobody else."""
        member_id = caller.subject
        document = await self._data.own(caller, MEMBERS).find_one(
            {"_id": member_id, **LIVE}, projection={"_outbox": 0, "_inbox": 0}
        )
        if document is None:
            raise NotFoundError("you are not a member here (or you were erased)")
        email = document.get("email")
        invitation = (
            await self._data.own(caller, INVITATIONS).find_one({"_id": email}) if email else None
        )
        live_tokens = await self._data.own(caller, REFRESH_TOKENS).count_documents(
            {"member_id": member_id, "used": False, "expires_at": {"$gt": datetime.now(UTC)}}
        )
        enrolments = (
            await self._data.network(ENROLMENTS)
            .find(
                {"member_id": member_id, "organisation_id": caller.organisation},
                projection={"programme_id": 1, "role": 1, "enrolled_at": 1},
            )
            .to_list()
        )
        circles = (
            await self._data.network(CIRCLES)
            .find({"members.member_id": member_id}, projection={"programme_id": 1, "members": 1})
            .to_list()
        )
        facilitated = (
            await self._data.network(CIRCLES)
            .find({"facilitator_id": member_id}, projection={"_id": 1})
            .to_list()
        )
        return MemberExport(
            exported_at=datetime.now(UTC),
            member=member_section(document),
            profile=document.get("profile"),
            invited_roles=list((invitation or {}).get("roles", [])),
            enrolments=[
                ExportedEnrolment(
                    programme_id=e["programme_id"],
                    role=e.get("role"),
                    enrolled_at=e.get("enrolled_at"),
                )
                for e in enrolments
            ],
            circles=[_own_place(c, member_id) for c in circles],
            facilitated_circles=sorted(str(c["_id"]) for c in facilitated),
            live_refresh_tokens=live_tokens,
        )

    async def erase_self(self, caller: Principal) -> ErasureReceipt:
        """Erase the calling member (self-service)."""
        collection = self._data.own(caller, MEMBERS)
        return await self._erase(collection, caller.organisation, caller.subject, ERASED_BY_SELF)

    async def erase_member(
        self, caller: Principal, organisation_id: str, member_id: str
    ) -> ErasureReceipt:
        """Erase a member of an organisation the caller administers (404 for any other)."""
        collection = self._data.of(caller, organisation_id, MEMBERS, admins_only=True)
        return await self._erase(collection, organisation_id, member_id, caller.subject)

    async def sweep(self) -> None:
        """`finish_pending`, for the start-up hook and the runtime's timer."""
        await self.finish_pending()

    async def finish_pending(self) -> int:
        """Finish the clean-up of every tombstone a crash left pending; returns how many
        (system use: start-up and a slow timer)."""
        finished = 0
        for organisation in await self._organisations.directory():
            members = self._data.system_organisation(organisation.id, MEMBERS)
            pending = await members.find({PENDING_FIELD: True}, projection={"_id": 1}).to_list()
            for tombstone in pending:
                if await self._clean_up(organisation.id, str(tombstone["_id"])):
                    finished += 1
        if finished:
            log.info("finished erasures a crash left pending", count=finished)
        return finished

    async def _erase(
        self,
        members: AsyncCollection[Document],
        organisation_id: str,
        member_id: str,
        erased_by: str,
    ) -> ErasureReceipt:
        document = await members.find_one({"_id": member_id})
        if document is None:
            raise NotFoundError(f"no member {member_id!r} in your organisation")
        if ERASED not in document:
            email = document.get("email")
            if email:
                invitations = self._data.system_organisation(organisation_id, INVITATIONS)
                await invitations.delete_one({"_id": email})
            now = datetime.now(UTC)
            event = new_event(
                MemberErased(member_id=member_id, organisation_id=organisation_id, erased_at=now),
                organisation=organisation_id,
                subject=member_id,
            )
            # Their contact details (and the invitation their address had, if any) are deleted
            # from the contacts topic in the same write: compaction then removes the address
            # from the broker (docs/decisions.md 23).
            gone = [
                contacts.tombstone(contacts.member_key(member_id)),
                _key_destroyed(organisation_id, member_id),
            ]
            if email:
                invitation = self._organisations.invitation_id(organisation_id, email)
                gone.append(contacts.tombstone(contacts.invitation_key(invitation)))
            await self._outbox.update(
                members,
                member_id,
                tombstone_update(document, now, erased_by),
                [event, *gone],
                condition=LIVE,
            )
            # Whoever won a concurrent erasure wrote the tombstone; read what it says.
            document = await members.find_one({"_id": member_id}, projection={ERASED: 1})
            if document is None or ERASED not in document:
                raise NotFoundError(f"no member {member_id!r} in your organisation")
        await self._clean_up(organisation_id, member_id)
        return ErasureReceipt(
            member_id=member_id, organisation_id=organisation_id, erased_at=document[ERASED]
        )

    async def _clean_up(self, organisation_id: str, member_id: str) -> bool:
        """Remove what else the registry holds about an erased member (idempotent); True when
        done. On failure the tombstone stays `erasure_pending` for the sweep to finish: the
        erasure itself is already written and announced, so the caller is not failed."""
        try:
            tokens = self._data.system_organisation(organisation_id, REFRESH_TOKENS)
            await tokens.delete_many({"member_id": member_id})
            await self._data.network(ENROLMENTS).delete_many(
                {"member_id": member_id, "organisation_id": organisation_id}
            )
            if not await self._leave_circles(member_id):
                return False
            members = self._data.system_organisation(organisation_id, MEMBERS)
            await self._outbox.update(
                members,
                member_id,
                {"$unset": {PENDING_FIELD: ""}},
                [_key_destroyed(organisation_id, member_id)],
                condition={PENDING_FIELD: True},
            )
        except Exception:
            log.warning("erasure clean-up failed; the sweep retries", exc_info=True)
            return False
        return True

    async def _leave_circles(self, member_id: str) -> bool:
        """Take the member out of every circle; False if one kept changing under us."""
        circles = self._data.network(CIRCLES)
        for circle in await circles.find(
            {"members.member_id": member_id}, projection={"members": 1}
        ).to_list():
            if not await self._leave_circle(circles, circle, member_id):
                log.warning("a circle kept changing; erasure will retry", circle=circle["_id"])
                return False
        return True

    async def _leave_circle(
        self, circles: AsyncCollection[Document], circle: Document, member_id: str
    ) -> bool:
        for _ in range(CIRCLE_ATTEMPTS):
            members = circle.get("members", [])
            # Guarded by the whole list read, atomically on FerretDB too: a join racing this
            # is neither lost nor undone.
            result = await guarded_update(
                circles,
                circle["_id"],
                {"$set": {"members": without_member(members, member_id)}},
                {"members": members},
            )
            if result.matched_count:
                return True
            # Someone joined or left meanwhile: read the list again and retry.
            fresh = await circles.find_one({"_id": circle["_id"]}, projection={"members": 1})
            if fresh is None:
                return True
            circle = fresh
        return False


def _key_destroyed(organisation_id: str, member_id: str) -> KeyedState:
    """The record that destroys the member's data key on the keys topic."""
    return member_keys.published(
        KeyDestroyed(
            member_id=member_id, organisation_id=organisation_id, destroyed_at=datetime.now(UTC)
        )
    )


def _own_place(circle: Document, member_id: str) -> ExportedCircle:
    place: Document = next(
        (m for m in circle.get("members", []) if m.get("member_id") == member_id), {}
    )
    return ExportedCircle(
        circle_id=str(circle["_id"]),
        programme_id=circle.get("programme_id"),
        joined_at=place.get("joined_at"),
    )
