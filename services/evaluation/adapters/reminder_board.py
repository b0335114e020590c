"""Reminders a person sees (`GET /members/me/reminders`), in their own organisation's
database: gentle nudges about meetings and one reminder per unanswered survey.

Each reminder's id derives from the person, the topic and the episode, so the sweep and the
events can consider it as often as they like and it is recorded once. A survey reminder goes
out of sight once the survey is answered or closed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from services.evaluation.adapters.survey_collections import RESPONDENTS
from services.evaluation.domain.reminders import ReminderTopic
from shared.auth.principal import CallerKind, Principal
from shared.mongo.databases import Document
from shared.mongo.effects import insert_once
from shared.tenancy import TenantData

REMINDERS = "reminders"
SHOWN = 20  # the newest few; older ones have done their job
# A nudge about meeting is shown for two weeks: after that it is stale (they may have met).
NUDGE_SHOWN_FOR = timedelta(days=14)


class Reminder(BaseModel):
    """A reminder as its reader sees it."""

    id: str = Field(examples=["rmd_1a2b3c4d5e6f7a8b"])
    topic: ReminderTopic = Field(examples=["next_meeting"])
    text: str = Field(
        examples=["It's been a while since you last met — how about planning your next meeting?"]
    )
    created_at: datetime = Field(examples=["2027-03-29T10:00:00Z"])
    survey_id: str | None = Field(default=None, examples=["srv_1a2b3c4d5e6f7a8b"])


class ReminderBoard:
    """Recording reminders (no caller) and showing a person their own."""

    def __init__(self, data: TenantData, clock: Callable[[], datetime]) -> None:
        self._data = data
        self._clock = clock

    async def record(self, organisation_id: str, reminders: Sequence[Document]) -> int:
        """Record reminders for members of one organisation; returns how many were new."""
        return await insert_once(
            self._data.system_organisation(organisation_id, REMINDERS), reminders
        )

    async def mine(self, caller: Principal) -> list[Reminder]:
        """The caller's own reminders, newest first; a survey's reminder only while the survey
        is open and unanswered."""
        if caller.kind is not CallerKind.MEMBER:
            return []
        now = self._clock()
        found = (
            await self._data.own(caller, REMINDERS).find({"member_id": caller.subject}).to_list()
        )
        surveys = [d["survey_id"] for d in found if d.get("survey_id")]
        answered = (
            {
                d["_id"]
                async for d in self._data.own(caller, RESPONDENTS).find(
                    {"_id": {"$in": surveys}}, projection={"_id": 1}
                )
            }
            if surveys
            else set()
        )
        shown = [
            d
            for d in found
            if (
                d["survey_id"] not in answered and d["closes_at"] > now
                if d.get("survey_id")
                else d["created_at"] > now - NUDGE_SHOWN_FOR
            )
        ]
        shown.sort(key=lambda d: (d["created_at"], d["_id"]), reverse=True)
        return [Reminder.model_validate({**d, "id": d["_id"]}) for d in shown[:SHOWN]]

    async def forget(self, organisation_id: str, member_id: str) -> None:
        """An erased member's reminders go."""
        await self._data.system_organisation(organisation_id, REMINDERS).delete_many(
            {"member_id": member_id}
        )
