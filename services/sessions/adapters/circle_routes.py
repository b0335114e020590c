"""Peer circles over HTTP (seed 001): the circle and its contract, its sessions on the
cadence with a rotating facilitator, and session notes for the circle only.

Members act; the programme's co-ordinators read the circle and its schedule; session notes
are the members' only. Everyone else gets 404, as for a circle that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from services.sessions.adapters.circle_session_store import CircleSessionStore
from services.sessions.adapters.circle_store import CircleStore
from services.sessions.domain.circle_sessions import (
    MAX_NOTE_CHARS,
    CircleNote,
    CircleSession,
    SessionFormat,
    Step,
    StepTiming,
)
from services.sessions.domain.circles import (
    CONTRACT,
    MAX_MEMBERS,
    Circle,
    awaiting_acceptance,
    contract_version,
)
from services.sessions.domain.feedback import BoostFeedback
from shared.auth.http import Caller
from shared.errors import NotFoundError
from shared.http.errors import AUTH_REFUSALS, Problem

router = APIRouter(tags=["circles"])


async def _circles(request: Request) -> CircleStore:
    store: CircleStore = request.app.state.circles
    return store


async def _sessions(request: Request) -> CircleSessionStore:
    store: CircleSessionStore = request.app.state.circle_sessions
    return store


Circles = Annotated[CircleStore, Depends(_circles)]
Sessions = Annotated[CircleSessionStore, Depends(_sessions)]
# Lenient on purpose: an id that is not one is answered like an unknown one (404), never 422.
CircleId = Annotated[str, Path(max_length=200, examples=["cir_1a2b3c4d5e6f7a8b"])]
SessionId = Annotated[
    str, Path(max_length=200, examples=["circle-session:cir_3f2e1d0c9b8a:0000000002"])
]
MemberId = Annotated[str, Path(max_length=200, examples=["me"])]

CONFLICTS = {
    **AUTH_REFUSALS,
    409: {
        "model": Problem,
        "description": "not now: the contract is not accepted by every member yet, the "
        "session is already held, too many are arranged, or it was accepted already",
    },
}
RULES = {
    **CONFLICTS,
    422: {
        "model": Problem,
        "description": "against a rule: length outside the programme's bounds, step timings "
        "out of range, a time in the past (arranging) or the future (holding), attendees "
        "who are not members",
    },
}


class CircleView(BaseModel):
    """A circle, its contract (seed 001, "Contracting for Mentoring Groups") and who
    accepted it."""

    circle: Circle
    contract: list[str] = Field(examples=[list(CONTRACT)])
    contract_version: str = Field(examples=["3f9a1c2b7d4e"])
    accepted_by: dict[str, datetime] = Field(description="member id → when they accepted")
    awaiting_acceptance: list[str] = Field(description="members who have not accepted yet")
    ready: bool = Field(description="every member accepted: sessions can be arranged")


class Acceptance(BaseModel):
    """Accepting the contract, by choice (joining in is voluntary, seed 001)."""

    model_config = ConfigDict(extra="forbid")

    accept: Literal[True] = Field(examples=[True], description="I accept the circle's contract")
    contract_version: str | None = Field(
        default=None,
        max_length=40,
        examples=[None],
        description="the version read (optional): refused if the wording changed since",
    )


class SessionRequest(BaseModel):
    """Arranging the circle's next session."""

    model_config = ConfigDict(extra="forbid")

    format: SessionFormat = Field(examples=["critical_incident"])
    minutes: int = Field(
        ge=1, le=1440, examples=[90], description="planned length, within the programme's"
    )
    starts_at: AwareDatetime | None = Field(
        default=None,
        examples=[None],
        description="when (with a time zone); left out: the next date on the circle's cadence",
    )
    timings: list[StepTiming] | None = Field(
        default=None,
        max_length=10,
        examples=[None],
        description="critical_incident only: minutes for presentation, clarifying_questions, "
        "peer_feedback, positive_feedback, response, in that order (left out: 10/5/20/5/5)",
    )


class HeldRequest(BaseModel):
    """Marking a session held: when it took place, how long, who came."""

    model_config = ConfigDict(extra="forbid")

    held_at: AwareDatetime = Field(examples=["2026-03-03T17:30:00+00:00"])
    minutes: int = Field(ge=1, le=1440, examples=[90])
    attendees: list[str] = Field(
        max_length=MAX_MEMBERS,
        examples=[["mem_4b1f0c9e2d7a6b35", "mem_0c1d2e3f4a5b6c7d"]],
        description="member ids of the members who came",
    )


class NoteRequest(BaseModel):
    """A note on a session: for the circle's members only, never in any event. In the peer
    feedback or positive feedback step of a critical-incident session it may carry BOOST
    feedback (seed 000), and then the text may be left empty."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(
        default="",
        max_length=MAX_NOTE_CHARS,
        examples=["What stood out: naming the dilemma early helped."],
    )
    step: Step | None = Field(
        default=None, examples=[None], description="peer_feedback or positive_feedback"
    )
    feedback: BoostFeedback | None = Field(default=None, examples=[None])

    @model_validator(mode="after")
    def _says_something(self) -> NoteRequest:
        """A note has text, or BOOST feedback with at least one letter answered."""
        if not self.text and not (self.feedback and self.feedback.covers):
            raise ValueError("write the note's text, or answer at least one BOOST prompt")
        return self


class Rota(BaseModel):
    """Who facilitated (or will facilitate) each session, and who is next in the rotation."""

    sessions: list[CircleSession]
    next_facilitator: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])


async def _view(store: CircleStore, circle: Circle) -> CircleView:
    accepted = await store.accepted(circle)
    awaiting = awaiting_acceptance(circle, set(accepted))
    return CircleView(
        circle=circle,
        contract=list(CONTRACT),
        contract_version=contract_version(),
        accepted_by=accepted,
        awaiting_acceptance=awaiting,
        ready=not awaiting,
    )


@router.get(
    "/members/{member_id}/circles",
    summary="A member's own circles (`me`, or the caller's own member id)",
    responses=AUTH_REFUSALS,
)
async def my_circles(member_id: MemberId, caller: Caller, circles: Circles) -> list[Circle]:
    """Circles the caller is a member of, oldest first; anyone else's list is a 404."""
    if member_id not in ("me", caller.subject):
        raise NotFoundError(f"no member {member_id!r} whose circles you can see")
    return await circles.mine(caller)


@router.get(
    "/circles/{circle_id}",
    summary="A circle, its contract and who accepted it (members; the programme's co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def circle(circle_id: CircleId, caller: Caller, circles: Circles) -> CircleView:
    """Anyone else gets 404."""
    return await _view(circles, await circles.for_oversight(caller, circle_id))


@router.post(
    "/circles/{circle_id}/contract/acceptances",
    summary="Accept the circle's contract (each member, once, before the first session)",
    status_code=status.HTTP_201_CREATED,
    responses=CONFLICTS,
)
async def accept_contract(
    circle_id: CircleId, body: Acceptance, caller: Caller, circles: Circles
) -> CircleView:
    """Sessions can be arranged once every member has accepted."""
    accepted = await circles.accept(caller, circle_id, body.contract_version)
    return await _view(circles, accepted)


@router.get(
    "/circles/{circle_id}/sessions",
    summary="The circle's sessions, first first (members; the programme's co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def circle_sessions(
    circle_id: CircleId, caller: Caller, sessions: Sessions
) -> list[CircleSession]:
    """Formats, dates, facilitators and, once held, length and attendance; never notes."""
    return await sessions.schedule(caller, circle_id)


@router.post(
    "/circles/{circle_id}/sessions",
    summary="Arrange the circle's next session (a member; once every member accepted the contract)",
    status_code=status.HTTP_201_CREATED,
    responses=RULES,
)
async def arrange_session(
    circle_id: CircleId, body: SessionRequest, caller: Caller, sessions: Sessions
) -> CircleSession:
    """On the circle's cadence unless `starts_at` says a later time; the facilitator is the
    next member in the rotation."""
    return await sessions.arrange(
        caller, circle_id, body.format, body.minutes, body.starts_at, body.timings
    )


@router.get(
    "/circles/{circle_id}/rota",
    summary="The facilitator rota: each session's facilitator and who is next",
    responses=AUTH_REFUSALS,
)
async def rota(circle_id: CircleId, caller: Caller, sessions: Sessions) -> Rota:
    """Fewest turns first, never twice in a row, then the circle's order."""
    listed, upcoming = await sessions.rota(caller, circle_id)
    return Rota(sessions=listed, next_facilitator=upcoming)


@router.get(
    "/circles/{circle_id}/sessions/{session_id}",
    summary="One session of the circle (members; the programme's co-ordinators)",
    responses=AUTH_REFUSALS,
)
async def circle_session(
    circle_id: CircleId, session_id: SessionId, caller: Caller, sessions: Sessions
) -> CircleSession:
    """Anyone else gets 404."""
    return await sessions.one(caller, circle_id, session_id)


@router.post(
    "/circles/{circle_id}/sessions/{session_id}/held",
    summary="Mark a session held (a member): publishes `circle.session_held`",
    responses=RULES,
)
async def hold_session(
    circle_id: CircleId,
    session_id: SessionId,
    body: HeldRequest,
    caller: Caller,
    sessions: Sessions,
) -> CircleSession:
    """The event carries the format, minutes, number of attendees and when; never notes."""
    return await sessions.hold(
        caller, circle_id, session_id, body.held_at, body.minutes, body.attendees
    )


@router.get(
    "/circles/{circle_id}/sessions/{session_id}/notes",
    summary="A session's notes, oldest first (the circle's members only)",
    responses=AUTH_REFUSALS,
)
async def session_notes(
    circle_id: CircleId, session_id: SessionId, caller: Caller, sessions: Sessions
) -> list[CircleNote]:
    """Everyone else, the programme's co-ordinators and admins included, gets 404."""
    return await sessions.notes(caller, circle_id, session_id)


@router.post(
    "/circles/{circle_id}/sessions/{session_id}/notes",
    summary="Write a note on a session (a member)",
    status_code=status.HTTP_201_CREATED,
    responses=CONFLICTS,
)
async def write_note(
    circle_id: CircleId,
    session_id: SessionId,
    body: NoteRequest,
    caller: Caller,
    sessions: Sessions,
) -> CircleNote:
    """At most 4000 characters; BOOST feedback only in a critical-incident session's
    peer_feedback or positive_feedback step (else 422 `feedback_step`); no event is
    published about it."""
    return await sessions.write_note(
        caller, circle_id, session_id, body.text, body.step, body.feedback
    )
