"""Demo data: a believable set of partner organisations from different sectors (seed 004's
"X Market" mixes sectors and sizes on purpose)."""

from __future__ import annotations

import time

import httpx

DEMO_ORGANISATIONS: list[dict[str, object]] = [
    {
        "name": "Northshore Care Trust",
        "sector": "social care",
        "size": "large",
        "country": "GB",
        "email_domains": ["northshore-care.example"],
    },
    {
        "name": "Harbour City Council",
        "sector": "local government",
        "size": "large",
        "country": "GB",
        "email_domains": ["harbourcity.example"],
    },
    {
        "name": "Kowhai Engineering",
        "sector": "engineering",
        "size": "medium",
        "country": "NZ",
        "email_domains": ["kowhai-eng.example"],
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


def seed(registry_url: str, evaluation_url: str, timeout: float = 30.0) -> int:
    """Create the demo organisations (a re-run finds them there) and wait until the
    evaluation service has heard of all of them; returns the network's organisation count."""
    with httpx.Client(timeout=10) as client:
        for organisation in DEMO_ORGANISATIONS:
            response = client.post(f"{registry_url}/organisations", json=organisation)
            if response.status_code not in (201, 409):
                raise RuntimeError(
                    f"seeding {organisation['name']}: {response.status_code} {response.text}"
                )
        deadline = time.monotonic() + timeout
        count = 0
        while time.monotonic() < deadline:
            count = client.get(f"{evaluation_url}/network/statistics").json()["organisations"]
            if count >= len(DEMO_ORGANISATIONS):
                return int(count)
            time.sleep(0.2)
    raise TimeoutError(f"evaluation saw {count} organisations after {timeout:.0f}s")
