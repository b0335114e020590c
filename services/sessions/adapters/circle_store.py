"""Peer circles and their contract, through the data door, for the caller.

Where a circle lives: always in the sessions network database, with its
`participants` (a circle is a shared record, like a cross-organisation relationship). Records
kept beside a circle (its sessions, notes, messages) live there too (`home`), each with a
`circle_id` that every query filters on.

Who may see it: its members (`for_member`: everything, and the only door to session notes
and messages); the programme's co-ordinators may also read the circle itself and its session
schedule (`for_oversight`), never what members write — see docs/decisions.md. Everyone else
(colleagues, admins, the network co-ordinator, integration clients) gets 404.

Writes are single documents: a circle is one insert keyed by its id (a redelivered
`circle.formed` changes nothing); each contract acceptance is its own inserted document
keyed by (circle, member), so accepting twice is refused by the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.sessions.adapters.programme_book import ProgrammeBook
from services.sessions.domain.circles import Circle, contract_version
from services.sessions.domain.programmes import ProgrammeTerms
from services.sessions.domain.relationships import Party
from shared.auth.principal import CallerKind, Principal
from shared.contracts.matching import CircleFormed
from shared.errors import ConflictError, NotFoundError
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience, Envelope, EventData
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.tenancy import TenantData

log = get_logger(__name__)

CIRCLES = "circles"
ACCEPTANCES = "circle_contract_acceptances"  # one document per (circle, member)
# An erasure rewrites a circle's member list under a guard; a concurrent erasure of another
# member of the same circle makes the guard miss, and the loop reads again.
ERASURE_ATTEMPTS = 5


def _circle(document: Document, terms: ProgrammeTerms) -> Circle:
    return Circle.model_validate(
        {**document, "id": document["_id"], "cadence_days": terms.meeting_every_days}
    )


def _acceptance_id(circle_id: str, member_id: str) -> str:
    return f"{circle_id}:{member_id}"


class CircleStore:
    """Circles as their members (and, for reading, their programme's co-ordinators) see them."""

    def __init__(self, data: TenantData, programmes: ProgrammeBook) -> None:
        self._data = data
        self._programmes = programmes

    # --- where a circle's records live, and how its events travel -----------------------

    def home(self, circle: Circle, collection: str) -> AsyncCollection[Document]:
        """The collection holding `circle`'s records: always the network database (a circle
        is a shared record). For code that has already checked the caller through
        `for_member` or `for_oversight`, and for consumers. Filter every query by
        `circle_id`."""
        del circle  # every circle lives in the network database; kept for symmetry
        return self._data.network(collection)

    def event(self, circle: Circle, data: EventData) -> Envelope:
        """An event about `circle`: the network's audience, keyed by the circle."""
        return new_event(data, organisation=None, subject=circle.id, audience=Audience.NETWORK)

    def system_home(self, collection: str) -> AsyncCollection[Document]:
        """The network collection of circle records, for consumers acting with no caller
        (erasure finds a member's records across circles by member id)."""
        return self._data.network(collection)

    async def system_circle(self, circle_id: str) -> Circle | None:
        """A circle by id, for consumers acting with no caller."""
        return await self._load(circle_id)

    async def terms(self, circle: Circle) -> ProgrammeTerms:
        """The terms of `circle`'s programme (meeting-length bounds, co-ordinators)."""
        return await self._programmes.terms(circle.programme_id)

    # --- from events ---------------------------------------------------------------------

    async def on_circle_formed(self, events: Sequence[InboundEvent[CircleFormed]]) -> None:
        """Keep each formed circle, once per circle id (a redelivery changes nothing)."""
        for event in events:
            d = event.data
            members = [
                Party(member_id=m.member_id, organisation_id=m.organisation_id) for m in d.members
            ]
            document: Document = {
                "_id": d.circle_id,
                "programme_id": d.programme_id,
                "members": [m.model_dump(mode="json") for m in members],
                "participants": [m.member_id for m in members],
                "former_members": 0,
                "formed_at": d.formed_at,
            }
            try:
                await self._data.network(CIRCLES).insert_one(document)
            except DuplicateKeyError:
                log.info("circle exists already", circle=d.circle_id)

    # --- reading what a caller may see --------------------------------------------------

    @staticmethod
    def _is_member(caller: Principal, circle: Circle) -> bool:
        member = circle.member(caller.subject)
        return (
            caller.kind is CallerKind.MEMBER
            and member is not None
            and member.organisation_id == caller.organisation
        )

    async def _load(self, circle_id: str) -> Circle | None:
        # By `_id` alone (the only filter FerretDB answers from an index); who may see it is
        # decided on the loaded circle's own members.
        document = await self._data.network(CIRCLES).find_one({"_id": circle_id})
        if document is None:
            return None
        return _circle(document, await self._programmes.terms(document["programme_id"]))

    async def for_member(self, caller: Principal, circle_id: str) -> Circle:
        """A circle the caller is a member of; 404 for anyone else — admins, co-ordinators
        and the network co-ordinator included (notes and messages are the circle's only)."""
        if caller.kind is CallerKind.MEMBER:
            circle = await self._load(circle_id)
            if circle is not None and self._is_member(caller, circle):
                return circle
        raise NotFoundError(f"no circle {circle_id!r} that you are a member of")

    async def for_oversight(self, caller: Principal, circle_id: str) -> Circle:
        """A circle the caller is a member of, or co-ordinates the programme of (to read its
        membership and schedule, never its notes); 404 for anyone else."""
        if caller.kind is CallerKind.MEMBER:
            circle = await self._load(circle_id)
            if circle is not None and (
                self._is_member(caller, circle)
                or await self._coordinates(caller, circle.programme_id)
            ):
                return circle
        raise NotFoundError(f"no circle {circle_id!r} that you are a member of or co-ordinate")

    async def coordinates(self, caller: Principal, circle: Circle) -> bool:
        """Whether the caller co-ordinates `circle`'s programme."""
        return await self._coordinates(caller, circle.programme_id)

    async def _coordinates(self, caller: Principal, programme_id: str) -> bool:
        if caller.kind is not CallerKind.MEMBER:
            return False
        terms = await self._programmes.terms(programme_id)
        return terms.coordinated_by(caller.subject) and caller.organisation in terms.organisations

    async def mine(self, caller: Principal) -> list[Circle]:
        """The caller's own circles, oldest first."""
        if caller.kind is not CallerKind.MEMBER:
            return []
        found = await self._data.network(CIRCLES).find({"participants": caller.subject}).to_list()
        circles = [_circle(d, await self._programmes.terms(d["programme_id"])) for d in found]
        mine = [c for c in circles if self._is_member(caller, c)]
        return sorted(mine, key=lambda c: (c.formed_at, c.id))

    # --- the contract (seed 001, "Contracting for Mentoring Groups") ---------------------

    async def accepted(self, circle: Circle) -> dict[str, datetime]:
        """Who of the current members accepted the contract, and when."""
        acceptances = self.home(circle, ACCEPTANCES)
        found = await asyncio.gather(
            *(
                acceptances.find_one({"_id": _acceptance_id(circle.id, member)})
                for member in circle.participants
            )
        )
        return {d["member_id"]: d["accepted_at"] for d in found if d is not None}

    async def accept(self, caller: Principal, circle_id: str, version: str | None) -> Circle:
        """The caller accepts the circle's contract: once (409 the second time, and 409 if
        `version` names wording other than the contract's now)."""
        circle = await self.for_member(caller, circle_id)
        if version not in (None, contract_version()):
            raise ConflictError(
                "the contract's wording changed since you read it; read it again and accept "
                f"version {contract_version()}"
            )
        try:
            await self.home(circle, ACCEPTANCES).insert_one(
                {
                    "_id": _acceptance_id(circle.id, caller.subject),
                    "circle_id": circle.id,
                    "programme_id": circle.programme_id,
                    "member_id": caller.subject,
                    "accepted_at": datetime.now(UTC),
                    "contract_version": contract_version(),
                }
            )
        except DuplicateKeyError as exc:
            raise ConflictError("you have already accepted this circle's contract") from exc
        return circle

    # --- erasure -------------------------------------------------------------------------

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Remove an erased member from their circles (counted as a former member) and delete
        their contract acceptances; idempotent."""
        del organisation_id  # circles are network records, found by member id
        circles = self._data.network(CIRCLES)
        for _ in range(ERASURE_ATTEMPTS):
            pending = await circles.find({"participants": member_id}).to_list()
            if not pending:
                break
            for document in pending:
                remaining = [m for m in document["members"] if m["member_id"] != member_id]
                await circles.update_one(
                    {
                        "_id": document["_id"],
                        "participants": member_id,
                        "former_members": document.get("former_members", 0),
                    },
                    {
                        "$set": {
                            "members": remaining,
                            "participants": [m["member_id"] for m in remaining],
                        },
                        "$inc": {"former_members": 1},
                    },
                )
        await self._data.network(ACCEPTANCES).delete_many({"member_id": member_id})
