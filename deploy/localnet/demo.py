"""Demo data: a believable set of partner organisations from different sectors (seed 004's
"X Market" mixes sectors and sizes on purpose), three of them with a sign-in provider of
their own, and people signed in through them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from deploy.localnet.identity import (
    Person,
    Provider,
    bearer,
    bootstrap_coordinator,
    sign_in_tokens,
    start_provider,
)

# Example providers only, printed on screen for the newcomer: not a secret of any real system.
DEMO_PASSWORD = "demo"  # noqa: S105

DEMO_ORGANISATIONS: list[dict[str, Any]] = [
    {
        "name": "Northshore Care Trust",
        "sector": "social care",
        "size": "large",
        "country": "GB",
        "email_domains": ["northshore-care.example"],
    },
    {
        "name": "Kowhai Engineering",
        "sector": "engineering",
        "size": "medium",
        "country": "NZ",
        "email_domains": ["kowhai-eng.example"],
    },
    {
        "name": "Harbour City Council",
        "sector": "local government",
        "size": "large",
        "country": "GB",
        "email_domains": ["harbourcity.example"],
    },
    {
        "name": "Brightpath Software",
        "sector": "software",
        "size": "small",
        "country": "IE",
        "email_domains": ["brightpath.example"],
    },
    {
        "name": "St Aidan's Hospice",
        "sector": "health",
        "size": "medium",
        "country": "GB",
        "email_domains": ["staidans.example"],
    },
    {
        "name": "Clearwater Housing Association",
        "sector": "housing",
        "size": "small",
        "country": "GB",
        "email_domains": ["clearwater-housing.example"],
    },
]
# The first organisations get an example provider each, on these ports.
PROVIDER_PORTS = {"office": 9101, "Northshore Care Trust": 9102, "Kowhai Engineering": 9103}


@dataclass
class DemoSignIn:
    """How a newcomer signs in to the demo."""

    organisation: str
    url: str
    username: str


def _people(domain: str, names: list[tuple[str, str]]) -> list[Person]:
    return [Person(user, f"{user}@{domain}", name, DEMO_PASSWORD) for user, name in names]


def seed(
    registry: str, evaluation: str, env: dict[str, str], work_dir: Path
) -> tuple[list[DemoSignIn], list[Provider]]:
    """Providers, the first co-ordinator, the organisations, their admins signed in; waits
    until evaluation has heard of every organisation."""
    providers: list[Provider] = []
    sign_ins: list[DemoSignIn] = []
    coordinator = _people("network-office.example", [("coordinator", "Nia Ngata")])
    office = start_provider(
        "Network Office sign-in", PROVIDER_PORTS["office"], work_dir, registry, coordinator
    )
    providers.append(office)
    office_id = bootstrap_coordinator(env, office, coordinator[0].email)
    sign_ins.append(
        DemoSignIn("Network Office", f"{registry}/auth/login/{office_id}", "coordinator")
    )
    token = sign_in_tokens(registry, office_id, coordinator[0])
    with httpx.Client(headers=bearer(token), timeout=15) as http:
        existing = {
            o["profile"]["name"]: o["id"] for o in http.get(f"{registry}/organisations").json()
        }
        for spec in DEMO_ORGANISATIONS:
            domain = spec["email_domains"][0]
            people = _people(
                domain,
                [
                    ("admin", f"{spec['name']} admin"),
                    ("mentor", "Morgan Reyes"),
                    ("mentee", "Sam Okafor"),
                ],
            )
            organisation_id = existing.get(spec["name"])
            if organisation_id is None:
                created = http.post(
                    f"{registry}/organisations", json={**spec, "admin_emails": [people[0].email]}
                )
                created.raise_for_status()
                organisation_id = created.json()["id"]
            port = PROVIDER_PORTS.get(spec["name"])
            if port is None:
                continue
            provider = start_provider(f"{spec['name']} sign-in", port, work_dir, registry, people)
            providers.append(provider)
            http.put(
                f"{registry}/organisations/{organisation_id}/identity-provider",
                json={
                    "issuer": provider.issuer,
                    "client_id": "mentornet",
                    "client_secret": provider.client_secret,
                },
            ).raise_for_status()
            for person in people:
                sign_in_tokens(registry, organisation_id, person)
            sign_ins.append(
                DemoSignIn(
                    spec["name"],
                    f"{registry}/auth/login/{organisation_id}",
                    "admin, mentor or mentee",
                )
            )
        _wait_for_organisations(http, evaluation, len(DEMO_ORGANISATIONS) + 1)
    return sign_ins, providers


def _wait_for_organisations(http: httpx.Client, evaluation: str, expected: int) -> None:
    deadline = time.monotonic() + 30
    count = 0
    while time.monotonic() < deadline:
        count = http.get(f"{evaluation}/network/statistics").json()["organisations"]
        if count >= expected:
            return
        time.sleep(0.2)
    raise TimeoutError(f"evaluation saw {count} of {expected} organisations after 30s")
