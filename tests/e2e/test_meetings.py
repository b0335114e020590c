"""End to end: meetings of a relationship, their .ics files and personal calendar feeds,
against the real sessions service (real Kafka, real FerretDB, real signed tokens).

The scene (tests/e2e/sessions_scene.py): A's member mentors B's member across organisations
in a programme whose meetings last 30 to 120 minutes, co-ordinated by a member of B, with
every outsider the confidentiality rules name. Two more relationships of this module's own:
one inside organisation A (to end it), one across organisations whose mentee is erased.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar

from services.sessions.adapters.calendar_ics import event_uid
from services.sessions.adapters.erasure import FORMER_MEMBER
from shared.contracts.registry import MemberErased
from shared.contracts.sessions import MeetingHeld
from shared.events.catalogue import new_event
from tests.e2e.conftest import World
from tests.e2e.sessions_scene import Scene, build_scene
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually
from tests.e2e.topic_records import of_type, relationship_events

LONDON = ZoneInfo("Europe/London")
# Free text parties write: it must never leave the sessions service in an event.
MARKERS = {
    "planned": "lantern-quay-6b1f",
    "held": "tidepool-room-93ad",
    "direct": "north-gate-2c7e",
    "bad": "should-never-exist-5d0a",
    "erased": "erased-mentees-nook-8e4b",
    "kept": "mentors-study-1a9c",
}


def local(moment: datetime) -> str:
    """A naive local London time, as a person types it."""
    return moment.astimezone(LONDON).replace(tzinfo=None).isoformat(timespec="seconds")


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "quince")


@pytest.fixture(scope="module")
def meetings(scene: Scene) -> dict[str, dict[str, Any]]:
    """On the scene's relationship: a planned meeting next week (London), one planned a
    moment from now and then held, one recorded as held directly yesterday (Tokyo), and a
    cancelled one."""
    base = f"/relationships/{scene.relationship}/meetings"
    now = datetime.now(UTC).replace(microsecond=0)
    next_week = now.astimezone(LONDON).replace(hour=18, minute=0, second=0) + timedelta(days=7)
    made: dict[str, dict[str, Any]] = {}
    body = {
        "starts_at": local(next_week),
        "time_zone": "Europe/London",
        "minutes": 60,
        "method": "face_to_face",
        "location": MARKERS["planned"],
    }
    created = scene.call("mentee", "POST", base, body)
    assert created.status_code == 201, created.text
    made["next_week"] = created.json()
    soon = {
        "starts_at": (now + timedelta(minutes=2)).isoformat(),
        "minutes": 45,
        "method": "video",
    }
    created = scene.call("mentor", "POST", base, soon)
    assert created.status_code == 201, created.text
    made["soon"] = created.json()
    held = scene.call(
        "mentee",
        "POST",
        f"{base}/{made['soon']['id']}/held",
        {"starts_at": (now - timedelta(minutes=50)).isoformat(), "minutes": 50},
    )
    assert held.status_code == 200, held.text
    made["soon"] = held.json()
    yesterday = datetime.now(ZoneInfo("Asia/Tokyo")).replace(microsecond=0) - timedelta(days=1)
    direct = {
        "status": "held",
        "starts_at": yesterday.replace(tzinfo=None).isoformat(),
        "time_zone": "Asia/Tokyo",
        "minutes": 120,
        "method": "telephone",
        "location": MARKERS["direct"],
    }
    created = scene.call("mentor", "POST", base, direct)
    assert created.status_code == 201, created.text
    made["direct"] = created.json()
    doomed = {**body, "starts_at": local(next_week + timedelta(days=14)), "location": None}
    created = scene.call("mentor", "POST", base, doomed)
    assert created.status_code == 201, created.text
    cancelled = scene.call("mentee", "POST", f"{base}/{created.json()['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    made["cancelled"] = cancelled.json()
    return made


def test_parties_plan_hold_and_cancel_and_the_coordinator_reads(
    scene: Scene, meetings: dict[str, dict[str, Any]]
) -> None:
    base = f"/relationships/{scene.relationship}/meetings"
    next_week = meetings["next_week"]
    assert next_week["status"] == "planned" and next_week["time_zone"] == "Europe/London"
    assert next_week["planned_by"] == scene.ids["mentee"]
    assert next_week["location"] == MARKERS["planned"]
    assert datetime.fromisoformat(next_week["local_starts_at"]).hour == 18
    soon = meetings["soon"]
    assert soon["status"] == "held" and soon["minutes"] == 50 and soon["method"] == "video"
    assert soon["planned_by"] == scene.ids["mentor"]
    assert soon["recorded_by"] == scene.ids["mentee"]
    direct = meetings["direct"]
    assert direct["status"] == "held" and direct["planned_by"] is None
    assert datetime.fromisoformat(direct["local_starts_at"]).utcoffset() == timedelta(hours=9)
    assert meetings["cancelled"]["status"] == "cancelled"
    # A meeting is held once and cancelled once: the second attempt is a conflict.
    again = scene.call("mentor", "POST", f"{base}/{soon['id']}/held")
    assert again.status_code == 409, again.text
    again = scene.call("mentor", "POST", f"{base}/{meetings['cancelled']['id']}/cancel")
    assert again.status_code == 409, again.text
    again = scene.call("mentor", "POST", f"{base}/{meetings['cancelled']['id']}/held")
    assert again.status_code == 409, again.text
    # Parties and the programme's co-ordinator read; the co-ordinator writes nothing.
    expected = sorted(m["id"] for m in meetings.values())
    for reader in ("mentor", "mentee", "coordinator"):
        listed = scene.call(reader, "GET", base)
        assert listed.status_code == 200, listed.text
        assert sorted(m["id"] for m in listed.json()) == expected
        starts = [m["starts_at"] for m in listed.json()]
        assert starts == sorted(starts)
        one = scene.call(reader, "GET", f"{base}/{next_week['id']}")
        assert one.status_code == 200 and one.json()["location"] == MARKERS["planned"]
    body = {"starts_at": next_week["starts_at"], "minutes": 60, "method": "video"}
    assert scene.call("coordinator", "POST", base, body).status_code == 404
    assert scene.call("coordinator", "POST", f"{base}/{next_week['id']}/cancel").status_code == 404
    assert scene.call("coordinator", "POST", f"{base}/{next_week['id']}/held").status_code == 404
    assert scene.call("mentor", "GET", f"{base}/mtg_0000000000000000").status_code == 404


def test_one_meeting_downloads_as_ics_with_the_right_times_in_the_right_zone(
    scene: Scene, meetings: dict[str, dict[str, Any]]
) -> None:
    next_week = meetings["next_week"]
    path = f"/relationships/{scene.relationship}/meetings/{next_week['id']}.ics"
    for reader in ("mentee", "coordinator"):
        downloaded = scene.call(reader, "GET", path)
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.headers["content-type"].startswith("text/calendar")
        assert "attachment" in downloaded.headers["content-disposition"]
        calendar = Calendar.from_ical(downloaded.content)
        assert str(calendar["METHOD"]) == "PUBLISH"
        [event] = calendar.events
        assert str(event["UID"]) == event_uid(next_week["id"])
        assert str(event["SUMMARY"]) == "Mentoring meeting"
        assert event.start == datetime.fromisoformat(next_week["starts_at"])
        assert isinstance(event.start, datetime)
        assert event.start.tzinfo == LONDON and event.start.hour == 18
        assert event.end - event.start == timedelta(minutes=60)
        assert "DTSTAMP" in event
        assert b"DTSTART;TZID=Europe/London:" in downloaded.content
        for who in ("mentor", "mentee"):
            assert scene.ids[who] not in downloaded.text
    # A meeting given with an offset only is exported in UTC.
    soon = meetings["soon"]
    path = f"/relationships/{scene.relationship}/meetings/{soon['id']}.ics"
    downloaded = scene.call("mentor", "GET", path)
    assert downloaded.status_code == 200, downloaded.text
    [event] = Calendar.from_ical(downloaded.content).events
    assert event.start == datetime.fromisoformat(soon["starts_at"])
    assert isinstance(event.start, datetime) and event.start.utcoffset() == timedelta(0)
    assert b"DTSTART:" in downloaded.content and b"Z\r\n" in downloaded.content


def feed_events(url: str) -> dict[str, Any]:
    """The events of a feed fetched as a calendar app does (no Authorization header), by
    UID (`event_uid` of the meeting's id)."""
    fetched = httpx.get(url, timeout=15)
    assert fetched.status_code == 200, fetched.text
    assert fetched.headers["content-type"].startswith("text/calendar")
    assert "authorization" not in {k.lower() for k in fetched.request.headers}
    return {str(e["UID"]): e for e in Calendar.from_ical(fetched.content).events}


def test_the_calendar_feed_works_without_a_token_rotates_and_revokes(
    scene: Scene, meetings: dict[str, dict[str, Any]]
) -> None:
    assert scene.call("mentee", "GET", "/members/me/calendar-feed").json()["active"] is False
    created = scene.call("mentee", "POST", "/members/me/calendar-feed")
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    assert url.startswith(scene.world.url("sessions") + "/calendar/cal." + scene.b.id + ".")
    assert url.endswith(".ics")
    assert scene.call("mentee", "GET", "/members/me/calendar-feed").json()["active"] is True
    events = feed_events(url)
    # Planned and held meetings; the cancelled one is left out.
    wanted = {event_uid(meetings[k]["id"]) for k in ("next_week", "soon", "direct")}
    assert set(events) == wanted
    next_week = events[event_uid(meetings["next_week"]["id"])]
    assert next_week.start == datetime.fromisoformat(meetings["next_week"]["starts_at"])
    assert isinstance(next_week.start, datetime) and next_week.start.tzinfo == LONDON
    assert str(next_week["SUMMARY"]) == "Mentoring meeting"
    direct = events[event_uid(meetings["direct"]["id"])]
    assert isinstance(direct.start, datetime)
    assert direct.start.tzinfo == ZoneInfo("Asia/Tokyo")
    assert direct.end - direct.start == timedelta(minutes=120)
    # The mentor's own feed is another URL, with the same joint meetings.
    mentors = scene.call("mentor", "POST", f"/members/{scene.ids['mentor']}/calendar-feed")
    assert mentors.status_code == 201, mentors.text
    assert mentors.json()["url"] != url and set(feed_events(mentors.json()["url"])) == wanted
    # Rotating: the old URL is 404 at once, the new one works.
    rotated = scene.call("mentee", "POST", "/members/me/calendar-feed").json()["url"]
    assert rotated != url
    assert httpx.get(url, timeout=15).status_code == 404
    assert set(feed_events(rotated)) == wanted
    # Revoking: 404, and revoking again is fine.
    for _ in range(2):
        revoked = scene.call("mentee", "DELETE", "/members/me/calendar-feed")
        assert revoked.status_code == 204, revoked.text
    assert httpx.get(rotated, timeout=15).status_code == 404
    assert scene.call("mentee", "GET", "/members/me/calendar-feed").json()["active"] is False
    # A bearer token opens no feed: the URL is the credential.
    with_bearer = httpx.get(
        rotated, headers={"Authorization": f"Bearer {scene.tokens['mentee']['access_token']}"}
    )
    assert with_bearer.status_code == 404


def test_nobody_reaches_another_members_feed(scene: Scene) -> None:
    created = scene.call("mentor", "POST", "/members/me/calendar-feed")
    assert created.status_code == 201, created.text
    url: str = created.json()["url"]
    prefix, rest = url.split("/calendar/", 1)
    token = rest.removesuffix(".ics")
    _, organisation, secret = token.split(".")
    guesses = [
        f"cal.{organisation}.{secrets.token_urlsafe(32)}",  # right organisation, wrong secret
        f"cal.{scene.b.id}.{secret}",  # the secret presented for another organisation
        f"cal.{organisation}.{secret[:-1]}",
        f"cal.{organisation}.{secret}x",
        f"cal.{organisation.upper()}.{secret}",
        f"cal.{organisation}.{secret[::-1]}",
        f"cal.../../{organisation}.{secret}",
        f"{organisation}.{secret}",
        secret,
        "{token}",
    ]
    for guess in guesses:
        refused = httpx.get(f"{prefix}/calendar/{guess}.ics", timeout=15)
        assert refused.status_code == 404, f"{guess}: {refused.status_code}"
        assert "BEGIN:VCALENDAR" not in refused.text
    assert httpx.get(url, timeout=15).status_code == 200
    # Nobody manages another member's feed: every other caller gets 404, and the mentor's
    # feed is untouched by their attempts.
    others = [*scene.OUTSIDERS, "mentee", "coordinator"]
    for name in others:
        for method in ("GET", "POST", "DELETE"):
            path = f"/members/{scene.ids['mentor']}/calendar-feed"
            refused = scene.call(name, method, path)
            assert refused.status_code == 404, f"{name} {method}: {refused.text}"
    for client in ("integration client of the mentor's organisation",):
        refused = scene.call(client, "POST", "/members/me/calendar-feed")
        assert refused.status_code == 404, refused.text
    assert httpx.get(url, timeout=15).status_code == 200


def test_outsiders_can_neither_read_nor_write_meetings(
    scene: Scene, meetings: dict[str, dict[str, Any]]
) -> None:
    base = f"/relationships/{scene.relationship}/meetings"
    planned = meetings["next_week"]["id"]
    before = scene.call("mentor", "GET", base).json()
    body = {
        "starts_at": meetings["next_week"]["starts_at"],
        "minutes": 60,
        "method": "video",
        "location": MARKERS["bad"],
    }
    for name in scene.OUTSIDERS:
        attempts = [
            ("GET", base, None),
            ("GET", f"{base}/{planned}", None),
            ("GET", f"{base}/{planned}.ics", None),
            ("POST", base, body),
            ("POST", base, {**body, "status": "held", "starts_at": "2026-01-10T10:00:00Z"}),
            ("POST", f"{base}/{planned}/held", {"minutes": 60}),
            ("POST", f"{base}/{planned}/cancel", None),
        ]
        for method, path, payload in attempts:
            refused = scene.call(name, method, path, payload)
            assert refused.status_code == 404, f"{name} {method} {path}: {refused.text}"
            assert MARKERS["planned"] not in refused.text
    assert scene.call("mentor", "GET", base).json() == before


def test_bad_input_gets_a_clear_4xx_and_changes_nothing(
    scene: Scene, meetings: dict[str, dict[str, Any]]
) -> None:
    base = f"/relationships/{scene.relationship}/meetings"
    before = scene.call("mentor", "GET", base).json()
    tomorrow = local(datetime.now(UTC) + timedelta(days=1))
    last_month = local(datetime.now(UTC) - timedelta(days=30))
    good = {"starts_at": tomorrow, "time_zone": "Europe/London", "minutes": 60, "method": "video"}
    good["location"] = MARKERS["bad"]
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({**good, "minutes": 29}, 422, "30 to 120 minutes"),
        ({**good, "minutes": 121}, 422, "30 to 120 minutes"),
        ({**good, "status": "held"}, 422, "cannot have been held yet"),
        ({**good, "time_zone": "Mars/Olympus_Mons"}, 422, "unknown time zone"),
        ({**good, "time_zone": None}, 422, "time_zone"),
        ({**good, "starts_at": "2027-03-28T01:30:00"}, 422, "does not exist"),
        ({**good, "starts_at": last_month}, 422, "record a past meeting as held"),
        ({**good, "starts_at": "2126-01-01T10:00:00"}, 422, "five years"),
        ({**good, "starts_at": "next tuesday"}, 422, "starts_at"),
        ({**good, "method": "carrier_pigeon"}, 422, "method"),
        ({**good, "location": "x" * 201}, 422, "location"),
        ({**good, "status": "cancelled"}, 422, "status"),
        ({**good, "notes": "free text"}, 422, "notes"),
        ({k: v for k, v in good.items() if k != "minutes"}, 422, "minutes"),
    ]
    for body, status, reason in cases:
        refused = scene.call("mentee", "POST", base, body)
        assert refused.status_code == status, f"{body}: {refused.text}"
        assert reason in refused.text, f"{body}: {refused.text}"
        assert refused.json()["detail"]
    planned = meetings["next_week"]["id"]
    held = f"{base}/{planned}/held"
    held_cases: list[tuple[dict[str, Any], str]] = [
        ({}, "cannot have been held yet"),  # it is next week
        ({"starts_at": "2026-01-05T10:00:00Z", "minutes": 500}, "30 to 120 minutes"),
        ({"starts_at": "2026-01-05T10:00:00", "time_zone": "Nowhere/City"}, "unknown time zone"),
    ]
    for changes, reason in held_cases:
        refused = scene.call("mentee", "POST", held, changes)
        assert refused.status_code == 422, f"{changes}: {refused.text}"
        assert reason in refused.text, refused.text
    assert scene.call("mentor", "GET", base).json() == before


def test_a_party_moves_a_planned_meeting_and_subscribed_calendars_follow(scene: Scene) -> None:
    rel = scene.start_relationship(scene.programme)
    base = f"/relationships/{rel}/meetings"
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    planned = scene.call(
        "mentee",
        "POST",
        base,
        {"starts_at": first.isoformat(), "minutes": 60, "method": "video", "location": "Room 4"},
    )
    assert planned.status_code == 201, planned.text
    meeting = f"{base}/{planned.json()['id']}"
    feed = scene.call("mentor", "POST", "/members/me/calendar-feed").json()["url"]
    uid = event_uid(planned.json()["id"])
    assert int(feed_events(feed)[uid].get("SEQUENCE", 0)) == 0
    later = first + timedelta(days=2, hours=1)
    moved = scene.call("mentor", "PATCH", meeting, {"starts_at": later.isoformat(), "minutes": 90})
    assert moved.status_code == 200, moved.text
    shown = scene.call("mentee", "GET", meeting).json()
    assert shown["status"] == "planned" and shown["revision"] == 1
    assert datetime.fromisoformat(shown["starts_at"]) == later and shown["minutes"] == 90
    assert shown["location"] == "Room 4" and shown["rescheduled_by"] == scene.ids["mentor"]
    event = feed_events(feed)[uid]  # same UID, a higher SEQUENCE: the calendar moves it
    assert event.start == later and int(event["SEQUENCE"]) == 1
    # Outsiders cannot move it; bad changes are refused and change nothing.
    for name in scene.OUTSIDERS:
        refused = scene.call(name, "PATCH", meeting, {"minutes": 45})
        assert refused.status_code in (401, 403, 404), f"{name}: {refused.text}"
    for changes, status, reason in [
        ({}, 422, "say what changes"),
        ({"minutes": 500}, 422, "minutes"),
        ({"starts_at": "2026-01-05T10:00:00Z"}, 422, "past"),
        ({"starts_at": "2027-01-05T10:00:00", "time_zone": "Nowhere/City"}, 422, "time zone"),
    ]:
        refused = scene.call("mentee", "PATCH", meeting, changes)
        assert refused.status_code == status and reason in refused.text, refused.text
    assert scene.call("mentee", "GET", meeting).json() == shown
    cancelled = scene.call("mentee", "POST", f"{meeting}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    late = scene.call("mentor", "PATCH", meeting, {"minutes": 45})
    assert late.status_code == 409, late.text


def test_an_ended_relationship_refuses_new_meetings(scene: Scene) -> None:
    # Inside organisation A: its meetings live in A's database.
    mentor, mentee = "mentor", "colleague of the mentor"
    rel = scene.start_relationship(scene.programme, mentor, mentee, (scene.a.id, scene.a.id))
    base = f"/relationships/{rel}/meetings"
    ahead = {
        "starts_at": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
        "minutes": 30,
        "method": "messaging",
    }
    planned = scene.call(mentee, "POST", base, ahead)
    assert planned.status_code == 201, planned.text
    feed = scene.call(mentee, "POST", "/members/me/calendar-feed").json()["url"]
    assert event_uid(planned.json()["id"]) in feed_events(feed)
    ended = scene.call(mentee, "POST", f"/relationships/{rel}/end", {"reason": "no_time"})
    assert ended.status_code == 200, ended.text
    past = {**ahead, "status": "held", "starts_at": "2026-11-01T10:00:00Z"}
    meeting = f"{base}/{planned.json()['id']}"
    for method, path, body in [
        ("POST", base, ahead),
        ("POST", base, past),
        ("POST", f"{meeting}/held", {"starts_at": "2026-11-01T10:00:00Z"}),
        ("POST", f"{meeting}/cancel", None),
    ]:
        refused = scene.call(mentor, method, path, body)
        assert refused.status_code == 409, f"{method} {path}: {refused.text}"
        assert "ended" in refused.json()["detail"]
    # The meeting that will not happen shows as cancelled, and leaves the feed.
    [shown] = scene.call(mentor, "GET", base).json()
    assert shown["status"] == "cancelled"
    assert event_uid(planned.json()["id"]) not in feed_events(feed)


def test_meeting_held_is_published_once_per_held_meeting_with_the_contracts_fields_only(
    world: World, scene: Scene, meetings: dict[str, dict[str, Any]]
) -> None:
    rel = scene.relationship
    held_ids = {meetings["soon"]["id"], meetings["direct"]["id"]}
    events, raw = relationship_events(
        world, {rel}, lambda found: len(of_type(found, "meeting.held", rel)) >= 2
    )
    published = of_type(events, "meeting.held", rel)
    assert sorted(e["data"]["meeting_id"] for e in published) == sorted(held_ids)
    for event in published:
        assert set(event["data"]) == set(MeetingHeld.model_fields)
        assert event["audience"] == "network"
        meeting = next(m for m in meetings.values() if m["id"] == event["data"]["meeting_id"])
        held_at = datetime.fromisoformat(event["data"]["held_at"])
        assert held_at == datetime.fromisoformat(meeting["starts_at"])
        assert event["data"]["minutes"] == meeting["minutes"]
        assert event["data"]["method"] == meeting["method"]
    for record in raw:
        for marker in MARKERS.values():
            assert marker.encode() not in record, f"{marker!r} left sessions in an event"


def test_erasure_keeps_the_joint_facts_and_removes_what_the_erased_member_wrote(
    world: World, scene: Scene
) -> None:
    erased_name, kept_name = "colleague of the mentee", "colleague of the mentor"
    rel = scene.start_relationship(scene.programme, kept_name, erased_name)
    base = f"/relationships/{rel}/meetings"
    now = datetime.now(UTC).replace(microsecond=0)
    theirs = scene.call(
        erased_name,
        "POST",
        base,
        {
            "starts_at": (now + timedelta(minutes=1)).isoformat(),
            "minutes": 40,
            "method": "face_to_face",
            "location": MARKERS["erased"],
        },
    ).json()
    held = scene.call(erased_name, "POST", f"{base}/{theirs['id']}/held")
    assert held.status_code == 200, held.text
    mine = scene.call(
        kept_name,
        "POST",
        base,
        {
            "starts_at": (now + timedelta(days=2)).isoformat(),
            "minutes": 90,
            "method": "video",
            "location": MARKERS["kept"],
        },
    )
    assert mine.status_code == 201, mine.text
    erased_feed = scene.call(erased_name, "POST", "/members/me/calendar-feed").json()["url"]
    kept_feed = scene.call(kept_name, "POST", "/members/me/calendar-feed").json()["url"]
    assert httpx.get(erased_feed, timeout=15).status_code == 200
    erased_id = member_id_of(world, scene.tokens[erased_name])
    erasure = new_event(
        MemberErased(member_id=erased_id, organisation_id=scene.b.id, erased_at=now),
        organisation=scene.b.id,
        subject=erased_id,
    )
    publish(world, erasure, erasure)  # delivered twice: erasure is idempotent

    def erased() -> bool:
        """the erased member's feed is gone"""
        return httpx.get(erased_feed, timeout=15).status_code == 404

    eventually(erased, timeout=30)

    def anonymised() -> bool:
        """the erased member's meeting names a former member"""
        shown = scene.call(kept_name, "GET", f"{base}/{theirs['id']}").json()
        return bool(shown["planned_by"] == FORMER_MEMBER)

    eventually(anonymised, timeout=30)
    listed = {m["id"]: m for m in scene.call(kept_name, "GET", base).json()}
    joint = listed[theirs["id"]]
    # The facts stay: when, how long, how, held.
    assert joint["status"] == "held" and joint["minutes"] == 40
    assert joint["method"] == "face_to_face" and joint["starts_at"] == held.json()["starts_at"]
    # What the erased member wrote or is named in goes.
    assert joint["location"] is None
    assert joint["planned_by"] == joint["recorded_by"] == joint["location_by"] == FORMER_MEMBER
    assert erased_id not in scene.call(kept_name, "GET", base).text
    # The other party's own record stays as it was; the relationship has ended (its only
    # mentee left the network), so the meeting still to come shows as cancelled.
    own = listed[mine.json()["id"]]
    assert own["location"] == MARKERS["kept"] and own["planned_by"] != FORMER_MEMBER
    assert own["status"] == "cancelled"
    ics = scene.call(kept_name, "GET", f"{base}/{theirs['id']}.ics")
    assert ics.status_code == 200 and MARKERS["erased"] not in ics.text
    assert "LOCATION" not in ics.text
    assert set(feed_events(kept_feed)) == {event_uid(theirs["id"])}
