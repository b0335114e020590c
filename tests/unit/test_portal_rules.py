"""The portal's pure rules: where sign-in may lead, whether an answer belongs to a sign-in,
sessions' lifetimes, what needs a person now, names by consent, refusals over forms, and
server-sent events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.portal.domain.event_stream import html_event, read_events
from services.portal.domain.forms import from_service
from services.portal.domain.home import HomeFacts, Urgency, next_actions
from services.portal.domain.people import People, PersonCard, references
from services.portal.domain.sign_in import Attempt, check_return, code_challenge, digest
from services.portal.domain.web_session import Lifetimes, WebSession, safe_next

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/relationships/rel_1/messages", "/relationships/rel_1/messages"),
        ("/surveys?x=1#a", "/surveys?x=1#a"),
        (None, "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("relative/path", "/"),
        ("/ok\r\nSet-Cookie: x=y", "/"),
    ],
)
def test_sign_in_only_ever_leads_to_a_page_of_the_portal(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def _attempt(created: datetime = NOW) -> Attempt:
    return Attempt("state-1234567890abcdef", "v" * 43, digest("browser-secret"), "/", None, created)


def test_an_answer_counts_only_for_this_browser_this_server_and_lately() -> None:
    issuer = "https://registry.example"
    ok = check_return(
        _attempt(), browser_secret="browser-secret", issuer=issuer, expected=issuer, now=NOW
    )
    assert ok is None
    for refusal in (
        check_return(
            None, browser_secret="browser-secret", issuer=issuer, expected=issuer, now=NOW
        ),
        check_return(_attempt(), browser_secret="another", issuer=issuer, expected=issuer, now=NOW),
        check_return(_attempt(), browser_secret=None, issuer=issuer, expected=issuer, now=NOW),
        check_return(
            _attempt(),
            browser_secret="browser-secret",
            issuer="https://mix-up.example",
            expected=issuer,
            now=NOW,
        ),
        check_return(
            _attempt(NOW - timedelta(minutes=11)),
            browser_secret="browser-secret",
            issuer=issuer,
            expected=issuer,
            now=NOW,
        ),
    ):
        assert refusal is not None and refusal.message


def test_pkce_s256_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def _session(created: datetime, seen: datetime, access_until: datetime) -> WebSession:
    return WebSession(
        "key",
        "mem_1",
        "org_1",
        frozenset(),
        "a",
        "r",
        access_until,
        "csrf",
        created,
        seen,
        "A",
        "UTC",
    )


def test_a_session_ends_when_idle_or_old_and_refreshes_a_minute_ahead() -> None:
    lifetimes = Lifetimes(idle=timedelta(minutes=30), absolute=timedelta(hours=12))
    fresh = _session(NOW, NOW, NOW + timedelta(minutes=15))
    assert not fresh.ended(NOW + timedelta(minutes=29), lifetimes)
    assert fresh.ended(NOW + timedelta(minutes=30), lifetimes)
    busy = _session(NOW - timedelta(hours=12), NOW, NOW + timedelta(minutes=15))
    assert busy.ended(NOW, lifetimes), "12 hours is the end, however busy"
    assert not fresh.needs_refresh(NOW + timedelta(minutes=13))
    assert fresh.needs_refresh(NOW + timedelta(minutes=14))


def test_what_needs_me_comes_in_the_order_a_person_would_deal_with_it() -> None:
    facts = HomeFacts(
        proposals=[("prp_1", "Aroha, Kowhai", NOW)],
        signatures=[("rel_1", "Aroha", 2)],
        to_log=[("rel_1", "Aroha", NOW - timedelta(days=2))],
        to_confirm=[("rel_1", "Aroha", NOW - timedelta(days=1))],
        unread=[("/relationships/rel_1/messages", "Aroha", 3)],
        surveys=[("srv_1", "How is it going?", NOW + timedelta(days=5))],
        reminders=[
            ("Answer the pulse check", "srv_1", NOW),  # the survey is listed already
            ("Have you planned your first meeting?", None, NOW),
        ],
    )
    actions = next_actions(facts)
    assert [a.urgency for a in actions] == sorted(a.urgency for a in actions)
    assert actions[0].link == "/proposals#prp_1"
    assert [a.title for a in actions if a.urgency is Urgency.RECORD] == [
        "Write up your meeting with Aroha",
        "Did your meeting with Aroha happen?",
    ], "oldest first within a kind"
    assert "3 unread messages from Aroha" in [a.title for a in actions]
    nudges = [a.title for a in actions if a.urgency is Urgency.NUDGE]
    assert nudges == ["Have you planned your first meeting?"], "no reminder repeats a survey"


def test_people_are_named_only_as_the_registry_allows() -> None:
    people = People(
        [
            PersonCard(
                member_id="mem_a",
                organisation_id="org_1",
                organisation_name="Kowhai",
                display_name="Aroha",
            ),
            PersonCard(member_id="mem_b", organisation_id="org_2", organisation_name="Harbour"),
            PersonCard(member_id="mem_c", organisation_id="org_2", former_member=True),
        ],
        me="mem_me",
    )
    assert people.label("mem_a") == "Aroha, Kowhai"
    assert people.name("mem_b") == "someone at Harbour"
    assert people.label("mem_b") == "someone at Harbour", "the organisation is named once"
    assert people.name("mem_c") == "a former member"
    assert people.name("mem_me") == "you"
    assert people.name("mem_unknown") == "someone in the network"
    assert references([("org_1", "mem_a"), ("org_1", "mem_a"), ("org_2", "mem_b")]) == [
        "org_1/mem_a",
        "org_2/mem_b",
    ]


def test_a_refusal_lands_beside_the_fields_it_names() -> None:
    problems = from_service(
        "the request does not have the expected shape; see `fields`",
        {"terms.duration": "String should have at least 1 character", "version": "x"},
        known=("duration", "confidentiality"),
    )
    assert problems.fields == {"duration": "String should have at least 1 character."}
    assert problems.message == "Version: x."
    plain = from_service("the relationship has ended", {}, known=("text",))
    assert plain.message == "The relationship has ended." and not plain.fields


def test_server_sent_events_are_read_and_written_as_the_format_says() -> None:
    lines = [": keep-alive", "", "id: 7", "event: message", 'data: {"a":', "data: 1}", "", ""]
    (event,) = list(read_events(lines))
    assert (event.id, event.event, event.data) == ("7", "message", '{"a":\n1}')
    written = html_event("<li>one</li>\n<li>two</li>", "8")
    assert written == "id: 8\ndata: <li>one</li>\ndata: <li>two</li>\n\n"
    assert next(read_events(written.split("\n"))).data == "<li>one</li>\n<li>two</li>"
