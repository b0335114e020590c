"""End to end: a matching round started as a job (202 at once), its progress and result read
back by the co-ordinator who started it and by nobody else; the synchronous round stays.

A programme of the test's own, its pool built from registry events on the real topic (as in
test_matching_round): A's admin co-ordinates, A's member mentors two B mentees.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from tests.e2e.conftest import World
from tests.e2e.test_candidate_pool import (
    enrolled,
    member_id_of,
    new_member_id,
    profile,
    publish,
    readiness,
)
from tests.e2e.test_first_flow import eventually
from tests.e2e.test_matching_round import call, one_to_one


@pytest.fixture(scope="module")
def programme(world: World) -> str:
    a, b = world.a.id, world.b.id
    programme = f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.admin)
    mentor = new_member_id()
    mentees = [new_member_id(), new_member_id()]
    publish(
        world,
        profile(mentor, a, "Rua Mentor", consent=True, capacity=2),
        readiness(mentor, a, mentor=True, mentee=False),
        enrolled(programme, mentor, a, "mentor"),
        one_to_one(programme, a, [a, b], coordinator),
    )
    for n, mentee in enumerate(mentees):
        publish(
            world,
            profile(mentee, b, f"Tui Mentee {n}", consent=True),
            readiness(mentee, b, mentor=False, mentee=True),
            enrolled(programme, mentee, b, "mentee"),
        )

    def pool_is_ready() -> bool:
        """the pool has the mentor and both mentees"""
        found = call(world, world.a.admin, "GET", f"/programmes/{programme}/candidate-pool")
        return found.status_code == 200 and found.json()["eligible"] == 3

    eventually(pool_is_ready, timeout=30)
    return programme


def _finished(world: World, path: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        read = call(world, world.a.admin, "GET", path)
        assert read.status_code == 200, read.text
        job: dict[str, Any] = read.json()
        if job["state"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError(f"the round at {path} did not finish")


def test_a_round_started_as_a_job_answers_at_once_and_reports_its_steps_to_its_starter(
    world: World, programme: str
) -> None:
    started = call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds/jobs")
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] == "running" and job["kind"] == "matching_round"
    assert job["total"] == 3 and job["owner"] == member_id_of(world, world.a.admin)
    path = f"/programmes/{programme}/rounds/jobs/{job['id']}"

    # Nobody else reads it: another organisation's admin, the mentor, the network co-ordinator.
    for outsider in (world.b.admin, world.a.member, world.coordinator):
        assert call(world, outsider, "GET", path).status_code == 404
    # Nor can they start one.
    for outsider in (world.b.admin, world.a.member):
        refused = call(world, outsider, "POST", f"/programmes/{programme}/rounds/jobs")
        assert refused.status_code == 404, refused.text

    done = _finished(world, path)
    assert done["state"] == "done", done
    assert done["done"] == 3 and done["step"] == "writing proposals"
    result = done["result"]
    assert result["programme_id"] == programme and result["unmatched"] == []
    listed = call(world, world.a.admin, "GET", f"/programmes/{programme}/proposals").json()
    assert sorted(result["proposals"]) == sorted(p["id"] for p in listed["proposals"])
    assert len(result["proposals"]) == 2

    # An unknown job, or this job under another programme's path, is not found.
    assert call(world, world.a.admin, "GET", f"{path}x").status_code == 404
    other = f"/programmes/prg_{secrets.token_hex(6)}/rounds/jobs/{job['id']}"
    assert call(world, world.a.admin, "GET", other).status_code == 404

    # The synchronous round stays for API users: nobody is left to propose now.
    again = call(world, world.a.admin, "POST", f"/programmes/{programme}/rounds")
    assert again.status_code == 201, again.text
    assert again.json()["proposals"] == []
