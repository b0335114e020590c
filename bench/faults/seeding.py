"""The network the load writes into: the demo's organisations, providers, people,
programmes and relationships, seeded through the real APIs (`deploy.localnet.demo.seed`, what
`./mentornet up` runs), then the people of the pair programmes signed in and their active
relationships found through sessions' own API."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from deploy.localnet.demo import (
    DEMO_ORGANISATIONS,
    DEMO_PASSWORD,
    DemoRun,
    demo_plan,
    seed,
)
from deploy.localnet.demo_cohorts import PAIR_COHORTS
from deploy.localnet.identity import Person, bearer, sign_in_tokens


@dataclass(frozen=True)
class Relationship:
    """An active relationship the load writes into: its parties' tokens by member id."""

    id: str
    started_at: datetime
    parties: dict[str, dict[str, Any]]


def seed_demo(urls: dict[str, str], env: dict[str, str], work_dir: Path, run: DemoRun) -> None:
    """The demo's whole network, through the services' APIs (slow: minutes)."""
    seed(urls, env, work_dir, run)


def _pair_people() -> dict[str, list[Person]]:
    """Who takes part in each pair programme (by organisation name), as the demo planned."""
    _, cohorts = demo_plan()
    people: dict[str, list[Person]] = {}
    for spec, model in DEMO_ORGANISATIONS:
        if model not in PAIR_COHORTS:
            continue
        name, domain = spec["name"], spec["email_domains"][0]
        people[name] = [
            Person("mentor", f"mentor@{domain}", "Morgan Reyes", DEMO_PASSWORD),
            Person("mentee", f"mentee@{domain}", "Sam Okafor", DEMO_PASSWORD),
            *(c.person for c in cohorts if c.home == name and c.programme_of == name),
        ]
    return people


def active_relationships(urls: dict[str, str], run: DemoRun) -> list[Relationship]:
    """Every active relationship of the pair programmes, with its parties signed in."""
    organisation_ids = {s.organisation: s.url.rsplit("/", 1)[1] for s in run.sign_ins}
    registry, sessions = urls["registry"], urls["sessions"]
    to_sign_in = [
        (organisation_ids[name], person)
        for name, persons in _pair_people().items()
        for person in persons
    ]

    def signed_in(item: tuple[str, Person]) -> tuple[str, dict[str, Any]]:
        organisation_id, person = item
        tokens = sign_in_tokens(registry, organisation_id, person)
        me = httpx.get(f"{registry}/me", headers=bearer(tokens), timeout=30)
        me.raise_for_status()
        return str(me.json()["id"]), tokens

    with ThreadPoolExecutor(max_workers=4) as threads:
        tokens = dict(threads.map(signed_in, to_sign_in))
    found: dict[str, Relationship] = {}
    for member_id, member_tokens in tokens.items():
        listed = httpx.get(
            f"{sessions}/members/{member_id}/relationships",
            headers=bearer(member_tokens),
            timeout=30,
        )
        listed.raise_for_status()
        for r in listed.json():
            parties = [r["mentor"]["member_id"], *(m["member_id"] for m in r["mentees"])]
            if r["status"] != "active" or not all(p in tokens for p in parties):
                continue
            found[r["id"]] = Relationship(
                r["id"],
                datetime.fromisoformat(r["started_at"]),
                {p: tokens[p] for p in parties},
            )
    return sorted(found.values(), key=lambda r: r.id)
