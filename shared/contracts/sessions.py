"""Events the sessions service publishes (topic `<prefix>.sessions`).

They say that something happened in a relationship and to whom it belongs; never what the
parties wrote (no agreement text, no free-text reasons).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events.catalogue import catalogue
from shared.events.envelope import EventData


@catalogue.register
class RelationshipStarted(EventData):
    """A mentoring relationship started from an accepted match (phase: building rapport)."""

    event_type: ClassVar[str] = "relationship.started"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    proposal_id: str = Field(examples=["prp_9a8b7c6d5e4f3a2b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    started_at: datetime
    model: str = Field(
        default="one_to_one",
        examples=["one_to_one"],
        description="the programme's model; in a group relationship (group, two_by_two, team) "
        "one event per mentee who joins it, all with the same relationship id",
    )


@catalogue.register
class AgreementSigned(EventData):
    """Every party signed a version of the relationship's agreement: it is in force.
    No agreement text."""

    event_type: ClassVar[str] = "agreement.signed"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    version: int = Field(ge=1, examples=[2])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    signed_at: datetime


@catalogue.register
class RelationshipEnded(EventData):
    """A relationship ended, early (no blame) or at its close; the reason is a code, never
    free text, and a rematch may be requested."""

    event_type: ClassVar[str] = "relationship.ended"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    mentee_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    mentee_organisation_id: str = Field(examples=["org_0a1b2c3d4e5f"])
    mentor_id: str = Field(examples=["mem_0c1d2e3f4a5b6c7d"])
    mentor_organisation_id: str = Field(examples=["org_3f9a1c2b7d4e"])
    ended_by: str = Field(examples=["mentee"], description="mentee or mentor")
    ended_early: bool
    reason: str = Field(examples=["goals_achieved"], description="a reason code")
    rematch_requested: bool
    ended_at: datetime


@catalogue.register
class RelationshipPhaseChanged(EventData):
    """A relationship moved forwards in its lifecycle (seed 002, Resource 17)."""

    event_type: ClassVar[str] = "relationship.phase_changed"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    phase: str = Field(examples=["setting_direction"])
    changed_at: datetime


@catalogue.register
class MeetingHeld(EventData):
    """A relationship's meeting took place: when, how long and which method; nothing else
    (no location, no notes)."""

    event_type: ClassVar[str] = "meeting.held"
    source: ClassVar[str] = "sessions"

    meeting_id: str = Field(examples=["meeting:rel_4edaa8818d218819:0000000003"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    held_at: datetime
    minutes: int = Field(ge=1, examples=[60])
    method: str = Field(
        examples=["video"], description="face_to_face, telephone, video, messaging or other"
    )


@catalogue.register
class MeetingLogWritten(EventData):
    """A party wrote (or changed) a meeting log. Only that it happened: no log text."""

    event_type: ClassVar[str] = "meeting_log.written"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    written_at: datetime


@catalogue.register
class CommitmentRated(EventData):
    """A GROW conversation's way forward was rated for commitment (1-10). No goal text."""

    event_type: ClassVar[str] = "action_plan.commitment_rated"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    rating: int = Field(ge=1, le=10, examples=[8])
    rated_at: datetime


@catalogue.register
class OskarScaled(EventData):
    """A mentee placed themselves on the OSKAR scale (0-10) for a goal. No goal text."""

    event_type: ClassVar[str] = "action_plan.oskar_scaled"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    goal_id: str = Field(examples=["gol_0a1b2c3d4e5f6a7b"])
    scale: int = Field(ge=0, le=10, examples=[6])
    recorded_at: datetime


@catalogue.register
class GoalAchieved(EventData):
    """A goal of the relationship's action plan was marked achieved. No goal text."""

    event_type: ClassVar[str] = "goal.achieved"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    goal_id: str = Field(examples=["gol_0a1b2c3d4e5f6a7b"])
    term: str = Field(examples=["short"], description="long or short")
    achieved_at: datetime


@catalogue.register
class MessagePosted(EventData):
    """Someone wrote in a relationship's or a circle's thread. Only that it happened, where,
    which number it took and who wrote it: never the text."""

    event_type: ClassVar[str] = "message.posted"
    source: ClassVar[str] = "sessions"

    thread_kind: str = Field(examples=["relationship"], description="relationship or circle")
    thread_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    posted_at: datetime
    # Added later with defaults, so events published before them still read: who to tell
    # (everyone in the thread but the author) and what a read marker covers.
    author_id: str | None = Field(
        default=None, examples=["mem_4b1f0c9e2d7a6b35"], description="who wrote it"
    )
    number: int | None = Field(
        default=None, ge=1, examples=[12], description="its number in the thread (1, 2, 3 ...)"
    )


@catalogue.register
class CircleSessionHeld(EventData):
    """A circle met: the format, how long and when; never the notes."""

    event_type: ClassVar[str] = "circle.session_held"
    source: ClassVar[str] = "sessions"

    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    format: str = Field(
        examples=["good_news_analysis"],
        description="good_news_analysis, critical_incident or veridical_report",
    )
    held_at: datetime
    minutes: int = Field(ge=1, examples=[90])
    attendees: int = Field(ge=0, examples=[6])


@catalogue.register
class CircleConcernRaised(EventData):
    """A member raised a concern about a circle with the programme's co-ordinators (seed 001,
    "What can go wrong?"). Only that one was raised: never its text, its signs, or who raised
    it; the co-ordinators read it in the sessions service. A concern raised with a session's
    facilitator publishes nothing."""

    event_type: ClassVar[str] = "circle.concern_raised"
    source: ClassVar[str] = "sessions"

    concern_id: str = Field(examples=["con_9f8e7d6c5b4a3f2e"])
    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    raised_at: datetime


class _MeetingFacts(EventData):
    """What a calendar needs of a planned meeting: when, in which zone, how long, how, and
    which version of it (the calendar's SEQUENCE). Never the location (a party's free text)."""

    meeting_id: str = Field(examples=["meeting:rel_4edaa8818d218819:0000000003"])
    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    starts_at: datetime = Field(description="the start, in UTC")
    time_zone: str | None = Field(
        default=None,
        examples=["Europe/London"],
        description="the IANA zone the parties meet in; none if only an offset was given",
    )
    minutes: int = Field(ge=1, examples=[60])
    method: str = Field(
        examples=["video"], description="face_to_face, telephone, video, messaging or other"
    )
    revision: int = Field(
        ge=0, examples=[0], description="how often it was moved: the calendar event's SEQUENCE"
    )


@catalogue.register
class MeetingPlanned(_MeetingFacts):
    """A party planned a meeting of a relationship: when, in which zone, how long, how. No
    location, no notes."""

    event_type: ClassVar[str] = "meeting.planned"
    source: ClassVar[str] = "sessions"

    planned_at: datetime


@catalogue.register
class MeetingRescheduled(_MeetingFacts):
    """A party moved a planned meeting or changed its length or method; `revision` went up.
    No location, no notes."""

    event_type: ClassVar[str] = "meeting.rescheduled"
    source: ClassVar[str] = "sessions"

    rescheduled_at: datetime


@catalogue.register
class MeetingCancelled(_MeetingFacts):
    """A party cancelled a planned meeting (it will not take place)."""

    event_type: ClassVar[str] = "meeting.cancelled"
    source: ClassVar[str] = "sessions"

    cancelled_at: datetime


@catalogue.register
class AgreementDrafted(EventData):
    """A party wrote a new version of the relationship's agreement: every party is asked to
    sign it. No agreement text."""

    event_type: ClassVar[str] = "agreement.drafted"
    source: ClassVar[str] = "sessions"

    relationship_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    version: int = Field(ge=1, examples=[2])
    drafted_by: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    drafted_at: datetime


@catalogue.register
class MessagesRead(EventData):
    """A participant read a thread up to a message (their read marker moved forwards). Only
    the number: no text."""

    event_type: ClassVar[str] = "messages.read"
    source: ClassVar[str] = "sessions"

    thread_kind: str = Field(examples=["relationship"], description="relationship or circle")
    thread_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    member_id: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    last_read: int = Field(ge=0, examples=[12])
    read_at: datetime
