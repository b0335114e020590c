"""The first weeks of the demo's relationships and circles, lived through the sessions
service's API by their own members.

A relationship (seed 002): the mentor drafts the agreement and every party signs it; they move
on to setting direction; a meeting held some days ago (and, in every other relationship,
another a few hours ago), each its own way of meeting; the mentee's meeting log; an action
plan with a long-term goal, short-term goals, a GROW note with a commitment rating and OSKAR
readings; a few messages both ways; then some go on to progression with a goal achieved and a
meeting planned, one ends early with a reason code (no blame) and one completes.

A circle (seed 001): every member accepts the contract; a session arranged and marked held,
with a note on it; the next one arranged on the circle's cadence; a few messages.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from deploy.localnet.demo_api import Actor, Api

METHODS = ("video", "face_to_face", "telephone", "video", "messaging")
MINUTES = (60, 75, 45, 90, 60)  # within the demo programmes' 45-90 minute bounds
PLACES = ("the café by the station", "Room 4, Harbour House", "the library's quiet room")
COMMITMENTS = (8, 6, 9, 7, 5, 8, 9)  # Resource 12: below 7 asks what would raise it
LONG_GOALS = (
    "lead my team confidently through the service redesign",
    "be ready for a senior practitioner role within a year",
    "build a professional network beyond my own organisation",
    "present our work to the board with confidence",
)
SHORT_GOALS = (
    ("chair one team meeting", "ask for feedback after each presentation"),
    ("shadow a budget review", "write a one-page plan for my first quarter"),
    ("delegate one recurring task", "block an hour a week for reflection"),
)
TOPICS = (
    ["what a good first month looks like", "how I prepare for difficult conversations"],
    ["my goals for the year", "what gets in the way of delegating"],
    ["presenting to senior leaders", "finding time to think"],
)
MESSAGES = (
    "Thanks for today - the GROW questions really helped me untangle the rota problem.",
    "Glad it helped. Try the first step before we next meet and tell me how it went.",
    "Will do. I've booked time with my team lead for Thursday.",
)
GROUP_MESSAGES = (
    "Welcome, everyone - looking forward to learning together.",
    "Thanks for the session - hearing how others handle workload was reassuring.",
    "Same here. I'll bring my draft plan next time.",
)
CIRCLE_MESSAGES = (
    "Good to meet you all. I'll bring a dilemma about rostering for next time.",
    "Thanks for listening so well today - it helped to say it out loud.",
    "Looking forward to the next one; the critical-incident format sounds useful.",
)
CIRCLE_NOTES = (
    "What stood out: naming the dilemma early helped everyone give sharper feedback.",
    "Next time keep clarifying questions shorter; the good-news story lifted the room.",
)
AGREEMENT = {
    "duration": "12 months",
    "meeting_frequency": "at least once a month, an hour to an hour and a half",
    "contact_between_meetings": "messages here between meetings; a call if something is urgent",
    "confidentiality": "what we discuss stays between us and the programme's co-ordinator",
    "mentor_responsibilities": [
        "create a safe learning environment",
        "keep to the times we agree",
    ],
    "mentee_responsibilities": [
        "keep joint records of the meetings",
        "come with a topic for each meeting",
    ],
}


@dataclass
class Tally:
    """What the demo's people did (for the progress line)."""

    relationships: int = 0
    meetings: int = 0
    logs: int = 0
    plans: int = 0
    goals_achieved: int = 0
    messages: int = 0
    ended_early: int = 0
    completed: int = 0
    circles: int = 0
    sessions_held: int = 0
    notes: int = 0

    def add(self, other: Tally) -> None:
        """Count `other` in."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _after_start(relationship: dict[str, Any], zone: str, minutes: int) -> tuple[str, date]:
    """A local start `minutes` after the relationship started (a relationship's meetings
    follow its start, which is when both parties accepted: moments ago, in the demo). Up to a
    few minutes ahead of the clock still counts as held (sessions allows for clock skew)."""
    started = datetime.fromisoformat(relationship["started_at"])
    local = (started + timedelta(minutes=minutes)).astimezone(ZoneInfo(zone))
    return local.replace(microsecond=0).isoformat(), local.date()


def _held(
    api: Api, who: Actor, base: str, zone: str, start: str, method: str, minutes: int
) -> dict[str, Any]:
    """Record a meeting as held."""
    meeting: dict[str, Any] = api.sessions(
        who,
        "POST",
        f"{base}/meetings",
        {
            "status": "held",
            "starts_at": start,
            "time_zone": zone,
            "minutes": minutes,
            "method": method,
            "location": PLACES[minutes % len(PLACES)] if method == "face_to_face" else None,
        },
    )
    return meeting


def _log(met_on: date, meeting_id: str, i: int) -> dict[str, Any]:
    """The mentee's meeting log (Resource 13)."""
    return {
        "met_on": met_on.isoformat(),
        "meeting_id": meeting_id,
        "achieved_since_last": "signed our agreement; listed what I want from the year",
        "challenges": "finding protected time; outstanding: agree priorities with my manager",
        "topics": TOPICS[i % len(TOPICS)],
        "steps": [
            {"step": "draft my action plan", "owner": "mentee"},
            {
                "step": "share a reading on giving feedback",
                "owner": "mentor",
                "resources": "the BOOST feedback notes",
            },
        ],
        "next_topic": "giving feedback to a colleague",
        "next_actions": [{"step": "try one GROW conversation with my team", "owner": "mentee"}],
        "next_meeting_on": (met_on + timedelta(days=28)).isoformat(),
    }


def _plan(api: Api, mentee: Actor, mentor: Actor, base: str, i: int) -> tuple[str, str]:
    """The action plan (Resources 12, 15, 16); returns the long-term and first short-term
    goals' ids."""
    plan = f"{base}/action-plan"
    today = date.today()
    api.sessions(
        mentee,
        "PATCH",
        plan,
        {
            "to_learn": "how to lead through change without losing the team's trust",
            "timescales": "first review in two months",
            "milestones": ["lead one team meeting", "present at the quarterly review"],
            "success_criteria": "my team asks me to lead the next review",
            "starts_on": str(today - timedelta(days=14)),
            "completes_on": str(today + timedelta(days=300)),
            "review_dates": [str(today + timedelta(days=60)), str(today + timedelta(days=150))],
        },
    )
    long = api.sessions(
        mentee, "POST", f"{plan}/goals", {"term": "long", "text": LONG_GOALS[i % len(LONG_GOALS)]}
    )["id"]
    first, second = SHORT_GOALS[i % len(SHORT_GOALS)]
    short = api.sessions(
        mentor, "POST", f"{plan}/goals", {"term": "short", "text": first, "priority": 1}
    )["id"]
    api.sessions(mentee, "POST", f"{plan}/goals", {"term": "short", "text": second, "priority": 2})
    api.sessions(
        mentee,
        "POST",
        f"{plan}/grow",
        {
            "goal_id": long,
            "goal": "feel ready to lead the team through the redesign",
            "reality": "I have led two small changes; the big one feels daunting",
            "options": "co-lead with a peer first; practise the briefing with my mentor",
            "way_forward": "co-lead next month's briefing",
            "commitment": COMMITMENTS[i % len(COMMITMENTS)],
        },
    )
    api.sessions(mentee, "POST", f"{plan}/goals/{long}/oskar", {"scale": 3 + i % 3})
    api.sessions(mentee, "POST", f"{plan}/goals/{short}/oskar", {"scale": 4 + i % 4})
    return long, short


def _conversation(api: Api, base: str, mentor: Actor, mentees: list[Actor]) -> int:
    """A few messages both ways; returns how many."""
    if len(mentees) == 1:
        turns = [mentees[0], mentor, mentees[0]]
        texts = MESSAGES
    else:
        turns = [mentor, *mentees[:2]]
        texts = GROUP_MESSAGES
    for n, (who, text) in enumerate(zip(turns, texts, strict=True)):
        body: dict[str, Any] = {"text": text}
        if n:
            body["reply_to"] = n
        api.sessions(who, "POST", f"{base}/messages", body)
    return len(turns)


def live_relationship(
    api: Api,
    relationship: dict[str, Any],
    people: dict[str, Actor],
    i: int,
    zone: str,
    *,
    further: bool,
    ending: str | None = None,
    completes: bool = False,
) -> Tally:
    """The relationship's first weeks (`i` varies the story): `further` ones have met twice,
    achieved a goal and moved on to progression; it ends early with the reason code `ending`,
    or completes, if asked."""
    mentor = people[relationship["mentor"]["member_id"]]
    mentees = [people[m["member_id"]] for m in relationship["mentees"]]
    mentee = mentees[0]
    base = f"/relationships/{relationship['id']}"
    tally = Tally(relationships=1, plans=1, logs=1)

    version = api.sessions(mentor, "PUT", f"{base}/agreement", AGREEMENT)["version"]
    for party in (mentor, *mentees):
        api.sessions(party, "POST", f"{base}/agreement/signatures", {"version": version})
    api.sessions(mentee, "POST", f"{base}/phase", {"phase": "setting_direction"})

    start, met_on = _after_start(relationship, zone, 1)
    first = _held(api, mentee, base, zone, start, METHODS[i % 5], MINUTES[i % 5])
    tally.meetings += 1
    api.sessions(mentee, "POST", f"{base}/logs", _log(met_on, first["id"], i))
    long, short = _plan(api, mentee, mentor, base, i)
    tally.messages += _conversation(api, base, mentor, mentees)

    if ending is not None:
        ender = mentee if i % 2 == 0 else mentor
        body = {"reason": ending, "rematch_requested": ending == "not_a_good_fit"}
        api.sessions(ender, "POST", f"{base}/end", body)
        tally.ended_early += 1
        return tally

    if further or completes:
        start, _ = _after_start(relationship, zone, 2)
        _held(api, mentor, base, zone, start, METHODS[(i + 2) % 5], MINUTES[(i + 1) % 5])
        tally.meetings += 1
        api.sessions(mentee, "POST", f"{base}/action-plan/goals/{long}/oskar", {"scale": 6 + i % 3})
        api.sessions(mentee, "POST", f"{base}/action-plan/goals/{short}/achieved")
        tally.goals_achieved += 1
        api.sessions(mentor, "POST", f"{base}/phase", {"phase": "progression"})

    if completes:
        for phase in ("winding_up", "moving_on"):
            api.sessions(mentee, "POST", f"{base}/phase", {"phase": phase})
        api.sessions(mentee, "POST", f"{base}/end", {"reason": "goals_achieved"})
        tally.completed += 1
        return tally

    ahead = (datetime.now(ZoneInfo(zone)).date() + timedelta(days=10 + i % 7)).isoformat()
    api.sessions(
        mentor,
        "POST",
        f"{base}/meetings",
        {"starts_at": f"{ahead}T11:00:00", "time_zone": zone, "minutes": 60, "method": "video"},
    )
    return tally


def live_circle(api: Api, circle_id: str, members: list[Actor], i: int) -> Tally:
    """The circle's start: contract, a session held with a note, the next one arranged."""
    base = f"/circles/{circle_id}"
    for member in members:
        api.sessions(member, "POST", f"{base}/contract/acceptances", {"accept": True})
    # Arranged for a moment from now and recorded as held then: sessions are arranged ahead,
    # and a session's record may be held up to two minutes ahead of the server's clock.
    soon = (datetime.now(UTC) + timedelta(seconds=30)).replace(microsecond=0)
    held = api.sessions(
        members[0],
        "POST",
        f"{base}/sessions",
        {"format": "good_news_analysis", "minutes": 60, "starts_at": soon.isoformat()},
    )
    came = [m.member_id for m in members[: max(2, len(members) - 1)]]  # someone sent apologies
    api.sessions(
        members[1],
        "POST",
        f"{base}/sessions/{held['id']}/held",
        {"held_at": held["starts_at"], "minutes": 60, "attendees": came},
    )
    note = CIRCLE_NOTES[i % len(CIRCLE_NOTES)]
    api.sessions(members[2], "POST", f"{base}/sessions/{held['id']}/notes", {"text": note})
    api.sessions(
        members[3 % len(members)],
        "POST",
        f"{base}/sessions",
        {"format": "critical_incident", "minutes": 90},
    )
    for n, (who, text) in enumerate(zip(members, CIRCLE_MESSAGES, strict=False)):
        body: dict[str, Any] = {"text": text}
        if n:
            body["reply_to"] = n
        api.sessions(who, "POST", f"{base}/messages", body)
    return Tally(circles=1, sessions_held=1, notes=1, messages=min(3, len(members)))
