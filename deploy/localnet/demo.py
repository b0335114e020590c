"""Demo data: partner organisations from different sectors (seed 004's "X Market" mixes
sectors and sizes on purpose), each with its own example sign-in provider; a few hundred
members brought in by each organisation's HR system through the bulk import; a programme of
every model; people signed in, with profiles, enrolled; and, in each programme the demo has
just created, mentoring happening (demo_activity): matches, relationships, meetings, circles."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from deploy.localnet.demo_activity import NewProgramme, bring_to_life
from deploy.localnet.demo_cohorts import (
    AVAILABILITY,
    MENTEES_PER_MENTOR,
    CohortMember,
    as_recorded_by_hr,
    people_of,
    plan_cohorts,
    zone_of,
)
from deploy.localnet.demo_people import demo_rows
from deploy.localnet.identity import (
    Person,
    Provider,
    bearer,
    bootstrap_coordinator,
    operator_connects_provider,
    sign_in_tokens,
    start_provider,
)

# Example providers only, printed on screen for the newcomer: not a secret of any real system.
DEMO_PASSWORD = "demo"  # noqa: S105
MEMBERS_PER_ORGANISATION = 50

# (profile, the programme model it runs, the first port of its provider)
DEMO_ORGANISATIONS: list[tuple[dict[str, Any], str]] = [
    (
        {
            "name": "Northshore Care Trust",
            "sector": "social care",
            "size": "large",
            "country": "GB",
            "email_domains": ["northshore-care.example"],
        },
        "one_to_one",
    ),
    (
        {
            "name": "Kowhai Engineering",
            "sector": "engineering",
            "size": "medium",
            "country": "NZ",
            "email_domains": ["kowhai-eng.example"],
        },
        "group",
    ),
    (
        {
            "name": "Harbour City Council",
            "sector": "local government",
            "size": "large",
            "country": "GB",
            "email_domains": ["harbourcity.example"],
        },
        "two_by_two",
    ),
    (
        {
            "name": "Brightpath Software",
            "sector": "software",
            "size": "small",
            "country": "IE",
            "email_domains": ["brightpath.example"],
        },
        "team",
    ),
    (
        {
            "name": "St Aidan's Hospice",
            "sector": "health",
            "size": "medium",
            "country": "GB",
            "email_domains": ["staidans.example"],
        },
        "peer_circle",
    ),
    (
        {
            "name": "Clearwater Housing Association",
            "sector": "housing",
            "size": "small",
            "country": "GB",
            "email_domains": ["clearwater-housing.example"],
        },
        "x_market_circle",
    ),
]
FIRST_PROVIDER_PORT = 9101


@dataclass
class DemoSignIn:
    """How a newcomer signs in to the demo."""

    organisation: str
    url: str
    username: str


@dataclass
class DemoRun:
    """Where the demo's example providers listen, and what it has set up so far: filled as
    it goes, so that when seeding stops half-way the providers it started are still known
    (to be stopped, or used to sign in with)."""

    first_provider_port: int = FIRST_PROVIDER_PORT
    # Where each provider keeps its pid while it runs (see deploy.localnet.leftovers).
    pid_dir: Path | None = None
    sign_ins: list[DemoSignIn] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)

    def provider_ports(self) -> list[int]:
        """The network office's provider's port and each demo organisation's."""
        return [self.first_provider_port + i for i in range(len(DEMO_ORGANISATIONS) + 1)]


def demo_plan() -> tuple[list[list[dict[str, Any]]], list[CohortMember]]:
    """Each demo organisation's HR rows, and who will sign in for the demo's mentoring (each
    provider must know them from the start)."""
    rows = [
        demo_rows(
            spec["email_domains"][0],
            spec["sector"],
            spec["country"],
            MEMBERS_PER_ORGANISATION,
            index,
        )
        for index, (spec, _) in enumerate(DEMO_ORGANISATIONS, start=1)
    ]
    return rows, plan_cohorts(DEMO_ORGANISATIONS, rows, DEMO_PASSWORD)


def seed(urls: dict[str, str], env: dict[str, str], work_dir: Path, run: DemoRun) -> None:
    """Everything above (`urls`: service name → base URL), into `run`; waits until
    evaluation has heard of every organisation."""
    registry, evaluation = urls["registry"], urls["evaluation"]
    providers = run.providers
    rows, cohorts = demo_plan()
    rows = [as_recorded_by_hr(r, cohorts) for r in rows]
    new_programmes: list[NewProgramme] = []
    organisation_ids: dict[str, str] = {}
    coordinator = Person(
        "coordinator", "coordinator@network-office.example", "Nia Ngata", DEMO_PASSWORD
    )
    office = start_provider(
        "Network Office sign-in",
        run.first_provider_port,
        work_dir,
        registry,
        [coordinator],
        run.pid_dir,
    )
    providers.append(office)
    office_id = bootstrap_coordinator(env, office, coordinator.email)
    sign_ins = run.sign_ins
    sign_ins.append(
        DemoSignIn("Network Office", f"{registry}/auth/login/{office_id}", "coordinator")
    )
    with httpx.Client(
        headers=bearer(sign_in_tokens(registry, office_id, coordinator)), timeout=60
    ) as http:
        existing = {
            o["profile"]["name"]: o["id"] for o in http.get(f"{registry}/organisations").json()
        }
        admins: dict[str, dict[str, Any]] = {}
        for index, (spec, model) in enumerate(DEMO_ORGANISATIONS, start=1):
            domain = spec["email_domains"][0]
            people = [
                Person(user, f"{user}@{domain}", name, DEMO_PASSWORD)
                for user, name in (
                    ("admin", f"{spec['name']} admin"),
                    ("mentor", "Morgan Reyes"),
                    ("mentee", "Sam Okafor"),
                )
            ]
            organisation_id = existing.get(spec["name"]) or _register(
                http, registry, spec, people[0].email
            )
            organisation_ids[spec["name"]] = organisation_id
            provider = start_provider(
                f"{spec['name']} sign-in",
                run.first_provider_port + index,
                work_dir,
                registry,
                people + people_of(cohorts, spec["name"]),
                run.pid_dir,
            )
            providers.append(provider)
            if spec["name"] in existing:
                # A re-run: the provider is the partner's own now (its admins change it);
                # the operator reconnects the example provider's new secret.
                operator_connects_provider(env, organisation_id, provider)
            else:
                # Setting the partner up: the co-ordinator connects its first provider.
                http.put(
                    f"{registry}/organisations/{organisation_id}/identity-provider",
                    json={
                        "issuer": provider.issuer,
                        "client_id": "mentornet",
                        "client_secret": provider.client_secret,
                    },
                ).raise_for_status()
            tokens = {p.username: sign_in_tokens(registry, organisation_id, p) for p in people}
            admins[organisation_id] = tokens["admin"]
            _import_members(
                registry,
                organisation_id,
                tokens["admin"],
                rows[index - 1] + _trained_pair(people[1].email, people[2].email),
            )
            sign_ins.append(
                DemoSignIn(
                    spec["name"],
                    f"{registry}/auth/login/{organisation_id}",
                    "admin, mentor or mentee",
                )
            )
            print(
                f"  {spec['name']}: {MEMBERS_PER_ORGANISATION} members from its HR system, "
                f"{_a_programme(model)}",
                flush=True,
            )
            created = _run_programme(registry, organisation_id, model, spec, tokens, admins)
            if created is not None:
                new_programmes.append(created)
        if new_programmes:
            print(
                "demo: people sign in, enrol, are matched, and meet (new programmes only) ...",
                flush=True,
            )
            started = time.monotonic()
            bring_to_life(urls, new_programmes, cohorts, organisation_ids)
            print(f"  mentoring under way in {time.monotonic() - started:.1f}s", flush=True)
        _wait_for_organisations(http, evaluation, len(DEMO_ORGANISATIONS) + 1)


def _trained_pair(mentor: str, mentee: str) -> list[dict[str, Any]]:
    """HR rows for the demo mentor and mentee: their training and induction are on the
    organisation's record (members cannot certify themselves), with the names they use."""
    return [
        {
            "email": email,
            "display_name": name,
            "mentor_training_completed_on": str(date.today() - timedelta(days=60)),
            "mentee_induction_completed_on": str(date.today() - timedelta(days=30)),
        }
        for email, name in ((mentor, "Morgan Reyes"), (mentee, "Sam Okafor"))
    ]


def _a_programme(model: str) -> str:
    """'a one to one programme', 'an X-market circle programme'."""
    if model == "x_market_circle":
        return "an X-market circle programme"
    return f"a {model.replace('_', ' ')} programme"


def _register(http: httpx.Client, registry: str, spec: dict[str, Any], admin_email: str) -> str:
    created = http.post(f"{registry}/organisations", json={**spec, "admin_emails": [admin_email]})
    created.raise_for_status()
    return str(created.json()["id"])


def _import_members(
    registry: str, organisation_id: str, admin: dict[str, Any], rows: list[dict[str, Any]]
) -> None:
    """The organisation's HR system (an integration client) uploads its people; re-running
    the demo re-uploads the same rows, which changes nothing."""
    with httpx.Client(headers=bearer(admin), timeout=60) as http:
        client = http.post(
            f"{registry}/organisations/{organisation_id}/clients",
            json={"name": "HR system (demo)", "scopes": ["members:write"]},
        )
        client.raise_for_status()
    credentials = client.json()
    token = httpx.post(
        f"{registry}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(credentials["client_id"], credentials["client_secret"]),
    )
    token.raise_for_status()
    imported = httpx.post(
        f"{registry}/organisations/{organisation_id}/members/import",
        json=rows,
        headers=bearer(token.json()),
        timeout=120,
    )
    imported.raise_for_status()


def _run_programme(
    registry: str,
    organisation_id: str,
    model: str,
    spec: dict[str, Any],
    tokens: dict[str, dict[str, Any]],
    admins: dict[str, dict[str, Any]],
) -> NewProgramme | None:
    """A programme of `model`, open, with the demo mentor and mentee enrolled; None if it
    was there already (a re-run)."""
    circle = model in ("peer_circle", "x_market_circle")
    # An X-market circle takes one member per organisation: every partner is invited.
    partners = [o for o in admins if o != organisation_id] if model == "x_market_circle" else []
    design = {
        "name": f"{spec['name']}: {model.replace('_', ' ')} programme",
        "purpose": "Grow confident, reflective practitioners across the network",
        "goals": ["confidence", "a wider professional network"],
        "model": model,
        # Started four weeks ago: its relationships have a little history (demo_activity).
        "starts_on": str(date.today() - timedelta(days=28)),
        "ends_on": str(date.today() + timedelta(days=337)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 45,
        "max_meeting_minutes": 90,
        "max_mentees_per_mentor": MENTEES_PER_MENTOR.get(model, 1),
        "participating_organisations": partners,
    }
    with httpx.Client(headers=bearer(tokens["admin"]), timeout=30) as http:
        if any(
            p["design"]["name"] == design["name"] for p in http.get(f"{registry}/programmes").json()
        ):
            return None  # a re-run: the demo programme is there
        programme = http.post(f"{registry}/programmes", json=design)
        programme.raise_for_status()
        programme_id = programme.json()["id"]
        for partner in partners:
            httpx.post(
                f"{registry}/programmes/{programme_id}/acceptance", headers=bearer(admins[partner])
            ).raise_for_status()
        http.post(
            f"{registry}/programmes/{programme_id}/status", json={"status": "open"}
        ).raise_for_status()
    for role in ("mentor", "mentee"):
        person = tokens[role]
        httpx.put(
            f"{registry}/me/profile",
            headers=bearer(person),
            json={
                "display_name": "Morgan Reyes" if role == "mentor" else "Sam Okafor",
                "skills": ["coaching", "service design"],
                "sector": spec["sector"],
                "development_goals": ["lead a team through change"],
                "time_zone": zone_of(spec["country"]),
                "availability": AVAILABILITY,
                "meeting_modes": ["video", "telephone"],
                "mentor_capacity": 2,
                "share_across_organisations": True,
            },
        ).raise_for_status()
        enrol_as = "peer" if circle else role
        httpx.post(
            f"{registry}/programmes/{programme_id}/enrolments",
            headers=bearer(person),
            json={"role": enrol_as},
        ).raise_for_status()
    return NewProgramme(
        organisation=spec["name"],
        organisation_id=organisation_id,
        programme_id=programme_id,
        model=model,
        zone=zone_of(spec["country"]),
        coordinator=tokens["admin"],
        demo_people={"mentor": tokens["mentor"], "mentee": tokens["mentee"]},
    )


def _wait_for_organisations(http: httpx.Client, evaluation: str, expected: int) -> None:
    deadline = time.monotonic() + 30
    count = 0
    while time.monotonic() < deadline:
        count = http.get(f"{evaluation}/network/statistics").json()["organisations"]
        if count >= expected:
            return
        time.sleep(0.2)
    raise TimeoutError(f"evaluation saw {count} of {expected} organisations after 30s")
