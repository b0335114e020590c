"""End-to-end: the notifications service e-mails people, read back from Mailpit's HTTP API.

Every mail here is caused by the real producing service where a real flow is practical: the
registry (an organisation's invited admin; contact details as people sign in and write their
profiles; an erasure), sessions (an agreement drafted; meetings planned, moved, cancelled and
held; logs; messages and read markers), evaluation (its `alert.raised` for a relationship with
no first meeting). Where a flow would take weeks or a matching round (a proposal to answer, a
match accepted, a survey falling due), the test publishes the producing service's own event
on its topic, as that service would, and says so.

The world's notifications service sweeps every second and lets a digest settle for 8 s
(tests/e2e/conftest.py); the reminder test restarts it with a reminder time a minute away.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from icalendar import Calendar
from pymongo import MongoClient

from deploy.localnet.identity import bearer
from services.notifications.adapters.mail_sender import CLAIM
from services.notifications.domain.kinds import MailKind
from services.notifications.domain.mails import delivery_id
from shared.calendar import meeting_uid
from shared.contracts.evaluation import SurveyCompleted, SurveySent
from shared.contracts.matching import MatchProposed
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from shared.events.topics import contacts_topic
from shared.kafka.security import kafka_client_options
from tests.e2e.conftest import Crowd, World, add_crowd, integration_client
from tests.e2e.consumed import topic_end, wait_consumed, wait_outbox_published
from tests.e2e.mailpit import Inbox, Mail
from tests.e2e.sessions_scene import Scene, build_scene
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually

pytestmark = pytest.mark.e2e

# Everything the tests write into the network: no mail may ever carry any of it.
WRITTEN: list[str] = []
AGREEMENT = {
    "duration": "twelve-lanterns-0a9d",
    "meeting_frequency": "each-low-tide-7c21",
    "contact_between_meetings": "by-heron-post-5d3e",
    "confidentiality": "kept-in-cedar-box-1f8b",
    "mentor_responsibilities": ["tends-the-kiln-6b0e"],
    "mentee_responsibilities": ["charts-the-reef-2a7c"],
}
WRITTEN += [v for v in AGREEMENT.values() if isinstance(v, str)]
WRITTEN += ["tends-the-kiln-6b0e", "charts-the-reef-2a7c"]


def written(text: str) -> str:
    """Remember a text the test writes, and return it."""
    WRITTEN.append(text)
    return text


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    """A cross-organisation relationship of the module's own, with a co-ordinator (keys are
    fresh each run, so addresses never meet an earlier run's mail in Mailpit)."""
    return build_scene(world, f"n{secrets.token_hex(2)}")


@pytest.fixture(scope="module")
def inbox() -> Inbox:
    return Inbox()


def address(scene: Scene, who: str) -> str:
    """The e-mail address of one of the scene's people."""
    persons = {
        "mentor": scene.a.persons[0],
        "colleague of the mentor": scene.a.persons[1],
        "mentee": scene.b.persons[0],
        "coordinator": scene.b.persons[2],
        "co-ordinator of another programme": scene.b.persons[3],
    }
    return persons[who].email


def notifications(
    world: World, tokens: dict[str, Any] | None, method: str, path: str, body: Any = None
) -> httpx.Response:
    """Call the notifications service (as `tokens`' holder, or anonymously)."""
    headers = bearer(tokens) if tokens else {}
    with httpx.Client(headers=headers, timeout=15) as http:
        return http.request(method, f"{world.url('notifications')}{path}", json=body)


def mongo(world: World) -> MongoClient[dict[str, Any]]:
    return MongoClient(world.env["MENTORNET_MONGO_URL"], tz_aware=True)


def notifications_db(world: World, organisation_id: str) -> str:
    return f"{world.env['MENTORNET_DB_PREFIX']}_notifications_o_{organisation_id}"


def handled_all_of(world: World, *sources: str) -> None:
    """Until the notifications service has handled everything `sources` published so far
    (what it decides on reading an event is decided then: tests/e2e/consumed.py)."""
    for source in sources:
        wait_outbox_published(world, source)
        wait_consumed(world, "notifications", topic_end(world, source))


def decided(world: World, organisation_id: str, person_id: str, kind: MailKind) -> list[str]:
    """The ids of the mails of `kind` decided for a person (queued, sent or skipped)."""
    with mongo(world) as client:
        found = client[notifications_db(world, organisation_id)]["deliveries"].find(
            {"person_id": person_id, "kind": kind.value}, projection={"status": 1}
        )
        return [str(d["_id"]) for d in found if d["status"] != "skipped"]


def until_gone(world: World, collection: str, query: dict[str, Any], timeout: float = 60) -> None:
    """Until the notifications service's network `collection` (the timetable's `scheduled` or
    `digest_items`) holds nothing matching `query`: the sweep has dealt with it."""
    database = f"{world.env['MENTORNET_DB_PREFIX']}_notifications_network"
    with mongo(world) as client:
        deadline = time.monotonic() + timeout
        while left := list(client[database][collection].find(query, projection={"_id": 1})):
            assert time.monotonic() < deadline, f"still in {collection}: {left}"
            time.sleep(0.2)


def wait_for_contact(world: World, organisation_id: str, member_id: str, **fields: Any) -> None:
    """Until the notifications service holds the member's contact details (with `fields`)."""
    with mongo(world) as client:
        contacts = client[notifications_db(world, organisation_id)]["contacts"]

        def known() -> bool:
            """the notifications service has the member's contact details"""
            found = contacts.find_one({"_id": member_id})
            return found is not None and all(found.get(k) == v for k, v in fields.items())

        eventually(known, timeout=30)


def set_profile(world: World, tokens: dict[str, Any], **fields: Any) -> None:
    """A member writes their profile at the registry (its name and zone reach contacts)."""
    with world.reader(tokens) as http:
        written_profile = http.put(f"{world.url('registry')}/me/profile", json=fields)
        assert written_profile.status_code == 200, written_profile.text


def proposed(
    scene: Scene, mentee: str, mentor: str, *, origin: str = "round", proposal: str | None = None
) -> Envelope:
    """`match.proposed` as the matching service announces a proposal (published by the test:
    a real round needs a whole candidate pool)."""
    data = MatchProposed(
        proposal_id=proposal or f"prp_{secrets.token_hex(8)}",
        programme_id=scene.programme,
        mentee_id=scene.member_id(mentee),
        mentee_organisation_id=scene.b.id,
        mentor_id=scene.member_id(mentor),
        mentor_organisation_id=scene.a.id,
        score=0.7,
        origin=origin,
    )
    return new_event(data, organisation=None, subject=data.proposal_id, audience=Audience.NETWORK)


# --- invitations and matches ----------------------------------------------------------------


def test_an_invited_admin_is_mailed_their_invitation(world: World, inbox: Inbox) -> None:
    """The registry invites an organisation's first admin by address (a real registration)."""
    key = f"i{secrets.token_hex(2)}"
    crowd = add_crowd(world, key, f"Invited {key.title()} Trust", "health", 0)
    [mail] = inbox.wait(f"admin@{key}.example", "invitation", timeout=30)
    assert mail.subject == f"You are invited to mentornet for Invited {key.title()} Trust"
    assert "as an administrator" in mail.text()
    assert f"{world.portal.url}/sign-in" in mail.html()
    assert mail.message["List-Unsubscribe"].startswith(f"<{world.url('notifications')}/")
    assert crowd.id in mail.delivery or mail.delivery.startswith("invitation:inv_")


def test_both_parties_hear_that_their_match_is_agreed(scene: Scene, inbox: Inbox) -> None:
    """`match.accepted` (matching's event, published by the scene) starts the relationship."""
    for who in ("mentor", "mentee"):
        [mail] = inbox.wait(address(scene, who), "proposal_accepted")
        assert mail.subject == "Your mentoring match is agreed"
        assert "Hello " in mail.text() and "/relationships" in mail.text()


def test_a_proposal_to_answer_reaches_both_parties_or_only_the_asked_mentor(
    world: World, scene: Scene, inbox: Inbox
) -> None:
    publish(world, proposed(scene, "mentee", "mentor"), source="matching")
    for who in ("mentor", "mentee"):
        [mail] = inbox.wait(address(scene, who), "proposal_to_answer")
        assert mail.subject == "A mentoring match is waiting for your answer"
        assert f"{world.portal.url}/proposals" in mail.text()
    role = {"mentor": "mentor", "mentee": "mentee"}
    for who in role:
        assert (
            f"proposed as a {role[who]}"
            in inbox.of(address(scene, who), "proposal_to_answer")[0].text()
        )
    # A mentee who asked for this mentor (self-match) needs no mail: only the mentor gets one.
    asked = proposed(scene, "mentee", "mentor", origin="request")
    sent = publish(world, asked, source="matching")
    inbox.wait(address(scene, "mentor"), "proposal_to_answer", count=2)
    wait_consumed(world, "notifications", sent)  # decided, then: nothing for the mentee
    mentee = scene.member_id("mentee")
    assert [
        d
        for d in decided(world, scene.b.id, mentee, MailKind.PROPOSAL_TO_ANSWER)
        if asked.data["proposal_id"] in d
    ] == []
    assert len(inbox.of(address(scene, "mentee"), "proposal_to_answer")) == 1


# --- agreements and meetings -------------------------------------------------------------


def test_an_agreement_waits_for_the_other_partys_signature(scene: Scene, inbox: Inbox) -> None:
    base = f"/relationships/{scene.relationship}"
    drafted = scene.call("mentor", "PUT", f"{base}/agreement", AGREEMENT)
    assert drafted.status_code == 200, drafted.text
    [mail] = inbox.wait(address(scene, "mentee"), "agreement_to_sign")
    assert mail.subject == "Your mentoring agreement is waiting for your signature"
    assert "Version 1" in mail.text()
    assert f"/relationships/{scene.relationship}" in mail.text()
    handled_all_of(scene.world, "sessions")  # the draft's event read: nothing for its writer
    mentor = scene.member_id("mentor")
    assert decided(scene.world, scene.a.id, mentor, MailKind.AGREEMENT_TO_SIGN) == []
    assert inbox.of(address(scene, "mentor"), "agreement_to_sign") == []  # they wrote it


def _ics(mail: Mail) -> Calendar:
    part = mail.calendar()
    assert part is not None, f"{mail.subject} has no calendar invitation"
    return Calendar.from_ical(part.get_content())


def test_meetings_planned_moved_and_cancelled_update_calendars_in_place(
    scene: Scene, inbox: Inbox
) -> None:
    base = f"/relationships/{scene.relationship}/meetings"
    start = (datetime.now(UTC) + timedelta(days=9)).replace(
        hour=17, minute=0, second=0, microsecond=0
    )
    planned = scene.call(
        "mentee",
        "POST",
        base,
        {
            "starts_at": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "time_zone": "Europe/London",
            "minutes": 60,
            "method": "face_to_face",
            "location": written("under-the-old-oak-4e7a"),
        },
    )
    assert planned.status_code == 201, planned.text
    meeting = planned.json()
    moved = scene.call(
        "mentor",
        "PATCH",
        f"{base}/{meeting['id']}",
        {"starts_at": (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")},
    )
    assert moved.status_code == 200, moved.text
    cancelled = scene.call("mentee", "POST", f"{base}/{meeting['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    # The sessions service's own calendar file names the meeting by the same UID.
    sessions_ics = scene.call("mentee", "GET", f"{base}/{meeting['id']}.ics")
    [sessions_event] = Calendar.from_ical(sessions_ics.content).events
    uid = meeting_uid(meeting["id"])
    assert str(sessions_event["UID"]) == uid

    for who in ("mentor", "mentee"):
        mails = inbox.wait(
            address(scene, who),
            "meeting_changes",
            count=3,
            where=lambda m: meeting["id"] in m.delivery,
        )
        by_subject = {m.subject: m for m in mails}
        assert set(by_subject) == {
            "A mentoring meeting is planned",
            "A mentoring meeting has moved",
            "A mentoring meeting is cancelled",
        }
        seen = []
        for subject in by_subject:
            calendar = _ics(by_subject[subject])
            [event] = calendar.events
            assert str(event["UID"]) == uid  # one event, updated in place
            seen.append((str(calendar["METHOD"]), event.get("SEQUENCE"), event.start))
            attendee = str(event["ATTENDEE"]).lower()
            assert attendee == f"mailto:{address(scene, who)}"
            assert "LOCATION" not in event
        london = ZoneInfo("Europe/London")
        first = start.replace(tzinfo=london)
        assert sorted(seen, key=lambda s: (s[1], s[0] == "CANCEL")) == [
            ("REQUEST", 0, first),
            ("REQUEST", 1, first + timedelta(days=1)),
            ("CANCEL", 1, first + timedelta(days=1)),
        ]
        text = by_subject["A mentoring meeting is planned"].text()
        assert "at 17:00 (Europe/London), face to face, for 60 minutes" in text


def test_a_held_meeting_without_a_log_asks_for_one(scene: Scene, inbox: Inbox) -> None:
    base = f"/relationships/{scene.relationship}"
    five_hours_ago = datetime.now(UTC) - timedelta(hours=5)
    held = scene.call(
        "mentor",
        "POST",
        f"{base}/meetings",
        {
            "starts_at": five_hours_ago.isoformat(),
            "minutes": 60,
            "method": "video",
            "status": "held",
        },
    )
    assert held.status_code == 201, held.text
    for who in ("mentor", "mentee"):
        [mail] = inbox.wait(
            address(scene, who), "meeting_log_due", where=lambda m: held.json()["id"] in m.delivery
        )
        assert mail.subject == "Time to write up your mentoring meeting"
        assert f"/relationships/{scene.relationship}/logs/new" in mail.text()
    # A log written: a meeting held before it needs none.
    log = scene.call(
        "mentee",
        "POST",
        f"{base}/logs",
        {
            "met_on": five_hours_ago.date().isoformat(),
            "achieved_since_last": written("mapped-three-tidepools-8d2c"),
            "challenges": written("fog-over-the-estuary-3b9f"),
        },
    )
    assert log.status_code == 201, log.text
    handled_all_of(scene.world, "sessions")  # the log's event is read before the next meeting's
    second = scene.call(
        "mentor",
        "POST",
        f"{base}/meetings",
        {
            "starts_at": (five_hours_ago + timedelta(minutes=90)).isoformat(),
            "minutes": 60,
            "method": "telephone",
            "status": "held",
        },
    )
    assert second.status_code == 201, second.text
    # The meeting's event read, and its log's due time (already past) dealt with by a sweep.
    handled_all_of(scene.world, "sessions")
    until_gone(scene.world, "scheduled", {"meeting_id": second.json()["id"]})
    mentee = scene.member_id("mentee")
    logs_due = decided(scene.world, scene.b.id, mentee, MailKind.MEETING_LOG_DUE)
    assert [d for d in logs_due if second.json()["id"] in d] == []
    assert [
        m
        for m in inbox.of(address(scene, "mentee"), "meeting_log_due")
        if second.json()["id"] in m.delivery
    ] == []


# --- messages, alerts and surveys --------------------------------------------------------


def test_unread_messages_come_as_one_digest_that_never_quotes_them(
    world: World, scene: Scene, inbox: Inbox
) -> None:
    set_profile(world, scene.tokens["mentor"], display_name="Aroha", time_zone="Europe/London")
    wait_for_contact(world, scene.a.id, scene.member_id("mentor"), name="Aroha")
    thread = f"/relationships/{scene.relationship}/messages"
    for n in range(3):
        posted = scene.call(
            "mentor", "POST", thread, {"text": written(f"kelp-forest-note-{n}-5a1e")}
        )
        assert posted.status_code == 201, posted.text
    # The mentee writes once, and the mentor reads it at once: no digest for the mentor.
    reply = scene.call("mentee", "POST", thread, {"text": written("tide-table-reply-9c4d")})
    assert reply.status_code == 201, reply.text
    read = scene.call(
        "mentor", "PUT", f"{thread}/read-marker", {"last_read": reply.json()["number"]}
    )
    assert read.status_code == 200, read.text

    [digest] = inbox.wait(address(scene, "mentee"), "unread_messages", timeout=30)
    assert digest.subject == "You have unread mentoring messages"
    assert "You have three unread messages from Aroha." in digest.text()
    assert f"{thread}" in digest.text()
    # The read marker's event is read and every collected message dealt with: sent in the
    # mentee's one digest, or taken out of the mentor's (read) before any digest of theirs.
    handled_all_of(world, "sessions")
    parties = [scene.member_id("mentor"), scene.member_id("mentee")]
    until_gone(world, "digest_items", {"person_id": {"$in": parties}})
    assert decided(world, scene.a.id, parties[0], MailKind.UNREAD_MESSAGES) == []
    assert len(decided(world, scene.b.id, parties[1], MailKind.UNREAD_MESSAGES)) == 1
    assert inbox.of(address(scene, "mentor"), "unread_messages") == []
    assert len(inbox.of(address(scene, "mentee"), "unread_messages")) == 1  # one, not three


def test_a_coordinator_gets_alerts_as_a_digest(scene: Scene, inbox: Inbox) -> None:
    """The evaluation service raised `no_first_meeting` for the scene's relationship (it
    started 30 days before the scene, with no meeting): the programme's co-ordinator hears of
    it in a digest; another programme's co-ordinator does not."""
    [digest] = inbox.wait(address(scene, "coordinator"), "alerts", timeout=40)
    assert digest.subject == "Relationships in your programmes may need a look"
    assert "One relationship has not had a first meeting yet." in digest.text()
    assert inbox.of(address(scene, "co-ordinator of another programme"), "alerts") == []


def _survey_sent(scene: Scene, survey: str, remind_in: timedelta) -> Envelope:
    """`survey.sent` as the evaluation service announces a survey falling due (published by
    the test: real surveys fall due weeks into a relationship)."""
    now = datetime.now(UTC)
    data = SurveySent(
        survey_id=survey,
        member_id=scene.member_id("mentee"),
        organisation_id=scene.b.id,
        programme_id=scene.programme,
        relationship_id=scene.relationship,
        kind="mentee",
        opens_at=now,
        closes_at=now + timedelta(days=14),
        remind_at=now + remind_in,
    )
    return new_event(data, organisation=scene.b.id, subject=survey)


def test_a_survey_due_and_its_one_reminder(world: World, scene: Scene, inbox: Inbox) -> None:
    survey, answered = f"srv_{secrets.token_hex(8)}", f"srv_{secrets.token_hex(8)}"
    publish(
        world,
        _survey_sent(scene, survey, timedelta(seconds=5)),
        _survey_sent(scene, answered, timedelta(seconds=5)),
        source="evaluation",
    )
    # The second is answered at once (evaluation's own `survey.completed`): no reminder.
    completed = SurveyCompleted(
        survey_id=answered,
        template_id="tpl_mentee_end",
        kind="mentee",
        programme_id=scene.programme,
        relationship_id=scene.relationship,
        organisation_id=scene.b.id,
        respondent_role="mentee",
        scores={"q1": 4},
        completed_at=datetime.now(UTC),
    )
    answers = publish(world, new_event(completed, organisation=scene.b.id), source="evaluation")
    mine = address(scene, "mentee")
    inbox.wait(
        mine, "survey_due", count=3, where=lambda m: survey in m.delivery or answered in m.delivery
    )
    # The answer is read, so its survey's reminder is off the timetable: it can never be sent;
    # the other's reminder (the third mail) was decided by the sweep that would have sent it.
    wait_consumed(world, "notifications", answers)
    until_gone(world, "scheduled", {"_id": f"survey_reminder:{answered}"}, timeout=0)  # gone now
    mentee = scene.member_id("mentee")
    reminders = decided(world, scene.b.id, mentee, MailKind.SURVEY_DUE)
    assert len([d for d in reminders if answered in d]) == 1, reminders
    mails = inbox.of(mine, "survey_due")
    subjects = sorted(m.subject for m in mails if survey in m.delivery)
    assert subjects == [
        "A short survey is ready for you",
        "Reminder: a short survey is still waiting for you",
    ]
    assert [m.subject for m in mails if answered in m.delivery] == [
        "A short survey is ready for you"
    ]
    for mail in mails:
        assert (
            "/surveys/srv_" in mail.text() and "closes on" in mail.text()
        ) or "open until" in mail.text()


# --- choices -----------------------------------------------------------------------------


def test_a_person_reads_and_changes_their_own_preferences(world: World, scene: Scene) -> None:
    mine = scene.tokens["colleague of the mentor"]
    shown = notifications(world, mine, "GET", "/members/me/notification-preferences")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["digest_frequency"] == "daily"
    assert {k["kind"]: k["on"] for k in body["kinds"]} == {
        k.value: True for k in MailKind if k is not MailKind.INVITATION
    }
    changed = notifications(
        world,
        mine,
        "PUT",
        "/members/me/notification-preferences",
        {"kinds": {"meeting_reminder": False}, "digest_frequency": "weekly"},
    )
    assert changed.status_code == 200, changed.text
    again = notifications(world, mine, "GET", "/members/me/notification-preferences").json()
    assert again["digest_frequency"] == "weekly"
    assert [k["kind"] for k in again["kinds"] if not k["on"]] == ["meeting_reminder"]
    # Nobody else's changed.
    theirs = notifications(
        world, scene.tokens["mentor"], "GET", "/members/me/notification-preferences"
    )
    assert theirs.json()["digest_frequency"] == "daily"
    # Refusals a person can act on; never a 500.
    wrong = notifications(
        world, mine, "PUT", "/members/me/notification-preferences", {"kinds": {"gossip": True}}
    )
    assert wrong.status_code == 422 and "gossip" in wrong.text
    assert (
        notifications(world, None, "GET", "/members/me/notification-preferences").status_code == 401
    )
    client = integration_client(world, scene.a.id, scene.tokens["mentor's organisation admin"])
    assert (
        notifications(world, client, "GET", "/members/me/notification-preferences").status_code
        == 404
    )
    spec = notifications(world, None, "GET", "/openapi.json").json()
    put = spec["paths"]["/members/me/notification-preferences"]["put"]
    assert put["requestBody"]["content"]["application/json"]["examples"]


def test_one_click_unsubscribe_works_without_signing_in_and_cannot_be_forged(
    world: World, scene: Scene, inbox: Inbox
) -> None:
    [mail] = inbox.of(address(scene, "mentee"), "proposal_to_answer")[:1]
    link = mail.message["List-Unsubscribe"][1:-1]
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = link.rsplit("/", 1)[1]
    mentor_id, mentee_id = scene.member_id("mentor"), scene.member_id("mentee")
    forgeries = [
        token.replace(mentee_id, mentor_id),  # the same link for the other person
        token.replace("proposal_to_answer", "meeting_changes"),  # for another kind
        token[:-3] + "abc",  # a signature made up
    ]
    with httpx.Client(timeout=15) as anonymous:
        for forged in forgeries:
            refused = anonymous.post(f"{world.url('notifications')}/unsubscribe/{forged}")
            assert refused.status_code == 404, forged
            assert "not valid" in refused.text
        page = anonymous.get(link)  # a browser following the link: a page, no change
        assert page.status_code == 200 and "<form" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        still = notifications(
            world, scene.tokens["mentee"], "GET", "/members/me/notification-preferences"
        )
        assert all(k["on"] for k in still.json()["kinds"])
        done = anonymous.post(
            link,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 200 and "You are unsubscribed" in done.text
    mine = notifications(
        world, scene.tokens["mentee"], "GET", "/members/me/notification-preferences"
    )
    assert [k["kind"] for k in mine.json()["kinds"] if not k["on"]] == ["proposal_to_answer"]
    theirs = notifications(
        world, scene.tokens["mentor"], "GET", "/members/me/notification-preferences"
    )
    assert all(k["on"] for k in theirs.json()["kinds"])  # the forgeries changed nothing

    # The next proposal reaches the mentor, not the mentee; other kinds still reach her.
    before = len(inbox.of(address(scene, "mentee"), "proposal_to_answer"))
    envelope = proposed(scene, "mentee", "mentor")
    publish(world, envelope, source="matching")
    proposal = envelope.data["proposal_id"]
    inbox.wait(
        address(scene, "mentor"), "proposal_to_answer", where=lambda m: proposal in m.delivery
    )
    with mongo(world) as client:
        deliveries = client[notifications_db(world, scene.b.id)]["deliveries"]

        def decided() -> bool:
            """the mentee's mail was decided and skipped"""
            found = deliveries.find_one(
                {"_id": delivery_id(MailKind.PROPOSAL_TO_ANSWER, proposal, mentee_id)}
            )
            return found is not None and found["status"] == "skipped"

        eventually(decided, timeout=20)
    assert len(inbox.of(address(scene, "mentee"), "proposal_to_answer")) == before


# --- time, crashes and erasure -----------------------------------------------------------


@pytest.fixture
def notifications_restarted(world: World) -> Iterator[Any]:
    """Restart the world's notifications service with other settings; restore it after."""
    process = world.services["notifications"]
    original = dict(process.env)

    def restart(**env: str) -> None:
        process.stop()
        process.env = {**original, **env}
        process.start()
        process.wait_ready()

    yield restart
    process.stop()
    process.env = original
    process.start()
    process.wait_ready()


def test_a_reminder_goes_the_day_before_at_the_hour_of_the_persons_own_zone(
    world: World, scene: Scene, inbox: Inbox, notifications_restarted: Any
) -> None:
    auckland = ZoneInfo("Pacific/Auckland")
    set_profile(world, scene.tokens["mentee"], display_name="Mere", time_zone="Pacific/Auckland")
    wait_for_contact(world, scene.b.id, scene.member_id("mentee"), time_zone="Pacific/Auckland")
    # Reminders at the next whole minute at least 40 s away, in each person's own zone.
    at = (
        (datetime.now(UTC) + timedelta(seconds=100))
        .astimezone(auckland)
        .replace(second=0, microsecond=0)
    )
    notifications_restarted(MENTORNET_REMINDER_TIME=f"{at:%H:%M}")
    # The meeting is at noon on the next day in Auckland (the mentee's zone); planned in the
    # zone the pair meet in, London.
    meeting_local = datetime.combine(at.date() + timedelta(days=1), datetime.min.time(), auckland)
    meeting_local = meeting_local.replace(hour=12)
    london = meeting_local.astimezone(ZoneInfo("Europe/London"))
    planned = scene.call(
        "mentor",
        "POST",
        f"/relationships/{scene.relationship}/meetings",
        {
            "starts_at": london.strftime("%Y-%m-%dT%H:%M:%S"),
            "time_zone": "Europe/London",
            "minutes": 45,
            "method": "video",
        },
    )
    assert planned.status_code == 201, planned.text
    meeting = planned.json()["id"]
    [reminder] = inbox.wait(
        address(scene, "mentee"),
        "meeting_reminder",
        timeout=180,
        where=lambda m: meeting in m.delivery,
    )
    arrived = datetime.now(UTC)
    assert at - timedelta(seconds=5) <= arrived.astimezone(auckland) <= at + timedelta(seconds=40)
    assert reminder.subject == "Reminder: your mentoring meeting is tomorrow"
    assert "at 12:00 (Pacific/Auckland)" in reminder.text()
    # The mentor (no zone of their own: UTC) is reminded at that hour of *their* day before,
    # which is not now.
    assert [
        m for m in inbox.of(address(scene, "mentor"), "meeting_reminder") if meeting in m.delivery
    ] == []


def test_each_mail_goes_once_across_redelivery_and_a_sigkill_mid_batch(
    world: World, inbox: Inbox
) -> None:
    key = f"k{secrets.token_hex(2)}"
    # Enough mail that the kill lands mid-run however fast the sender goes (480 mails).
    crowd: Crowd = add_crowd(world, key, f"Kill {key.title()} Trust", "retail", 16)
    members = [member_id_of(world, t) for t in crowd.people]
    for member in members:
        wait_for_contact(world, crowd.id, member)
    pairs = [(i, j) for i in range(16) for j in range(16) if i != j]
    envelopes = []
    for i, j in pairs:
        data = MatchProposed(
            proposal_id=f"prp_{secrets.token_hex(8)}",
            programme_id="prg_killtest0001",
            mentee_id=members[i],
            mentee_organisation_id=crowd.id,
            mentor_id=members[j],
            mentor_organisation_id=crowd.id,
            score=0.5,
            origin="round",
        )
        envelopes.append(
            new_event(data, organisation=None, subject=data.proposal_id, audience=Audience.NETWORK)
        )
    expected = {
        delivery_id(MailKind.PROPOSAL_TO_ANSWER, e.data["proposal_id"], e.data[side])
        for e in envelopes
        for side in ("mentee_id", "mentor_id")
    }
    # Redelivered as Kafka may: the same event twice, and a second event for one proposal.
    again = envelopes[0]
    twin = new_event(
        MatchProposed.model_validate(envelopes[1].data),
        organisation=None,
        subject=envelopes[1].data["proposal_id"],
        audience=Audience.NETWORK,
    )
    addresses = [p.email for p in crowd.persons]

    def arrived() -> list[Mail]:
        return [m for a in addresses for m in inbox.of(a, "proposal_to_answer")]

    process = world.services["notifications"]
    publish(world, *envelopes, again, twin, source="matching")
    # The first mail recorded sent (the service's own record: sooner than Mailpit's search).
    with mongo(world) as client:
        deliveries = client[notifications_db(world, crowd.id)]["deliveries"]
        deadline = time.monotonic() + 60
        while deliveries.find_one({"status": "sent"}, projection={"_id": 1}) is None:
            assert time.monotonic() < deadline, "no mail was sent"
            time.sleep(0.02)
    assert process.process is not None
    process.process.send_signal(signal.SIGKILL)
    process.process.wait(10)
    before_kill = len({m.delivery for m in arrived()})
    process.start()  # before any assertion, so the service is back for the tests after
    process.wait_ready()
    assert before_kill < len(expected), "the run ended before the kill: nothing was tested"

    with mongo(world) as client:
        deliveries = client[notifications_db(world, crowd.id)]["deliveries"]

        def settled() -> bool:
            """every expected mail is sent or known to be unconfirmed"""
            found = {
                d["_id"]: d["status"] for d in deliveries.find({"_id": {"$in": sorted(expected)}})
            }
            return len(found) == len(expected) and set(found.values()) <= {"sent", "unconfirmed"}

        eventually(settled, timeout=90)
        status = {
            d["_id"]: d["status"] for d in deliveries.find({"_id": {"$in": sorted(expected)}})
        }
    unconfirmed = {d for d, s in status.items() if s == "unconfirmed"}

    def all_sent_arrived() -> bool:
        """every mail recorded as sent is in Mailpit (the SMTP server accepted it)"""
        return expected - unconfirmed <= {m.delivery for m in arrived()}

    eventually(all_sent_arrived, timeout=30)
    received = [m.delivery for m in arrived()]
    assert len(received) == len(set(received)), "a mail was sent twice"
    assert set(received) <= expected
    # At most once: every mail the service recorded as sent arrived exactly once; those a
    # SIGKILL caught between their claim and the record of the relay's answer (at most one
    # claim's worth) are never sent again, and arrived at most once.
    assert len(unconfirmed) <= CLAIM
    assert expected - unconfirmed <= set(received)
    print(
        f"\n{len(expected)} mails, {before_kill} before the SIGKILL, {len(unconfirmed)} unconfirmed"
    )


def _contact_values(world: World) -> list[bytes]:
    """Every value on the contacts topic, from the start to its end now."""
    topic = contacts_topic(world.env["MENTORNET_TOPIC_PREFIX"])

    async def read() -> list[bytes]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=world.env["MENTORNET_KAFKA_BOOTSTRAP"],
            **kafka_client_options(),
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            async with asyncio.timeout(10):
                while not consumer.partitions_for_topic(topic):
                    await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]

            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            values: list[bytes] = []

            async def behind() -> bool:
                return any([await consumer.position(tp) < ends[tp] for tp in partitions])

            while await behind():
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    values += [r.value for r in records if r.value is not None]
            return values
        finally:
            await consumer.stop()

    return asyncio.run(read())


def test_an_erased_members_address_becomes_unrecoverable(
    world: World, scene: Scene, inbox: Inbox
) -> None:
    colleague = address(scene, "colleague of the mentor")
    member = scene.member_id("colleague of the mentor")
    publish(world, proposed(scene, "mentee", "colleague of the mentor"), source="matching")
    inbox.wait(colleague, "proposal_to_answer")
    assert any(colleague.encode() in v for v in _contact_values(world))
    later = proposed(scene, "mentee", "colleague of the mentor")  # published after the erasure

    with world.reader(scene.tokens["colleague of the mentor"]) as http:
        erased = http.delete(f"{world.url('registry')}/me", params={"confirm": member})
        assert erased.status_code == 200, erased.text

    prefix = f"{world.env['MENTORNET_DB_PREFIX']}_notifications_"
    with mongo(world) as client:

        def nowhere_in_the_store() -> bool:
            """no document of the notifications service holds the address or the member"""
            for name in client.list_database_names():
                if not name.startswith(prefix):
                    continue
                for collection in client[name].list_collection_names():
                    if collection == "erased_members":
                        continue  # the id alone, so no late record brings them back
                    for document in client[name][collection].find({}):
                        text = json.dumps(document, default=str)
                        if colleague in text or (
                            member in text
                            and collection not in ("relationships", "circles", "programmes")
                        ):
                            return False
            return True

        eventually(nowhere_in_the_store, timeout=30)

    # Kafka: the registry's tombstone, then compaction, removes every value that held it.
    deadline = time.monotonic() + 240
    while any(colleague.encode() in v for v in _contact_values(world)):
        assert time.monotonic() < deadline, "the address is still on the contacts topic"
        time.sleep(5)

    # A later occasion mails nobody: the address is gone.
    sent = publish(world, later, source="matching")
    envelope = later
    wait_consumed(world, "notifications", sent)  # read and decided: to nobody
    assert [
        d
        for d in decided(world, scene.a.id, member, MailKind.PROPOSAL_TO_ANSWER)
        if later.data["proposal_id"] in d
    ] == []
    assert [m for m in inbox.to(colleague) if envelope.data["proposal_id"] in m.delivery] == []


def test_no_mail_carries_anything_anyone_wrote(scene: Scene, inbox: Inbox) -> None:
    """Every mail of this module, read back whole (headers, text, HTML, calendar), against
    every text the tests wrote into the network."""
    assert len(WRITTEN) >= 10
    people = [
        "mentor",
        "mentee",
        "coordinator",
        "colleague of the mentor",
        "co-ordinator of another programme",
    ]
    mails = [m for who in people for m in inbox.to(address(scene, who))]
    assert len(mails) >= 15
    for mail in mails:
        whole = mail.everything()
        leaked = [w for w in WRITTEN if w in whole]
        assert not leaked, f"{mail.subject!r} carries {leaked}"
