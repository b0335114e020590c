"""Relationships and their agreements, through the data door, for the caller.

Where a relationship lives (BRIEF §4): one whose parties come from different organisations
is a network record, in the sessions network database, carrying its `participants` (the two
member ids); one inside a single organisation lives in that organisation's own database,
also with its participants. Every read filters on the caller being a participant, and a
caller who is not one gets 404, as for something that does not exist: members of either
organisation, admins, the network co-ordinator and integration clients alike.

The programme co-ordinator's view comes later: `match.accepted` does not carry the
co-ordinators, so this service cannot tell who they are yet.

Writes are single-document (FerretDB v1 has no transactions): starting is an insert keyed by
the proposal (a redelivered `match.accepted` starts nothing), phase moves and endings are one
update guarded by the state read, each agreement version is its own inserted document, and
the step that puts a version in force is one guarded update carrying `agreement.signed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.sessions.domain.relationships import (
    AgreementTerms,
    AgreementVersion,
    EndReason,
    Party,
    Phase,
    Relationship,
    Status,
    agreement_version_id,
    check_active,
    check_can_sign,
    check_move,
    is_early,
    next_version,
    relationship_id,
)
from shared.auth.principal import CallerKind, Principal
from shared.contracts.matching import MatchAccepted
from shared.contracts.sessions import AgreementSigned, RelationshipEnded, RelationshipStarted
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience, Envelope, EventData
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

RELATIONSHIPS = "relationships"
AGREEMENTS = "agreements"  # one document per version, beside its relationship


def _relationship(document: Document) -> Relationship:
    return Relationship.model_validate({**document, "id": document["_id"]})


def _document(r: Relationship) -> Document:
    body = r.model_dump(mode="json", exclude={"id", "started_at", "ending"})
    return {"_id": r.id, **body, "started_at": r.started_at, "participants": r.participants}


def _version(document: Document) -> AgreementVersion:
    return AgreementVersion.model_validate(document)


class RelationshipStore:
    """Relationships and agreements as their parties may see and change them."""

    def __init__(self, data: TenantData, outbox: OutboxWriter) -> None:
        self._data = data
        self._outbox = outbox

    # --- where a relationship lives ------------------------------------------------------

    def _home(self, r: Relationship, collection: str) -> AsyncCollection[Document]:
        """The collection holding `r`'s records (no caller: consumers and after a check)."""
        if r.cross_organisation:
            return self._data.network(collection)
        return self._data.system_organisation(r.mentee.organisation_id, collection)

    def _event(self, r: Relationship, data: EventData) -> Envelope:
        if r.cross_organisation:
            return new_event(data, organisation=None, subject=r.id, audience=Audience.NETWORK)
        return new_event(data, organisation=r.mentee.organisation_id, subject=r.id)

    # --- from events ---------------------------------------------------------------------

    async def on_match_accepted(self, events: Sequence[InboundEvent[MatchAccepted]]) -> None:
        """Start one relationship per accepted proposal; a redelivery starts nothing."""
        for event in events:
            d = event.data
            started = Relationship(
                id=relationship_id(d.proposal_id),
                proposal_id=d.proposal_id,
                programme_id=d.programme_id,
                mentee=Party(member_id=d.mentee_id, organisation_id=d.mentee_organisation_id),
                mentor=Party(member_id=d.mentor_id, organisation_id=d.mentor_organisation_id),
                phase=Phase.BUILDING_RAPPORT,
                status=Status.ACTIVE,
                started_at=datetime.now(UTC),
            )
            announced = RelationshipStarted(
                relationship_id=started.id,
                proposal_id=d.proposal_id,
                programme_id=d.programme_id,
                mentee_id=d.mentee_id,
                mentee_organisation_id=d.mentee_organisation_id,
                mentor_id=d.mentor_id,
                mentor_organisation_id=d.mentor_organisation_id,
                started_at=started.started_at,
            )
            try:
                await self._outbox.insert(
                    self._home(started, RELATIONSHIPS),
                    _document(started),
                    [self._event(started, announced)],
                )
            except DuplicateKeyError:
                log.info("relationship exists already", relationship=started.id)

    # --- reading what a caller may see --------------------------------------------------

    async def mine(self, caller: Principal) -> list[Relationship]:
        """The caller's own relationships (in their organisation and across the network)."""
        if caller.kind is not CallerKind.MEMBER:
            return []
        query = {"participants": caller.subject}
        found = await self._data.own(caller, RELATIONSHIPS).find(query).to_list()
        found += await self._data.network(RELATIONSHIPS).find(query).to_list()
        mine = [r for r in map(_relationship, found) if self._is_party(caller, r)]
        return sorted(mine, key=lambda r: (r.started_at, r.id))

    @staticmethod
    def _is_party(caller: Principal, r: Relationship) -> bool:
        party = {r.mentee.member_id: r.mentee, r.mentor.member_id: r.mentor}.get(caller.subject)
        return (
            caller.kind is CallerKind.MEMBER
            and party is not None
            and party.organisation_id == caller.organisation
        )

    async def get(self, caller: Principal, rel_id: str) -> Relationship:
        """One relationship, for its parties only; 404 for anyone else."""
        if caller.kind is CallerKind.MEMBER:
            query = {"_id": rel_id, "participants": caller.subject}
            for collection in (
                self._data.own(caller, RELATIONSHIPS),
                self._data.network(RELATIONSHIPS),
            ):
                document = await collection.find_one(query)
                if document is not None:
                    r = _relationship(document)
                    if self._is_party(caller, r):
                        return r
        raise NotFoundError(f"no relationship {rel_id!r} that you take part in")

    # --- lifecycle -----------------------------------------------------------------------

    async def move(self, caller: Principal, rel_id: str, target: Phase) -> Relationship:
        """Either party moves the relationship forwards to `target`."""
        r = await self.get(caller, rel_id)
        check_active(r)
        check_move(r.phase, target)
        result = await self._home(r, RELATIONSHIPS).update_one(
            {"_id": r.id, "phase": r.phase.value, "status": Status.ACTIVE.value},
            {"$set": {"phase": target.value}},
        )
        if not result.matched_count:
            raise ConflictError("the relationship changed meanwhile; read it again")
        return r.model_copy(update={"phase": target})

    async def end(
        self, caller: Principal, rel_id: str, reason: EndReason, rematch_requested: bool
    ) -> Relationship:
        """Either party ends the relationship, without blame → `relationship.ended`."""
        r = await self.get(caller, rel_id)
        check_active(r)
        side = r.side_of(caller.subject)
        assert side is not None  # get() returned it, so the caller is a party
        now = datetime.now(UTC)
        ending = {
            "ended_by": side.value,
            "ended_early": is_early(r.phase),
            "reason": reason.value,
            "rematch_requested": rematch_requested,
            "ended_at": now,
        }
        ended = RelationshipEnded(
            relationship_id=r.id,
            programme_id=r.programme_id,
            mentee_id=r.mentee.member_id,
            mentee_organisation_id=r.mentee.organisation_id,
            mentor_id=r.mentor.member_id,
            mentor_organisation_id=r.mentor.organisation_id,
            ended_by=side.value,
            ended_early=is_early(r.phase),
            reason=reason.value,
            rematch_requested=rematch_requested,
            ended_at=now,
        )
        result = await self._outbox.update(
            self._home(r, RELATIONSHIPS),
            r.id,
            {"$set": {"status": Status.ENDED.value, "ending": ending}},
            [self._event(r, ended)],
            condition={"status": Status.ACTIVE.value},
        )
        if not result.matched_count:
            raise ConflictError("the relationship has already ended")
        return await self.get(caller, rel_id)

    # --- agreement -----------------------------------------------------------------------

    async def _versions(self, r: Relationship) -> list[AgreementVersion]:
        found = await self._home(r, AGREEMENTS).find({"relationship_id": r.id}).to_list()
        return sorted(map(_version, found), key=lambda v: v.version)

    async def versions(self, caller: Principal, rel_id: str) -> list[AgreementVersion]:
        """Every version of the agreement, oldest first."""
        return await self._versions(await self.get(caller, rel_id))

    async def agreement(self, caller: Principal, rel_id: str) -> AgreementVersion:
        """The latest version of the agreement."""
        versions = await self.versions(caller, rel_id)
        if not versions:
            raise NotFoundError(f"relationship {rel_id!r} has no agreement yet")
        return versions[-1]

    async def draft(
        self, caller: Principal, rel_id: str, terms: AgreementTerms
    ) -> AgreementVersion:
        """Either party drafts the agreement: a new version, unsigned."""
        r = await self.get(caller, rel_id)
        check_active(r)
        versions = await self._versions(r)
        drafted = AgreementVersion(
            relationship_id=r.id,
            version=next_version(versions[-1] if versions else None),
            terms=terms,
            drafted_by=caller.subject,
            drafted_at=datetime.now(UTC),
        )
        document: dict[str, Any] = {
            "_id": agreement_version_id(r.id, drafted.version),
            **drafted.model_dump(mode="python"),
        }
        try:
            await self._home(r, AGREEMENTS).insert_one(document)
        except DuplicateKeyError as exc:
            raise ConflictError("the agreement changed meanwhile; read it again") from exc
        return drafted

    async def sign(self, caller: Principal, rel_id: str, version: int) -> AgreementVersion:
        """A party signs the latest version; once every party has, it is in force and
        `agreement.signed` is published, exactly once."""
        r = await self.get(caller, rel_id)
        check_active(r)
        versions = await self._versions(r)
        latest = versions[-1] if versions else None
        if latest is not None and latest.version == version and caller.subject in latest.signatures:
            # Signing twice is refused; but if a crash came between the last signature and
            # the in-force step, this puts the version in force (at most once) first.
            await self._put_in_force(r, latest.version)
        latest = check_can_sign(latest, version, caller.subject)
        signed = await self._home(r, AGREEMENTS).update_one(
            {
                "_id": agreement_version_id(r.id, latest.version),
                f"signatures.{caller.subject}": {"$exists": False},
            },
            {"$set": {f"signatures.{caller.subject}": datetime.now(UTC)}},
        )
        if not signed.matched_count:
            raise ConflictError(f"you have already signed version {latest.version}")
        await self._put_in_force(r, latest.version)
        return await self.agreement(caller, rel_id)

    async def _put_in_force(self, r: Relationship, version: int) -> None:
        """In force once every party has signed: one update guarded by every signature and
        by `in_force` still being false, carrying `agreement.signed`, so whichever signature
        completes the set publishes it, and only once."""
        now = datetime.now(UTC)
        in_force = AgreementSigned(
            relationship_id=r.id,
            programme_id=r.programme_id,
            version=version,
            mentee_id=r.mentee.member_id,
            mentee_organisation_id=r.mentee.organisation_id,
            mentor_id=r.mentor.member_id,
            mentor_organisation_id=r.mentor.organisation_id,
            signed_at=now,
        )
        await self._outbox.update(
            self._home(r, AGREEMENTS),
            agreement_version_id(r.id, version),
            {"$set": {"in_force": True, "in_force_at": now}},
            [self._event(r, in_force)],
            condition={
                "in_force": False,
                **{f"signatures.{p}": {"$exists": True} for p in r.participants},
            },
        )
