"""A network co-ordinator cannot take an organisation over (docs/security.md, "Threats,
defences and the tests that attack them"): they cannot replace a connected provider with one
they run, invitations work once, `email_verified` counts only as JSON true, and every
provider change, role change, client, export and erasure is in the organisation's audit
trail, which its admins and the network co-ordinators read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from deploy.localnet.identity import (
    CLIENT_ID,
    Person,
    bearer,
    operator_connects_provider,
    sign_in_tokens,
    start_provider,
)
from tests.e2e.conftest import World, connect_partner, free_port, integration_client


def _roles(world: World, tokens: dict[str, Any]) -> list[str]:
    me = httpx.get(f"{world.url('registry')}/me", headers=bearer(tokens), timeout=15)
    assert me.status_code == 200, me.text
    return list(me.json()["roles"])


def test_the_coordinator_cannot_replace_a_partners_provider_with_their_own(world: World) -> None:
    """The attack: the co-ordinator runs a provider that knows A's invited admin's address,
    connects A to it, and would sign in there as A's admin."""
    registry = world.url("registry")
    work_dir = Path(world.services["registry"].log_path).parent
    impostor = Person("impostor", world.a.people["admin"].email, "Not A's admin")
    theirs = start_provider(
        "The co-ordinator's provider", free_port(), work_dir, registry, [impostor]
    )
    world.providers.append(theirs)
    settings = {
        "issuer": theirs.issuer,
        "client_id": CLIENT_ID,
        "client_secret": theirs.client_secret,
    }
    with world.reader(world.coordinator) as http:
        replaced = http.put(
            f"{registry}/organisations/{world.a.id}/identity-provider", json=settings
        )
        assert replaced.status_code == 403, replaced.text
        assert "own admins" in replaced.json()["detail"]
        trial = http.post(
            f"{registry}/organisations/{world.a.id}/identity-provider/trials", json=settings
        )
        assert trial.status_code == 403, trial.text
    # A still signs in through its own provider; the impostor is not known there.
    in_use = httpx.get(
        f"{registry}/organisations/{world.a.id}/identity-provider", headers=bearer(world.a.admin)
    ).json()
    assert in_use["issuer"] == world.a.provider.issuer
    # A's own admin may change it (here: reconnect the same provider), and it is recorded.
    with world.reader(world.a.admin) as http:
        own = http.put(
            f"{registry}/organisations/{world.a.id}/identity-provider",
            json={
                "issuer": world.a.provider.issuer,
                "client_id": CLIENT_ID,
                "client_secret": world.a.provider.client_secret,
            },
        )
        assert own.status_code == 200, own.text
        trail = http.get(f"{registry}/organisations/{world.a.id}/audit-trail").json()
    connections = [e for e in trail if e["action"] == "provider.connected"]
    me_a = httpx.get(f"{registry}/me", headers=bearer(world.a.admin)).json()
    assert connections[0]["actor_id"] == me_a["id"]
    # The co-ordinator's first connection, when A was set up, is there too; their refused
    # attempts changed nothing and are not recorded as changes.
    assert connections[-1]["actor_organisation_id"] == world.office_id
    assert all(e["subject"] != theirs.issuer for e in trail)
    # A's admin still signs in through A's provider.
    assert "organisation_admin" in _roles(
        world, sign_in_tokens(registry, world.a.id, world.a.people["admin"])
    )


def test_an_invitation_works_once_and_only_on_an_email_verified_as_json_true(
    world: World,
) -> None:
    """Two accounts at the provider with the invited admin's address (a recycled mailbox, a
    provider the attacker controls): the first sign-in uses the invitation up, the second is
    a plain member. A provider saying `"email_verified": "true"` (a string) verifies nothing."""
    registry = world.url("registry")
    work_dir = Path(world.services["registry"].log_path).parent
    first = Person("first-admin", "admin@once.example", "First")
    second = Person("second-admin", "admin@once.example", "Second")
    sloppy = Person("sloppy", "sloppy@once.example", "Sloppy", email_verified="true")
    organisation_id, _ = connect_partner(
        registry,
        world.coordinator,
        "Once Trust",
        "health",
        [first, second, sloppy],
        [first.email, sloppy.email],
        work_dir,
        world.providers,
        email_domains=["once.example"],
    )
    assert "organisation_admin" in _roles(world, sign_in_tokens(registry, organisation_id, first))
    assert _roles(world, sign_in_tokens(registry, organisation_id, second)) == ["member"]
    assert _roles(world, sign_in_tokens(registry, organisation_id, sloppy)) == ["member"]
    # And the first admin's own second sign-in is still theirs (their identity, not the
    # invitation, makes them the admin).
    assert "organisation_admin" in _roles(world, sign_in_tokens(registry, organisation_id, first))


def test_the_audit_trail_records_roles_clients_and_exports_for_admins_and_coordinators(
    world: World,
) -> None:
    registry = world.url("registry")
    member_id = httpx.get(f"{registry}/me", headers=bearer(world.a.member)).json()["id"]
    role = f"{registry}/organisations/{world.a.id}/members/{member_id}/roles/programme_coordinator"
    with world.reader(world.a.admin) as http:
        assert http.put(role).status_code == 200
        assert http.delete(role).status_code == 200
    integration_client(world, world.a.id, world.a.admin, ["members:read"])
    assert httpx.get(f"{registry}/me/export", headers=bearer(world.a.member)).status_code == 200

    path = f"{registry}/organisations/{world.a.id}/audit-trail"
    by_admin = httpx.get(path, headers=bearer(world.a.admin))
    by_coordinator = httpx.get(path, headers=bearer(world.coordinator))
    assert by_admin.status_code == by_coordinator.status_code == 200
    assert by_admin.json() == by_coordinator.json()
    seen = {(e["action"], e["subject"]) for e in by_admin.json()}
    assert ("role.granted", member_id) in seen
    assert ("role.revoked", member_id) in seen
    assert ("member.exported", member_id) in seen
    assert any(action == "client.registered" for action, _ in seen)
    assert any(action == "invitation.used" for action, _ in seen)
    # Nobody else reads it: A's member (the route needs an admin), B's admin (not theirs).
    assert httpx.get(path, headers=bearer(world.a.member)).status_code == 403
    assert httpx.get(path, headers=bearer(world.b.admin)).status_code == 404
    # Refused requests write nothing into A's trail: B's admin trying A's roles and clients.
    before = len(by_admin.json())
    with world.reader(world.b.admin) as http:
        assert http.put(role).status_code in (403, 404)
        assert http.post(
            f"{registry}/organisations/{world.a.id}/clients",
            json={"name": "not theirs", "scopes": ["members:read"]},
        ).status_code in (403, 404)
        assert http.delete(
            f"{registry}/organisations/{world.a.id}/members/{member_id}"
        ).status_code in (403, 404)
    assert len(httpx.get(path, headers=bearer(world.a.admin)).json()) == before


def test_the_operator_reconnects_a_lost_provider_and_the_trail_says_who_asked(
    world: World,
) -> None:
    """The recovery of an organisation whose admins cannot sign in: the operator's command,
    not the co-ordinator's API call (which stays refused)."""
    registry = world.url("registry")
    work_dir = Path(world.services["registry"].log_path).parent
    admin = Person("rec-admin", "admin@recover.example", "Rec Admin")
    organisation_id, _ = connect_partner(
        registry,
        world.coordinator,
        "Recovery Trust",
        "health",
        [admin],
        [admin.email],
        work_dir,
        world.providers,
        email_domains=["recover.example"],
    )
    admin_tokens = sign_in_tokens(registry, organisation_id, admin)
    replacement = start_provider("Recovery's new sign-in", free_port(), work_dir, registry, [admin])
    world.providers.append(replacement)
    path = f"{registry}/organisations/{organisation_id}/identity-provider"
    refused = httpx.put(
        path,
        json={
            "issuer": replacement.issuer,
            "client_id": CLIENT_ID,
            "client_secret": replacement.client_secret,
        },
        headers=bearer(world.coordinator),
        timeout=15,
    )
    assert refused.status_code == 403
    operator_connects_provider(world.env, organisation_id, replacement)
    shown = httpx.get(path, headers=bearer(world.coordinator), timeout=15).json()
    assert shown["issuer"] == replacement.issuer
    trail = httpx.get(
        f"{registry}/organisations/{organisation_id}/audit-trail",
        headers=bearer(admin_tokens),
        timeout=15,
    ).json()
    latest = trail[0]
    assert (latest["action"], latest["actor_id"], latest["subject"]) == (
        "provider.connected",
        "operator",
        replacement.issuer,
    )
    assert "asked by the local demo (re-run)" in latest["detail"]
