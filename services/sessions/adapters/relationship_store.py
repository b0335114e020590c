"""Relationships and their agreements, through the data door, for the caller.

Where a relationship lives: one whose parties come from different organisations
(or a group relationship in a programme of several organisations) is a network record, in the
sessions network database, carrying its `participants`; one inside a single organisation lives
in that organisation's own database, also with its participants. Records kept beside a
relationship (agreements, meetings, logs, plans, messages) live where it lives (`home`).

Who may see it: its parties, and the programme's co-ordinators (`for_oversight`:
"the relationship's parties and the programme's co-ordinator, nobody else"); only parties
act in it (`for_party`). Everyone else — members of either organisation, admins, the network
co-ordinator, integration clients — gets 404, as for something that does not exist.

Writes are single-document (FerretDB v1 has no transactions): starting is an insert keyed by
the proposal (a redelivered `match.accepted` starts nothing), a mentee joining a group
relationship is one update guarded by the mentee count, phase moves and endings are one update
guarded by the state read, each agreement version is its own inserted document carrying
`agreement.drafted` (every party is asked to sign), and the step that puts a version in force
is one guarded update carrying `agreement.signed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.sessions.adapters.programme_book import ProgrammeBook
from services.sessions.adapters.relationship_cache import RecentRelationships
from services.sessions.domain.programmes import ProgrammeTerms
from services.sessions.domain.relationships import (
    AgreementTerms,
    AgreementVersion,
    EndReason,
    MemberRelationshipStatus,
    Party,
    Phase,
    Relationship,
    Side,
    Status,
    agreements_of,
    check_active,
    check_can_join,
    check_can_sign,
    check_chosen_reason,
    check_directions,
    check_move,
    ends_on_erasure,
    is_early,
    lives_in_network,
    next_version,
    relationship_id,
    relationships_of,
    statuses_for,
)
from shared.auth.principal import CallerKind, Principal
from shared.contracts.matching import MatchAccepted
from shared.contracts.sessions import (
    AgreementDrafted,
    AgreementSigned,
    RelationshipEnded,
    RelationshipPhaseChanged,
    RelationshipStarted,
)
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience, Envelope, EventData
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, kept_by, numbered_id
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

RELATIONSHIPS = "relationships"
AGREEMENTS = "agreements"  # one document per version, beside its relationship
# Each member's list of the relationships they take part in, numbered per member, in their
# organisation's database: "my relationships" without a scan of every relationship.
MEMBER_RELATIONSHIPS = "member_relationships"
# Passes over a mentor's groups when joins race: each lost race is another mentee's join, so
# a group fills up (at most 4) within a few.
JOIN_ATTEMPTS = 8


def _relationship(document: Document) -> Relationship:
    return Relationship.model_validate({**document, "id": document["_id"]})


def _document(r: Relationship) -> Document:
    body = r.model_dump(mode="json", exclude={"id", "started_at", "ending"})
    return {
        "_id": r.id,
        **body,
        "started_at": r.started_at,
        "participants": r.participants,
        "mentee_count": len(r.mentees),
    }


def _version(document: Document) -> AgreementVersion:
    return AgreementVersion.model_validate(document)


def _started(r: Relationship, mentee: Party, proposal_id: str) -> RelationshipStarted:
    return RelationshipStarted(
        relationship_id=r.id,
        proposal_id=proposal_id,
        programme_id=r.programme_id,
        mentee_id=mentee.member_id,
        mentee_organisation_id=mentee.organisation_id,
        mentor_id=r.mentor.member_id,
        mentor_organisation_id=r.mentor.organisation_id,
        started_at=r.started_at,
        model=r.model,
    )


class RelationshipStore:
    """Relationships and agreements as their parties and co-ordinators may see them."""

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        programmes: ProgrammeBook,
        numbered: NumberedRecords,
        recent: RecentRelationships | None = None,
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._programmes = programmes
        self._numbered = numbered
        self._recent = recent or RecentRelationships()

    # --- where a relationship's records live, and how its events travel -----------------

    def home(self, r: Relationship, collection: str) -> AsyncCollection[Document]:
        """The collection holding `r`'s records (for code that has already checked the
        caller through `for_party` or `for_oversight`, and for consumers)."""
        return self._kept(r.network, r.home_organisation, collection)

    def _kept(self, network: bool, organisation: str, collection: str) -> AsyncCollection[Document]:
        if network:
            return self._data.network(collection)
        return self._data.system_organisation(organisation, collection)

    def event(self, r: Relationship, data: EventData) -> Envelope:
        """An event about `r`: network audience if it is a network record, else its
        organisation's."""
        if r.network:
            return new_event(data, organisation=None, subject=r.id, audience=Audience.NETWORK)
        return new_event(data, organisation=r.home_organisation, subject=r.id)

    async def terms(self, r: Relationship) -> ProgrammeTerms:
        """The terms of `r`'s programme."""
        return await self._programmes.terms(r.programme_id)

    # --- from events ---------------------------------------------------------------------

    async def on_match_accepted(self, events: Sequence[InboundEvent[MatchAccepted]]) -> None:
        """Start one relationship per accepted proposal, or, in a group programme, add the
        mentee to their mentor's group relationship; a redelivery changes nothing."""
        for event in events:
            d = event.data
            terms = await self._programmes.terms(d.programme_id)
            mentee = Party(member_id=d.mentee_id, organisation_id=d.mentee_organisation_id)
            mentor = Party(member_id=d.mentor_id, organisation_id=d.mentor_organisation_id)
            network = lives_in_network(
                mentor, [mentee], len(terms.organisations) if terms.groups_mentees else 0
            )
            joined = None
            if terms.groups_mentees:
                own = self._kept(network, mentor.organisation_id, RELATIONSHIPS)
                started_before = await own.find_one({"_id": relationship_id(d.proposal_id)})
                if started_before is not None:
                    # A redelivery after this mentee started a group of their own (and
                    # before the lists were written): never join them to a second one.
                    await self._list(_relationship(started_before), [mentor, mentee], check=True)
                    continue
                joined = await self._join_group(terms, network, mentee, d)
            if joined is not None:
                group, redelivered = joined
                await self._list(group, [mentee], check=redelivered)
                continue
            started = Relationship(
                id=relationship_id(d.proposal_id),
                proposal_id=d.proposal_id,
                programme_id=d.programme_id,
                model=terms.model,
                mentor=mentor,
                mentees=[mentee],
                network=network,
                two_way=terms.two_way,
                phase=Phase.BUILDING_RAPPORT,
                status=Status.ACTIVE,
                # It started when both parties accepted, not when this service heard of it
                # (a replay or a lagging consumer must not move it).
                started_at=d.accepted_at,
            )
            redelivered = False
            try:
                await self._outbox.insert(
                    self.home(started, RELATIONSHIPS),
                    _document(started),
                    [self.event(started, _started(started, mentee, d.proposal_id))],
                )
                # Its parties are told of it now, and their first look comes soon after.
                self._recent.put(started)
            except DuplicateKeyError:
                log.info("relationship exists already", relationship=started.id)
                redelivered = True
            await self._list(started, [mentor, mentee], check=redelivered)

    async def _list(self, r: Relationship, parties: Sequence[Party], *, check: bool) -> None:
        """Add `r` to each party's list; with `check` (a redelivery, which may follow a crash
        between the relationship and the lists), only where it is missing."""
        for party in parties:
            await self._list_for(r, party, check=check)

    async def _list_for(self, r: Relationship, party: Party, *, check: bool) -> None:
        collection = self._data.system_organisation(party.organisation_id, MEMBER_RELATIONSHIPS)
        owner = relationships_of(party.member_id)
        if check:
            listed = await self._numbered.walk(collection, owner)
            if any(entry.get("relationship_id") == r.id for entry in listed):
                return

        async def write(entry_id: str, _number: int) -> None:
            entry = {
                "_id": entry_id,
                "member_id": party.member_id,
                "relationship_id": r.id,
                "programme_id": r.programme_id,
                "network": r.network,
                "home_organisation": r.home_organisation,
            }
            await collection.insert_one(entry)

        await self._numbered.take(collection, owner, write)

    async def _mentors_groups(
        self, collection: AsyncCollection[Document], d: MatchAccepted
    ) -> list[Relationship]:
        """The mentor's relationships in the programme, oldest first, from their own list
        (lookups by `_id`, not a scan of every relationship)."""
        listed = await self._numbered.walk(
            self._data.system_organisation(d.mentor_organisation_id, MEMBER_RELATIONSHIPS),
            relationships_of(d.mentor_id),
        )
        found = []
        for entry in listed:
            if entry.get("member_id") != d.mentor_id or entry.get("programme_id") != d.programme_id:
                continue
            document = await collection.find_one({"_id": entry["relationship_id"]})
            if document is not None and document.get("programme_id") == d.programme_id:
                found.append(_relationship(document))
        return [r for r in found if r.mentor.member_id == d.mentor_id]

    async def _join_group(
        self, terms: ProgrammeTerms, network: bool, mentee: Party, d: MatchAccepted
    ) -> tuple[Relationship, bool] | None:
        """Add `mentee` to the mentor's running group relationship in the programme (kept in
        the network database if `network`, else in the mentor's organisation's) if it has
        room; the group they are in now, and whether an earlier delivery put them there."""
        collection = self._kept(network, d.mentor_organisation_id, RELATIONSHIPS)
        for _ in range(JOIN_ATTEMPTS):
            joined, raced = await self._try_join(collection, terms, mentee, d)
            if joined is not None or not raced:
                return joined
        return None

    async def _try_join(
        self,
        collection: AsyncCollection[Document],
        terms: ProgrammeTerms,
        mentee: Party,
        d: MatchAccepted,
    ) -> tuple[tuple[Relationship, bool] | None, bool]:
        """One pass over the mentor's groups: the group joined (and whether earlier), and
        whether another change beat this one to a group with room (so read them again)."""
        raced = False
        for group in await self._mentors_groups(collection, d):
            if group.party(mentee.member_id) is not None:
                return (group, True), False  # joined already: a redelivery
            if not check_can_join(group, mentee, terms.max_mentees_per_mentor):
                continue
            result = await self._outbox.update(
                collection,
                group.id,
                {
                    "$push": {
                        "mentees": mentee.model_dump(mode="json"),
                        "participants": mentee.member_id,
                    },
                    "$inc": {"mentee_count": 1},
                },
                [self.event(group, _started(group, mentee, d.proposal_id))],
                condition={"status": Status.ACTIVE.value, "mentee_count": len(group.mentees)},
            )
            if result.matched_count:
                self._recent.forget(group.id)
                return (group, False), False
            raced = True  # someone joined (or it ended) since it was read
        return None, raced

    # --- reading what a caller may see --------------------------------------------------

    async def mine(self, caller: Principal) -> list[Relationship]:
        """The caller's own relationships (in their organisation and across the network)."""
        if caller.kind is not CallerKind.MEMBER:
            return []
        listed = await self._numbered.walk(
            self._data.own(caller, MEMBER_RELATIONSHIPS), relationships_of(caller.subject)
        )
        entries = {
            str(e["relationship_id"]): e for e in listed if e.get("member_id") == caller.subject
        }

        async def load(rel_id: str, entry: Document) -> Relationship | None:
            kept = self._kept(
                bool(entry["network"]), str(entry["home_organisation"]), RELATIONSHIPS
            )
            document = await kept.find_one({"_id": rel_id})
            return _relationship(document) if document is not None else None

        loaded = await asyncio.gather(*(load(k, e) for k, e in entries.items()))
        mine = [r for r in loaded if r is not None and self._is_party(caller, r)]
        return sorted(mine, key=lambda r: (r.started_at, r.id))

    @staticmethod
    def _is_party(caller: Principal, r: Relationship) -> bool:
        party = r.party(caller.subject)
        return (
            caller.kind is CallerKind.MEMBER
            and party is not None
            and party.organisation_id == caller.organisation
        )

    async def _as_party(
        self, caller: Principal, rel_id: str, *, fresh: bool = False
    ) -> Relationship | None:
        if caller.kind is not CallerKind.MEMBER:
            return None
        r = None if fresh else self._recent.get(rel_id)
        if r is None:
            began = self._recent.loading()
            # By `_id` alone: FerretDB finds a document by its id without a scan only when
            # the filter has no array field (like `participants`); the party check follows.
            for collection in self._kept_for_party(caller, rel_id):
                document = await collection.find_one({"_id": rel_id})
                if document is not None:
                    r = _relationship(document)
                    self._recent.put(r, began)
                    break
        return r if r is not None and self._is_party(caller, r) else None

    def _kept_for_party(self, caller: Principal, rel_id: str) -> list[AsyncCollection[Document]]:
        """Where a relationship of the caller's can be: their organisation's database or the
        network's, or only the one this instance has seen it in."""
        in_network = self._recent.in_network(rel_id)
        own, network = self._data.own(caller, RELATIONSHIPS), self._data.network(RELATIONSHIPS)
        if in_network is None:
            return [own, network]
        return [network] if in_network else [own]

    async def for_party(self, caller: Principal, rel_id: str) -> Relationship:
        """A relationship the caller takes part in, as stored now; 404 for anyone else.

        Every write into a relationship (a message, a log, a meeting, a goal, a signature)
        starts here, so its "still active" check reads the relationship's own record, never
        this instance's recent copy: an ending written by another instance is seen at once.
        """
        r = await self._as_party(caller, rel_id, fresh=True)
        if r is None:
            raise NotFoundError(f"no relationship {rel_id!r} that you take part in")
        return r

    async def for_oversight(self, caller: Principal, rel_id: str) -> Relationship:
        """A relationship the caller takes part in or co-ordinates the programme of; 404 for
        anyone else (parties and the programme's co-ordinator, nobody else)."""
        r = await self._as_party(caller, rel_id)
        if r is not None:
            return r
        for programme in await self._coordinated_programmes(caller):
            for collection in self._programme_collections(caller, programme):
                document = await collection.find_one(
                    {"_id": rel_id, "programme_id": programme.programme_id}
                )
                if document is not None:
                    return _relationship(document)
        raise NotFoundError(f"no relationship {rel_id!r} that you take part in or co-ordinate")

    async def _coordinated_programmes(self, caller: Principal) -> list[ProgrammeTerms]:
        # Being named in `programme.published` is the authority (the registry names whoever
        # designed the programme, an admin or a co-ordinator), as in matching and evaluation.
        if caller.kind is not CallerKind.MEMBER:
            return []
        return await self._programmes.coordinated_by(caller.subject)

    def _programme_collections(
        self, caller: Principal, programme: ProgrammeTerms
    ) -> list[AsyncCollection[Document]]:
        """Where a programme's relationships can live, for one of its co-ordinators."""
        if caller.organisation not in programme.organisations:
            return []
        return [
            self._data.network(RELATIONSHIPS),
            *(
                self._data.overseen(
                    caller,
                    programme.coordinators,
                    programme.organisations,
                    organisation,
                    RELATIONSHIPS,
                )
                for organisation in sorted(set(programme.organisations))
            ),
        ]

    async def of_programme(self, caller: Principal, programme_id: str) -> list[Relationship]:
        """Every relationship of a programme, for its co-ordinators; 404 for anyone else."""
        for programme in await self._coordinated_programmes(caller):
            if programme.programme_id != programme_id:
                continue
            found: list[Relationship] = []
            for collection in self._programme_collections(caller, programme):
                documents = await collection.find({"programme_id": programme_id}).to_list()
                found += map(_relationship, documents)
            return sorted(found, key=lambda r: (r.started_at, r.id))
        raise NotFoundError(f"no programme {programme_id!r} that you co-ordinate")

    async def statuses(
        self, caller: Principal, organisation_id: str
    ) -> list[MemberRelationshipStatus]:
        """Every relationship status of an organisation's members, for its admins (404 for
        anyone else): from its own database and the network records its members are in."""
        own = self._data.of(caller, organisation_id, RELATIONSHIPS, admins_only=True)
        found = await own.find({}).to_list()
        found += (
            await self._data.network(RELATIONSHIPS)
            .find(
                {
                    "$or": [
                        {"mentor.organisation_id": organisation_id},
                        {"mentees.organisation_id": organisation_id},
                    ]
                }
            )
            .to_list()
        )
        rows = [row for r in map(_relationship, found) for row in statuses_for(r, organisation_id)]
        return sorted(rows, key=lambda row: (row.started_at, row.relationship_id, row.member_id))

    # --- lifecycle -----------------------------------------------------------------------

    async def move(self, caller: Principal, rel_id: str, target: Phase) -> Relationship:
        """A party or the programme's co-ordinator moves the relationship forwards."""
        r = await self.for_oversight(caller, rel_id)
        check_active(r)
        check_move(r.phase, target)
        changed = RelationshipPhaseChanged(
            relationship_id=r.id,
            programme_id=r.programme_id,
            phase=target.value,
            changed_at=datetime.now(UTC),
        )
        result = await self._outbox.update(
            self.home(r, RELATIONSHIPS),
            r.id,
            {"$set": {"phase": target.value}},
            [self.event(r, changed)],
            condition={"phase": r.phase.value, "status": Status.ACTIVE.value},
        )
        if not result.matched_count:
            self._recent.forget(r.id)
            raise ConflictError("the relationship changed meanwhile; read it again")
        moved = r.model_copy(update={"phase": target})
        self._recent.put(moved)
        return moved

    async def end(
        self, caller: Principal, rel_id: str, reason: EndReason, rematch_requested: bool
    ) -> Relationship:
        """A party ends the relationship, without blame → `relationship.ended` (one per
        mentee: the pairs are what matching never proposes again)."""
        check_chosen_reason(reason)
        r = await self.for_party(caller, rel_id)
        check_active(r)
        side = r.side_of(caller.subject)
        assert side is not None  # for_party returned it, so the caller is a party
        if not await self._end(r, side, reason, rematch_requested):
            raise ConflictError("the relationship has already ended")
        return await self.for_party(caller, rel_id)

    async def _end(
        self, r: Relationship, side: Side, reason: EndReason, rematch_requested: bool
    ) -> bool:
        """End `r` as `side` did; False if it had ended already."""
        now = datetime.now(UTC)
        ending = {
            "ended_by": side.value,
            "ended_early": is_early(r.phase),
            "reason": reason.value,
            "rematch_requested": rematch_requested,
            "ended_at": now,
        }
        ended = [
            RelationshipEnded(
                relationship_id=r.id,
                programme_id=r.programme_id,
                mentee_id=mentee.member_id,
                mentee_organisation_id=mentee.organisation_id,
                mentor_id=r.mentor.member_id,
                mentor_organisation_id=r.mentor.organisation_id,
                ended_by=side.value,
                ended_early=is_early(r.phase),
                reason=reason.value,
                rematch_requested=rematch_requested,
                ended_at=now,
            )
            for mentee in r.mentees
        ]
        result = await self._outbox.update(
            self.home(r, RELATIONSHIPS),
            r.id,
            {"$set": {"status": Status.ENDED.value, "ending": ending}},
            [self.event(r, e) for e in ended],
            condition={"status": Status.ACTIVE.value},
        )
        self._recent.forget(r.id)
        return bool(result.matched_count)

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """An erased member's relationship ends, without blame (`left_the_network`), when
        they were its mentor or its only mentee; a group goes on without one of several
        mentees. The record stays (its parties' ids and phase), so the other party's history
        holds together. Idempotent: an ended relationship is left as it is."""
        for collection in (
            self._data.system_organisation(organisation_id, RELATIONSHIPS),
            self._data.network(RELATIONSHIPS),
        ):
            for r in map(
                _relationship, await collection.find({"participants": member_id}).to_list()
            ):
                side = r.side_of(member_id)
                if side is not None and ends_on_erasure(r, member_id):
                    await self._end(r, side, EndReason.LEFT_THE_NETWORK, rematch_requested=False)
                    log.info("relationship ended: a party was erased", relationship_id=r.id)

    # --- agreement -----------------------------------------------------------------------

    async def _versions(self, r: Relationship) -> list[AgreementVersion]:
        found = await self._numbered.walk(
            self.home(r, AGREEMENTS), agreements_of(r.id), shown=kept_by("relationship_id", r.id)
        )
        return [_version(d) for d in found]

    async def versions(self, caller: Principal, rel_id: str) -> list[AgreementVersion]:
        """Every version of the agreement, oldest first (parties and co-ordinators)."""
        return await self._versions(await self.for_oversight(caller, rel_id))

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
        r = await self.for_party(caller, rel_id)
        check_active(r)
        check_directions(r, terms)
        versions = await self._versions(r)
        drafted = AgreementVersion(
            relationship_id=r.id,
            version=next_version(versions[-1] if versions else None),
            terms=terms,
            drafted_by=caller.subject,
            drafted_at=datetime.now(UTC),
        )
        document: dict[str, Any] = {
            "_id": numbered_id(agreements_of(r.id), drafted.version),
            **drafted.model_dump(mode="python"),
        }
        asked = AgreementDrafted(
            relationship_id=r.id,
            programme_id=r.programme_id,
            version=drafted.version,
            drafted_by=drafted.drafted_by,
            drafted_at=drafted.drafted_at,
        )
        try:
            await self._outbox.insert(self.home(r, AGREEMENTS), document, [self.event(r, asked)])
        except DuplicateKeyError as exc:
            raise ConflictError("the agreement changed meanwhile; read it again") from exc
        return drafted

    async def sign(self, caller: Principal, rel_id: str, version: int) -> AgreementVersion:
        """A party signs the latest version; once every party has, it is in force and
        `agreement.signed` is published, exactly once."""
        r = await self.for_party(caller, rel_id)
        check_active(r)
        versions = await self._versions(r)
        latest = versions[-1] if versions else None
        if latest is not None and latest.version == version and caller.subject in latest.signatures:
            # Signing twice is refused; but if a crash came between the last signature and
            # the in-force step, this puts the version in force (at most once) first.
            await self._put_in_force(r, latest.version)
        latest = check_can_sign(latest, version, caller.subject)
        signed = await self._outbox.update(
            self.home(r, AGREEMENTS),
            numbered_id(agreements_of(r.id), latest.version),
            {"$set": {f"signatures.{caller.subject}": datetime.now(UTC)}},
            [],
            condition={f"signatures.{caller.subject}": {"$exists": False}},
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
        in_force = [
            AgreementSigned(
                relationship_id=r.id,
                programme_id=r.programme_id,
                version=version,
                mentee_id=mentee.member_id,
                mentee_organisation_id=mentee.organisation_id,
                mentor_id=r.mentor.member_id,
                mentor_organisation_id=r.mentor.organisation_id,
                signed_at=now,
            )
            for mentee in r.mentees
        ]
        await self._outbox.update(
            self.home(r, AGREEMENTS),
            numbered_id(agreements_of(r.id), version),
            {"$set": {"in_force": True, "in_force_at": now}},
            [self.event(r, e) for e in in_force],
            condition={
                "in_force": False,
                **{f"signatures.{p}": {"$exists": True} for p in r.participants},
            },
        )
