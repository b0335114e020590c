"""The portal attacked across organisations: every page and every form of the portal, each id
in its address filled with a real record of organisations the attackers are not in (a
relationship with its meetings, logs, goals and messages; a circle with a session; a
programme), asked for by a member and an admin of another organisation, each signed in at
the portal for real. Every page must be "not found", every form refused, nothing of the
target shown, and nothing of it changed. A route whose ids the suite cannot fill fails it, so
a new page is attacked without anyone adding it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from deploy.localnet.identity import bearer, portal_session
from services.portal.app import ROUTERS
from tests.e2e.conftest import World
from tests.e2e.sessions_scene import Scene, build_scene, programme_published
from tests.e2e.test_candidate_pool import publish
from tests.e2e.test_circles import circle_formed
from tests.e2e.test_first_flow import eventually

MARKER = f"confidential-{secrets.token_hex(4)}"
# Pages anyone signed in reaches, about themselves only (no id in the address).
OWN = re.compile(r"^/(|relationships|circles|proposals|programmes|surveys|profile(/.*)?|goodbye)$")
# Sign-in and sign-out: no organisation's data behind them.
SIGN_IN = {"/sign-in", "/signed-out", "/auth/callback", "/sign-out"}
# Ids no cheap real record stands behind here: a well-formed guess, refused like any other.
# A form's fields filled as a person would, so a refusal comes from the service, not from a
# field left empty.
PLAUSIBLE = {
    "text": MARKER,
    "version": "1",
    "role": "mentee",
    "phase": "moving_on",
    "reason": "not_a_good_fit",
    "starts_at": "2027-04-01T10:00",
    "minutes": "60",
    "method": "video",
    "met_on": "2026-11-30",
    "challenges": MARKER,
    "term": "long",
    "scale": "5",
    "goal": MARKER,
    "way_forward": MARKER,
    "commitment": "8",
    "mentor_id": "mem_0000000000000000",
    "format": "good_news_analysis",
    "accept": "yes",
    "duration": MARKER,
    "meeting_frequency": "monthly",
    "contact_between_meetings": "e-mail",
    "confidentiality": "ours",
}
# Where one field means different things on different forms: by the end of the address.
PLAUSIBLE_FOR = {"/roles": {"role": "programme_coordinator", "change": "grant"}}
GUESSED = {
    "proposal_id": f"prp_{secrets.token_hex(8)}",
    "survey_id": f"srv_{secrets.token_hex(8)}",
    "alert_id": f"alr_{secrets.token_hex(8)}",
    "template_id": f"tpl_{secrets.token_hex(8)}",
    "job_id": f"job_{secrets.token_hex(8)}",
    "trial_id": f"trl_{secrets.token_hex(8)}",
    "client_id": f"cli_{secrets.token_hex(8)}",
    "delivery_id": f"msg_{secrets.token_hex(16)}",
}
# Figures are the caller's own, by audience (evaluation decides; tests/e2e/test_portal_dashboards).
OWN_FIGURES = {"audience", "table_id"}


@dataclass
class Target:
    """The records under attack, and how to read their state back as their owners."""

    scene: Scene
    ids: dict[str, str]
    webhook: str  # B's webhook endpoint, at the notifications service
    webhook_owner: dict[str, Any]  # B's admin's tokens

    def state(self) -> dict[str, Any]:
        """What the target's owners see of it: unchanged by the attack, or it got through."""
        base = f"/relationships/{self.ids['relationship_id']}"
        calls = {
            "relationship": ("GET", base),
            "agreement": ("GET", f"{base}/agreement/versions"),
            "meetings": ("GET", f"{base}/meetings"),
            "logs": ("GET", f"{base}/logs"),
            "plan": ("GET", f"{base}/action-plan"),
            "messages": ("GET", f"{base}/messages"),
            "circle": ("GET", f"/circles/{self.ids['circle_id']}"),
            "sessions": ("GET", f"/circles/{self.ids['circle_id']}/sessions"),
            "feed": ("GET", "/members/me/calendar-feed"),
            "journal": ("GET", f"/members/me/journal/{self.ids['entry_id']}"),
        }
        seen = {name: self.scene.call("mentee", *call).json() for name, call in calls.items()}
        seen["webhook"] = httpx.get(self.webhook, headers=bearer(self.webhook_owner)).json()
        return seen


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()


def _circle(world: World, scene: Scene) -> tuple[str, str]:
    """A peer circle of the scene's organisations, its contract accepted, a session arranged."""
    programme = f"prg_{secrets.token_hex(6)}"
    members = [scene.b.people[i] for i in range(4)]
    ids = [scene.member_id("mentee"), *(_member(world, m) for m in members[1:])]
    publish(
        world,
        programme_published(programme, [scene.b.id, scene.a.id], [], model="peer_circle"),
    )
    circle = f"cir_{secrets.token_hex(8)}"
    publish(
        world, circle_formed(circle, programme, [(i, scene.b.id) for i in ids]), source="matching"
    )
    sessions = world.url("sessions")

    def formed() -> bool:
        """sessions has started the circle"""
        return httpx.get(f"{sessions}/circles/{circle}", headers=bearer(members[0])).is_success

    eventually(formed, timeout=30)
    version = _ok(httpx.get(f"{sessions}/circles/{circle}", headers=bearer(members[0])))[
        "contract_version"
    ]
    for tokens in members:
        httpx.post(
            f"{sessions}/circles/{circle}/contract/acceptances",
            json={"accept": True, "contract_version": version},
            headers=bearer(tokens),
        ).raise_for_status()
    session = _ok(
        httpx.post(
            f"{sessions}/circles/{circle}/sessions",
            json={"format": "good_news_analysis", "minutes": 60},
            headers=bearer(members[0]),
        )
    )
    httpx.post(
        f"{sessions}/circles/{circle}/messages", json={"text": MARKER}, headers=bearer(members[0])
    ).raise_for_status()
    return circle, session["id"]


def _member(world: World, tokens: dict[str, Any]) -> str:
    return str(_ok(httpx.get(f"{world.url('registry')}/me", headers=bearer(tokens)))["id"])


@pytest.fixture(scope="module")
def target(world: World) -> Target:
    scene = build_scene(world, "tarata")
    base = f"/relationships/{scene.relationship}"
    mentee = "mentee"
    _ok(
        scene.call(
            mentee,
            "PUT",
            f"{base}/agreement",
            {
                "duration": MARKER,
                "meeting_frequency": "monthly",
                "contact_between_meetings": "e-mail",
                "confidentiality": "ours",
                "mentor_responsibilities": [],
                "mentee_responsibilities": [],
            },
        )
    )
    meeting = _ok(
        scene.call(
            mentee,
            "POST",
            f"{base}/meetings",
            {"starts_at": "2027-03-01T10:00:00Z", "minutes": 60, "method": "video"},
        )
    )
    log = _ok(
        scene.call(mentee, "POST", f"{base}/logs", {"met_on": "2026-11-20", "challenges": MARKER})
    )
    goal = _ok(
        scene.call(mentee, "POST", f"{base}/action-plan/goals", {"term": "long", "text": MARKER})
    )
    _ok(scene.call(mentee, "POST", f"{base}/messages", {"text": MARKER}))
    reflection = {"kind": "meeting_log", "relationship_id": scene.relationship, "log_id": log["id"]}
    entry = _ok(
        scene.call(
            mentee, "POST", "/members/me/journal", {"context": reflection, "insight": MARKER}
        )
    )
    circle, session = _circle(world, scene)
    programme = _ok(
        httpx.post(
            f"{world.url('registry')}/programmes",
            json={
                "name": f"Tarata programme {MARKER}",
                "purpose": "peer learning",
                "goals": ["reflect"],
                "model": "one_to_one",
                "starts_on": "2027-01-04",
                "ends_on": "2027-06-28",
                "meeting_every_days": 14,
                "min_meeting_minutes": 60,
                "max_meeting_minutes": 90,
            },
            headers=bearer(world.b.admin),
        )
    )
    endpoint = _ok(
        httpx.post(
            f"{world.url('notifications')}/organisations/{world.b.id}/webhooks",
            json={
                "url": "http://127.0.0.1:9/b-hr",
                "event_types": ["member.registered"],
                "description": MARKER,
            },
            headers=bearer(world.b.admin),
        )
    )
    ids = {
        "relationship_id": scene.relationship,
        "meeting_id": meeting["id"],
        "log_id": log["id"],
        "goal_id": goal["id"],
        "circle_id": circle,
        "session_id": session,
        "programme_id": programme["id"],
        "member_id": scene.member_id("mentee"),
        "endpoint_id": endpoint["id"],
        "entry_id": entry["id"],
        **GUESSED,
    }
    webhook = f"{world.url('notifications')}/organisations/{world.b.id}/webhooks/{endpoint['id']}"
    return Target(scene, ids, webhook, world.b.admin)


def _routes() -> list[tuple[str, str]]:
    return sorted(
        (method, str(getattr(route, "path", "")))
        for router in ROUTERS
        for route in router.routes
        for method in getattr(route, "methods", None) or ()
        if method in ("GET", "POST")
    )


def _csrf(http: httpx.Client, portal: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{portal}/profile").text)
    assert found, "the attacker's own page carries their anti-forgery token"
    return found.group(1)


def test_nothing_of_another_organisation_is_reachable_through_the_portal(
    world: World, target: Target
) -> None:
    portal = world.portal.url
    before = target.state()
    attackers = {name: portal_session(portal, world.a.people[name]) for name in ("member", "admin")}
    unfillable, problems, attempts = [], [], 0
    for method, template in _routes():
        if template in SIGN_IN or (method == "GET" and OWN.match(template)):
            continue
        names = re.findall(r"{(\w+)}", template)
        if set(names) & OWN_FIGURES:
            continue
        if any(n not in target.ids for n in names):
            unfillable.append(f"{method} {template}")
            continue
        if not names:
            continue  # a form about the attacker themselves (their profile, erasure)
        path = template
        for name in names:
            path = path.replace(f"{{{name}}}", target.ids[name])
        for who, cookie in attackers.items():
            with httpx.Client(cookies={"mn_session": cookie}, timeout=30) as http:
                fitting = next((v for k, v in PLAUSIBLE_FOR.items() if path.endswith(k)), {})
                data = {"csrf_token": _csrf(http, portal), **PLAUSIBLE, **fitting}
                response = http.request(
                    method, f"{portal}{path}", data=data if method == "POST" else None
                )
            attempts += 1
            if response.status_code not in (403, 404) or MARKER in response.text:
                problems.append(f"{who}: {method} {path} -> {response.status_code}")
    print(f"\nportal cross-tenant suite: {attempts} attempts, {len(problems)} got through")
    assert not unfillable, "routes whose ids the suite cannot fill: " + ", ".join(unfillable)
    assert attempts > 60
    assert not problems, "\n".join(problems)
    assert target.state() == before, "the target changed"
