"""Webhooks' pure rules: each organisation's payloads (only its own people, never text), the
address rules against server-side request forgery, the retry schedule, the disable rule, the
signed CloudEvents message as a partner verifies it, and who may manage webhooks."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cloudevents.core.formats.json import JSONFormat
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.domain.webhook_access import ensure_admin
from services.notifications.domain.webhook_addresses import (
    RefusedAddressError,
    address_refusal,
    target,
)
from services.notifications.domain.webhook_events import BY_TYPE, CATALOGUE, Known, Party
from services.notifications.domain.webhook_messages import (
    body,
    cloud_event,
    message_id,
    signed_headers,
)
from services.notifications.domain.webhook_retries import (
    delivered,
    next_attempt_at,
    parse_schedule,
    should_disable,
)
from shared.auth.principal import CallerKind, Principal, Role
from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberRegistered,
    ProgrammePublished,
    ProgrammeStatusChanged,
    RoleGranted,
    RoleRevoked,
)
from shared.contracts.sessions import (
    AgreementSigned,
    GoalAchieved,
    MeetingHeld,
    MeetingLogWritten,
    RelationshipEnded,
    RelationshipPhaseChanged,
    RelationshipStarted,
)
from shared.errors import NotFoundError

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
A, B = "org_aaaaaaaaaaaa", "org_bbbbbbbbbbbb"
MENTOR, MENTEE = "mem_a000000000000001", "mem_b000000000000002"
REL, PRG = "rel_1111111111111111", "prg_222222222222"
PAIR = {
    "mentor_id": MENTOR,
    "mentor_organisation_id": A,
    "mentee_id": MENTEE,
    "mentee_organisation_id": B,
}
PARTIES = Known(parties=(Party(MENTOR, A, "mentor"), Party(MENTEE, B, "mentee")))
PROGRAMME = Known(programme_organisations=(A, B))

# One event of every subscribable type, across two organisations where it can be.
EXAMPLES: list[tuple[Any, Known]] = [
    (
        MemberRegistered(member_id=MENTOR, organisation_id=A, roles=["member"], registered_at=NOW),
        Known(),
    ),
    (
        RoleGranted(
            member_id=MENTOR, organisation_id=A, role="organisation_admin", granted_by=MENTOR
        ),
        Known(),
    ),
    (
        RoleRevoked(
            member_id=MENTOR, organisation_id=A, role="organisation_admin", revoked_by=MENTOR
        ),
        Known(),
    ),
    (MemberEnrolled(programme_id=PRG, member_id=MENTEE, organisation_id=B, role="mentee"), Known()),
    (MemberErased(member_id=MENTEE, organisation_id=B, erased_at=NOW), Known()),
    (
        ProgrammePublished(
            programme_id=PRG,
            owner_organisation_id=A,
            organisations=[A, B],
            coordinators=[MENTOR],
            model="one_to_one",
            starts_on=date(2027, 1, 4),
            ends_on=date(2027, 12, 17),
            meeting_every_days=28,
            min_meeting_minutes=45,
            max_meeting_minutes=90,
            max_mentees_per_mentor=1,
            require_different_sectors=False,
            self_match=False,
        ),
        Known(),
    ),
    (ProgrammeStatusChanged(programme_id=PRG, status="running"), PROGRAMME),
    (MatchAccepted(proposal_id="prp_1", programme_id=PRG, accepted_at=NOW, **PAIR), Known()),
    (
        RelationshipStarted(
            relationship_id=REL, proposal_id="prp_1", programme_id=PRG, started_at=NOW, **PAIR
        ),
        Known(),
    ),
    (
        RelationshipPhaseChanged(
            relationship_id=REL, programme_id=PRG, phase="setting_direction", changed_at=NOW
        ),
        PARTIES,
    ),
    (
        RelationshipEnded(
            relationship_id=REL,
            programme_id=PRG,
            ended_by="mentee",
            ended_early=False,
            reason="goals_achieved",
            rematch_requested=False,
            ended_at=NOW,
            **PAIR,
        ),
        Known(),
    ),
    (
        AgreementSigned(relationship_id=REL, programme_id=PRG, version=2, signed_at=NOW, **PAIR),
        Known(),
    ),
    (
        MeetingHeld(
            meeting_id="meeting:x:1",
            relationship_id=REL,
            programme_id=PRG,
            held_at=NOW,
            minutes=60,
            method="video",
        ),
        PARTIES,
    ),
    (MeetingLogWritten(relationship_id=REL, programme_id=PRG, written_at=NOW), PARTIES),
    (
        GoalAchieved(
            relationship_id=REL, programme_id=PRG, goal_id="gol_1", term="short", achieved_at=NOW
        ),
        PARTIES,
    ),
    (
        SurveyCompleted(
            survey_id="srv_1",
            template_id="tpl_mentee_end",
            template_version=1,
            kind="mentee",
            programme_id=PRG,
            relationship_id=REL,
            organisation_id=B,
            respondent_role="mentee",
            scores={"q1": 5},
            completed_at=NOW,
        ),
        Known(),
    ),
]
# What a payload may hold: ids, codes, numbers, flags and times; never free text.
ALLOWED_KEYS = {
    "member_id", "members", "role", "roles", "registered_at", "programme_id", "model",
    "starts_on", "ends_on", "owned", "status", "proposal_id", "accepted_at", "relationship_id",
    "started_at", "phase", "changed_at", "ended_early", "ended_at", "version", "signed_at",
    "meeting_id", "held_at", "minutes", "written_at", "goal_id", "term", "achieved_at",
    "survey_id", "kind", "respondent_role", "completed_at",
}  # fmt: skip
TEXT_KEYS = {"text", "body", "note", "notes", "answers", "scores", "comment", "reason", "name"}


def _values(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [v for item in value.values() for v in _values(item)]
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    return [value]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def test_every_subscribable_type_has_an_example_and_the_catalogue_is_the_brief() -> None:
    assert {type(e).event_type for e, _ in EXAMPLES} == set(BY_TYPE)
    assert len(CATALOGUE) == len(BY_TYPE) == 16
    assert all(t.description and t.description[0].islower() for t in CATALOGUE)


@pytest.mark.parametrize(("event", "known"), EXAMPLES, ids=lambda x: getattr(x, "event_type", ""))
def test_payloads_carry_only_ids_codes_and_times_of_their_own_organisation(
    event: Any, known: Known
) -> None:
    payloads = BY_TYPE[type(event).event_type].payloads(event, known)
    assert payloads, "every example reaches at least one organisation"
    for organisation, data in payloads:
        assert organisation in (A, B)
        assert _keys(data) <= ALLOWED_KEYS and not _keys(data) & TEXT_KEYS
        values = _values(data)
        other, other_member = (B, MENTEE) if organisation == A else (A, MENTOR)
        assert other not in values and other_member not in values, (organisation, data)
        assert organisation not in values  # the receiver knows who it is
        for v in values:
            assert v is None or isinstance(v, (bool, int, float, str))
            if isinstance(v, str):
                assert " " not in v, f"{v!r} reads like text"


def test_a_cross_organisation_relationship_gives_each_its_own_party_and_role() -> None:
    started, _ = EXAMPLES[8]
    by_org = dict(BY_TYPE["relationship.started"].payloads(started, Known()))
    assert by_org[A]["members"] == [{"member_id": MENTOR, "role": "mentor"}]
    assert by_org[B]["members"] == [{"member_id": MENTEE, "role": "mentee"}]
    same = RelationshipStarted(
        relationship_id=REL, proposal_id="p", programme_id=PRG, started_at=NOW,
        mentor_id=MENTOR, mentor_organisation_id=A, mentee_id="mem_a2", mentee_organisation_id=A,
    )  # fmt: skip
    [(org, data)] = BY_TYPE["relationship.started"].payloads(same, Known())
    assert org == A and {m["member_id"] for m in data["members"]} == {MENTOR, "mem_a2"}


def test_the_survey_payload_never_has_the_answers() -> None:
    survey, _ = EXAMPLES[-1]
    [(org, data)] = BY_TYPE["survey.completed"].payloads(survey, Known())
    assert org == B and "scores" not in data and 5 not in _values(data)


def test_events_unknown_to_this_service_reach_nobody() -> None:
    held, _ = EXAMPLES[12]
    assert BY_TYPE["meeting.held"].payloads(held, Known()) == []
    status, _ = EXAMPLES[6]
    assert BY_TYPE["programme.status_changed"].payloads(status, Known()) == []


# --- the address rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://10.0.0.1/hook", "private"),
        ("https://192.168.1.1/hook", "private"),
        ("https://172.16.5.4/hook", "private"),
        ("https://100.64.0.1/hook", "shared address space"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[fe80::1]/hook", "link-local"),
        ("https://[fd00::1]/hook", "private"),
        ("https://[::1]/hook", "loopback"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://0.0.0.0/hook", "unspecified"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://240.0.0.1/hook", "reserved"),
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("http://hr.example.com/hook", "https"),
        ("ftp://hr.example.com/hook", "https"),
        ("https://user:pw@hr.example.com/hook", "password"),
        ("not a url", "https"),
    ],
)
def test_refused_urls_in_production(url: str, why: str) -> None:
    with pytest.raises(RefusedAddressError, match=why):
        target(url, allow_loopback=False)


def test_a_public_https_url_is_fine_and_loopback_only_on_a_local_network() -> None:
    assert target("https://hr.example.com:8443/h", allow_loopback=False).port == 8443
    assert target("https://93.184.216.34/h", allow_loopback=False).host == "93.184.216.34"
    assert target("http://127.0.0.1:9000/h", allow_loopback=True).port == 9000
    assert target("http://localhost/h", allow_loopback=True).port == 80
    with pytest.raises(RefusedAddressError):
        target("http://hr.example.com/h", allow_loopback=True)  # http only to loopback
    with pytest.raises(RefusedAddressError):
        target("https://10.0.0.1/h", allow_loopback=True)  # private stays refused


def test_address_rules_on_resolved_addresses() -> None:
    def refusal(a: str, loopback: bool = False) -> str | None:
        return address_refusal(ipaddress.ip_address(a), allow_loopback=loopback)

    assert refusal("8.8.8.8") is None and refusal("2606:4700::1111") is None
    assert refusal("127.0.0.1") and refusal("127.0.0.1", True) is None
    assert refusal("169.254.169.254", True) and refusal("10.1.2.3", True)
    assert refusal("::ffff:127.0.0.1") and refusal("100.127.255.255")


# --- retries and disabling ----------------------------------------------------------------


def test_the_retry_schedule() -> None:
    schedule = parse_schedule("0,5,300,1800,7200,18000,36000,36000")
    assert sum(schedule) / 3600 == pytest.approx(27.6, abs=0.1)  # about a day
    assert next_attempt_at(schedule, 1, NOW) == NOW + timedelta(seconds=5)
    assert next_attempt_at(schedule, 7, NOW) == NOW + timedelta(hours=10)
    assert next_attempt_at(schedule, 8, NOW) is None  # spent: failed
    assert parse_schedule(" 0, 1 ,2") == (0.0, 1.0, 2.0)
    for bad in ("", ",", "-1,2"):
        with pytest.raises(ValueError, match="schedule"):
            parse_schedule(bad)


def test_only_2xx_delivers() -> None:
    assert delivered(200) and delivered(204)
    assert not any(delivered(c) for c in (None, 199, 301, 302, 400, 410, 500, 503))


def test_an_endpoint_is_disabled_after_failing_long_with_no_success() -> None:
    day = timedelta(hours=24)
    assert not should_disable(None, NOW, day)
    assert not should_disable(NOW - timedelta(hours=23), NOW, day)
    assert should_disable(NOW - day, NOW, day)


# --- the message --------------------------------------------------------------------------


def test_a_message_verifies_as_a_partner_verifies_it_and_is_a_cloud_event() -> None:
    old, new = "whsec_" + "a" * 43 + "=", "whsec_" + "b" * 43 + "="
    started, _ = EXAMPLES[8]
    [(_, data)] = BY_TYPE["relationship.started"].payloads(started, Known())[:1]
    text = body(
        cloud_event(
            event_id="evt-1", source="sessions", event_type="relationship.started", time=NOW,
            data=data,
        )
    )  # fmt: skip
    msg = message_id("whe_1", "evt-1")
    assert msg == message_id("whe_1", "evt-1") != message_id("whe_2", "evt-1")
    at = datetime.now(UTC)
    headers = signed_headers(msg, at, text, [new, old])
    assert headers["content-type"] == "application/cloudevents+json"
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(new).verify(text, headers) == json.loads(text)
    assert Webhook(old).verify(text, headers) == json.loads(text)  # during the overlap
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(text.replace(MENTOR, "mem_x"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "c" * 43 + "=").verify(text, headers)
    event = JSONFormat().read(None, text)  # the CloudEvents SDK validates the attributes
    assert event.get_specversion() == "1.0"
    assert event.get_type() == "network.mentornet.relationship.started"
    assert event.get_source() == "mentornet/sessions" and event.get_subject() == REL
    assert event.get_time() == NOW and event.get_datacontenttype() == "application/json"
    assert event.get_data() == data


# --- who may manage -----------------------------------------------------------------------


def test_only_the_organisations_own_admins_manage_its_webhooks() -> None:
    admin = Principal("mem_1", A, CallerKind.MEMBER, frozenset({Role.ORGANISATION_ADMIN}))
    ensure_admin(admin, A)
    refused = [
        (admin, B),
        (Principal("mem_2", A, CallerKind.MEMBER, frozenset({Role.MEMBER})), A),
        (Principal("mem_3", A, CallerKind.MEMBER, frozenset({Role.NETWORK_COORDINATOR})), A),
        (Principal("cli_1", A, CallerKind.CLIENT, frozenset({Role.ORGANISATION_ADMIN})), A),
    ]
    for caller, organisation in refused:
        with pytest.raises(NotFoundError):
            ensure_admin(caller, organisation)
