"""bench/api: the sessions API under a steady open-loop load, beside a bare FastAPI endpoint.

Starts the registry and sessions as real uvicorn processes (their own database and topic
prefixes) on the servers `./mentornet bench api` starts (or MENTORNET_KAFKA_BOOTSTRAP /
MENTORNET_MONGO_URL), and a provider per organisation; signs a pool of members in through the
real OIDC flow; seeds a network of relationships by producing `programme.published` and
`match.accepted` onto the real topics and waits until sessions has started every one; then a
SEPARATE load-generating process sends authenticated reads and writes (relationship page,
meeting list, post a message, write a log — whichever of those routes sessions has) at each
fixed arrival rate for a fixed time. The same generator, at the same rates, first measures a
bare FastAPI JSON endpoint served by uvicorn with the same settings: the ceiling. With the
defaults, 160 people of 4 organisations share 3,000 relationships (each is in ~40).

Open loop: request i is due at start + i/rate whether or not earlier ones have answered, and
its latency runs from when it was due, so a slow server (or a lagging generator) shows up as
latency instead of quietly lowering the offered rate (no coordinated omission). A request
that fails, answers 4xx/5xx or takes longer than --timeout is an error.

Run it with `./mentornet bench api [--rates 200 500] [--seconds 30] [--relationships 3000]`.
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import multiprocessing
import os
import random
import secrets
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from bench._open_loop import TIMEOUT, TRANSPORT, PlannedRequest, StepPlan, drive
from deploy.localnet.identity import (
    CLIENT_ID,
    Person,
    Provider,
    bearer,
    bootstrap_coordinator,
    sign_in_tokens,
    start_provider,
)
from deploy.localnet.processes import ServiceProcess, start_network, stop_network
from services.sessions.domain.relationships import relationship_id
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import ProgrammePublished
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from shared.events.topics import domain_topic
from shared.kafka.security import kafka_client_options
from shared.secrets import new_secret_key
from shared.settings import ServiceSettings

TARGET_RATE = 500.0
TARGET_P99_MS = 50.0
SECTORS = ["health", "engineering", "local government", "education", "software", "retail"]
# Reads outweigh writes, as in any app people use; the defaults of --mix.
DEFAULT_MIX = "relationship=4,meetings=3,message=2,log=1"
MEETINGS_PATH = "/relationships/{relationship_id}/meetings"


def say(message: str) -> None:
    """One progress line, at once (the run is long; every long step reports)."""
    print(message, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the ceiling: a bare FastAPI JSON endpoint ---------------------------------------------


def ceiling_app() -> FastAPI:
    """A bare FastAPI app: what the same uvicorn and generator manage with no work behind it
    (run with `uvicorn --factory bench.api:ceiling_app`)."""
    app = FastAPI(title="bench ceiling")

    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


# --- what the load is made of ---------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    """One seeded relationship: its id and the pool indexes of its two parties."""

    id: str
    mentor: int
    mentee: int


BodyFactory = Callable[[random.Random, int], dict[str, Any]]


@dataclass(frozen=True)
class RequestKind:
    """A kind of request in the mix: an OpenAPI path of sessions and what to send.

    `template` must be a path of sessions' OpenAPI (with `method`) for the kind to run: a
    route that does not exist yet is reported missing and left out of the mix.
    """

    name: str
    method: str
    template: str
    body: BodyFactory | None = None
    description: str = ""

    def path(self, relationship: str) -> str:
        """The concrete path for one relationship."""
        return self.template.format(relationship_id=relationship)


TOPICS = ["giving feedback", "leading a review", "delegation", "career next steps", "networking"]


def message_body(rng: random.Random, n: int) -> dict[str, Any]:
    """A message as services/sessions/adapters/message_routes.py PostRequest takes it."""
    return {"text": f"Thanks for today ({n}) - I tried the GROW questions on {rng.choice(TOPICS)}."}


def log_body(rng: random.Random, n: int) -> dict[str, Any]:
    """A meeting log as services/sessions/domain/meeting_logs.py MeetingLogContent takes it
    (Resource 13's boxes, a few hundred characters, like a real one)."""
    met_on = date.today() - timedelta(days=rng.randint(1, 20))
    return {
        "met_on": met_on.isoformat(),
        "achieved_since_last": f"drafted the supervision checklist agreed last time ({n})",
        "challenges": "finding time for reflective practice; outstanding: the rota review",
        "topics": [rng.choice(TOPICS), rng.choice(TOPICS)],
        "steps": [{"step": "shadow a senior practitioner's review meeting", "owner": "mentee"}],
        "next_topic": rng.choice(TOPICS),
        "next_meeting_on": (met_on + timedelta(days=28)).isoformat(),
    }


def meeting_body(rng: random.Random, n: int) -> dict[str, Any]:
    """A meeting as services/sessions/adapters/meeting_routes.py NewMeeting takes it: half
    held in the past weeks (each publishes `meeting.held`), half planned ahead."""
    held = n % 2 == 0
    days = -rng.randint(2, 40) if held else rng.randint(2, 40)
    starts = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return {
        "starts_at": starts.isoformat(),
        "minutes": rng.choice([45, 60, 90]),
        "method": rng.choice(["video", "face_to_face", "telephone"]),
        "status": "held" if held else "planned",
    }


KINDS: dict[str, RequestKind] = {
    "relationship": RequestKind(
        "relationship",
        "GET",
        "/relationships/{relationship_id}",
        description="relationship page (a party reads it)",
    ),
    "meetings": RequestKind(
        "meetings",
        "GET",
        "/relationships/{relationship_id}/meetings",
        description="meeting list of a relationship (a party reads it)",
    ),
    "message": RequestKind(
        "message",
        "POST",
        "/relationships/{relationship_id}/messages",
        message_body,
        description="a party posts a message",
    ),
    "log": RequestKind(
        "log",
        "POST",
        "/relationships/{relationship_id}/logs",
        log_body,
        description="a party writes a meeting log",
    ),
}


def parse_mix(text: str, known: Collection[str] = KINDS.keys()) -> dict[str, int]:
    """`relationship=4,meetings=3` → weights; kinds not `known` are refused."""
    mix: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        if name not in known:
            raise argparse.ArgumentTypeError(f"unknown kind {name!r}: one of {', '.join(known)}")
        try:
            mix[name] = int(weight or "1")
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"weight of {name!r} must be a whole number") from exc
        if mix[name] < 0:
            raise argparse.ArgumentTypeError(f"weight of {name!r} must not be negative")
    if not any(mix.values()):
        raise argparse.ArgumentTypeError("the mix needs at least one kind with a weight")
    return mix


# --- figures --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summarise(latencies: Sequence[float], statuses: Sequence[int]) -> dict[str, Any]:
    """p50/p95/p99/max and error count of one set of requests."""
    ok = sum(1 for s in statuses if 200 <= s < 300)
    return {
        "requests": len(statuses),
        "errors": len(statuses) - ok,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies, default=0.0), 1),
    }


def error_kinds(statuses: Sequence[int]) -> dict[str, int]:
    """Errors by status ('timeout', 'transport' or the HTTP status)."""
    names = {TIMEOUT: "timeout", TRANSPORT: "transport"}
    return {
        names.get(s, str(s)): n for s, n in sorted(Counter(statuses).items()) if not 200 <= s < 300
    }


def listening_pid(port: int) -> int | None:
    """The process listening on a local TCP port, from /proc (Linux; None if not found or
    not ours to see): used to measure the database server's CPU beside the service's."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    wanted = {f"socket:[{inode}]" for inode in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in wanted for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:
            continue
    return None


class CpuMeter:
    """CPU use of the whole machine and of named processes, from /proc (Linux)."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self._pids = pids
        self._machine = self._machine_ticks()
        self._processes = {name: self._process_ticks(pid) for name, pid in pids.items()}
        self._wall = time.monotonic()

    @staticmethod
    def _machine_ticks() -> tuple[int, int]:
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        except (OSError, ValueError):
            return 0, 0
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    @staticmethod
    def _process_ticks(pid: int | None) -> int:
        if pid is None:
            return 0
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return 0
        fields = stat.rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def read(self) -> tuple[float, dict[str, float]]:
        """(share of all cores busy, each process's CPU in cores) since the last read."""
        machine = self._machine_ticks()
        processes = {name: self._process_ticks(pid) for name, pid in self._pids.items()}
        wall = time.monotonic() - self._wall
        total = machine[0] - self._machine[0]
        busy = total - (machine[1] - self._machine[1])
        hz = os.sysconf("SC_CLK_TCK")
        cores = {
            name: round((ticks - self._processes[name]) / hz / wall, 2)
            for name, ticks in processes.items()
            if self._pids[name] is not None
        }
        self._machine, self._processes, self._wall = machine, processes, time.monotonic()
        return (busy / total if total else 0.0), cores


def settle(process: ServiceProcess, label: str, database_pid: int | None, limit: float) -> float:
    """Wait until `process` and the database server are nearly idle (a saturated step leaves
    a backlog of requests whose callers gave up, and their queries): at most `limit` seconds;
    returns how long it took."""
    started = time.monotonic()
    meter = CpuMeter(
        {label: process.process.pid if process.process else None, "database": database_pid}
    )
    while time.monotonic() - started < limit:
        time.sleep(1.0)
        cores = meter.read()[1]
        if cores.get(label, 0.0) < 0.10 and cores.get("database", 0.0) < 0.25:
            break
        say(
            f"  waiting for {label} ({cores.get(label, 0.0):.0%} of a core) and the database "
            f"({cores.get('database', 0.0):.0%}) to settle"
        )
    return time.monotonic() - started


def run_step(
    pool: ProcessPoolExecutor,
    plan: StepPlan,
    server: ServiceProcess,
    kinds: Sequence[str],
    database_pid: int | None,
) -> dict[str, Any]:
    """Run one step in the generator process and measure the machine meanwhile."""
    say(f"{plan.label}: {len(plan.requests)} requests at {plan.rate:.0f}/s ...")
    meter = CpuMeter(
        {"server": server.process.pid if server.process else None, "database": database_pid}
    )
    result = pool.submit(drive, plan).result()
    busy, cores = meter.read()
    statuses = [s for k in kinds for s in result.statuses.get(k, [])]
    latencies = [v for k in kinds for v in result.latencies.get(k, [])]
    figures = summarise(latencies, statuses)
    ok = figures["requests"] - figures["errors"]
    figures |= {
        "offered_per_s": plan.rate,
        "sent_per_s": round(len(plan.requests) / max(result.send_seconds, 1e-9), 1),
        "achieved_per_s": round(ok / max(result.last_answer_seconds, 1e-9), 1),
        "late_sends": result.late_sends,
        "error_kinds": error_kinds(statuses),
        "transport_errors": result.transport_errors,
        "step_s": round(result.last_answer_seconds, 1),
        "server_cpu_cores": cores.get("server"),
        "database_cpu_cores": cores.get("database"),
        "generator_cpu_cores": round(result.cpu_seconds / max(result.last_answer_seconds, 1), 2),
        "machine_busy_share": round(busy, 2),
    }
    figures["seconds"] = by_second(
        [t for k in kinds for t in result.due_at.get(k, [])], latencies, TARGET_P99_MS
    )
    if len(kinds) > 1:
        figures["by_kind"] = {
            k: summarise(result.latencies.get(k, []), result.statuses.get(k, [])) for k in kinds
        }
    errors = f" {figures['error_kinds']}" if figures["errors"] else ""
    say(
        f"  p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms, "
        f"{figures['errors']} errors{errors}, achieved {figures['achieved_per_s']}/s"
    )
    say(
        f"  cpu: server {cores.get('server', 0):.2f} cores, database "
        f"{cores.get('database', float('nan')):.2f}, generator "
        f"{figures['generator_cpu_cores']:.2f}; machine {busy:.0%} busy"
    )
    for k, f in figures.get("by_kind", {}).items():
        say(f"    {k:12} p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, {f['errors']} errors")
    seconds = figures["seconds"]
    slowest = ", ".join(f"{s} s ({ms:.0f} ms)" for s, ms in seconds["slowest"])
    say(
        f"  per second: p99 under {TARGET_P99_MS:.0f} ms in {seconds['under_target']} of "
        f"{seconds['count']}; slowest {slowest}"
    )
    return figures


def by_second(
    due_at: Sequence[float], latencies: Sequence[float], limit_ms: float
) -> dict[str, Any]:
    """The step's p99 second by second (by when requests were due): how many seconds kept it
    under `limit_ms`, and the three slowest. A tail spread over every second is a server that
    is too slow; one in a few seconds is a pause, of the server or of whatever shares the
    machine."""
    per_second: dict[int, list[float]] = {}
    for due, latency in zip(due_at, latencies, strict=True):
        per_second.setdefault(int(due), []).append(latency)
    p99s = {s: percentile(v, 0.99) for s, v in per_second.items()}
    slowest = sorted(p99s.items(), key=lambda item: -item[1])[:3]
    return {
        "count": len(p99s),
        "under_target": sum(1 for v in p99s.values() if v < limit_ms),
        "slowest": [[s, round(v, 1)] for s, v in sorted(slowest)],
    }


# --- the network: services, people, relationships -----------------------------------------


@dataclass
class Member:
    """A signed-in member of the pool."""

    organisation: int
    member_id: str
    token: str


@dataclass
class Network:
    """The running services and what the bench put in them."""

    env: dict[str, str]
    services: dict[str, ServiceProcess]
    providers: list[Provider] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    relationships: list[Seeded] = field(default_factory=list)

    def url(self, service: str) -> str:
        """Base URL of a service."""
        return self.services[service].url


def _subject(access_token: str) -> str:
    """The member id a network token speaks for (its `sub`; the token was just issued to us
    by the registry, and sessions verifies it on every request)."""
    payload = access_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


def start_services(tag: str, log_dir: Path) -> Network:
    """The registry and sessions as uvicorn processes, on fresh prefixes of their own."""
    settings = ServiceSettings()
    ports = {"registry": _free_port(), "sessions": _free_port()}
    registry = f"http://127.0.0.1:{ports['registry']}"
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "MENTORNET_MONGO_URL": settings.mongo_url,
        "MENTORNET_DB_PREFIX": f"ba{tag}",
        "MENTORNET_TOPIC_PREFIX": f"benchapi{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_PUBLIC_URL": registry,
        # Tokens outlive the whole run (sign-in happens once, before seeding).
        "MENTORNET_ACCESS_TOKEN_SECONDS": "3600",
    }
    say(f"starting registry and sessions (logs in {log_dir}) ...")
    processes = start_network(env, log_dir, ports=ports, services=("registry", "sessions"))
    return Network(env, {p.service: p for p in processes})


def _connect_organisation(
    network: Network,
    coordinator: dict[str, Any],
    name: str,
    sector: str,
    people: list[Person],
    log_dir: Path,
    email_domains: Sequence[str] = (),
) -> str:
    """Start the organisation's provider, register it (as the network co-ordinator, with the
    e-mail domains its people sign in with, if any) and connect the provider, as a real
    partner joins."""
    registry = network.url("registry")
    provider = start_provider(f"{name} sign-in", _free_port(), log_dir, registry, people)
    network.providers.append(provider)
    with httpx.Client(headers=bearer(coordinator), timeout=30) as http:
        created = http.post(
            f"{registry}/organisations",
            json={
                "name": name,
                "sector": sector,
                "country": "GB",
                "admin_emails": [people[0].email],
                "email_domains": list(email_domains),
            },
        )
        if created.status_code != 201:
            raise RuntimeError(f"registering {name}: {created.status_code} {created.text}")
        organisation_id = str(created.json()["id"])
        connected = http.put(
            f"{registry}/organisations/{organisation_id}/identity-provider",
            json={
                "issuer": provider.issuer,
                "client_id": CLIENT_ID,
                "client_secret": provider.client_secret,
            },
        )
        if connected.status_code != 200:
            raise RuntimeError(f"connecting {name}: {connected.status_code} {connected.text}")
    return organisation_id


def start_office(network: Network, log_dir: Path) -> dict[str, Any]:
    """The network office's provider and its co-ordinator (the registry's bootstrap command),
    signed in; the co-ordinator's token response."""
    registry = network.url("registry")
    office_person = Person("coordinator", "coordinator@network-office.example", "Nia Coord")
    office = start_provider(
        "Network Office sign-in", _free_port(), log_dir, registry, [office_person]
    )
    network.providers.append(office)
    office_id = bootstrap_coordinator(network.env, office, office_person.email)
    return sign_in_tokens(registry, office_id, office_person)


def sign_in_pool(network: Network, args: argparse.Namespace, tag: str, log_dir: Path) -> None:
    """Organisations with their own providers, and `args.people` members signed in through
    the real OIDC flow (provider login form → registry callback → network tokens)."""
    registry = network.url("registry")
    coordinator = start_office(network, log_dir)
    per_organisation = math.ceil(args.people / args.organisations)
    to_sign_in: list[tuple[int, str, Person]] = []
    for o in range(args.organisations):
        key = f"o{o}"
        people = [
            Person(f"{key}-{n}", f"p{n}@{key}-{tag}.example", f"Org {o} person {n}")
            for n in range(per_organisation)
        ][: args.people - len(to_sign_in)]
        organisation_id = _connect_organisation(
            network,
            coordinator,
            f"Bench {o} {tag}",
            SECTORS[o % len(SECTORS)],
            people,
            log_dir,
        )
        network.organisations.append(organisation_id)
        to_sign_in += [(o, organisation_id, p) for p in people]
    say(
        f"signing {len(to_sign_in)} people of {args.organisations} organisations in through "
        "their providers ..."
    )
    started = time.monotonic()

    def sign_in(item: tuple[int, str, Person]) -> Member:
        organisation, organisation_id, person = item
        tokens = sign_in_tokens(registry, organisation_id, person)
        token = str(tokens["access_token"])
        return Member(organisation, _subject(token), token)

    with ThreadPoolExecutor(max_workers=6) as threads:
        for member in threads.map(sign_in, to_sign_in):
            network.members.append(member)
            if len(network.members) % 25 == 0 or len(network.members) == len(to_sign_in):
                say(f"  {len(network.members)}/{len(to_sign_in)} signed in")
    say(f"  {time.monotonic() - started:.1f} s")
    first = network.members[0]
    me = httpx.get(f"{registry}/me", headers={"Authorization": f"Bearer {first.token}"})
    if me.status_code != 200 or me.json()["id"] != first.member_id:
        raise RuntimeError(f"the registry's /me does not match the token: {me.text[:300]}")
    for provider in network.providers:  # sign-in is done: the providers are not needed now
        provider.process.stop()


def _programme(programme: str, organisations: list[str], coordinator: str) -> Envelope:
    data = ProgrammePublished(
        programme_id=programme,
        owner_organisation_id=organisations[0],
        organisations=organisations,
        coordinators=[coordinator],
        model="one_to_one",
        starts_on=date(2026, 1, 5),
        ends_on=date(2027, 12, 17),
        meeting_every_days=28,
        min_meeting_minutes=30,
        max_meeting_minutes=120,
        max_mentees_per_mentor=1,
        require_different_sectors=False,
        self_match=False,
    )
    return new_event(data, organisation=organisations[0], subject=programme)


def _accepted(
    proposal: str, programme: str, mentee: tuple[str, str], mentor: tuple[str, str]
) -> Envelope:
    data = MatchAccepted(
        proposal_id=proposal,
        programme_id=programme,
        mentee_id=mentee[0],
        mentee_organisation_id=mentee[1],
        mentor_id=mentor[0],
        mentor_organisation_id=mentor[1],
        accepted_at=datetime.now(UTC) - timedelta(days=60),  # so past meetings belong to it
    )
    return new_event(data, organisation=None, subject=proposal, audience=Audience.NETWORK)


def choose_pairs(
    members: list[Member], count: int, cross_share: float, rng: random.Random
) -> list[tuple[int, int]]:
    """`count` distinct (mentor, mentee) pairs of the pool, `cross_share` of them across
    organisations (network records), the rest inside one organisation."""
    by_organisation: dict[int, list[int]] = {}
    for i, m in enumerate(members):
        by_organisation.setdefault(m.organisation, []).append(i)
    pairs: set[tuple[int, int]] = set()
    possible = len(members) * (len(members) - 1)
    if count > possible // 2:
        raise ValueError(f"{count} relationships need more people than {len(members)}")
    while len(pairs) < count:
        mentor = rng.randrange(len(members))
        if rng.random() < cross_share or len(by_organisation) == 1:
            mentee = rng.randrange(len(members))
            if members[mentee].organisation == members[mentor].organisation:
                continue
        else:
            mentee = rng.choice(by_organisation[members[mentor].organisation])
        if mentee != mentor:
            pairs.add((mentor, mentee))
    return sorted(pairs)


async def _produce(bootstrap: str, topic: str, envelopes: Sequence[Envelope], label: str) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
    )
    await producer.start()
    try:
        futures = []
        for i, envelope in enumerate(envelopes, 1):
            futures.append(await producer.send(topic, envelope.to_bytes(), key=envelope.key))
            if i % 1000 == 0:
                say(f"  {label}: {i}/{len(envelopes)} produced")
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def _consumed_all(bootstrap: str, group: str, topic: str, limit: float) -> None:
    """Wait until consumer group `group` has committed every record now on `topic` (read
    through the admin API, so the bench never joins the group)."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, **kafka_client_options(), enable_auto_commit=False
    )
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **kafka_client_options())
    await reader.start()
    await admin.start()
    try:
        # The partitions from the broker itself: a consumer's cached metadata may not know a
        # topic it never subscribed to, and an empty list would read as nothing behind.
        described = await admin.describe_topics([topic])
        partitions = [TopicPartition(topic, p["partition"]) for p in described[0]["partitions"]]
        if not partitions:
            raise RuntimeError(f"the broker does not describe {topic}")
        ends = await reader.end_offsets(partitions)
        deadline = time.monotonic() + limit
        while True:
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            behind = sum(
                end - max(committed[tp].offset if tp in committed else 0, 0)
                for tp, end in ends.items()
            )
            if behind <= 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{group} is still {behind} records behind on {topic}")
            await asyncio.sleep(0.5)
    finally:
        await admin.close()
        await reader.stop()


async def _wait_started(bootstrap: str, topic: str, expected: set[str], limit: float) -> None:
    """Read sessions' own topic until it has announced `relationship.started` for every
    expected relationship (it publishes that in the same write that stores it)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        **kafka_client_options(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: set[str] = set()
    started = time.monotonic()
    last_report = started
    try:
        while len(seen) < len(expected):
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                for record in records:
                    envelope = json.loads(record.value)
                    if envelope["type"] == "relationship.started":
                        rel = envelope["data"]["relationship_id"]
                        if rel in expected:
                            seen.add(rel)
            now = time.monotonic()
            if now - last_report > 2 or len(seen) == len(expected):
                say(f"  sessions has started {len(seen)}/{len(expected)}")
                last_report = now
            if now - started > limit:
                raise TimeoutError(f"only {len(seen)}/{len(expected)} started in {limit:.0f}s")
    finally:
        await consumer.stop()


def seed(network: Network, args: argparse.Namespace, rng: random.Random) -> float:
    """Programmes and `args.relationships` accepted matches onto the real topics; waits
    until sessions has started every relationship. Returns the seconds it took."""
    bootstrap = network.env["MENTORNET_KAFKA_BOOTSTRAP"]
    prefix = network.env["MENTORNET_TOPIC_PREFIX"]
    started = time.monotonic()
    programmes = [f"prg_{secrets.token_hex(6)}" for _ in range(args.programmes)]
    coordinator = network.members[0].member_id
    say(f"seeding {len(programmes)} programmes ...")
    asyncio.run(
        _produce(
            bootstrap,
            domain_topic(prefix, "registry"),
            [_programme(p, network.organisations, coordinator) for p in programmes],
            "programmes",
        )
    )
    # Programme terms must be known before the matches arrive (they come on another topic).
    asyncio.run(
        _consumed_all(bootstrap, f"{prefix}.sessions", domain_topic(prefix, "registry"), 120)
    )
    pairs = choose_pairs(network.members, args.relationships, args.cross_share, rng)
    envelopes = []
    for n, (mentor, mentee) in enumerate(pairs):
        proposal = f"prp_{secrets.token_hex(8)}"
        m, e = network.members[mentor], network.members[mentee]
        envelopes.append(
            _accepted(
                proposal,
                programmes[n % len(programmes)],
                (e.member_id, network.organisations[e.organisation]),
                (m.member_id, network.organisations[m.organisation]),
            )
        )
        network.relationships.append(Seeded(relationship_id(proposal), mentor, mentee))
    cross = sum(
        1
        for r in network.relationships
        if network.members[r.mentor].organisation != network.members[r.mentee].organisation
    )
    say(
        f"seeding {len(envelopes)} relationships ({cross} across organisations) as "
        "match.accepted on the matching topic ..."
    )
    asyncio.run(_produce(bootstrap, domain_topic(prefix, "matching"), envelopes, "matches"))
    asyncio.run(
        _wait_started(
            bootstrap,
            domain_topic(prefix, "sessions"),
            {r.id for r in network.relationships},
            limit=max(180.0, args.relationships / 5),
        )
    )
    seconds = time.monotonic() - started
    say(f"  seeded in {seconds:.1f} s")
    return seconds


def sessions_routes(network: Network) -> dict[str, dict[str, Any]]:
    """The paths (and their methods) of sessions' OpenAPI, as it runs now."""
    spec = httpx.get(f"{network.url('sessions')}/openapi.json", timeout=30).json()
    paths: dict[str, dict[str, Any]] = spec.get("paths", {})
    return paths


def available_kinds(
    routes: dict[str, dict[str, Any]], mix: dict[str, int]
) -> tuple[list[str], list[str]]:
    """(kinds of the mix sessions has a route for, kinds whose route is missing)."""
    present, missing = [], []
    for name, weight in mix.items():
        kind = KINDS[name]
        if weight <= 0:
            continue
        if kind.method.lower() in routes.get(kind.template, {}):
            present.append(name)
        else:
            missing.append(name)
    return present, missing


def seed_meetings(network: Network, count: int, rng: random.Random) -> float:
    """`count` meetings of random relationships, planned or recorded as held by one of their
    parties through the real API (so the meeting list has something to list); seconds taken."""
    started = time.monotonic()
    say(f"seeding {count} meetings through POST {MEETINGS_PATH} ...")
    jobs = [
        (rng.choice(network.relationships), rng.random() < 0.5, meeting_body(rng, n))
        for n in range(count)
    ]
    sessions = network.url("sessions")

    def plan(job: tuple[Seeded, bool, dict[str, Any]]) -> None:
        r, by_mentor, body = job
        token = network.members[r.mentor if by_mentor else r.mentee].token
        answer = httpx.post(
            f"{sessions}{MEETINGS_PATH.format(relationship_id=r.id)}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        if answer.status_code != 201:
            raise RuntimeError(f"seeding a meeting: {answer.status_code} {answer.text[:300]}")

    done = 0
    with ThreadPoolExecutor(max_workers=4) as threads:
        for _ in threads.map(plan, jobs):
            done += 1
            if done % 50 == 0 or done == count:
                say(f"  {done}/{count} meetings ({time.monotonic() - started:.0f} s)")
    return time.monotonic() - started


def plan_requests(
    network: Network,
    kinds: list[str],
    mix: dict[str, int],
    count: int,
    rng: random.Random,
) -> list[PlannedRequest]:
    """`count` requests of the mix, each by a party of a random seeded relationship."""
    chosen = rng.choices(kinds, weights=[mix[k] for k in kinds], k=count)
    requests: list[PlannedRequest] = []
    for n, name in enumerate(chosen):
        kind = KINDS[name]
        r = rng.choice(network.relationships)
        caller = r.mentor if rng.random() < 0.5 else r.mentee
        body = kind.body(rng, n) if kind.body is not None else None
        requests.append(
            (
                name,
                kind.method,
                kind.path(r.id),
                caller,
                json.dumps(body).encode() if body is not None else None,
            )
        )
    return requests


def warm_up(network: Network, kinds: list[str], rng: random.Random) -> None:
    """A few requests of each kind, one at a time: keys fetched, caches and pools warm, and
    every kind proven to answer 2xx before anything is measured."""
    say("warm-up: a few requests of each kind ...")
    headers = [{"Authorization": f"Bearer {m.token}"} for m in network.members]
    with httpx.Client(base_url=network.url("sessions"), timeout=60) as http:
        for name in kinds:
            for kind, method, path, caller, body in plan_requests(
                network, [name], {name: 1}, 5, rng
            ):
                answer = http.request(
                    method,
                    path,
                    content=body,
                    headers={**headers[caller], "Content-Type": "application/json"},
                )
                if not answer.is_success:
                    raise RuntimeError(
                        f"warm-up {kind} {method} {path}: {answer.status_code} {answer.text[:300]}"
                    )


def ceiling_process(log_dir: Path) -> ServiceProcess:
    """The bare endpoint, under uvicorn exactly as the services run."""
    process = ServiceProcess(
        "ceiling",
        _free_port(),
        {"MENTORNET_LOG_LEVEL": "WARNING"},
        log_dir / "ceiling.log",
        factory="bench.api:ceiling_app",
    )
    process.start()
    process.wait_ready()
    return process


def measure(
    pool: ProcessPoolExecutor,
    network: Network,
    ceiling: ServiceProcess,
    kinds: list[str],
    args: argparse.Namespace,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """The ceiling at every rate, then the sessions mix at every rate, each step followed by
    a settle. The ceiling goes first so that a saturated sessions step, whose backlog can
    outlast the settle, never weighs on it."""
    headers = [{"Authorization": f"Bearer {m.token}"} for m in network.members]
    database_pid = listening_pid(urlparse(network.env["MENTORNET_MONGO_URL"]).port or 27017)
    sessions = network.services["sessions"]
    pool.submit(time.sleep, 0).result()  # the generator process is up before any timing
    steps: list[dict[str, Any]] = []
    for target, server, step_kinds in (
        ("ceiling", ceiling, ["ceiling"]),
        ("sessions", sessions, kinds),
    ):
        for rate in args.rates:
            count = round(rate * args.seconds)
            if target == "ceiling":
                requests: list[PlannedRequest] = [
                    ("ceiling", "GET", "/ping", rng.randrange(len(headers)), None)
                    for _ in range(count)
                ]
            else:
                requests = plan_requests(network, kinds, args.mix, count, rng)
            plan = StepPlan(
                f"{target} {rate:.0f}/s",
                server.url,
                rate,
                args.timeout,
                args.connections,
                headers,
                requests,
            )
            figures = run_step(pool, plan, server, step_kinds, database_pid)
            settled = settle(server, target, database_pid, args.settle)
            figures["settle_s"] = round(settled, 1)
            figures["settled"] = settled < args.settle
            steps.append({"target": target, **figures})
    return steps


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, sign in, seed, measure; the figures."""
    tag = secrets.token_hex(4)
    rng = random.Random(args.seed)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    load_before = os.getloadavg()
    say(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} (1 min)")
    started = time.monotonic()
    network = start_services(tag, log_dir)
    ceiling: ServiceProcess | None = None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        sign_in_pool(network, args, tag, log_dir)
        seed_seconds = seed(network, args, rng)
        routes = sessions_routes(network)
        meetings_s = 0.0
        if args.meetings and "post" in routes.get(MEETINGS_PATH, {}):
            meetings_s = seed_meetings(network, args.meetings, rng)
        kinds, missing = available_kinds(routes, args.mix)
        if missing:
            say(f"routes not in sessions yet, left out of the mix: {', '.join(missing)}")
        if not kinds:
            raise RuntimeError("no kind of the mix has a route in sessions")
        for k in kinds:
            kind = KINDS[k]
            say(f"mix: {args.mix[k]} x {kind.description}: {kind.method} {kind.template}")
        warm_up(network, kinds, rng)
        ceiling = ceiling_process(log_dir)
        steps = measure(pool, network, ceiling, kinds, args, rng)
    finally:
        pool.shutdown()
        if ceiling is not None:
            ceiling.stop()
        stop_network(list(network.services.values()))
        for provider in network.providers:
            provider.process.stop()
    at_target = next(
        (s for s in steps if s["target"] == "sessions" and s["offered_per_s"] == TARGET_RATE),
        None,
    )
    return {
        "organisations": len(network.organisations),
        "members": len(network.members),
        "relationships": len(network.relationships),
        "seed_s": round(seed_seconds, 1),
        "meetings_seeded": args.meetings if meetings_s else 0,
        "meetings_seed_s": round(meetings_s, 1),
        "seconds_per_step": args.seconds,
        "mix": {k: args.mix[k] for k in kinds},
        "missing_routes": missing,
        "steps": steps,
        "target": {"rate_per_s": TARGET_RATE, "p99_ms": TARGET_P99_MS, "errors": 0},
        # None when no step ran at the target rate.
        "target_met": (
            None
            if at_target is None
            else at_target["p99_ms"] < TARGET_P99_MS and at_target["errors"] == 0
        ),
        "load_average_before": round(load_before[0], 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "total_s": round(time.monotonic() - started, 1),
    }


def print_table(figures: dict[str, Any]) -> None:
    """The steps side by side, ceiling beside sessions at each rate."""
    say("")
    say(
        f"{'target':10} {'offered/s':>9} {'achieved/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errors':>7} {'busy':>5}"
    )
    for s in figures["steps"]:
        say(
            f"{s['target']:10} {s['offered_per_s']:9.0f} {s['achieved_per_s']:10.1f} "
            f"{s['p50_ms']:8.1f} {s['p99_ms']:8.1f} {s['max_ms']:8.1f} {s['errors']:7d} "
            f"{s['machine_busy_share']:5.0%}"
        )
    met = figures["target_met"]
    verdict = "not measured (no step at that rate)" if met is None else "met" if met else "NOT met"
    say(
        f"target: p99 < {TARGET_P99_MS:.0f} ms at {TARGET_RATE:.0f} requests/s with 0 errors: "
        f"{verdict} (load average {figures['load_average_before']} before, "
        f"{figures['load_average_after']} after, on {figures['cores']} cores)"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, and print the figures."""
    parser = argparse.ArgumentParser(prog="bench/api", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=[200.0, 500.0],
        help="arrival rates, requests/s, one step each (default: 200 500)",
    )
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each step (30)")
    parser.add_argument(
        "--relationships", type=int, default=3000, help="relationships seeded (3000)"
    )
    parser.add_argument(
        "--meetings",
        type=int,
        default=300,
        help="meetings planned or held through the API before the steps, so the meeting "
        "list lists something (300)",
    )
    parser.add_argument("--people", type=int, default=160, help="members signed in (160)")
    parser.add_argument("--organisations", type=int, default=4, help="organisations (4)")
    parser.add_argument("--programmes", type=int, default=3, help="programmes (3)")
    parser.add_argument(
        "--cross-share",
        type=float,
        default=0.8,
        help="share of relationships across organisations, i.e. network records (0.8)",
    )
    parser.add_argument(
        "--mix",
        type=parse_mix,
        default=parse_mix(DEFAULT_MIX),
        help=f"request kinds and weights ({DEFAULT_MIX}); kinds whose route sessions lacks "
        "are reported and left out",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="a request slower than this is an error (10)"
    )
    parser.add_argument(
        "--connections", type=int, default=200, help="generator's connection pool size (200)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="after a step, wait at most this long for the server and database to go idle (60)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the plan (7)")
    args = parser.parse_args(argv)
    figures = run(args)
    print_table(figures)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
