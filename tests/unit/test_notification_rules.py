"""The notifications service's pure rules: signed unsubscribe links, when reminders and digests
fall due, preferences, what each mail says, and the calendar invitations."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from services.notifications.adapters.contact_book import Contact
from services.notifications.adapters.mail_renderer import MailRenderer
from services.notifications.domain import mails, wording
from services.notifications.domain.calendar_invite import invite_ics
from services.notifications.domain.kinds import DigestFrequency, MailKind
from services.notifications.domain.mails import CalendarInvite, Recipient
from services.notifications.domain.preferences import PreferenceChange, Preferences
from services.notifications.domain.schedule import digest_due, reminder_at
from services.notifications.domain.unsubscribe import Unsubscribe, read_token, token_for
from shared.calendar import meeting_uid

KEY = b"k" * 32
ALICE = Unsubscribe("org_aaaaaaaaaaaa", "mem_1111111111111111", MailKind.MEETING_REMINDER)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


# --- unsubscribe links -------------------------------------------------------------------


def test_a_signed_link_names_its_person_and_kind() -> None:
    assert read_token(KEY, token_for(KEY, ALICE)) == ALICE


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace("mem_1111111111111111", "mem_2222222222222222"),  # another person
        lambda t: t.replace("meeting_reminder", "unread_messages"),  # another kind
        lambda t: t.replace("org_aaaaaaaaaaaa", "org_bbbbbbbbbbbb"),  # another organisation
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a changed signature
        lambda t: t.rsplit(".", 1)[0],  # no signature
        lambda t: t + ".x",  # a part too many
        lambda _: "org_a.mem_b.meeting_reminder.forged",  # made up
        lambda t: t.replace("meeting_reminder", "no_such_kind"),
    ],
)
def test_a_forged_or_altered_link_is_refused(forge: object) -> None:
    token = token_for(KEY, ALICE)
    assert callable(forge)
    assert read_token(KEY, forge(token)) is None


def test_a_link_signed_with_another_key_is_refused() -> None:
    assert read_token(b"x" * 32, token_for(KEY, ALICE)) is None


def test_links_differ_by_person_and_kind() -> None:
    bob = Unsubscribe(ALICE.organisation_id, "mem_2222222222222222", ALICE.kind)
    other_kind = Unsubscribe(ALICE.organisation_id, ALICE.person_id, MailKind.SURVEY_DUE)
    signatures = {token_for(KEY, u).rsplit(".", 1)[1] for u in (ALICE, bob, other_kind)}
    assert len(signatures) == 3


# --- reminders, logs and digests in time --------------------------------------------------


def test_a_reminder_goes_at_nine_the_day_before_in_the_recipients_zone() -> None:
    # Tuesday 8 December 2026, 08:00 in London (GMT) = 08:00 UTC.
    start = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    london = reminder_at(start, "Europe/London", time(9, 0), NOW)
    assert london == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Monday 09:00 in London
    # In Auckland (UTC+13 in December) the meeting is on Tuesday at 21:00: Monday 09:00 there.
    auckland = reminder_at(start, "Pacific/Auckland", time(9, 0), NOW)
    assert auckland == datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    # In Los Angeles (UTC-8) it is Tuesday 00:00: the reminder is Monday 09:00 there.
    angeles = reminder_at(start, "America/Los_Angeles", time(9, 0), NOW)
    assert angeles == datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def test_a_reminder_keeps_the_local_hour_across_a_clock_change() -> None:
    # London's clocks go forward on Sunday 29 March 2026; a Monday meeting reminds on the
    # Sunday at 09:00 BST (08:00 UTC), not 09:00 UTC.
    start = datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    at = reminder_at(start, "Europe/London", time(9, 0), datetime(2026, 3, 1, tzinfo=UTC))
    assert at == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_no_reminder_when_its_time_has_passed_and_unknown_zones_are_utc() -> None:
    start = NOW + timedelta(hours=20)
    assert reminder_at(start, "Europe/London", time(9, 0), NOW) is None
    later = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    assert reminder_at(later, "Mars/Olympus", time(9, 0), NOW) == datetime(
        2026, 12, 9, 9, 0, tzinfo=UTC
    )


def test_a_digest_waits_for_its_items_to_settle_and_for_the_persons_frequency() -> None:
    settle = timedelta(minutes=30)
    fresh = NOW - timedelta(minutes=5)
    old = NOW - timedelta(hours=2)
    assert not digest_due(fresh, None, DigestFrequency.DAILY, settle, NOW)
    assert digest_due(old, None, DigestFrequency.DAILY, settle, NOW)
    assert not digest_due(old, NOW - timedelta(hours=3), DigestFrequency.DAILY, settle, NOW)
    assert digest_due(old, NOW - timedelta(hours=3), DigestFrequency.HOURLY, settle, NOW)
    assert not digest_due(old, NOW - timedelta(days=3), DigestFrequency.WEEKLY, settle, NOW)


# --- preferences -------------------------------------------------------------------------


def test_everything_is_on_daily_until_the_person_chooses() -> None:
    p = Preferences()
    assert all(p.wants(k) for k in MailKind)
    assert p.digest_frequency is DigestFrequency.DAILY
    assert [c.kind for c in p.choices()] == [k for k in MailKind if k is not MailKind.INVITATION]


def test_a_change_touches_only_what_it_names_and_unsubscribing_turns_one_kind_off() -> None:
    p = Preferences().changed(
        PreferenceChange(kinds={MailKind.ALERTS: False}, digest_frequency=DigestFrequency.WEEKLY)
    )
    assert not p.wants(MailKind.ALERTS) and p.wants(MailKind.UNREAD_MESSAGES)
    assert p.digest_frequency is DigestFrequency.WEEKLY
    p = p.changed(PreferenceChange(kinds={MailKind.ALERTS: True}))
    assert p.wants(MailKind.ALERTS) and p.digest_frequency is DigestFrequency.WEEKLY
    p = p.without(MailKind.SURVEY_DUE)
    assert not p.wants(MailKind.SURVEY_DUE) and p.wants(MailKind.ALERTS)


# --- what mails say ----------------------------------------------------------------------

TO = Recipient(organisation_id="org_aaaaaaaaaaaa", person_id="mem_1111111111111111")


def _invite(method: str = "REQUEST", sequence: int = 0) -> CalendarInvite:
    return CalendarInvite(
        method="CANCEL" if method == "CANCEL" else "REQUEST",
        meeting_id="meeting:rel_5d2c7a9e1b3f4a6c:0000000003",
        starts_at=datetime(2026, 12, 8, 18, 0, tzinfo=UTC),
        time_zone="Europe/London",
        minutes=60,
        how=wording.method("video"),
        sequence=sequence,
        link="/relationships/rel_5d2c7a9e1b3f4a6c/meetings",
    )


def test_a_count_of_unread_messages_reads_as_words() -> None:
    assert wording.unread_line(3, "Aroha") == "three unread messages from Aroha"
    assert wording.unread_line(1, "Aroha") == "one unread message from Aroha"
    assert wording.unread_line(14, "Aroha") == "14 unread messages from Aroha"
    assert wording.alert_line("no_first_meeting", 2) == (
        "two relationships have not had a first meeting yet"
    )
    assert wording.alert_line("contact_overdue", 1) == (
        "one relationship is overdue for contact after a meeting"
    )
    assert wording.alert_line("circle_concern", 1) == "one concern was raised about a circle"
    assert wording.alert_line("circle_concern", 2) == "two concerns were raised about a circle"


def test_a_meeting_mail_shows_the_time_in_the_recipients_zone() -> None:
    auckland = TO.model_copy(update={"time_zone": "Pacific/Auckland"})
    mail = mails.meeting_change(auckland, "planned", _invite(), "rel_5d2c7a9e1b3f4a6c")
    assert "Wednesday 9 December 2026 at 07:00 (Pacific/Auckland)" in mail.lines[0]
    london = mails.meeting_change(TO, "moved", _invite(sequence=1), "rel_5d2c7a9e1b3f4a6c")
    assert "Tuesday 8 December 2026 at 18:00 (Europe/London)" in london.lines[0]


def test_each_mail_is_decided_once_per_kind_occasion_and_person() -> None:
    first = mails.meeting_change(TO, "moved", _invite(sequence=1), "rel_x")
    again = mails.meeting_change(TO, "moved", _invite(sequence=1), "rel_x")
    moved_twice = mails.meeting_change(TO, "moved", _invite(sequence=2), "rel_x")
    assert first.delivery_id == again.delivery_id != moved_twice.delivery_id
    other = TO.model_copy(update={"person_id": "mem_2222222222222222"})
    assert mails.proposal_accepted(TO, "prp_1").delivery_id != (
        mails.proposal_accepted(other, "prp_1").delivery_id
    )


@pytest.mark.parametrize(("method", "status"), [("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED")])
def test_the_calendar_invitation_keeps_the_meetings_uid_and_sequence(
    method: str, status: str
) -> None:
    ics = invite_ics(_invite(method, 2), "notify@example.org", "a@example.org", "https://p/x", NOW)
    calendar = Calendar.from_ical(ics)
    assert str(calendar["METHOD"]) == method
    [event] = calendar.events
    assert str(event["UID"]) == meeting_uid("meeting:rel_5d2c7a9e1b3f4a6c:0000000003")
    assert event.get("SEQUENCE") == 2
    assert str(event["STATUS"]) == status
    assert event.start == datetime(2026, 12, 8, 18, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Mentoring meeting"
    assert "LOCATION" not in event


def test_a_rendered_mail_has_text_html_one_click_unsubscribe_and_the_invitation() -> None:
    renderer = MailRenderer(
        "mentornet <notify@example.org>", "https://portal.example", "https://n.example", KEY
    )
    mail = mails.meeting_change(TO, "cancelled", _invite("CANCEL", 1), "rel_x")
    contact = Contact(
        person_id=TO.person_id,
        organisation_id=TO.organisation_id,
        email="a@example.org",
        name="Aroha",
    )
    message = renderer.message(mail, contact, NOW)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"] == "Aroha <a@example.org>"
    unsubscribe = parsed["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://n.example/unsubscribe/") and unsubscribe.endswith(">")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe[1:-1].rsplit("/", 1)[1]
    assert read_token(KEY, token) == Unsubscribe(
        TO.organisation_id, TO.person_id, MailKind.MEETING_CHANGES
    )
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    assert "Hello Aroha," in text.get_content()
    assert "https://portal.example/relationships/rel_x/meetings" in html.get_content()
    assert "https://portal.example/profile/notifications" in text.get_content()
    [calendar] = [p for p in parsed.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "CANCEL"
    assert "METHOD:CANCEL" in calendar.get_content()
