"""bench/member_import: an integration client uploads 10,000 members in one request.

Starts the registry as a real uvicorn process (its own database and topic prefixes) on the
servers that `./mentornet bench member_import` starts (or MENTORNET_KAFKA_BOOTSTRAP /
MENTORNET_MONGO_URL), registers an organisation and an integration client through the
registry's own stores (as the bootstrap command does), takes a client token from the real
/oauth/token, then times three uploads of a generated CSV file through the real API:

1. every row new (target: 10,000 rows in under 5 s);
2. the same file again (every row unchanged: nothing is written);
3. the file with a share of its rows changed (default 10 %: target 1,000 changed rows of
   10,000 in under 5 s).

The registry's outbox sweep stays on, as the service runs. The baseline, measured in the same
run on the same database server: the organisation's members read back in one query (what an
unchanged upload cannot beat) and copied into a scratch collection, 500 per insert (what a new
upload's writes cost bare). On a machine shared with other work, read the uploads against it.
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from deploy.localnet.processes import ServiceProcess
from services.registry.app import SERVICE, build_components
from services.registry.domain.integration_client import IntegrationClient, new_client_id
from services.registry.domain.organisation import OrganisationProfile, join, new_organisation_id
from services.registry.settings import RegistrySettings
from shared import clock
from shared.auth.principal import CallerKind, Principal, Role, Scope
from shared.events.catalogue import new_event
from shared.events.envelope import Audience
from shared.logging import configure_logging
from shared.mongo.databases import Document, ServiceDatabases
from shared.runtime import ServiceRuntime
from shared.secrets import new_secret_key, new_token

TARGET_SECONDS = 5.0
HEADER = (
    "email,display_name,skills,development_goals,sector,job_level,location,time_zone,"
    "languages,meeting_modes,mentor_capacity,line_manager_email,mentor_training_completed_on,"
    "mentee_induction_completed_on,emcc_level"
)
SKILLS = ["service design", "safeguarding", "budgeting", "coaching", "data analysis", "nursing"]
GOALS = ["lead a team through change", "become a mentor", "move into management"]
LEVELS = ["entry", "practitioner", "senior", "manager", "director"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def generate(rows: int, changed_every: int = 0) -> bytes:
    """A CSV of `rows` people (every tenth reports to a manager earlier in the file); with
    `changed_every`, every that-many-th row has a different skill set."""
    lines = [HEADER]
    for i in range(rows):
        skills = [SKILLS[i % 6], SKILLS[(i + 2) % 6]]
        if changed_every and i % changed_every == 0:
            skills = [SKILLS[(i + 4) % 6]]
        manager = f"person{i // 10}@bench.example" if i >= 10 and i % 10 else ""
        trained = f"2026-0{1 + i % 9}-1{i % 10}" if i % 3 == 0 else ""
        inducted = "2026-10-01" if i % 2 else ""
        lines.append(
            f"person{i}@bench.example,Person {i},{';'.join(skills)},{GOALS[i % 3]},"
            f"{'health' if i % 2 else 'engineering'},{LEVELS[i % 5]},Leeds UK,Europe/London,"
            f"en{';cy' if i % 7 == 0 else ''},video;telephone,{i % 3},{manager},{trained},"
            f"{inducted},"
        )
    return ("\n".join(lines) + "\n").encode()


async def set_up(settings: RegistrySettings) -> tuple[str, str, str]:
    """An organisation and an integration client with members:write, written through the
    registry's own stores; returns (organisation id, client id, client secret)."""
    runtime = ServiceRuntime(SERVICE, settings, outbox_collections=["organisations"])
    components = build_components(runtime, settings)
    await runtime.start()
    try:
        await components.organisations.prepare()
        organisation, joined = join(
            OrganisationProfile(name=f"Bench Trust {secrets.token_hex(3)}", sector="health"),
            now=clock.now(),
            organisation_id=new_organisation_id(),
        )
        event = new_event(
            joined, organisation=organisation.id, subject=organisation.id, audience=Audience.NETWORK
        )
        await components.organisations.add(organisation, [event], {})
        admin = Principal(
            subject="bench",
            organisation=organisation.id,
            kind=CallerKind.MEMBER,
            roles=frozenset({Role.ORGANISATION_ADMIN}),
        )
        client = IntegrationClient(
            client_id=new_client_id(organisation.id),
            organisation_id=organisation.id,
            name="HR sync (bench)",
            scopes=[Scope.MEMBERS_WRITE],
            created_at=clock.now(),
        )
        secret = new_token("mns_")
        await components.clients.add(admin, client, secret)
    finally:
        await runtime.stop()
    return organisation.id, client.client_id, secret


async def authorise(http: httpx.AsyncClient, client_id: str, secret: str) -> None:
    """Take a client token from the real /oauth/token for the next requests."""
    token = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "members:write"},
        auth=(client_id, secret),
    )
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"


async def upload(
    http: httpx.AsyncClient, url: str, body: bytes, label: str
) -> tuple[float, dict[str, Any]]:
    """POST the file, printing a line every 10 s while it runs; (seconds, report totals)."""
    print(f"{label}: {len(body) / 1e6:.1f} MB ...", flush=True)
    started = time.monotonic()
    request = asyncio.ensure_future(
        http.post(url, content=body, headers={"Content-Type": "text/csv"})
    )
    while not request.done():
        await asyncio.wait([request], timeout=10)
        if not request.done():
            print(f"  still importing after {time.monotonic() - started:.0f} s", flush=True)
    response = request.result()
    seconds = time.monotonic() - started
    if response.status_code != 200:
        raise RuntimeError(f"{label}: {response.status_code} {response.text[:500]}")
    totals: dict[str, Any] = response.json()["totals"]
    rate = totals["rows"] / seconds
    print(f"  {seconds:.2f} s, {rate:,.0f} rows/s: {totals}", flush=True)
    return seconds, totals


async def baseline(settings: RegistrySettings, organisation_id: str) -> dict[str, float]:
    """The database server's own cost right now: the organisation's members read in one query,
    then inserted as copies into a scratch collection (500 per insert, as the import does)."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongo_url)
    try:
        database = ServiceDatabases(client, settings.db_prefix, SERVICE).organisation(
            organisation_id
        )
        started = time.monotonic()
        documents = await database["members"].find({}, batch_size=20_000).to_list()
        read_s = time.monotonic() - started
        scratch = database["baseline_copies"]
        started = time.monotonic()
        for start in range(0, len(documents), 500):
            await scratch.insert_many(documents[start : start + 500], ordered=True)
        insert_s = time.monotonic() - started
        await scratch.drop()
    finally:
        await client.close()
    print(
        f"baseline: {len(documents):,} members read in one query in {read_s:.2f} s, "
        f"inserted as copies in {insert_s:.2f} s",
        flush=True,
    )
    return {"baseline_read_s": round(read_s, 2), "baseline_insert_s": round(insert_s, 2)}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the registry, set up, upload three times; the figures."""
    tag = secrets.token_hex(4)
    port = _free_port()
    env = {
        "MENTORNET_DB_PREFIX": f"bi{tag}",
        "MENTORNET_TOPIC_PREFIX": f"benchimport{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "MENTORNET_LOG_LEVEL": "WARNING",
    }
    settings = RegistrySettings(
        db_prefix=env["MENTORNET_DB_PREFIX"],
        topic_prefix=env["MENTORNET_TOPIC_PREFIX"],
        secret_key=env["MENTORNET_SECRET_KEY"],
        public_url=env["MENTORNET_PUBLIC_URL"],
        log_level="WARNING",
    )
    configure_logging("bench", "WARNING")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    registry = ServiceProcess("registry", port, {**os.environ, **env}, log_dir / "registry.log")
    print(f"starting the registry on port {port} (log: {registry.log_path}) ...", flush=True)
    registry.start()
    try:
        registry.wait_ready()
        organisation_id, client_id, secret = await set_up(settings)
        async with httpx.AsyncClient(base_url=registry.url, timeout=args.timeout) as http:
            url = f"/organisations/{organisation_id}/members/import"
            file = generate(args.rows)
            changed_every = round(1 / args.changed) if args.changed else 0
            changed_file = generate(args.rows, changed_every)

            # A fresh token before each upload: on a loaded machine a run outlasts one.
            await authorise(http, client_id, secret)
            first_s, first = await upload(http, url, file, f"upload 1: {args.rows:,} new rows")
            floor = await baseline(settings, organisation_id)
            await authorise(http, client_id, secret)
            again_s, again = await upload(http, url, file, "upload 2: the same file")
            await authorise(http, client_id, secret)
            changed_s, changed = await upload(
                http, url, changed_file, f"upload 3: {args.changed:.0%} of the rows changed"
            )
    finally:
        registry.stop()
    return {
        "rows": args.rows,
        "file_mb": round(len(file) / 1e6, 2),
        "new_s": round(first_s, 2),
        "new_rows_per_s": round(args.rows / first_s),
        "new_created": first["created"],
        "unchanged_s": round(again_s, 2),
        "unchanged_rows_per_s": round(args.rows / again_s),
        "unchanged_unchanged": again["unchanged"],
        "changed_s": round(changed_s, 2),
        "changed_rows": changed["updated"],
        "changed_updates_per_s": round(changed["updated"] / changed_s, 1),
        **floor,
        "new_under_target": first_s < TARGET_SECONDS,
        "changed_under_target": changed_s < TARGET_SECONDS,
        "target_s": TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, and print the figures."""
    parser = argparse.ArgumentParser(
        prog="bench/member_import", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows per file (default 10000)")
    parser.add_argument(
        "--changed", type=float, default=0.1, help="share of rows changed in upload 3 (0.1)"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="seconds to wait for one upload (1800)"
    )
    figures = asyncio.run(run(parser.parse_args(argv)))
    print(
        f"target: {figures['rows']:,} new rows, and the file with {figures['changed_rows']:,} "
        f"rows changed, each in under {TARGET_SECONDS:.0f} s"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
