"""Programmes, enrolments and circles: cross-organisation records in the registry's network
database, each carrying the organisations that take part (docs/security.md, "Tenancy"). Every
read checks the caller's organisation against that list; anyone else gets 404."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pymongo.errors import DuplicateKeyError

from services.registry.domain.circle import MAX_SIZE, Circle, CircleMember
from services.registry.domain.programme import Programme, ProgrammeModel, ProgrammeStatus
from shared.auth.principal import Principal
from shared.errors import ConflictError, NotFoundError
from shared.events.envelope import Envelope
from shared.mongo.databases import Document
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

PROGRAMMES = "programmes"
ENROLMENTS = "enrolments"
CIRCLES = "circles"
REVISION = "coordinators_revision"


class ProgrammeStore:
    """Reads and writes programmes, enrolments and circles."""

    def __init__(self, data: TenantData, outbox: OutboxWriter) -> None:
        self._programmes = data.network(PROGRAMMES)
        self._enrolments = data.network(ENROLMENTS)
        self._circles = data.network(CIRCLES)
        self._outbox = outbox

    async def add(self, programme: Programme) -> None:
        """A new (draft) programme."""
        await self._programmes.insert_one(_programme_document(programme))

    async def get(self, caller: Principal, programme_id: str) -> Programme:
        """A programme the caller's organisation takes part in (invited counts), else 404."""
        document = await self._programmes.find_one(
            {"_id": programme_id, "organisations": caller.organisation},
            projection={"_outbox": 0},
        )
        if document is None:
            raise NotFoundError(f"no programme {programme_id!r} that you can see")
        return _to_programme(document)

    async def visible(self, caller: Principal) -> list[Programme]:
        """Programmes the caller's organisation takes part in, newest first."""
        documents = await self._programmes.find(
            {"organisations": caller.organisation}, projection={"_outbox": 0}
        ).to_list()
        return sorted(
            (_to_programme(d) for d in documents), key=lambda p: p.created_at, reverse=True
        )

    async def accept(self, programme: Programme, organisation_id: str) -> None:
        """Record an organisation's acceptance."""
        await self._programmes.update_one(
            {"_id": programme.id}, {"$addToSet": {"accepted_by": organisation_id}}
        )

    async def set_status(
        self, programme: Programme, status: ProgrammeStatus, events: Sequence[Envelope]
    ) -> None:
        """Move the programme on, only if nobody moved it meanwhile (ConflictError)."""
        result = await self._outbox.update(
            self._programmes,
            programme.id,
            {"$set": {"status": status.value}},
            events,
            condition={"status": programme.status.value},
        )
        if not result.matched_count:
            raise ConflictError("the programme changed meanwhile; reload it and try again")

    async def coordinators_revision(self, programme_id: str) -> int:
        """How many times the programme's co-ordinators have changed (0: as created)."""
        document = await self._programmes.find_one({"_id": programme_id}, projection={REVISION: 1})
        return int((document or {}).get(REVISION, 0))

    async def set_coordinators(
        self,
        programme_id: str,
        coordinators: list[str],
        revision: int,
        events: Sequence[Envelope],
    ) -> None:
        """Replace the co-ordinators, moving their revision from `revision - 1` to
        `revision` in the same write as the event (ConflictError if someone changed them
        meanwhile)."""
        before: Document = (
            {REVISION: revision - 1} if revision > 1 else {REVISION: {"$exists": False}}
        )
        result = await self._outbox.update(
            self._programmes,
            programme_id,
            {"$set": {"coordinators": coordinators, REVISION: revision}},
            events,
            condition=before,
        )
        if not result.matched_count:
            raise ConflictError("the programme's co-ordinators changed meanwhile; try again")

    async def coordinated_by(self, member_id: str) -> list[Programme]:
        """Every programme `member_id` co-ordinates (system use: their role was revoked)."""
        documents = await self._programmes.find(
            {"coordinators": member_id}, projection={"_outbox": 0}
        ).to_list()
        return [_to_programme(d) for d in documents]

    async def enrol(self, document: Document, events: Sequence[Envelope]) -> None:
        """Store an enrolment with its event; ConflictError if the member is enrolled."""
        try:
            await self._outbox.insert(self._enrolments, document, events)
        except DuplicateKeyError as exc:
            raise ConflictError("you are enrolled in this programme already") from exc

    async def enrolments_of(self, caller: Principal) -> list[Document]:
        """The caller's own enrolments, in the programmes their organisation takes part in
        (each looked up by its `_id`, programme and member)."""
        programmes = await self.visible(caller)
        found = await asyncio.gather(*(self.enrolment(p.id, caller.subject) for p in programmes))
        return [d for d in found if d is not None]

    async def enrolments(self, programme: Programme) -> list[Document]:
        """A programme's enrolments (the caller was checked to be its co-ordinator)."""
        return await self._enrolments.find(
            {"programme_id": programme.id}, projection={"_outbox": 0}
        ).to_list()

    async def enrolment(self, programme_id: str, member_id: str) -> Document | None:
        """One member's enrolment in a programme."""
        return await self._enrolments.find_one({"_id": f"{programme_id}:{member_id}"})

    async def add_circle(self, circle: Circle, programme: Programme) -> None:
        """A new circle of a programme."""
        await self._circles.insert_one(
            {
                **circle.model_dump(mode="python", exclude={"id", "size"}),
                "_id": circle.id,
                "organisations": programme.organisations,
            }
        )

    async def circle(self, caller: Principal, circle_id: str) -> Circle:
        """A circle of a programme the caller's organisation takes part in, else 404."""
        document = await self._circles.find_one(
            {"_id": circle_id, "organisations": caller.organisation}, projection={"_outbox": 0}
        )
        if document is None:
            raise NotFoundError(f"no circle {circle_id!r} that you can see")
        return _to_circle(document)

    async def circles(self, programme: Programme) -> list[Circle]:
        """A programme's circles."""
        documents = await self._circles.find(
            {"programme_id": programme.id}, projection={"_outbox": 0}
        ).to_list()
        return [_to_circle(d) for d in documents]

    async def join(
        self,
        circle: Circle,
        newcomer: CircleMember,
        programme: Programme,
        events: Sequence[Envelope],
    ) -> None:
        """Add a member, guarded in the same write against a concurrent join breaking a rule
        (size, one member per organisation in an X-market circle)."""
        condition: Document = {
            f"members.{MAX_SIZE - 1}": {"$exists": False},
            "members.member_id": {"$ne": newcomer.member_id},
        }
        if programme.design.model is ProgrammeModel.X_MARKET_CIRCLE:
            condition["members.organisation_id"] = {"$ne": newcomer.organisation_id}
        result = await self._outbox.update(
            self._circles,
            circle.id,
            {"$push": {"members": newcomer.model_dump(mode="python")}},
            events,
            condition=condition,
        )
        if not result.matched_count:
            raise ConflictError(
                "the circle changed meanwhile (full, or your organisation "
                "joined it); reload it and try again"
            )


def _programme_document(programme: Programme) -> Document:
    return {
        "_id": programme.id,
        "owner_organisation_id": programme.owner_organisation_id,
        "design": programme.design.model_dump(mode="json"),
        "status": programme.status.value,
        "coordinators": programme.coordinators,
        "accepted_by": programme.accepted_by,
        "organisations": programme.organisations,
        "created_at": programme.created_at,
    }


def _to_programme(document: Document) -> Programme:
    return Programme.model_validate({**document, "id": document["_id"]})


def _to_circle(document: Document) -> Circle:
    return Circle.model_validate({**document, "id": document["_id"]})
