"""Bulk import through the real registry: an organisation's integration
client uploads its people; re-uploads change nothing; bad rows are refused with reasons and
write nothing; other organisations cannot import; an imported person signs in later through
their organisation's provider and lands on the imported record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from deploy.localnet.identity import Person, bearer, sign_in_tokens
from tests.e2e.conftest import Partner, World, connect_partner, integration_client
from tests.e2e.test_first_flow import eventually

CSV_HEADER = "email,display_name,skills,sector,mentor_capacity,line_manager_email"


def _import(
    world: World, organisation_id: str, tokens: dict[str, Any], body: str | bytes, kind: str
) -> httpx.Response:
    return httpx.post(
        f"{world.url('registry')}/organisations/{organisation_id}/members/import",
        content=body,
        headers={**bearer(tokens), "Content-Type": kind},
        timeout=60,
    )


def _members(world: World, partner: Partner) -> dict[str, dict[str, Any]]:
    listed = httpx.get(
        f"{world.url('registry')}/organisations/{partner.id}/members", headers=bearer(partner.admin)
    )
    assert listed.status_code == 200, listed.text
    return {m["email"]: m for m in listed.json() if m["email"]}


def _members_counted_by_evaluation(world: World, partner: Partner) -> int:
    stats = httpx.get(
        f"{world.url('evaluation')}/organisations/{partner.id}/statistics",
        headers=bearer(partner.admin),
    )
    assert stats.status_code == 200, stats.text
    return int(stats.json()["members"])


def test_a_client_imports_members_and_uploading_again_changes_nothing(world: World) -> None:
    # Reading the profiles back needs members:read too: write does not imply read.
    hr = integration_client(world, world.a.id, world.a.admin, ["members:write", "members:read"])
    counted_before = _members_counted_by_evaluation(world, world.a)
    csv = "\n".join(
        [
            CSV_HEADER,
            "imp.lead@a.example,Ima Lead,coaching;budgeting,health,2,",
            "Imp.Report@A.example,Ira Report,,health,0,imp.lead@a.example",
            "imp.third@a.example,Ivo Third,nursing,,0,member@a.example",
        ]
    )
    first = _import(world, world.a.id, hr, csv, "text/csv")
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["totals"] == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert [r["outcome"] for r in report["rows"]] == ["created"] * 3
    ids = {r["email"]: r["member_id"] for r in report["rows"]}

    members = _members(world, world.a)
    lead, reported = members["imp.lead@a.example"], members["imp.report@a.example"]
    assert lead["id"] == ids["imp.lead@a.example"]
    assert (lead["issuer"], lead["subject"], lead["roles"]) == (None, None, ["member"])
    profile = httpx.get(
        f"{world.url('registry')}/organisations/{world.a.id}/members/{reported['id']}/profile",
        headers=bearer(hr),
    ).json()
    assert profile["line_manager_id"] == lead["id"]
    assert profile["display_name"] == "Ira Report"
    third = httpx.get(
        f"{world.url('registry')}/organisations/{world.a.id}/members/"
        f"{ids['imp.third@a.example']}/profile",
        headers=bearer(hr),
    ).json()
    assert third["line_manager_id"] == members["member@a.example"]["id"]

    # member.registered reached evaluation, which counts A's members in A's own database.
    def counted() -> bool:
        """evaluation counts the three imported members"""
        return _members_counted_by_evaluation(world, world.a) >= counted_before + 3

    eventually(counted)

    again = _import(world, world.a.id, hr, csv, "text/csv")
    assert again.status_code == 200, again.text
    assert again.json()["totals"]["unchanged"] == 3
    assert [r["member_id"] for r in again.json()["rows"]] == list(ids.values())

    # JSON: one changed row, and bad rows that write nothing.
    rows: list[Any] = [
        {"email": "imp.lead@a.example", "display_name": "Ima Lead", "sector": "social care"},
        {
            "email": "imp.new@a.example",
            "display_name": "Never Written",
            "mentor_training_completed_on": "2026-02-30",
        },
        {"email": "imp.odd@a.example", "display_name": "Odd", "shoe_size": 9},
        {"email": "imp.dup@a.example", "display_name": "Dup One", "job_level": "boss"},
        {"email": "IMP.DUP@a.example", "display_name": "Dup Two"},
        {
            "email": "imp.orphan@a.example",
            "display_name": "Orphan",
            "line_manager_email": "nobody@a.example",
        },
    ]
    mixed = _import(world, world.a.id, hr, json.dumps(rows), "application/json")
    assert mixed.status_code == 200, mixed.text
    outcome = {r["row"]: (r["outcome"], r.get("reason") or "") for r in mixed.json()["rows"]}
    assert outcome[1] == ("updated", "")
    assert outcome[2][0] == "rejected"
    assert "2026-02-30 is not a real date" in outcome[2][1]
    assert "unknown field(s) 'shoe_size'" in outcome[3][1]
    assert "job_level" in outcome[4][1]
    assert outcome[5] == ("rejected", "same e-mail as row 4")
    assert "unknown line manager nobody@a.example" in outcome[6][1]
    assert mixed.json()["totals"]["rejected"] == 5

    after = _members(world, world.a)
    assert not {"imp.new@a.example", "imp.odd@a.example", "imp.dup@a.example"} & set(after)
    assert "imp.orphan@a.example" not in after
    lead_profile = httpx.get(
        f"{world.url('registry')}/organisations/{world.a.id}/members/{lead['id']}/profile",
        headers=bearer(hr),
    ).json()
    # Columns the JSON rows left out kept their values.
    assert lead_profile["sector"] == "social care"
    assert lead_profile["skills"] == ["coaching", "budgeting"]
    assert lead_profile["mentor_capacity"] == 2


def test_only_the_organisations_own_clients_and_admins_may_import(world: World) -> None:
    csv = f"{CSV_HEADER}\nintruder@b.example,Intruder,,,0,\n"
    b_client = integration_client(world, world.b.id, world.b.admin, ["members:write"])
    assert _import(world, world.a.id, b_client, csv, "text/csv").status_code == 404
    assert _import(world, world.a.id, world.b.admin, csv, "text/csv").status_code == 404
    reader = integration_client(world, world.a.id, world.a.admin, ["members:read"])
    assert _import(world, world.a.id, reader, csv, "text/csv").status_code == 403
    assert _import(world, world.a.id, world.a.member, csv, "text/csv").status_code == 403
    anonymous = httpx.post(
        f"{world.url('registry')}/organisations/{world.a.id}/members/import",
        content=csv,
        headers={"Content-Type": "text/csv"},
    )
    assert anonymous.status_code == 401
    assert "intruder@b.example" not in _members(world, world.a)
    assert "intruder@b.example" not in _members(world, world.b)


def test_whole_file_refusals_are_clear_and_write_nothing(world: World) -> None:
    hr = integration_client(world, world.a.id, world.a.admin, ["members:write"])
    before = set(_members(world, world.a))

    wrong_type = _import(world, world.a.id, hr, "a@a.example", "text/plain")
    assert wrong_type.status_code == 415
    assert "text/csv or application/json" in wrong_type.json()["detail"]

    rows = [{"email": f"many{i}@a.example", "display_name": f"Many {i}"} for i in range(10_001)]
    too_many = _import(world, world.a.id, hr, json.dumps(rows), "application/json")
    assert too_many.status_code == 413
    assert "at most 10,000 rows" in too_many.json()["detail"]

    huge = _import(world, world.a.id, hr, b"email,display_name\n" + b" " * (9 << 20), "text/csv")
    assert huge.status_code == 413
    assert "over 8 MB" in huge.json()["detail"]

    unknown = _import(
        world, world.a.id, hr, "email,display_name,colour\nc@a.example,C,red\n", "text/csv"
    )
    assert unknown.status_code == 422
    assert "unknown column(s) 'colour'" in unknown.json()["detail"]

    broken = _import(world, world.a.id, hr, 'email,display_name\nd@a.example,"D\n', "text/csv")
    assert broken.status_code == 422
    assert "cannot be read" in broken.json()["detail"]

    assert set(_members(world, world.a)) == before


def test_the_import_is_documented_in_openapi(world: World) -> None:
    spec = httpx.get(f"{world.url('registry')}/openapi.json").json()
    operation = spec["paths"]["/organisations/{organisation_id}/members/import"]["post"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"text/csv", "application/json"}
    assert content["text/csv"]["example"].startswith("email,display_name")
    assert {"200", "413", "415", "422"} <= set(operation["responses"])


def test_an_imported_person_signs_in_later_and_lands_on_the_imported_record(
    world: World, tmp_path: Path
) -> None:
    """A partner of its own, so that its provider knows someone who has never signed in."""
    registry = world.url("registry")
    admin = Person("c-admin", "admin@c.example", "C Admin")
    newcomer = Person("c-new", "New.Comer@c.example", "Nel Comer")
    # The newcomer is invited as an admin too: the link must honour that.
    organisation_id, provider = connect_partner(
        registry,
        world.coordinator,
        "Cedar Housing",
        "housing",
        [admin, newcomer],
        [admin.email, newcomer.email],
        tmp_path,
        world.providers,
    )
    admin_tokens = sign_in_tokens(registry, organisation_id, admin)
    csv = "email,display_name,skills\nnew.comer@c.example,Nel Comer,tenancy law\n"
    imported = _import(world, organisation_id, admin_tokens, csv, "text/csv")  # an admin may
    assert imported.status_code == 200, imported.text
    (row,) = imported.json()["rows"]
    assert row["outcome"] == "created"

    tokens = sign_in_tokens(registry, organisation_id, newcomer)
    me = httpx.get(f"{registry}/me", headers=bearer(tokens)).json()
    assert me["id"] == row["member_id"]
    assert me["issuer"] == provider.issuer
    assert me["subject"] == "sub-c-new"
    assert set(me["roles"]) == {"member", "organisation_admin"}
    profile = httpx.get(f"{registry}/me/profile", headers=bearer(tokens)).json()
    assert profile["skills"] == ["tenancy law"]

    again = sign_in_tokens(registry, organisation_id, newcomer)
    assert httpx.get(f"{registry}/me", headers=bearer(again)).json()["id"] == row["member_id"]
    listed = httpx.get(
        f"{registry}/organisations/{organisation_id}/members", headers=bearer(admin_tokens)
    ).json()
    assert [m["email"] for m in listed].count("new.comer@c.example") == 1
