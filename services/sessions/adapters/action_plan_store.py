"""Action plans (seed 002, Resources 12, 15 and 16) through the data door, for the caller.

Where they live: beside their relationship (`RelationshipStore.home`). Goals and GROW notes
are numbered per relationship and OSKAR readings per goal (`shared.mongo.numbered`), so all
of them are found by `_id` alone; every one found is checked to be the relationship's. Who
reads: the parties and the programme's co-ordinators (`for_oversight`); who writes: either
party (`for_party`); everyone else gets 404.

Documents are kept small and history is inserted, never grown in place (inserts are
FerretDB's cheap write; docs/operations.md):
- `action_plans`: one document per relationship, the sheet of Resource 15 and who last wrote
  each of its fields (an upsert per change; no event);
- `plan_goals`: one document per goal; marking it achieved is one update guarded by "not yet
  achieved", carrying `goal.achieved`, so the event is published once;
- `oskar_readings`: one inserted document per reading, carrying `action_plan.oskar_scaled`;
- `grow_notes`: one inserted document per GROW note, carrying `action_plan.commitment_rated`.
Events carry ids, numbers and times, never text. Erasure blanks what the erased member wrote
in place (`removed`), so numbers are never reused.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.adapters.relationship_store import RelationshipStore
from services.sessions.domain.action_plans import (
    SHEET_FIELDS,
    ActionPlan,
    Goal,
    GoalAchievedAlreadyError,
    GoalChange,
    GoalDraft,
    GrowDraft,
    GrowNote,
    GrowNoteView,
    OskarReading,
    PlanRuleError,
    PlanSheet,
    PlanSheetChange,
    check_achievable,
    check_goal_change,
    check_priority,
    check_room,
    goal_order,
    goals_of,
    grow_notes_of,
    history,
    readings_of,
    revise_sheet,
)
from services.sessions.domain.relationships import Relationship, check_active, check_direction
from shared import clock
from shared.auth.principal import Principal
from shared.contracts.sessions import CommitmentRated, GoalAchieved, OskarScaled
from shared.errors import NotFoundError
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, blank, kept_by
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

PLANS = "action_plans"
GOALS = "plan_goals"
OSKAR = "oskar_readings"
GROW = "grow_notes"


def plan_document_id(rel_id: str) -> str:
    """The one plan document of a relationship."""
    return f"plan:{rel_id}"


def _fields(document: Document) -> dict[str, Any]:
    return {k: v for k, v in document.items() if not k.startswith("_")}


def _reading(document: Document) -> OskarReading:
    return OskarReading.model_validate({**_fields(document), "id": document["_id"]})


def _grow(document: Document) -> GrowNoteView:
    note = GrowNote.model_validate({**_fields(document), "id": document["_id"]})
    return GrowNoteView.of(note)


def _sheet(document: Document | None) -> PlanSheet:
    values = {name: document[name] for name in SHEET_FIELDS if document and name in document}
    return PlanSheet.model_validate(values)


class ActionPlanStore:
    """A relationship's action plan as its parties and co-ordinators may see it."""

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        relationships: RelationshipStore,
        numbered: NumberedRecords,
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._relationships = relationships
        self._numbered = numbered

    def _home(self, r: Relationship, collection: str) -> AsyncCollection[Document]:
        return self._relationships.home(r, collection)

    # --- reading ---------------------------------------------------------------------------

    async def plan(self, caller: Principal, rel_id: str) -> ActionPlan:
        """The whole plan: sheet, goals with their OSKAR histories, GROW notes."""
        r = await self._relationships.for_oversight(caller, rel_id)
        return await self._plan(r)

    async def _plan(self, r: Relationship) -> ActionPlan:
        document = await self._home(r, PLANS).find_one({"_id": plan_document_id(r.id)})
        return ActionPlan(
            **_sheet(document).model_dump(),
            relationship_id=r.id,
            programme_id=r.programme_id,
            written_by=(document or {}).get("written_by", {}),
            updated_at=(document or {}).get("updated_at"),
            goals=await self._goals(r),
            grow=await self._grow_notes(r),
        )

    async def _goals(self, r: Relationship, goal_id: str | None = None) -> list[Goal]:
        """The relationship's goals (or the one `goal_id`) with their OSKAR histories."""
        collection = self._home(r, GOALS)
        of_r = kept_by("relationship_id", r.id)
        if goal_id is None:
            goals = await self._numbered.walk(collection, goals_of(r.id), shown=of_r)
        else:
            one = await collection.find_one({"_id": goal_id})
            goals = [one] if one is not None and of_r(one) else []
        readings = await asyncio.gather(
            *(
                self._numbered.walk(self._home(r, OSKAR), readings_of(g["_id"]), shown=of_r)
                for g in goals
            )
        )
        built = [
            Goal.model_validate(
                {
                    **_fields(g),
                    "id": g["_id"],
                    "oskar": history([_reading(d) for d in taken]),
                }
            )
            for g, taken in zip(goals, readings, strict=True)
        ]
        return sorted(built, key=goal_order)

    async def _goal(self, r: Relationship, goal_id: str) -> Goal:
        found = await self._goals(r, goal_id)
        if not found:
            raise NotFoundError(f"no goal {goal_id!r} in the action plan of {r.id!r}")
        return found[0]

    async def _grow_notes(self, r: Relationship) -> list[GrowNoteView]:
        found = await self._numbered.walk(
            self._home(r, GROW), grow_notes_of(r.id), shown=kept_by("relationship_id", r.id)
        )
        notes = map(_grow, found)
        return sorted(notes, key=lambda n: (n.written_at, n.id), reverse=True)

    async def oskar_history(
        self, caller: Principal, rel_id: str, goal_id: str
    ) -> list[OskarReading]:
        """A goal's OSKAR readings over time, oldest first."""
        r = await self._relationships.for_oversight(caller, rel_id)
        return (await self._goal(r, goal_id)).oskar

    async def grow_notes(self, caller: Principal, rel_id: str) -> list[GrowNoteView]:
        """The GROW notes, newest first."""
        r = await self._relationships.for_oversight(caller, rel_id)
        return await self._grow_notes(r)

    # --- writing: the sheet ----------------------------------------------------------------

    async def revise(self, caller: Principal, rel_id: str, change: PlanSheetChange) -> ActionPlan:
        """Either party changes fields of the sheet (each field remembers its writer)."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        collection = self._home(r, PLANS)
        current = _sheet(await collection.find_one({"_id": plan_document_id(r.id)}))
        revised, changed = revise_sheet(current, change)
        values = revised.model_dump(mode="json")
        empty = PlanSheet().model_dump(mode="json")
        now = clock.now()
        update: Document = {
            "$set": {"updated_at": now},
            "$setOnInsert": {"relationship_id": r.id, "programme_id": r.programme_id},
        }
        for name in changed:
            if values[name] == empty[name]:  # emptied: nobody's writing any more
                update.setdefault("$unset", {}).update({name: "", f"written_by.{name}": ""})
            else:
                update["$set"].update({name: values[name], f"written_by.{name}": caller.subject})
        try:
            await collection.update_one({"_id": plan_document_id(r.id)}, update, upsert=True)
        except DuplicateKeyError:  # both parties wrote the first field at once: now it exists
            await collection.update_one({"_id": plan_document_id(r.id)}, update)
        return await self._plan(r)

    # --- writing: goals ----------------------------------------------------------------------

    async def add_goal(self, caller: Principal, rel_id: str, draft: GoalDraft) -> Goal:
        """Either party adds a goal; it gets a stable id."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        check_priority(draft.term, draft.priority)
        check_direction(r, draft.direction)
        collection = self._home(r, GOALS)
        of_r = kept_by("relationship_id", r.id)
        check_room(len(await self._numbered.walk(collection, goals_of(r.id), shown=of_r)))

        async def write(goal_id: str, _number: int) -> Goal:
            goal = Goal(
                id=goal_id,
                relationship_id=r.id,
                programme_id=r.programme_id,
                term=draft.term,
                text=draft.text,
                priority=draft.priority,
                direction=draft.direction,
                written_by=caller.subject,
                written_at=clock.now(),
            )
            document = goal.model_dump(mode="python", exclude={"id", "oskar"})
            await collection.insert_one({"_id": goal.id, **document, "term": goal.term.value})
            return goal

        return await self._numbered.take(collection, goals_of(r.id), write)

    async def change_goal(
        self, caller: Principal, rel_id: str, goal_id: str, change: GoalChange
    ) -> Goal:
        """Either party changes a goal's text or priority."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        goal = await self._goal(r, goal_id)
        fields = check_goal_change(goal, change)
        await self._outbox.update(
            self._home(r, GOALS),
            goal.id,
            {"$set": {**fields, "edited_by": caller.subject, "edited_at": clock.now()}},
            [],
            condition={"relationship_id": r.id},
        )
        return await self._goal(r, goal_id)

    async def achieve(self, caller: Principal, rel_id: str, goal_id: str) -> Goal:
        """Either party marks a goal achieved → `goal.achieved`, once (again: 409)."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        goal = await self._goal(r, goal_id)
        check_achievable(goal)
        now = clock.now()
        achieved = GoalAchieved(
            relationship_id=r.id,
            programme_id=r.programme_id,
            goal_id=goal.id,
            term=goal.term.value,
            achieved_at=now,
        )
        result = await self._outbox.update(
            self._home(r, GOALS),
            goal.id,
            {"$set": {"achieved_at": now, "achieved_by": caller.subject}},
            [self._relationships.event(r, achieved)],
            condition={"relationship_id": r.id, "achieved_at": None},
        )
        if not result.matched_count:
            raise GoalAchievedAlreadyError(f"goal {goal.id!r} was marked achieved meanwhile")
        return await self._goal(r, goal_id)

    async def scale(self, caller: Principal, rel_id: str, goal_id: str, scale: int) -> OskarReading:
        """Either party records where the mentee stands on the OSKAR scale for a goal
        → `action_plan.oskar_scaled` (the number only)."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        goal = await self._goal(r, goal_id)
        now = clock.now()
        scaled = OskarScaled(
            relationship_id=r.id,
            programme_id=r.programme_id,
            goal_id=goal.id,
            scale=scale,
            recorded_at=now,
        )

        async def write(reading_id: str, _number: int) -> OskarReading:
            reading = OskarReading(
                id=reading_id,
                goal_id=goal.id,
                scale=scale,
                recorded_by=caller.subject,
                recorded_at=now,
            )
            await self._outbox.insert(
                self._home(r, OSKAR),
                {
                    "_id": reading.id,
                    **reading.model_dump(exclude={"id"}),
                    "relationship_id": r.id,
                    "programme_id": r.programme_id,
                },
                [self._relationships.event(r, scaled)],
            )
            return reading

        return await self._numbered.take(self._home(r, OSKAR), readings_of(goal.id), write)

    # --- writing: GROW ---------------------------------------------------------------------

    async def add_grow(self, caller: Principal, rel_id: str, draft: GrowDraft) -> GrowNoteView:
        """Either party records a GROW conversation and its commitment rating
        → `action_plan.commitment_rated` (the rating only)."""
        r = await self._relationships.for_party(caller, rel_id)
        check_active(r)
        if draft.goal_id is not None and not await self._goals(r, draft.goal_id):
            raise PlanRuleError(f"goal_id {draft.goal_id!r} is not a goal of this action plan")
        now = clock.now()
        rated = CommitmentRated(
            relationship_id=r.id,
            programme_id=r.programme_id,
            rating=draft.commitment,
            rated_at=now,
        )

        async def write(note_id: str, _number: int) -> GrowNote:
            note = GrowNote(
                **draft.model_dump(),
                id=note_id,
                relationship_id=r.id,
                programme_id=r.programme_id,
                written_by=caller.subject,
                written_at=now,
            )
            await self._outbox.insert(
                self._home(r, GROW),
                {"_id": note.id, **note.model_dump(exclude={"id"})},
                [self._relationships.event(r, rated)],
            )
            return note

        return GrowNoteView.of(
            await self._numbered.take(self._home(r, GROW), grow_notes_of(r.id), write)
        )

    # --- erasure -----------------------------------------------------------------------------

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Remove what `member_id` wrote in any plan — goals (with their readings), OSKAR
        readings, GROW notes, sheet fields — and show them as FORMER_MEMBER where entries
        others wrote name them. Idempotent: a second run finds nothing to change."""
        for home in (self._data.network, partial(self._data.system_organisation, organisation_id)):
            await self._erase_from(member_id, home(PLANS), home(GOALS), home(OSKAR), home(GROW))

    async def _erase_from(
        self,
        member_id: str,
        plans: AsyncCollection[Document],
        goals: AsyncCollection[Document],
        oskar: AsyncCollection[Document],
        grow: AsyncCollection[Document],
    ) -> None:
        written = await goals.find({"written_by": member_id}, projection=_KEPT).to_list()
        goal_ids = [g["_id"] for g in written]
        if goal_ids:
            # Readings before goals: a crash in between leaves goals that the next run finds.
            await blank(oskar, {"goal_id": {"$in": goal_ids}}, keep=_KEPT)
            await grow.update_many({"goal_id": {"$in": goal_ids}}, {"$set": {"goal_id": None}})
            await blank(goals, {"_id": {"$in": goal_ids}}, keep=_KEPT)
        await blank(oskar, {"recorded_by": member_id}, keep=_KEPT)
        await blank(grow, {"written_by": member_id}, keep=_KEPT)
        for field in ("edited_by", "achieved_by"):
            await goals.update_many({field: member_id}, {"$set": {field: FORMER_MEMBER}})
        query = {"$or": [{f"written_by.{name}": member_id} for name in SHEET_FIELDS]}
        for document in await plans.find(query).to_list():
            theirs = [n for n, by in document.get("written_by", {}).items() if by == member_id]
            unset = {name: "" for name in theirs} | {f"written_by.{n}": "" for n in theirs}
            await plans.update_one({"_id": document["_id"]}, {"$unset": unset})
        if goal_ids:
            log.info("action plan goals erased", goals=len(goal_ids))


# What is left of a record blanked by erasure: where it sits, nothing of what it said.
_KEPT = ["relationship_id", "programme_id"]
