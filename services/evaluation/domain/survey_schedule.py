"""When a programme's surveys are due (e.g. 4 weeks after a relationship starts, every 8 weeks,
at the end; the SSSC guidance, seed 002, checklist 4: "decide how often this is done").

Each schedule entry names a template and a timing. An occasion is one due date of one entry
for one relationship; its key is derived from the entry's meaning (not its position), so
re-saving or reordering a schedule never sends the same occasion twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.evaluation.domain.built_in_surveys import MENTEE_END, MENTOR_END, PULSE
from services.evaluation.domain.monitoring import Party
from services.evaluation.domain.questions import TEMPLATE_ID, SurveyKind


class Timing(StrEnum):
    """When an entry's survey is due, counted from the relationship's start or end."""

    AFTER_START = "after_start"  # once, `weeks` after the start
    EVERY = "every"  # every `weeks` while the relationship lasts
    AT_END = "at_end"  # once, when the relationship ends (early or at its close)


class ScheduleEntry(BaseModel):
    """One template at one timing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template_id: str = Field(pattern=TEMPLATE_ID, examples=["tpl_pulse"])
    when: Timing = Field(examples=["after_start"])
    weeks: int | None = Field(
        default=None, ge=1, le=104, examples=[4], description="after_start and every only"
    )

    @model_validator(mode="after")
    def _weeks_where_needed(self) -> Self:
        if self.when is Timing.AT_END and self.weeks is not None:
            raise ValueError("an at_end entry takes no weeks")
        if self.when is not Timing.AT_END and self.weeks is None:
            raise ValueError(f"a {self.when.value} entry needs weeks")
        return self

    @property
    def key(self) -> str:
        """What the entry means, independent of where it sits in the schedule."""
        return f"{self.template_id}:{self.when.value}:{self.weeks or 0}"


class SurveySchedule(BaseModel):
    """A programme's survey schedule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: list[ScheduleEntry] = Field(
        max_length=12,
        examples=[
            [
                {"template_id": "tpl_pulse", "when": "after_start", "weeks": 4},
                {"template_id": "tpl_pulse", "when": "every", "weeks": 8},
                {"template_id": "tpl_mentor_end", "when": "at_end"},
                {"template_id": "tpl_mentee_end", "when": "at_end"},
            ]
        ],
    )
    open_days: int = Field(
        default=21, ge=3, le=90, examples=[21], description="how long each survey stays open"
    )
    remind_after_days: int = Field(
        default=7,
        ge=1,
        le=60,
        examples=[7],
        description="one gentle reminder this long after a survey opens, if still unanswered",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        keys = [e.key for e in self.entries]
        if len(set(keys)) != len(keys):
            raise ValueError("an entry is listed twice")
        if self.remind_after_days >= self.open_days:
            raise ValueError("the reminder must come before the survey closes")
        return self


DEFAULT_SCHEDULE = SurveySchedule(
    entries=[
        ScheduleEntry(template_id=PULSE, when=Timing.AFTER_START, weeks=4),
        ScheduleEntry(template_id=PULSE, when=Timing.EVERY, weeks=8),
        ScheduleEntry(template_id=MENTOR_END, when=Timing.AT_END),
        ScheduleEntry(template_id=MENTEE_END, when=Timing.AT_END),
    ]
)


@dataclass(frozen=True)
class Occasion:
    """One survey due for one relationship: open from `opens_at` until `closes_at`."""

    template_id: str
    key: str
    opens_at: datetime
    closes_at: datetime

    def is_open(self, now: datetime) -> bool:
        """Answerable at `now`."""
        return self.opens_at <= now < self.closes_at


def open_occasions(
    schedule: SurveySchedule, started_at: datetime, ended_at: datetime | None, now: datetime
) -> list[Occasion]:
    """The occasions of a relationship that are open at `now`. Occasions whose window has
    passed are not returned (a survey is never sent already closed), nor are periodic ones
    after the relationship ended."""
    window = timedelta(days=schedule.open_days)
    found: list[Occasion] = []

    def consider(entry: ScheduleEntry, suffix: str, opens_at: datetime) -> None:
        occasion = Occasion(entry.template_id, f"{entry.key}{suffix}", opens_at, opens_at + window)
        if occasion.is_open(now):
            found.append(occasion)

    last = now if ended_at is None else min(now, ended_at)
    for entry in schedule.entries:
        if entry.when is Timing.AT_END:
            if ended_at is not None:
                consider(entry, "", ended_at)
            continue
        assert entry.weeks is not None  # the model's validator guarantees it
        step = timedelta(weeks=entry.weeks)
        if entry.when is Timing.AFTER_START:
            if started_at + step <= last:
                consider(entry, "", started_at + step)
            continue
        # Every `weeks`: only the latest few can still be open, so start there.
        count = int((last - started_at) / step) if last >= started_at else 0
        first = max(1, count - int(window / step) - 1)
        for n in range(first, count + 1):
            consider(entry, f"#{n}", started_at + n * step)
    return found


def respondents(kind: SurveyKind, parties: list[Party]) -> list[Party]:
    """Who answers a survey of `kind`: mentors, mentees, or every party (pulse); never an
    erased member."""
    wanted = {SurveyKind.MENTOR: {"mentor"}, SurveyKind.MENTEE: {"mentee"}}.get(
        kind, {"mentor", "mentee"}
    )
    return [p for p in parties if p.role in wanted and p.present]


def survey_id(relationship_id: str, occasion: Occasion, member_id: str) -> str:
    """One survey per relationship, occasion and respondent, however often it is considered."""
    raw = f"{relationship_id}|{occasion.key}|{member_id}"
    return "srv_" + hashlib.sha256(raw.encode()).hexdigest()[:16]
