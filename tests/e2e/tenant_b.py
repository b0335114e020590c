"""Organisation B as a full tenant, built through the real services for the cross-tenant suite:
its people, a one-to-one programme with a running relationship (proposed, approved and accepted
in matching, started in sessions) holding a meeting, a log, a goal, a message and a journal
entry its author shared into it, a second relationship ended so that evaluation has
end-of-relationship surveys for it, a circle programme with a circle formed by a circle round
(its contract accepted, a session arranged, a message written, a concern raised with the
co-ordinator) and a registry circle, a survey
template, a monitoring alert, a matching round job, an integration client, a provider trial,
an import job, and a webhook endpoint with deliveries. Every record is confirmed by the service
that keeps it — B's own caller gets it back — before `build_tenant_b` returns, so an attack
that is refused is refused for being A's, not because the service has not heard of B's record
yet.

`build_tenant` builds any organisation so (the cross-tenant suite's second round builds its A
with it, with a marker word of A's own); `build_tenant_b` builds B.

One record is not made by a person: a monitoring alert needs a relationship weeks old, so the
alert comes from a `relationship.started` dated 36 days ago, published on the sessions topic as
sessions would, for B's real programme and B's real people.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from deploy.localnet.identity import bearer
from shared.contracts.sessions import RelationshipStarted
from shared.events.catalogue import new_event
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.test_candidate_pool import member_id_of, publish

TODAY = date.today()
TRAINED = str(TODAY - timedelta(days=40))
# B's records carry these words: found in an answer to A, they are a leak. A's own full tenant
# (the cross-tenant suite's second round) is built the same way with words of its own.
MARK = "birchwood-7f3c"


@dataclass
class TenantB:
    """B's organisation, people (`crowd`), and `ids`: B's record of every kind by the name the
    OpenAPI documents give its path parameter (overridden per service in `by_service` where
    two services use one name for different records)."""

    crowd: Crowd
    ids: dict[str, str]
    by_service: dict[str, dict[str, str]]
    names: list[str]  # B's people's display names: never shown to A
    mark: str = MARK  # the word B's records carry

    def id_for(self, service: str, name: str) -> str | None:
        """B's id for a path parameter of `service`, or None when B has none of that name."""
        return self.by_service.get(service, {}).get(name, self.ids.get(name))

    def markers(self) -> set[str]:
        """Strings that only B's records hold: ids, names, the marker word."""
        every = {*self.ids.values(), *(v for m in self.by_service.values() for v in m.values())}
        guesses = {self.ids["role"], self.ids["token"], self.by_service["notifications"]["token"]}
        return (every - guesses) | set(self.names) | {self.mark}


def eventually(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    """Poll `check` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"B's tenant: not true after {timeout:.0f}s: {what}")


class _Caller:
    """B's people calling the services, failing loudly on anything but success."""

    def __init__(self, world: World) -> None:
        self.world = world

    def __call__(
        self,
        who: dict[str, Any],
        service: str,
        method: str,
        path: str,
        body: Any = None,
        **extra: Any,
    ) -> Any:
        answer = self.raw(who, service, method, path, body, **extra)
        assert answer.is_success, f"{method} {service}{path}: {answer.status_code} {answer.text}"
        return answer.json() if answer.content else None

    def raw(
        self,
        who: dict[str, Any],
        service: str,
        method: str,
        path: str,
        body: Any = None,
        **extra: Any,
    ) -> httpx.Response:
        url = f"{self.world.url(service)}{path}"
        if body is not None:
            extra["json"] = body
        headers = {**bearer(who), **extra.pop("headers", {})}
        return httpx.request(method, url, headers=headers, timeout=30, **extra)

    def shows(self, who: dict[str, Any], service: str, path: str) -> bool:
        """Whether `who` reads `path` with a 200."""
        return self.raw(who, service, "GET", path).status_code == 200


def _profile(name: str, mark: str, **fields: Any) -> dict[str, Any]:
    return {
        "display_name": name,
        "skills": ["stress analysis", "team leadership"],
        "development_goals": [f"lead a design review {mark}"],
        "sector": "engineering",
        "job_level": "manager",
        "time_zone": "Europe/London",
        "languages": ["en"],
        "availability": [{"day": "wed", "start": "09:00", "end": "12:00"}],
        "meeting_modes": ["video"],
        "share_across_organisations": False,
        **fields,
    }


def _design(name: str, model: str, mark: str) -> dict[str, Any]:
    return {
        "name": name,
        "purpose": f"Engineers learning from each other {mark}",
        "goals": ["confident design reviews"],
        "model": model,
        "starts_on": str(TODAY),
        "ends_on": str(TODAY + timedelta(days=300)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 30,
        "max_meeting_minutes": 90,
    }


class _Accepting(BaseHTTPRequestHandler):
    """B's HR system: takes every webhook delivery with a 204."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@contextmanager
def receiver() -> Iterator[str]:
    """A webhook receiver on loopback for B's endpoint, so that its deliveries succeed and the
    endpoint stays as B set it; its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accepting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/birch-hr"
    finally:
        server.shutdown()
        server.server_close()


def build_tenant_b(world: World, webhook_url: str) -> TenantB:
    """Organisation B with a record of every kind, each known to the service that keeps it;
    its webhook endpoint delivers to `webhook_url`."""
    return build_tenant(world, webhook_url, "Birch", MARK)


def build_tenant(world: World, webhook_url: str, word: str, mark: str) -> TenantB:
    """An organisation named after `word` with a record of every kind, each known to the
    service that keeps it, its records carrying `mark`; its webhook endpoint delivers to
    `webhook_url`."""
    key = f"x{word[0].lower()}{secrets.token_hex(2)}"
    crowd = add_crowd(world, key, f"{word} Works {key}", "engineering", 4)
    provider = world.providers[-1]  # B's, started by add_crowd
    call = _Caller(world)
    admin, people = crowd.admin, crowd.people
    member = [member_id_of(world, p) for p in people]
    names = [f"{word} Person {n} {key}" for n in range(len(people))]
    org = crowd.id

    # Notifications: an endpoint that hears of B's relationships and enrolments.
    endpoint = call(
        admin,
        "notifications",
        "POST",
        f"/organisations/{org}/webhooks",
        {
            "url": webhook_url,
            "event_types": ["relationship.started", "relationship.ended", "member.enrolled"],
        },
    )["id"]

    # Registry: profiles, training (recorded by B's HR import), programmes, enrolments.
    for tokens, name, capacity in zip(people, names, (1, 0, 1, 0), strict=True):
        call(
            tokens, "registry", "PUT", "/me/profile", _profile(name, mark, mentor_capacity=capacity)
        )
    rows = [
        {
            "email": person.email,
            "display_name": name,
            "mentor_training_completed_on": TRAINED,
            "mentee_induction_completed_on": TRAINED,
        }
        for person, name in zip(crowd.persons, names, strict=True)
    ]
    call(admin, "registry", "POST", f"/organisations/{org}/members/import", rows)
    pairs = call(
        admin, "registry", "POST", "/programmes", _design(f"Pairs {key}", "one_to_one", mark)
    )
    circles = call(
        admin, "registry", "POST", "/programmes", _design(f"Peers {key}", "peer_circle", mark)
    )
    programme, circle_programme = pairs["id"], circles["id"]
    for p in (programme, circle_programme):
        call(admin, "registry", "POST", f"/programmes/{p}/status", {"status": "open"})
    for tokens, role in zip(people, ("mentor", "mentee", "mentor", "mentee"), strict=True):
        call(tokens, "registry", "POST", f"/programmes/{programme}/enrolments", {"role": role})
        call(
            tokens,
            "registry",
            "POST",
            f"/programmes/{circle_programme}/enrolments",
            {"role": "peer"},
        )
    registry_circle = call(
        admin, "registry", "POST", f"/programmes/{circle_programme}/circles", {"name": mark}
    )["id"]
    client = call(
        admin,
        "registry",
        "POST",
        f"/organisations/{org}/clients",
        {"name": f"{word} LMS {mark}", "scopes": ["members:read"]},
    )["client_id"]
    trial = call(
        admin,
        "registry",
        "POST",
        f"/organisations/{org}/identity-provider/trials",
        {
            "issuer": provider.issuer,
            "client_id": "mentornet",
            "client_secret": provider.client_secret,
        },
    )["id"]
    import_job = call(
        admin,
        "registry",
        "POST",
        f"/organisations/{org}/members/import-jobs",
        content=f"email,display_name\nimported@{key}.example,{word} Imported {key}\n",
        headers={"Content-Type": "text/csv"},
    )["id"]

    # Matching: both pairs proposed, approved and accepted; the circle round forms B's circle.
    def pooled(p: str) -> Callable[[], bool]:
        def check() -> bool:
            pool = call.raw(admin, "matching", "GET", f"/programmes/{p}/candidate-pool")
            return pool.status_code == 200 and pool.json()["eligible"] >= 4

        return check

    eventually(pooled(programme), "matching's pool holds B's four people")
    eventually(pooled(circle_programme), "matching's circle pool holds B's four peers")
    proposals = []
    for mentor, mentee in ((0, 1), (2, 3)):
        pair = {"mentor_id": member[mentor], "mentee_id": member[mentee]}
        made = call(admin, "matching", "POST", f"/programmes/{programme}/proposals", pair)
        call(admin, "matching", "POST", f"/proposals/{made['id']}/approve")
        for who in (mentee, mentor):
            call(people[who], "matching", "POST", f"/proposals/{made['id']}/accept")
        proposals.append(made["id"])
    formed = call(admin, "matching", "POST", f"/programmes/{circle_programme}/circle-rounds")
    [circle] = [c["id"] for c in formed["circles"]]
    round_job = call(admin, "matching", "POST", f"/programmes/{programme}/rounds/jobs")["id"]

    # Sessions: both relationships start; the first gets a meeting, a log, a goal and a
    # message; the second ends (so evaluation owes its people their end-of-relationship
    # surveys); the circle's contract is accepted by all, a session arranged, a message written.
    def relationship_of(who: int) -> Callable[[], str | None]:
        def check() -> str | None:
            listed = call.raw(people[who], "sessions", "GET", "/members/me/relationships")
            found = [r["id"] for r in listed.json() if r["programme_id"] == programme]
            return found[0] if listed.status_code == 200 and found else None

        return check

    relationship = eventually(relationship_of(1), "sessions started B's first relationship")
    ended = eventually(relationship_of(3), "sessions started B's second relationship")
    base = f"/relationships/{relationship}"
    starts = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    meeting = call(
        people[1],
        "sessions",
        "POST",
        f"{base}/meetings",
        {"starts_at": starts.isoformat(), "minutes": 60, "method": "video", "location": mark},
    )["id"]
    log = call(
        people[1],
        "sessions",
        "POST",
        f"{base}/logs",
        {
            "met_on": str(TODAY),
            "achieved_since_last": mark,
            "challenges": mark,
            "topics": ["design review"],
            "steps": [{"step": mark, "owner": "mentee"}],
            "next_topic": "feedback",
            "next_actions": [],
            "next_meeting_on": str(TODAY + timedelta(days=28)),
        },
    )["id"]
    goal = call(
        people[0],
        "sessions",
        "POST",
        f"{base}/action-plan/goals",
        {"term": "long", "text": f"lead a design review {mark}"},
    )["id"]
    call(people[1], "sessions", "POST", f"{base}/messages", {"text": f"hello {mark}"})
    entry = call(
        people[1],
        "sessions",
        "POST",
        "/members/me/journal",
        {
            "context": {"kind": "meeting_log", "relationship_id": relationship, "log_id": log},
            "insight": mark,
        },
    )["id"]
    call(
        people[1],
        "sessions",
        "POST",
        f"/members/me/journal/{entry}/shares",
        {"relationship_id": relationship},
    )
    agreement = {
        "duration": "12 months",
        "meeting_frequency": "once a month",
        "contact_between_meetings": "e-mail every two weeks",
        "confidentiality": f"what we say stays with us {mark}",
        "mentor_responsibilities": ["listen"],
        "mentee_responsibilities": ["keep the records"],
    }
    call(people[0], "sessions", "PUT", f"{base}/agreement", agreement)
    call(
        people[3],
        "sessions",
        "POST",
        f"/relationships/{ended}/end",
        {"reason": "goals_achieved", "rematch_requested": False},
    )
    eventually(
        lambda: call.shows(people[0], "sessions", f"/circles/{circle}"),
        "sessions formed B's circle",
    )
    for tokens in people:
        call(
            tokens, "sessions", "POST", f"/circles/{circle}/contract/acceptances", {"accept": True}
        )
    circle_session = call(
        people[0],
        "sessions",
        "POST",
        f"/circles/{circle}/sessions",
        {"format": "good_news_analysis", "minutes": 90},
    )["id"]
    call(people[0], "sessions", "POST", f"/circles/{circle}/messages", {"text": f"hi {mark}"})
    # A concern raised in confidence with the co-ordinator (seed 001, "What can go wrong?").
    concern = call(
        people[1],
        "sessions",
        "POST",
        f"/circles/{circle}/concerns",
        {"raised_with": "coordinator", "signs": ["gossip"], "text": f"a worry {mark}"},
    )["id"]

    # Evaluation: a template of the programme's own, the ended relationship's survey, and an
    # alert (see the module's docstring).
    template = call(
        admin,
        "evaluation",
        "POST",
        f"/programmes/{programme}/survey-templates",
        {
            "title": f"Mid-point {mark}",
            "kind": "mentee",
            "questions": [{"id": "useful", "text": "How useful?", "type": "scale"}],
        },
    )["template_id"]

    def survey_due() -> str | None:
        listed = call.raw(people[3], "evaluation", "GET", "/members/me/surveys")
        found = [s["id"] for s in listed.json() if s["relationship_id"] == ended]
        return found[0] if listed.status_code == 200 and found else None

    survey = eventually(survey_due, "evaluation owes B's mentee the end-of-relationship survey")
    weeks_old = RelationshipStarted(
        relationship_id=f"rel_{secrets.token_hex(8)}",
        proposal_id=f"prp_{secrets.token_hex(8)}",
        programme_id=programme,
        mentee_id=member[3],
        mentee_organisation_id=org,
        mentor_id=member[2],
        mentor_organisation_id=org,
        started_at=datetime.now(UTC) - timedelta(days=36),
    )
    publish(
        world,
        new_event(weeks_old, organisation=org, subject=weeks_old.relationship_id),
        source="sessions",
    )

    def alert_raised() -> str | None:
        listed = call.raw(admin, "evaluation", "GET", f"/programmes/{programme}/alerts")
        return listed.json()[0]["id"] if listed.status_code == 200 and listed.json() else None

    alert = eventually(alert_raised, "evaluation raised an alert on B's programme")

    def delivered() -> str | None:
        """B's endpoint has had every delivery it will get (eight enrolments, three starts with
        the alert's, one end), each taken: nothing on its way changes B's state mid-attack."""
        path = f"/organisations/{org}/webhooks/{endpoint}/deliveries"
        listed = call.raw(admin, "notifications", "GET", path)
        if listed.status_code != 200:
            return None
        found = listed.json()["deliveries"]
        kinds = sorted(d["event_type"] for d in found)
        expected = ["member.enrolled"] * 8 + ["relationship.ended"] + ["relationship.started"] * 3
        if kinds != expected or any(d["status"] != "delivered" for d in found):
            return None
        return str(next(d["id"] for d in found if d["event_type"] == "relationship.started"))

    delivery = eventually(delivered, "notifications delivered B's enrolments and relationships")

    ids = {
        "organisation_id": org,
        "org_id": org,
        "member_id": member[1],
        # a person as GET /people asks for them: organisation id/member id
        "person": f"{org}/{member[1]}",
        "programme_id": programme,
        "proposal_id": proposals[0],
        "relationship_id": relationship,
        "meeting_id": meeting,
        "log_id": log,
        "goal_id": goal,
        "entry_id": entry,
        "session_id": circle_session,
        "concern_id": concern,
        "client_id": client,
        "trial_id": trial,
        "template_id": template,
        "survey_id": survey,
        "alert_id": alert,
        "endpoint_id": endpoint,
        "delivery_id": delivery,
        # a role B's member holds, to be granted or taken away
        "role": "programme_coordinator",
        # the credential of a feed or an unsubscribe link: a well-formed guess naming B
        "token": f"cal.{org}.{secrets.token_urlsafe(32)}",
    }
    by_service = {
        # one name, two records: the registry's circle (people join it) and the circle a
        # circle round formed (sessions meets in it); an import job and a matching round job
        "registry": {"circle_id": registry_circle, "job_id": import_job},
        "matching": {"job_id": round_job},
        "sessions": {"circle_id": circle},
        # an unsubscribe link's token: B's member's, for a kind of mail they get, with a
        # signature of the right length that nobody signed
        "notifications": {
            "token": f"{org}.{member[1]}.meeting_changes.{secrets.token_urlsafe(16)}",
        },
    }
    tenant = TenantB(crowd, ids, by_service, names, mark)
    _confirm_known(world, tenant, call, people, circle_programme)
    return tenant


def _confirm_known(
    world: World, b: TenantB, call: _Caller, people: list[dict[str, Any]], circle_programme: str
) -> None:
    """Each service gives B's own callers each of B's records back (a positive signal that
    every event about them has been read), and the registry's import job is over."""
    i, admin = b.ids, b.crowd.admin
    rel, org = f"/relationships/{i['relationship_id']}", i["organisation_id"]
    circle = b.by_service["sessions"]["circle_id"]
    checks: list[tuple[dict[str, Any], str, str]] = [
        (admin, "registry", f"/organisations/{org}/members/{i['member_id']}/profile"),
        (admin, "registry", f"/programmes/{i['programme_id']}"),
        (admin, "registry", f"/circles/{b.by_service['registry']['circle_id']}"),
        (admin, "registry", f"/organisations/{org}/identity-provider/trials/{i['trial_id']}"),
        (admin, "matching", f"/programmes/{i['programme_id']}/proposals"),
        (admin, "matching", f"/programmes/{circle_programme}/circles"),
        (admin, "sessions", f"/programmes/{i['programme_id']}/relationships"),
        (admin, "sessions", f"/organisations/{org}/relationship-status"),
        (people[1], "sessions", f"{rel}/meetings/{i['meeting_id']}"),
        (people[1], "sessions", f"{rel}/logs/{i['log_id']}"),
        (people[1], "sessions", f"/members/me/journal/{i['entry_id']}"),
        (people[1], "sessions", f"{rel}/action-plan/goals/{i['goal_id']}/oskar"),
        (people[1], "sessions", f"/circles/{circle}/sessions/{i['session_id']}"),
        (people[1], "sessions", f"/circles/{circle}/concerns/{i['concern_id']}"),
        (people[1], "evaluation", f"/members/{i['member_id']}/surveys"),
        (
            admin,
            "evaluation",
            f"/programmes/{i['programme_id']}/survey-templates/{i['template_id']}",
        ),
        (admin, "notifications", f"/organisations/{org}/webhooks/{i['endpoint_id']}"),
    ]
    for who, service, path in checks:
        eventually(partial(call.shows, who, service, path), f"{service} shows B {path}")
    import_job = b.by_service["registry"]["job_id"]
    job = f"/organisations/{org}/members/import-jobs/{import_job}"
    eventually(
        lambda: call(admin, "registry", "GET", job)["state"] != "running", "B's import is over"
    )
    round_job = f"/programmes/{i['programme_id']}/rounds/jobs/{b.by_service['matching']['job_id']}"
    eventually(
        lambda: call(admin, "matching", "GET", round_job)["state"] != "running",
        "B's round job is over",
    )
    # The relationships reached evaluation and notifications: both show what only they know.
    rels = call(admin, "sessions", "GET", f"/programmes/{i['programme_id']}/relationships")
    assert any(r["id"] == i["relationship_id"] for r in rels), rels
