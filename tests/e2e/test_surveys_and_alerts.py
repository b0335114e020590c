"""End to end: surveys and monitoring alerts in the evaluation service, from real events on the
real topics, with real network tokens.

A programme (published on the registry topic, as the registry would) has a co-ordinator in
organisation Hazel; its relationships (on the sessions topic, as sessions would) pair a Hazel
mentee with a Willow mentor across organisations. Time is not waited for: a relationship
starts "36 days ago", so the on-event review finds at once the 4-week pulse check due (and a
week unanswered) and no first meeting after three weeks.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from shared.contracts.registry import MemberErased
from shared.contracts.sessions import MeetingLogWritten, RelationshipStarted
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.e2e.conftest import World, add_crowd
from tests.e2e.consumed import wait_consumed, wait_outbox_published
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import every, read_topic
from tests.unit.outcome_story import one_to_one_programme

FREE_TEXT = "a-private-thought-7c2e91"  # must never leave the evaluation service
MACHINERY = ("alert", "threshold", "co-ordinator", "overdue", "inactive", "monitor")


@dataclass
class Person:
    id: str
    organisation: str
    tokens: dict[str, Any]


@dataclass
class Cast:
    coordinator: Person
    mentee: Person
    mentor: Person
    hazel_admin: Person
    programme: str


def _person(world: World, organisation: str, tokens: dict[str, Any]) -> Person:
    return Person(member_id_of(world, tokens), organisation, tokens)


@pytest.fixture(scope="module")
def cast(world: World) -> Cast:
    hazel = add_crowd(world, "hazel", "Hazel Housing", "housing", 2)
    willow = add_crowd(world, "willow", "Willow Works", "engineering", 1)
    cast = Cast(
        coordinator=_person(world, hazel.id, hazel.people[0]),
        mentee=_person(world, hazel.id, hazel.people[1]),
        mentor=_person(world, willow.id, willow.people[0]),
        hazel_admin=_person(world, hazel.id, hazel.admin),
        programme=f"prg_{secrets.token_hex(6)}",
    )
    published = one_to_one_programme(
        cast.programme, [hazel.id, willow.id], [cast.coordinator.id], starts_on=date(2027, 1, 4)
    )
    publish(
        world,
        new_event(published, organisation=None, subject=cast.programme, audience=Audience.NETWORK),
    )

    def known() -> bool:
        """the co-ordinator reaches the programme's alert thresholds"""
        return call(world, cast.coordinator, "GET", f"{base(cast)}/alert-thresholds").is_success

    eventually(known, timeout=30)
    return cast


def base(cast: Cast) -> str:
    return f"/programmes/{cast.programme}"


def call(
    world: World, who: Person | dict[str, Any], method: str, path: str, body: Any = None
) -> httpx.Response:
    tokens = who.tokens if isinstance(who, Person) else who
    with world.reader(tokens) as http:
        return http.request(method, f"{world.url('evaluation')}{path}", json=body)


def started(cast: Cast, relationship: str, days_ago: float) -> Envelope:
    data = RelationshipStarted(
        relationship_id=relationship,
        proposal_id=f"prp_{secrets.token_hex(8)}",
        programme_id=cast.programme,
        mentee_id=cast.mentee.id,
        mentee_organisation_id=cast.mentee.organisation,
        mentor_id=cast.mentor.id,
        mentor_organisation_id=cast.mentor.organisation,
        started_at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    return new_event(data, organisation=None, subject=relationship, audience=Audience.NETWORK)


def due(world: World, person: Person, relationship: str) -> list[dict[str, Any]]:
    listed = call(world, person, "GET", "/members/me/surveys")
    assert listed.status_code == 200, listed.text
    return [s for s in listed.json() if s["relationship_id"] == relationship]


def stored(world: World, organisation: str, collection: str) -> list[dict[str, Any]]:
    """What evaluation keeps in one organisation's database (read as an auditor would)."""
    database = f"{world.env['MENTORNET_DB_PREFIX']}_evaluation_o_{organisation}"
    mongo: MongoClient[dict[str, Any]] = MongoClient(
        world.env["MENTORNET_MONGO_URL"], tz_aware=True
    )
    with mongo:
        return list(mongo[database][collection].find({}))


@pytest.fixture(scope="module")
def relationship(world: World, cast: Cast) -> str:
    """A relationship that started 36 days ago and has had no meeting."""
    rel = f"rel_{secrets.token_hex(8)}"
    publish(world, started(cast, rel, days_ago=36), source="sessions")

    def surveyed() -> bool:
        """the 4-week pulse check is waiting for the mentee"""
        return len(due(world, cast.mentee, rel)) == 1

    eventually(surveyed, timeout=30)
    return rel


def test_a_due_survey_appears_to_each_party_only_and_reminders_are_gentle(
    world: World, cast: Cast, relationship: str
) -> None:
    (survey,) = due(world, cast.mentee, relationship)
    assert survey["kind"] == "pulse" and survey["role"] == "mentee" and not survey["answered"]
    assert [q["id"] for q in survey["questions"]] == ["q1", "q2", "q3"]
    assert survey["programme_id"] == cast.programme
    (mentors,) = due(world, cast.mentor, relationship)
    assert mentors["role"] == "mentor" and mentors["id"] != survey["id"]
    # Nobody else sees it, or anyone's list of surveys.
    for outsider in (cast.coordinator, cast.hazel_admin, cast.mentor):
        seen = call(world, outsider, "GET", f"/surveys/{survey['id']}")
        assert seen.status_code == 404, seen.text
    for tokens in (world.b.admin, world.b.member, world.coordinator):
        assert call(world, tokens, "GET", f"/surveys/{survey['id']}").status_code == 404
        listed = call(world, tokens, "GET", f"/members/{cast.mentee.id}/surveys")
        assert listed.status_code == 404, listed.text
        assert call(world, tokens, "GET", f"/members/{cast.mentee.id}/reminders").status_code == 404
    own = call(world, cast.mentee, "GET", f"/members/{cast.mentee.id}/surveys")
    assert own.status_code == 200 and survey["id"] in {s["id"] for s in own.json()}

    # The party sees gentle reminders: the survey waiting a week, and the first meeting.
    def reminded() -> bool:
        """the mentee has a survey reminder and a first-meeting nudge"""
        mine = call(world, cast.mentee, "GET", "/members/me/reminders").json()
        return {"survey", "first_meeting"} <= {r["topic"] for r in mine}

    eventually(reminded, timeout=15)
    for person in (cast.mentee, cast.mentor):
        reminders = call(world, person, "GET", "/members/me/reminders").json()
        nudge = next(r for r in reminders if r["topic"] == "first_meeting")
        assert "first meeting" in nudge["text"]
        for reminder in reminders:
            lowered = reminder["text"].lower()
            assert not [w for w in MACHINERY if w in lowered], reminder["text"]
    survey_reminders = [
        r
        for r in call(world, cast.mentee, "GET", "/members/me/reminders").json()
        if r["survey_id"] == survey["id"]
    ]
    assert len(survey_reminders) == 1 and "How is it going?" in survey_reminders[0]["text"]


def test_bad_answers_get_a_clear_4xx_and_nothing_is_stored_then_one_answer_counts(
    world: World, cast: Cast, relationship: str
) -> None:
    (survey,) = due(world, cast.mentee, relationship)
    answers = f"/surveys/{survey['id']}/answers"
    bad: list[tuple[Person | dict[str, Any], dict[str, Any], int, str]] = [
        (cast.mentee, {"answers": {"q1": 7, "q2": 3}}, 422, "q1: a rating is a whole number"),
        (cast.mentee, {"answers": {"q1": 0, "q2": 3}}, 422, "from 1 to 5, not 0"),
        (cast.mentee, {"answers": {"q1": 4, "q2": 4, "q9": 1}}, 422, "q9: there is no such"),
        (cast.mentee, {"answers": {"q2": 4}}, 422, "q1: an answer is required"),
        (cast.mentee, {"answers": {"q1": 4, "q2": 4, "q3": "x" * 2001}}, 422, "at most 2000"),
        (cast.mentee, {"answers": {"q1": 4, "q2": 4, "q3": "x" * 5000}}, 422, "answers"),
        (cast.mentee, {"answers": {"q1": 4.5, "q2": 4}}, 422, "answers"),
        (cast.mentee, {"answers": {"q1": True, "q2": 4}}, 422, "answers"),
        (cast.mentee, {"answers": {"q1": 4, "q2": 4}, "respondent": "x"}, 422, "respondent"),
        (cast.mentor, {"answers": {"q1": 4, "q2": 4}}, 404, "no survey"),
        (cast.coordinator, {"answers": {"q1": 4, "q2": 4}}, 404, "no survey"),
        (world.b.member, {"answers": {"q1": 4, "q2": 4}}, 404, "no survey"),
        (world.b.admin, {"answers": {"q1": 4, "q2": 4}}, 404, "no survey"),
    ]
    for who, body, status, reason in bad:
        answered = call(world, who, "POST", answers, body)
        assert answered.status_code == status, (body, answered.text)
        assert reason in answered.text, (reason, answered.text)
    assert (
        call(world, cast.mentee, "POST", "/surveys/srv_nope/answers", {"answers": {}}).status_code
        == 404
    )
    # Nothing was stored: no claim, no answer, and the survey still waits.
    assert stored(world, cast.mentee.organisation, "survey_respondents") == []
    assert stored(world, cast.mentee.organisation, "survey_answers") == []
    assert len(due(world, cast.mentee, relationship)) == 1

    # A low pulse, with a private thought: stored once, apart from who gave it.
    good = {"answers": {"q1": 2, "q2": 1, "q3": f"  {FREE_TEXT}  "}}
    first = call(world, cast.mentee, "POST", answers, good)
    assert first.status_code == 201, first.text
    assert first.json()["survey_id"] == survey["id"]
    assert first.json()["scores_shared"] == ["q1", "q2"]
    twice = call(world, cast.mentee, "POST", answers, good)
    assert twice.status_code == 409 and "already" in twice.text, twice.text
    assert due(world, cast.mentee, relationship) == []
    assert call(world, cast.mentee, "GET", f"/surveys/{survey['id']}").json()["answered"]
    reminders = call(world, cast.mentee, "GET", "/members/me/reminders").json()
    assert survey["id"] not in {r["survey_id"] for r in reminders}

    (body,) = stored(world, cast.mentee.organisation, "survey_answers")
    assert body["texts"] == {"q3": FREE_TEXT} and body["scores"] == {"q1": 2, "q2": 1}
    kept = json.dumps({k: v for k, v in body.items() if k != "_outbox"}, default=str)
    for identity in (cast.mentee.id, survey["id"], relationship):
        assert identity not in kept, identity
    (claim,) = stored(world, cast.mentee.organisation, "survey_respondents")
    assert claim["_id"] == survey["id"] and claim["member_id"] == cast.mentee.id
    assert "receipt" not in claim and body["_id"] not in json.dumps(claim, default=str)

    # survey.completed: once, scores only — never the free text.
    def completed(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            e
            for e in found
            if e["type"] == "survey.completed" and e["data"]["survey_id"] == survey["id"]
        ]

    events, raw = read_topic(world, "evaluation", every, lambda found: bool(completed(found)))
    (event,) = completed(events)
    assert event["organisation"] == cast.mentee.organisation
    assert event["data"] | {"completed_at": None} == {
        "survey_id": survey["id"],
        "template_id": "tpl_pulse",
        "template_version": 1,
        "kind": "pulse",
        "programme_id": cast.programme,
        "relationship_id": relationship,
        "organisation_id": cast.mentee.organisation,
        "respondent_role": "mentee",
        "scores": {"q1": 2, "q2": 1},
        "completed_at": None,
    }
    assert not [r for r in raw if FREE_TEXT.encode() in r]


def test_the_coordinator_reads_comments_only_from_five_people_and_nobody_else_reads_them(
    world: World, cast: Cast, relationship: str
) -> None:
    for survey in due(world, cast.mentee, relationship):
        # Not answered by an earlier test of this module: answer it, with a comment.
        answered = call(
            world,
            cast.mentee,
            "POST",
            f"/surveys/{survey['id']}/answers",
            {"answers": {"q1": 4, "q2": 4, "q3": FREE_TEXT}},
        )
        assert answered.status_code == 201, answered.text
    path = f"{base(cast)}/survey-comments"
    seen = call(world, cast.coordinator, "GET", path)
    assert seen.status_code == 200, seen.text
    (pulse,) = [q for q in seen.json() if q["template_id"] == "tpl_pulse"]
    # One person wrote: suppressed, without the text, without a count.
    assert pulse["question_id"] == "q3" and pulse["suppressed"]
    assert pulse["comments"] == [] and pulse["people"] == 0
    assert FREE_TEXT not in seen.text
    for who in (cast.mentee, cast.mentor, cast.hazel_admin, world.b.admin, world.coordinator):
        refused = call(world, who, "GET", path)
        assert refused.status_code == 404, refused.text


def test_a_survey_that_closed_refuses_answers(world: World, cast: Cast) -> None:
    # The 4-week pulse of a relationship started 49 days minus a few seconds ago closes in
    # those few seconds (it stays open three weeks); the clock-driven version of this, without
    # waiting, is in tests/integration/test_surveys_and_alerts_over_time.py.
    # If evaluation is slower to read the start than the pulse is open, it issues nothing:
    # then again with a longer window (a slow machine makes this slower, not wrong).
    for seconds in (8, 30, 120):
        rel = f"rel_{secrets.token_hex(8)}"
        sent = publish(world, started(cast, rel, days_ago=49 - seconds / 86400), source="sessions")
        wait_consumed(world, "evaluation", sent)
        issued = [
            s
            for s in stored(world, cast.mentor.organisation, "survey_invitations")
            if s["relationship_id"] == rel and s["member_id"] == cast.mentor.id
        ]
        if issued:
            break
    (survey,) = issued
    closes = survey["closes_at"]
    # The service and the test read the same clock: past `closes` here, it is closed there.
    while datetime.now(UTC) <= closes:
        time.sleep(max(0.01, (closes - datetime.now(UTC)).total_seconds()))
    late = call(
        world,
        cast.mentor,
        "POST",
        f"/surveys/{survey['_id']}/answers",
        {"answers": {"q1": 4, "q2": 4}},
    )
    assert late.status_code == 409 and "closed on" in late.text, late.text
    assert due(world, cast.mentor, rel) == []
    claims = stored(world, cast.mentor.organisation, "survey_respondents")
    assert survey["_id"] not in {c["_id"] for c in claims}


def test_an_alert_is_raised_once_and_its_coordinator_works_it(
    world: World, cast: Cast, relationship: str
) -> None:
    alerts_path = f"{base(cast)}/alerts"

    def listed() -> list[dict[str, Any]]:
        answer = call(world, cast.coordinator, "GET", alerts_path)
        assert answer.status_code == 200, answer.text
        return [a for a in answer.json() if a["relationship_id"] == relationship]

    def raised() -> bool:
        """the co-ordinator sees the no-first-meeting alert"""
        return "no_first_meeting" in {a["kind"] for a in listed()}

    eventually(raised, timeout=20)
    # The same condition, reviewed again on more events, is not raised again.
    log = MeetingLogWritten(
        relationship_id=relationship, programme_id=cast.programme, written_at=datetime.now(UTC)
    )
    reviewed = publish(
        world,
        started(cast, relationship, days_ago=36),
        new_event(log, organisation=None, subject=relationship, audience=Audience.NETWORK),
        source="sessions",
    )
    alert = next(a for a in listed() if a["kind"] == "no_first_meeting")
    assert alert["status"] == "open" and alert["programme_id"] == cast.programme
    assert {(p["member_id"], p["role"]) for p in alert["parties"]} == {
        (cast.mentee.id, "mentee"),
        (cast.mentor.id, "mentor"),
    }
    assert "No first meeting yet" in alert["description"]

    def announced(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            e
            for e in found
            if e["type"] == "alert.raised" and e["data"]["relationship_id"] == relationship
        ]

    # The re-review of the events above is done, and whatever it published is on the topic.
    wait_consumed(world, "evaluation", reviewed)
    wait_outbox_published(world, "evaluation")
    events, _ = read_topic(world, "evaluation", every, lambda found: bool(announced(found)))
    first_meeting = [e for e in announced(events) if e["data"]["kind"] == "no_first_meeting"]
    assert len(first_meeting) == 1, first_meeting
    assert first_meeting[0]["data"]["alert_id"] == alert["id"]
    assert len([a for a in listed() if a["kind"] == "no_first_meeting"]) == 1

    # Nobody but the programme's co-ordinator reaches the alerts: 404 as for no programme.
    outsiders = {
        "the mentee": cast.mentee.tokens,
        "Hazel's admin": cast.hazel_admin.tokens,
        "B's admin": world.b.admin,
        "B's member": world.b.member,
        "the network co-ordinator": world.coordinator,
    }
    for name, tokens in outsiders.items():
        for method, path, body in [
            ("GET", alerts_path, None),
            ("POST", f"{alerts_path}/{alert['id']}/acknowledgement", None),
            ("POST", f"{alerts_path}/{alert['id']}/resolution", None),
            ("GET", f"{base(cast)}/alert-thresholds", None),
            ("PUT", f"{base(cast)}/alert-thresholds", {"first_meeting_days": 30}),
            ("GET", f"{base(cast)}/survey-templates", None),
            ("GET", f"{base(cast)}/survey-schedule", None),
        ]:
            answer = call(world, tokens, method, path, body)
            assert answer.status_code == 404, f"{name} {method} {path}: {answer.text}"

    acknowledged = call(
        world, cast.coordinator, "POST", f"{alerts_path}/{alert['id']}/acknowledgement"
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert (
        acknowledged.json()["status"] == "acknowledged" and acknowledged.json()["acknowledged_at"]
    )
    again = call(world, cast.coordinator, "POST", f"{alerts_path}/{alert['id']}/acknowledgement")
    assert again.status_code == 409, again.text
    resolved = call(world, cast.coordinator, "POST", f"{alerts_path}/{alert['id']}/resolution")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved", resolved.text
    assert (
        call(world, cast.coordinator, "POST", f"{alerts_path}/{alert['id']}/resolution").status_code
        == 409
    )
    assert (
        call(world, cast.coordinator, "POST", f"{alerts_path}/alr_nope/resolution").status_code
        == 404
    )
    open_only = call(world, cast.coordinator, "GET", f"{alerts_path}?status=open").json()
    assert alert["id"] not in {a["id"] for a in open_only}
    assert call(world, cast.coordinator, "GET", f"{alerts_path}?status=lost").status_code == 422


def test_a_low_pulse_raises_an_alert_without_telling_the_other_party(
    world: World, cast: Cast, relationship: str
) -> None:
    # Needs the answer of the bad-input test (a low pulse from the mentee). One answer alone
    # raises nothing (it would say how that person answered); the mentor's low answer too
    # makes the relationship's pulse low.
    def raised() -> bool:
        """the co-ordinator sees the low-pulse alert"""
        found = call(world, cast.coordinator, "GET", f"{base(cast)}/alerts").json()
        return any(a["kind"] == "low_pulse" and a["relationship_id"] == relationship for a in found)

    assert not raised()
    (mentors,) = due(world, cast.mentor, relationship)
    answered = call(
        world,
        cast.mentor,
        "POST",
        f"/surveys/{mentors['id']}/answers",
        {"answers": {"q1": 1, "q2": 2}},
    )
    assert answered.status_code == 201, answered.text
    eventually(raised, timeout=20)
    (alert,) = [
        a
        for a in call(world, cast.coordinator, "GET", f"{base(cast)}/alerts").json()
        if a["kind"] == "low_pulse"
    ]
    # No answer's exact time: the week it falls in, the day it was raised.
    for moment in (alert["since"], alert["raised_at"]):
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        assert (parsed.hour, parsed.minute, parsed.second, parsed.microsecond) == (0, 0, 0, 0)
    assert datetime.fromisoformat(alert["since"].replace("Z", "+00:00")).weekday() == 0
    mentor_topics = {
        r["topic"] for r in call(world, cast.mentor, "GET", "/members/me/reminders").json()
    }
    assert mentor_topics <= {"first_meeting", "survey"}


def test_coordinators_set_thresholds_templates_and_schedules_validated(
    world: World, cast: Cast
) -> None:
    thresholds = f"{base(cast)}/alert-thresholds"
    assert call(world, cast.coordinator, "GET", thresholds).json()["first_meeting_days"] == 21
    wrong = call(
        world,
        cast.coordinator,
        "PUT",
        thresholds,
        {"inactivity_warning_days": 95, "inactivity_days": 90},
    )
    assert wrong.status_code == 422 and "warning must come before" in wrong.text, wrong.text
    assert (
        call(world, cast.coordinator, "PUT", thresholds, {"low_pulse_score": 9}).status_code == 422
    )
    changed = call(world, cast.coordinator, "PUT", thresholds, {"first_meeting_days": 28})
    assert changed.status_code == 200 and changed.json()["first_meeting_days"] == 28
    assert call(world, cast.coordinator, "GET", thresholds).json()["first_meeting_days"] == 28

    templates = f"{base(cast)}/survey-templates"
    catalogue = call(world, cast.coordinator, "GET", templates).json()
    assert [t["template_id"] for t in catalogue] == [
        "tpl_mentor_end",
        "tpl_mentee_end",
        "tpl_pulse",
    ]
    draft = {
        "title": "Mid-point check",
        "kind": "mentee",
        "questions": [
            {"id": "useful", "text": "How useful are your meetings?", "type": "scale"},
            {
                "id": "modes",
                "text": "How do you meet?",
                "type": "multiple_choice",
                "options": ["video", "face to face", "telephone"],
            },
            {"id": "next", "text": "What next?", "type": "free_text", "max_length": 500},
        ],
    }
    made = call(world, cast.coordinator, "POST", templates, draft)
    assert made.status_code == 201, made.text
    template = made.json()
    assert template["version"] == 1 and template["programme_id"] == cast.programme
    path = f"{templates}/{template['template_id']}"
    edited = call(world, cast.coordinator, "PUT", path, {**draft, "title": "Mid-point check (v2)"})
    assert edited.status_code == 200 and edited.json()["version"] == 2, edited.text
    assert [v["title"] for v in call(world, cast.coordinator, "GET", path).json()] == [
        "Mid-point check",
        "Mid-point check (v2)",
    ]
    for body, status, reason in [
        ({**draft, "questions": [draft["questions"][0]] * 2}, 422, "useful repeated"),
        ({**draft, "kind": "mentor"}, 422, "kind cannot change"),
    ]:
        refused = call(world, cast.coordinator, "PUT", path, body)
        assert refused.status_code == status and reason in refused.text, refused.text
    ratings = [{"id": f"q{n}", "text": "How is it?", "type": "rating"} for n in range(5)]
    long_pulse = call(
        world,
        cast.coordinator,
        "POST",
        templates,
        {"title": "Pulse", "kind": "pulse", "questions": ratings},
    )
    assert long_pulse.status_code == 422, long_pulse.text
    assert "a pulse check has 2 to 4 questions" in long_pulse.text
    built_in = call(world, cast.coordinator, "PUT", f"{templates}/tpl_pulse", draft)
    assert built_in.status_code == 409 and "read-only" in built_in.text, built_in.text
    assert call(world, cast.coordinator, "GET", f"{templates}/tpl_nope").status_code == 404

    schedule = f"{base(cast)}/survey-schedule"
    assert len(call(world, cast.coordinator, "GET", schedule).json()["entries"]) == 4
    unknown = call(
        world,
        cast.coordinator,
        "PUT",
        schedule,
        {"entries": [{"template_id": "tpl_nothing", "when": "at_end"}]},
    )
    assert unknown.status_code == 422 and "tpl_nothing" in unknown.text, unknown.text
    entries = [
        {"template_id": template["template_id"], "when": "every", "weeks": 6},
        {"template_id": "tpl_mentee_end", "when": "at_end"},
    ]
    saved = call(world, cast.coordinator, "PUT", schedule, {"entries": entries, "open_days": 14})
    assert saved.status_code == 200, saved.text
    assert call(world, cast.coordinator, "GET", schedule).json()["open_days"] == 14


def test_erasure_removes_the_members_surveys_and_reminders(
    world: World, cast: Cast, relationship: str
) -> None:
    assert call(world, cast.mentor, "GET", "/members/me/reminders").json()
    erased = MemberErased(
        member_id=cast.mentor.id,
        organisation_id=cast.mentor.organisation,
        erased_at=datetime.now(UTC),
    )
    publish(world, new_event(erased, organisation=cast.mentor.organisation, subject=cast.mentor.id))

    def forgotten() -> bool:
        """the mentor's surveys and reminders are gone"""
        surveys = call(world, cast.mentor, "GET", "/members/me/surveys").json()
        reminders = call(world, cast.mentor, "GET", "/members/me/reminders").json()
        return bool(surveys == [] and reminders == [])

    eventually(forgotten, timeout=20)
    for collection in ("survey_invitations", "survey_respondents", "reminders"):
        kept = json.dumps(stored(world, cast.mentor.organisation, collection), default=str)
        assert cast.mentor.id not in kept, collection
    alerts = call(world, cast.coordinator, "GET", f"{base(cast)}/alerts").json()
    for alert in (a for a in alerts if a["relationship_id"] == relationship):
        assert cast.mentor.id not in {p["member_id"] for p in alert["parties"]}
    # A replayed start does not bring the mentor back.
    replayed = publish(world, started(cast, relationship, days_ago=36), source="sessions")
    wait_consumed(world, "evaluation", replayed)
    assert call(world, cast.mentor, "GET", "/members/me/reminders").json() == []
    for collection in ("survey_invitations", "survey_respondents", "reminders"):
        kept = json.dumps(stored(world, cast.mentor.organisation, collection), default=str)
        assert cast.mentor.id not in kept, collection
