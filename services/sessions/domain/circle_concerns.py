"""When a peer group goes wrong (seed 001, 001_13834a7d60d9318f.txt, "What can go wrong?"):
the warning signs a session's facilitator watches for, and concerns a member raises in
confidence.

Seed 001 lists what goes wrong in a peer mentoring group — a chat session, advice giving,
criticism, the group gripe, gossip, dominant personalities, one person taking all the time —
and, elsewhere in the same slides, what keeps a group on course ("Contracting for Mentoring
Groups", "What's wrong with advice?", "Devil's advocate", "The 7 Habits"). The facilitator of
a session sees both beside the ground rules (`WARNING_SIGNS`).

A member who sees a sign can raise a concern in confidence with the session's facilitator or
with the programme's co-ordinators. A concern is never the circle's: only the member who
raised it and the one it was raised with read it (`may_read`). The circle itself is
confidential and "no post mortems" (seed 001), so a concern raised with the co-ordinator says
no more in any event than that one was raised; its text stays here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from shared.errors import ConflictError, DomainError

MAX_CONCERN_CHARS = 2000
MAX_CONCERNS = 50  # per member and circle: enough for any real trouble, bounded against floods


class WarningSign(StrEnum):
    """Seed 001's "What can go wrong?", in its order."""

    CHAT_SESSION = "chat_session"
    ADVICE_GIVING = "advice_giving"
    CRITICISM = "criticism"
    GROUP_GRIPE = "group_gripe"
    GOSSIP = "gossip"
    DOMINANT_PERSONALITIES = "dominant_personalities"
    ONE_PERSON_ALL_THE_TIME = "one_person_all_the_time"


class SignGuide(BaseModel):
    """A warning sign in seed 001's words, and what the same slides say helps."""

    sign: WarningSign = Field(examples=["group_gripe"])
    words: str = Field(examples=["Group gripe"])
    what_helps: str = Field(
        examples=["Turn back to the format: a story of your own, what you did, warts and all."]
    )


WARNING_SIGNS: tuple[SignGuide, ...] = (
    SignGuide(
        sign=WarningSign.CHAT_SESSION,
        words="Chat session",
        what_helps="Keep to the session's structure and its steps: make it value for time "
        "(seed 001, 'The 7 Habits').",
    ),
    SignGuide(
        sign=WarningSign.ADVICE_GIVING,
        words="Advice giving, or too solutions focussed",
        what_helps="Offer metaphors, images, perspectives, ways of starting; help the presenter "
        "review and reflect for themselves ('What's wrong with advice?').",
    ),
    SignGuide(
        sign=WarningSign.CRITICISM,
        words="Criticism or judgement",
        what_helps="Supportive and non-competitive; it is OK to make mistakes. A concern is put "
        "as 'I'm wondering about...', 'I have a concern that...' ('Devil's advocate').",
    ),
    SignGuide(
        sign=WarningSign.GROUP_GRIPE,
        words="Group gripe",
        what_helps="Bring it back to the incident and the presenter's own actions: peers tell "
        "what they did themselves, warts and all, not what others should have done.",
    ),
    SignGuide(
        sign=WarningSign.GOSSIP,
        words="Gossip",
        what_helps="Recall the contract: confidential, and no 'post mortems'; talk about the "
        "situation and your own part in it, not about people who are not here.",
    ),
    SignGuide(
        sign=WarningSign.DOMINANT_PERSONALITIES,
        words="Dominant personalities",
        what_helps="All equals: peers take turns in the peer feedback, and the presenter "
        "listens in silence, sifts and sorts.",
    ),
    SignGuide(
        sign=WarningSign.ONE_PERSON_ALL_THE_TIME,
        words="One person taking all the time",
        what_helps="Each step has its time: keep to it (the timers on the session's steps).",
    ),
)


class RaisedWith(StrEnum):
    """Whom a concern is raised with."""

    FACILITATOR = "facilitator"
    COORDINATOR = "coordinator"


class Concern(BaseModel):
    """A concern about a circle, raised in confidence: read only by whoever raised it and
    whom it was raised with."""

    id: str = Field(examples=["con_9f8e7d6c5b4a3f2e"])
    circle_id: str = Field(examples=["cir_1a2b3c4d5e6f7a8b"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    session_id: str | None = Field(
        default=None,
        examples=["circle-session:cir_3f2e1d0c9b8a:0000000002"],
        description="the session it is about (always, when raised with its facilitator)",
    )
    raised_with: RaisedWith = Field(examples=["coordinator"])
    facilitator_id: str | None = Field(
        default=None,
        examples=[None],
        description="the facilitator it was raised with ('former member' once erased)",
    )
    raised_by: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    signs: list[WarningSign] = Field(default_factory=list, examples=[["dominant_personalities"]])
    text: str = Field(max_length=MAX_CONCERN_CHARS)
    raised_at: datetime


class ConcernRecipientError(DomainError):
    """Nobody to raise the concern with that way: no session named, the facilitator is the
    one raising it, or has left the circle."""

    status = 422
    error = "concern_recipient"


def facilitator_for(session_facilitator: str | None, members: list[str], raiser: str) -> str:
    """Whom a concern raised with a session's facilitator goes to: that facilitator, who must
    still be a member and not the member raising it (`None`: no session was named)."""
    if session_facilitator is None:
        raise ConcernRecipientError(
            "name the session (session_id) whose facilitator you raise the concern with"
        )
    if session_facilitator == raiser:
        raise ConcernRecipientError(
            "you facilitate this session: raise the concern with the programme's co-ordinator"
        )
    if session_facilitator not in members:
        raise ConcernRecipientError(
            "this session's facilitator has left the circle: raise the concern with the "
            "programme's co-ordinator"
        )
    return session_facilitator


def may_read(concern: Concern, member_id: str, coordinates: bool) -> bool:
    """Who reads a concern: the member who raised it; the facilitator it was raised with; the
    programme's co-ordinators, for one raised with them. Never the rest of the circle."""
    if concern.raised_by == member_id:
        return True
    if concern.raised_with is RaisedWith.FACILITATOR:
        return concern.facilitator_id == member_id
    return coordinates


def check_concern_room(existing: int) -> None:
    """A member raises at most MAX_CONCERNS concerns in one circle."""
    if existing >= MAX_CONCERNS:
        raise ConflictError(
            f"you have raised {existing} concerns in this circle, the most it keeps; speak to "
            "the programme's co-ordinator directly"
        )
