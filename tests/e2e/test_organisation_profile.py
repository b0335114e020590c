"""An organisation's profile: a name or an e-mail domain another organisation holds is a 409
with words, never a 500 (FerretDB refuses such an update in its own way)."""

from __future__ import annotations

import httpx

from deploy.localnet.identity import bearer
from tests.e2e.conftest import World


def test_taking_another_organisations_name_or_domain_is_refused_with_words(world: World) -> None:
    url = f"{world.url('registry')}/organisations/{world.a.id}/profile"
    profile = {"name": "Alder Care Trust", "sector": "health", "email_domains": ["a.example"]}
    for taken, words in (
        ({"name": "Birch  engineering"}, "Birch  engineering"),
        ({"email_domains": ["a.example", "b.example"]}, "b.example"),
    ):
        refused = httpx.put(url, json={**profile, **taken}, headers=bearer(world.a.admin))
        assert refused.status_code == 409, refused.text
        assert words.split()[0] in refused.json()["detail"]
    kept = httpx.put(url, json=profile, headers=bearer(world.a.admin))
    assert kept.status_code == 200, kept.text
