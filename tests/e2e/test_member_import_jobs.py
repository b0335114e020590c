"""A bulk import as a job, through the real registry: answered at once with the job, the rows
written in the background with their progress, the report as the job's result; only whoever
started it reads it; a file refused as a whole is still refused at once."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from deploy.localnet.identity import bearer
from tests.e2e.conftest import Crowd, World, add_crowd

ROWS = 1200


@pytest.fixture(scope="module")
def crowd(world: World) -> Crowd:
    """An organisation of this module's own."""
    return add_crowd(world, "jobco", "Job Co", "retail", 1)


def _csv(rows: int) -> str:
    lines = ["email,display_name,skills,mentor_capacity"]
    lines += [f"worker{n}@jobco.example,Worker {n},stocktaking,1" for n in range(rows)]
    lines.append("not-an-email,Nobody,,1")
    return "\n".join(lines) + "\n"


def _start(world: World, crowd: Crowd, tokens: dict[str, Any], body: str) -> httpx.Response:
    return httpx.post(
        f"{world.url('registry')}/organisations/{crowd.id}/members/import-jobs",
        content=body,
        headers={**bearer(tokens), "Content-Type": "text/csv"},
        timeout=60,
    )


def test_an_import_job_answers_at_once_reports_progress_and_ends_with_the_report(
    world: World, crowd: Crowd
) -> None:
    started = _start(world, crowd, crowd.admin, _csv(ROWS))
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["state"] == "running" and job["total"] == ROWS + 1 and job["kind"] == "member_import"
    url = f"{world.url('registry')}/organisations/{crowd.id}/members/import-jobs/{job['id']}"

    seen: list[int] = []
    deadline = time.monotonic() + 120
    while True:
        found = httpx.get(url, headers=bearer(crowd.admin)).json()
        seen.append(found["done"])
        if found["state"] != "running" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert found["state"] == "done", found
    assert found["done"] == found["total"] == ROWS + 1
    assert seen == sorted(seen), "progress only moves forwards"
    report = found["result"]
    assert report["totals"] == {
        "rows": ROWS + 1,
        "created": ROWS,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert report["rows"][-1]["outcome"] == "rejected"
    assert "email" in report["rows"][-1]["reason"]

    # Only whoever started it reads it: not a plain member, not another organisation's admin.
    assert httpx.get(url, headers=bearer(crowd.people[0])).status_code == 403
    assert httpx.get(url, headers=bearer(world.a.admin)).status_code == 404
    other = f"{world.url('registry')}/organisations/{world.a.id}/members/import-jobs/{job['id']}"
    assert httpx.get(other, headers=bearer(world.a.admin)).status_code == 404

    # The same file again changes nothing.
    again = _start(world, crowd, crowd.admin, _csv(ROWS)).json()
    again_url = url.replace(job["id"], again["id"])
    for _ in range(600):
        second = httpx.get(again_url, headers=bearer(crowd.admin)).json()
        if second["state"] != "running":
            break
        time.sleep(0.2)
    assert second["result"]["totals"]["unchanged"] == ROWS


def test_a_file_refused_as_a_whole_is_refused_at_once(world: World, crowd: Crowd) -> None:
    broken = _start(world, crowd, crowd.admin, "mail,name\nx@jobco.example,X\n")
    assert broken.status_code == 422 and "unknown column" in broken.json()["detail"]
    wrong_type = httpx.post(
        f"{world.url('registry')}/organisations/{crowd.id}/members/import-jobs",
        content=b"<xml/>",
        headers={**bearer(crowd.admin), "Content-Type": "application/xml"},
    )
    assert wrong_type.status_code == 415
    assert _start(world, crowd, world.a.admin, _csv(1)).status_code == 404
    assert _start(world, crowd, crowd.people[0], _csv(1)).status_code == 403
