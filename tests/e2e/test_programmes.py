"""Profiles, programmes and circles through the registry's API, with real sign-in."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from deploy.localnet.identity import bearer
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.training_records import record_training

TRAINED = str(date.today() - timedelta(days=30))


def _profile(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "display_name": name,
        "skills": ["service design"],
        "sector": "engineering",
        "time_zone": "Pacific/Auckland",
        "languages": ["en"],
        "meeting_modes": ["video"],
        **fields,
    }


@pytest.fixture(scope="module")
def crowd(world: World) -> Crowd:
    """Kauri Works: nine people, each with a profile (peers ready, one of them consenting)."""
    crowd = add_crowd(world, "kauri", "Kauri Works", "construction", 9)
    registry = world.url("registry")
    for n, tokens in enumerate(crowd.people):
        written = httpx.put(
            f"{registry}/me/profile",
            headers=bearer(tokens),
            json=_profile(f"Kauri {n}", share_across_organisations=(n == 0)),
        )
        assert written.status_code == 200, written.text
        # Their induction is on record: the organisation's (an import), not their own claim.
        record_training(registry, crowd.id, crowd.admin, tokens, mentee_on=TRAINED)
    return crowd


def _design(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Engineering leaders 2027",
        "purpose": "Grow first-time engineering leaders",
        "goals": ["confident delegation"],
        "model": "one_to_one",
        "starts_on": str(date.today() + timedelta(days=7)),
        "ends_on": str(date.today() + timedelta(days=300)),
        "meeting_every_days": 28,
        "min_meeting_minutes": 30,
        "max_meeting_minutes": 90,
        **fields,
    }


def test_a_profile_is_validated_field_by_field(world: World, crowd: Crowd) -> None:
    registry = world.url("registry")
    me = httpx.get(f"{registry}/me", headers=bearer(crowd.people[1])).json()
    bad = httpx.put(
        f"{registry}/me/profile",
        headers=bearer(crowd.people[1]),
        json=_profile(
            "K",
            time_zone="Mars/Olympus",
            skills=["a", "A"],
            mentor_capacity=99,
            mentor_training_completed_on=str(date.today() + timedelta(days=3)),
            colour="red",
        ),
    )
    assert bad.status_code == 422
    assert {
        "time_zone",
        "skills",
        "mentor_capacity",
        "mentor_training_completed_on",
        "colour",
    } <= set(bad.json()["fields"])
    own_manager = httpx.put(
        f"{registry}/me/profile",
        headers=bearer(crowd.people[1]),
        json=_profile("K", line_manager_id=me["id"]),
    )
    assert own_manager.status_code == 422
    assert "own line manager" in own_manager.json()["detail"]
    # Nothing was half-written: the profile is as the fixture left it.
    kept = httpx.get(f"{registry}/me/profile", headers=bearer(crowd.people[1])).json()
    assert kept["display_name"] == "Kauri 1"


def test_another_organisation_sees_a_profile_only_with_consent_and_only_its_shared_part(
    world: World, crowd: Crowd
) -> None:
    registry = world.url("registry")
    consenting = httpx.get(f"{registry}/me", headers=bearer(crowd.people[0])).json()["id"]
    private = httpx.get(f"{registry}/me", headers=bearer(crowd.people[2])).json()["id"]
    base = f"{registry}/organisations/{crowd.id}/members"
    shared = httpx.get(f"{base}/{consenting}/profile", headers=bearer(world.a.member))
    assert shared.status_code == 200, shared.text
    assert set(shared.json()) == {
        "member_id",
        "organisation_id",
        "display_name",
        "skills",
        "sector",
        "goals_summary",
    }
    assert httpx.get(f"{base}/{private}/profile", headers=bearer(world.a.member)).status_code == 404
    colleague = httpx.get(f"{base}/{private}/profile", headers=bearer(crowd.people[0]))
    assert colleague.status_code == 200
    assert colleague.json()["time_zone"] == "Pacific/Auckland"


def test_a_cross_organisation_programme_opens_once_every_organisation_accepts(
    world: World, crowd: Crowd
) -> None:
    registry = world.url("registry")
    with world.reader(crowd.admin) as kauri, world.reader(world.a.admin) as alder:
        created = kauri.post(
            f"{registry}/programmes", json=_design(participating_organisations=[world.a.id])
        )
        assert created.status_code == 201, created.text
        programme = created.json()
        url = f"{registry}/programmes/{programme['id']}"
        assert programme["status"] == "draft"

        early = kauri.post(f"{url}/status", json={"status": "open"})
        assert early.status_code == 422
        assert world.a.id in early.json()["detail"]
        assert alder.post(f"{url}/acceptance").status_code == 200
        opened = kauri.post(f"{url}/status", json={"status": "open"})
        assert opened.status_code == 200, opened.text
        assert opened.json()["status"] == "open"
        backwards = kauri.post(f"{url}/status", json={"status": "draft"})
        assert backwards.status_code == 422
        # B takes no part: the programme does not exist for it.
        assert httpx.get(url, headers=bearer(world.b.admin)).status_code == 404

    with world.reader(crowd.people[3]) as person:
        untrained = person.post(f"{url}/enrolments", json={"role": "mentor"})
        assert untrained.status_code == 422
        assert "mentor training is not complete" in untrained.json()["detail"]
        assert person.post(f"{url}/enrolments", json={"role": "mentee"}).status_code == 201
        assert person.post(f"{url}/enrolments", json={"role": "mentee"}).status_code == 409
        assert person.post(f"{url}/enrolments", json={"role": "peer"}).status_code in (409, 422)
    enrolled = httpx.get(f"{url}/enrolments", headers=bearer(crowd.admin)).json()
    assert [e["role"] for e in enrolled] == ["mentee"]
    assert httpx.get(f"{url}/enrolments", headers=bearer(crowd.people[3])).status_code == 403


def _open_circle_programme(world: World, crowd: Crowd, **design: Any) -> str:
    registry = world.url("registry")
    with world.reader(crowd.admin) as kauri:
        programme = kauri.post(f"{registry}/programmes", json=_design(**design)).json()
        for organisation in design.get("participating_organisations", []):
            admin = world.a.admin if organisation == world.a.id else world.b.admin
            assert (
                httpx.post(
                    f"{registry}/programmes/{programme['id']}/acceptance", headers=bearer(admin)
                ).status_code
                == 200
            )
        opened = kauri.post(
            f"{registry}/programmes/{programme['id']}/status", json={"status": "open"}
        )
        assert opened.status_code == 200, opened.text
    return str(programme["id"])


def _enrol_peer(registry: str, programme_id: str, tokens: dict[str, Any]) -> None:
    enrolled = httpx.post(
        f"{registry}/programmes/{programme_id}/enrolments",
        headers=bearer(tokens),
        json={"role": "peer"},
    )
    assert enrolled.status_code == 201, enrolled.text


def test_a_programme_pairs_organisations_mentoring_each_other(world: World, crowd: Crowd) -> None:
    """Seed 004: organisations mentoring each other, paired by the programme; its co-ordinators
    read the pairs, the event carries them, a pair that cannot be is refused with its reason."""
    registry = world.url("registry")
    pair = {"first": crowd.id, "second": world.a.id}
    with world.reader(crowd.admin) as kauri:
        created = kauri.post(
            f"{registry}/programmes",
            json=_design(participating_organisations=[world.a.id], organisation_pairs=[pair]),
        )
        assert created.status_code == 201, created.text
        shown = kauri.get(f"{registry}/programmes/{created.json()['id']}")
        assert shown.json()["design"]["organisation_pairs"] == [pair]
        for pairs, model, why in [
            ([{"first": crowd.id, "second": world.b.id}], "one_to_one", world.b.id),
            ([{"first": crowd.id, "second": crowd.id}], "one_to_one", "two different"),
            ([pair], "peer_circle", "not circles"),
        ]:
            refused = kauri.post(
                f"{registry}/programmes",
                json=_design(
                    participating_organisations=[world.a.id],
                    organisation_pairs=pairs,
                    model=model,
                ),
            )
            assert refused.status_code == 422, refused.text
            assert why in refused.text


def test_a_peer_circle_takes_four_to_eight_with_consent_and_the_contract(
    world: World, crowd: Crowd
) -> None:
    registry = world.url("registry")
    programme_id = _open_circle_programme(
        world, crowd, name="Kauri peer circles", model="peer_circle"
    )
    circle = httpx.post(
        f"{registry}/programmes/{programme_id}/circles",
        headers=bearer(crowd.admin),
        json={"name": "Tuesday circle"},
    ).json()
    join = f"{registry}/circles/{circle['id']}/members"
    assert "Avoid advice giving" in circle["contract"]
    for tokens in crowd.people:
        _enrol_peer(registry, programme_id, tokens)

    refused = httpx.post(
        join, headers=bearer(crowd.people[0]), json={"consent": True, "contract_accepted": False}
    )
    assert refused.status_code == 422
    assert "contract" in refused.json()["detail"]
    for tokens in crowd.people[:8]:
        joined = httpx.post(
            join, headers=bearer(tokens), json={"consent": True, "contract_accepted": True}
        )
        assert joined.status_code == 200, joined.text
    ninth = httpx.post(
        join, headers=bearer(crowd.people[8]), json={"consent": True, "contract_accepted": True}
    )
    assert ninth.status_code == 422
    assert "full" in ninth.json()["detail"]
    # Who is in it: its members and the co-ordinator see; the peer left out sees its size.
    path = f"{registry}/circles/{circle['id']}"
    for insider in (crowd.people[0], crowd.admin):
        assert len(httpx.get(path, headers=bearer(insider)).json()["members"]) == 8
    outside = httpx.get(path, headers=bearer(crowd.people[8])).json()
    assert outside["members"] == [] and outside["size"] == 8
    listed = httpx.get(
        f"{registry}/programmes/{programme_id}/circles", headers=bearer(crowd.people[8])
    ).json()
    assert [(c["members"], c["size"]) for c in listed] == [([], 8)]


def test_an_x_market_circle_takes_one_member_per_organisation(world: World, crowd: Crowd) -> None:
    registry = world.url("registry")
    programme_id = _open_circle_programme(
        world,
        crowd,
        name="X Market journey",
        model="x_market_circle",
        participating_organisations=[world.a.id],
    )
    circle = httpx.post(
        f"{registry}/programmes/{programme_id}/circles",
        headers=bearer(crowd.admin),
        json={"name": "Across sectors"},
    ).json()
    join = f"{registry}/circles/{circle['id']}/members"
    for tokens in crowd.people[4:6]:
        _enrol_peer(registry, programme_id, tokens)
    first = httpx.post(
        join, headers=bearer(crowd.people[4]), json={"consent": True, "contract_accepted": True}
    )
    assert first.status_code == 200, first.text
    same_org = httpx.post(
        join, headers=bearer(crowd.people[5]), json={"consent": True, "contract_accepted": True}
    )
    assert same_org.status_code == 422
    assert "one member per organisation" in same_org.json()["detail"]


def test_an_impossible_programme_is_refused_with_reasons(world: World, crowd: Crowd) -> None:
    registry = world.url("registry")
    with world.reader(crowd.admin) as kauri:
        before = len(kauri.get(f"{registry}/programmes").json())
        backwards = kauri.post(
            f"{registry}/programmes", json=_design(starts_on="2027-06-01", ends_on="2027-01-01")
        )
        assert backwards.status_code == 422
        assert "end after it starts" in str(backwards.json())
        bounds = kauri.post(
            f"{registry}/programmes", json=_design(min_meeting_minutes=90, max_meeting_minutes=30)
        )
        assert bounds.status_code == 422
        group = kauri.post(
            f"{registry}/programmes", json=_design(model="group", max_mentees_per_mentor=5)
        )
        assert group.status_code == 422
        unknown = kauri.post(
            f"{registry}/programmes", json=_design(participating_organisations=["org_000000000000"])
        )
        assert unknown.status_code == 422
        assert "no such organisations" in unknown.json()["detail"]
        assert len(kauri.get(f"{registry}/programmes").json()) == before
    member = httpx.post(f"{registry}/programmes", headers=bearer(crowd.people[0]), json=_design())
    assert member.status_code == 403


def test_training_and_induction_are_the_organisations_record_not_self_certified(
    world: World, crowd: Crowd
) -> None:
    """The attack: a member writes a training date into their own profile to be matched as a
    mentor. The date is ignored; the organisation's import records it."""
    registry = world.url("registry")
    person = crowd.people[3]
    claimed = httpx.put(
        f"{registry}/me/profile",
        headers=bearer(person),
        json=_profile(
            "Kauri 3",
            mentor_capacity=2,
            mentor_training_completed_on=TRAINED,
            emcc_level="master_practitioner",
        ),
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["mentor_training_completed_on"] is None
    assert claimed.json()["emcc_level"] is None
    assert claimed.json()["mentee_induction_completed_on"] == TRAINED  # the record, kept
    programme_id = _open_circle_programme(world, crowd, name="Mentors only", model="one_to_one")
    enrol = f"{registry}/programmes/{programme_id}/enrolments"
    refused = httpx.post(enrol, headers=bearer(person), json={"role": "mentor"})
    assert refused.status_code == 422
    assert "mentor training" in refused.json()["detail"]
    record_training(registry, crowd.id, crowd.admin, person, mentor_on=TRAINED)
    assert (
        httpx.get(f"{registry}/me/profile", headers=bearer(person)).json()[
            "mentor_training_completed_on"
        ]
        == TRAINED
    )
    enrolled = httpx.post(enrol, headers=bearer(person), json={"role": "mentor"})
    assert enrolled.status_code == 201, enrolled.text
