"""The bench's steps: start, register, seed contacts, burst, baseline, steady; the figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
from pymongo import AsyncMongoClient
from standardwebhooks.webhooks import Webhook

import bench.notifications as package
from bench.api import Network, _connect_organisation, _free_port, say, start_office
from bench.notifications.mailbox import Mailbox
from bench.notifications.receiver import Receiver
from deploy.localnet.identity import Person, bearer, sign_in_tokens
from deploy.localnet.processes import start_network, stop_network
from shared.contracts import contacts
from shared.contracts.contacts import MemberContact
from shared.contracts.matching import MatchAccepted
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime
from shared.secrets import new_secret_key
from shared.settings import ServiceSettings

TARGET_P99_MS = 2000.0
STALL_SECONDS = 60.0
HEALTHY = ("/healthy/1", "/healthy/2")
SLOW = "/slow/1"
BASELINE = "/baseline"
CONTACTS = "bench_contacts"
MATCHES = "bench_matches"
BASELINE_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the baseline's own, made up


# --- the world ------------------------------------------------------------------------------


@dataclass
class World:
    """What the bench started and registered."""

    tag: str
    env: dict[str, str]
    network: Network
    receiver: Receiver
    organisation: str
    admin: dict[str, Any]
    registry: ServiceRuntime
    matching: ServiceRuntime
    mailbox: Mailbox
    mail_domain: str
    smtp: tuple[str, int]
    mentee_organisation: str = field(default_factory=lambda: f"org_{secrets.token_hex(6)}")
    endpoints: dict[str, str] = field(default_factory=dict)  # endpoint id → receiver path

    def mentor(self, n: int) -> str:
        """The n-th event's mentor (one each: a mail and a delivery tell whose event)."""
        return f"mem_{self.tag}{n:07d}"

    def address(self, n: int) -> str:
        """The n-th mentor's e-mail address."""
        return f"m{n}@{self.mail_domain}"

    def proposal(self, n: int) -> str:
        """The n-th event's proposal id."""
        return f"prp_{self.tag}{n:07d}"


def _mail_servers() -> tuple[tuple[str, int], str]:
    host = os.environ.get("MENTORNET_SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("MENTORNET_SMTP_PORT", "1025"))
    return (host, port), os.environ.get("MENTORNET_MAILPIT_URL", "http://127.0.0.1:8025")


async def _start(args: argparse.Namespace, log_dir: Path) -> World:
    tag = secrets.token_hex(3)
    settings = ServiceSettings()
    smtp, mailpit = _mail_servers()
    mailbox = Mailbox(mailpit)
    try:
        await mailbox.count("nobody.example")
    except httpx.HTTPError as exc:
        raise SystemExit(
            f"Mailpit's HTTP API is not answering at {mailpit} ({exc!r}): run "
            "`./mentornet bench notifications`, or start it with deploy/local/mailpit.sh and "
            "name it in MENTORNET_SMTP_HOST, MENTORNET_SMTP_PORT and MENTORNET_MAILPIT_URL"
        ) from exc
    receiver = Receiver(_free_port(), args.slow)
    receiver.start()
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "MENTORNET_MONGO_URL": settings.mongo_url,
        "MENTORNET_DB_PREFIX": f"bn{tag}",
        "MENTORNET_TOPIC_PREFIX": f"benchnotify{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_ACCESS_TOKEN_SECONDS": "3600",
        "MENTORNET_SMTP_HOST": smtp[0],
        "MENTORNET_SMTP_PORT": str(smtp[1]),
        # The receiver is plain http on loopback, as in the local network's tests.
        "MENTORNET_WEBHOOKS_ALLOW_LOOPBACK": "true",
        "MENTORNET_LOG_LEVEL": "WARNING",
    }
    ports = {"registry": _free_port(), "notifications": _free_port()}
    say(f"starting the registry and the notifications service (logs in {log_dir}) ...")
    started = time.monotonic()
    processes = start_network(env, log_dir, ports=ports, services=("registry", "notifications"))
    say(f"  ready in {time.monotonic() - started:.1f} s")
    network = Network(processes[0].env, {p.service: p for p in processes})
    say("the network office, and an organisation whose admin signs in through its provider ...")
    coordinator = start_office(network, log_dir)
    domain = f"bench-{tag}.example"
    admin_person = Person(f"admin-{tag}", f"admin@{domain}", "Bench admin")
    organisation = await asyncio.to_thread(
        _connect_organisation,
        network,
        coordinator,
        f"Bench notifications {tag}",
        "health",
        [admin_person],
        log_dir,
        [domain],
    )
    admin = await asyncio.to_thread(
        sign_in_tokens, network.url("registry"), organisation, admin_person
    )
    for provider in network.providers:
        provider.process.stop()
    runtime_settings = ServiceSettings(
        db_prefix=env["MENTORNET_DB_PREFIX"],
        topic_prefix=env["MENTORNET_TOPIC_PREFIX"],
        log_level="WARNING",
        outbox_sweep_seconds=3600,
    )
    registry = ServiceRuntime("registry", runtime_settings, outbox_collections=[CONTACTS])
    matching = ServiceRuntime("matching", runtime_settings, outbox_collections=[MATCHES])
    await registry.start()
    await matching.start()
    return World(
        tag=tag,
        env=network.env,
        network=network,
        receiver=receiver,
        organisation=organisation,
        admin=admin,
        registry=registry,
        matching=matching,
        mailbox=mailbox,
        mail_domain=f"{tag}.bench.example",
        smtp=smtp,
    )


async def _stop(world: World) -> None:
    await world.matching.stop()
    await world.registry.stop()
    stop_network(list(world.network.services.values()))
    for provider in world.network.providers:
        provider.process.stop()
    world.receiver.stop()
    try:
        await world.mailbox.forget(world.mail_domain)
        await world.mailbox.forget(f"base.{world.mail_domain}")
        await world.mailbox.forget(f"bench-{world.tag}.example")  # the admin's invitation
    finally:
        await world.mailbox.close()


async def _endpoints(world: World) -> bool:
    """Two healthy endpoints and a slow one, all hearing of `match.accepted`; False when the
    service has no webhooks (then the bench measures mail only)."""
    base = f"{world.network.url('notifications')}/organisations/{world.organisation}/webhooks"
    async with httpx.AsyncClient(headers=bearer(world.admin), timeout=30) as http:
        catalogue = await http.get(f"{world.network.url('notifications')}/webhooks/event-types")
        if catalogue.status_code == 404:
            return False
        catalogue.raise_for_status()
        for path in (*HEALTHY, SLOW):
            made = await http.post(
                base,
                json={
                    "url": world.receiver.url(path),
                    "event_types": [MatchAccepted.event_type],
                    "description": f"bench {path}",
                },
            )
            if made.status_code != 201:
                raise RuntimeError(f"registering {path}: {made.status_code} {made.text}")
            world.endpoints[str(made.json()["id"])] = path
    return True


# --- seeding --------------------------------------------------------------------------------


async def _contacts(world: World, count: int) -> None:
    """Every mentor's contact details onto the contacts topic (the registry's outbox), then
    wait until the notifications service holds them all."""
    collection = world.registry.databases.network[CONTACTS]
    now = datetime.now(UTC)
    for start in range(0, count, 500):
        items = [
            (
                {"_id": f"c{n}"},
                [
                    contacts.published(
                        MemberContact(
                            member_id=world.mentor(n),
                            organisation_id=world.organisation,
                            email=world.address(n),
                            name=f"Mentor {n}",
                            time_zone="UTC",
                            updated_at=now,
                        )
                    )
                ],
            )
            for n in range(start, min(count, start + 500))
        ]
        await world.registry.outbox.insert_many(collection, items)
    prefix = world.env["MENTORNET_DB_PREFIX"]
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(world.env["MENTORNET_MONGO_URL"])
    held = mongo[f"{prefix}_notifications_o_{world.organisation}"]["contacts"]
    try:
        last = 0.0
        while (known := await held.count_documents({})) < count:
            if time.monotonic() - last > 2:
                say(f"  contacts: {known}/{count} held by the notifications service")
                last = time.monotonic()
            await asyncio.sleep(0.25)
    finally:
        await mongo.close()
    say(f"  contacts: {count}/{count} held")


def _accepted(world: World, n: int) -> Envelope:
    data = MatchAccepted(
        proposal_id=world.proposal(n),
        programme_id=f"prg_{world.tag}",
        mentee_id=f"mem_{world.tag}e{n:07d}",  # no contact details: no mail, no endpoint
        mentee_organisation_id=world.mentee_organisation,
        mentor_id=world.mentor(n),
        mentor_organisation_id=world.organisation,
        accepted_at=datetime.now(UTC),
    )
    # As the matching service announces it (services/matching/adapters/proposal_store.py).
    return new_event(data, organisation=None, subject=world.proposal(n), audience=Audience.NETWORK)


# --- what arrived ---------------------------------------------------------------------------

_NUMBER = re.compile(r"prp_[0-9a-f]{6}(\d{7})")


def _event_number(body: bytes) -> int | None:
    found = _NUMBER.search(body.decode(errors="replace"))
    return int(found.group(1)) if found else None


def _percentile(values: Sequence[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


@dataclass
class Arrived:
    """Per event number: when it was written, when its mail came, when each healthy endpoint
    and the slow one had it."""

    written: dict[int, float] = field(default_factory=dict)
    mail: dict[int, float] = field(default_factory=dict)
    hooks: dict[str, dict[int, float]] = field(default_factory=dict)

    def latencies_ms(self, arrivals: dict[int, float]) -> list[float]:
        return [(arrivals[n] - at) * 1000 for n, at in self.written.items() if n in arrivals]


async def _collect(world: World, numbers: range, written: dict[int, float]) -> Arrived:
    mails = await world.mailbox.arrivals(world.mail_domain)
    arrived = Arrived(written=dict(written))
    for n in numbers:
        at = mails.get(world.address(n))
        if at is not None:
            arrived.mail[n] = at
    for path in (*HEALTHY, SLOW):
        firsts: dict[int, float] = {}
        for a in world.receiver.taken(path):
            number = _event_number(a.body)
            if number is not None and number in numbers:
                firsts[number] = min(a.at, firsts.get(number, a.at))
        arrived.hooks[path] = firsts
    return arrived


def _hooks_of(world: World, path: str, numbers: range) -> int:
    return len(
        {
            n
            for a in world.receiver.taken(path)
            if (n := _event_number(a.body)) is not None and n in numbers
        }
    )


async def _wait_delivered(
    world: World, numbers: range, mails_before: int, webhooks: bool, label: str
) -> None:
    """Until every mail of `numbers` is in Mailpit and every delivery reached the healthy
    endpoints, or nothing more came for STALL_SECONDS (the figures then say how many came)."""
    want = len(numbers)
    seen, moved = -1, time.monotonic()
    while time.monotonic() - moved < STALL_SECONDS:
        mails = await world.mailbox.count(world.mail_domain) - mails_before
        hooks = min(_hooks_of(world, p, numbers) for p in HEALTHY) if webhooks else want
        say(f"  {label}: mail {mails}/{want}" + (f", webhooks {hooks}/{want}" if webhooks else ""))
        if mails >= want and hooks >= want:
            return
        if mails + hooks > seen:
            seen, moved = mails + hooks, time.monotonic()
        await asyncio.sleep(2)
    say(f"  {label}: nothing more arrived for {STALL_SECONDS:.0f} s; stopped waiting")


async def _stages(world: World, numbers: range, written: dict[int, float]) -> dict[str, Any]:
    """Where the time went, from the service's own records of the mentors' organisation:
    event → decided (a mail's `decided_at`, a delivery's `created_at`: the consumer's part)
    and decided → sent (`sent_at`; the first attempt's `at`: the senders' part)."""
    prefix = world.env["MENTORNET_DB_PREFIX"]
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        world.env["MENTORNET_MONGO_URL"], tz_aware=True
    )
    db = mongo[f"{prefix}_notifications_o_{world.organisation}"]
    decided: dict[str, list[float]] = {"mail": [], "webhooks": []}
    sent: dict[str, list[float]] = {"mail": [], "webhooks_healthy": [], "webhooks_slow": []}
    try:
        async for m in db["deliveries"].find({}, {"person_id": 1, "decided_at": 1, "sent_at": 1}):
            found = re.fullmatch(rf"mem_{world.tag}(\d{{7}})", str(m.get("person_id", "")))
            if found and (n := int(found.group(1))) in numbers and n in written:
                decided["mail"].append((m["decided_at"].timestamp() - written[n]) * 1000)
                if m.get("sent_at"):
                    sent["mail"].append((m["sent_at"] - m["decided_at"]).total_seconds() * 1000)
        async for w in db["webhook_deliveries"].find(
            {}, {"body": 1, "created_at": 1, "attempts": 1, "endpoint_id": 1}
        ):
            number = _event_number(str(w.get("body", "")).encode())
            if number is not None and number in numbers and number in written:
                at = written[number]
                decided["webhooks"].append((w["created_at"].timestamp() - at) * 1000)
                if w.get("attempts"):
                    first = w["attempts"][0]["at"]
                    slow = world.endpoints.get(str(w.get("endpoint_id"))) == SLOW
                    name = "webhooks_slow" if slow else "webhooks_healthy"
                    sent[name].append((first - w["created_at"]).total_seconds() * 1000)
    finally:
        await mongo.close()
    return {
        f"{name}_{stage}": {
            "p50_ms": round(_percentile(values, 0.5), 1),
            "p99_ms": round(_percentile(values, 0.99), 1),
        }
        for stage, found in (("event_to_decided", decided), ("decided_to_sent", sent))
        for name, values in found.items()
        if values
    }


# --- the steps ------------------------------------------------------------------------------


async def _paced(
    rate: float, count: int, one: Callable[[int], Coroutine[Any, Any, None]], label: str
) -> float:
    """`one(i)` for i in range(count), each due at start + i/rate (a slow one does not lower
    the rate afterwards: they overlap); the rate achieved."""
    started = time.monotonic()
    tasks: list[asyncio.Task[None]] = []
    last = started
    for i in range(count):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
        if time.monotonic() - last > 2:
            say(f"  {label}: {i}/{count} sent")
            last = time.monotonic()
    await asyncio.gather(*tasks)
    return count / (time.monotonic() - started)


async def burst(world: World, numbers: range, webhooks: bool) -> dict[str, Any]:
    """Write the events as fast as the outbox takes them; events/s until the last mail and the
    last healthy delivery arrived."""
    collection = world.matching.databases.network[MATCHES]
    written: dict[int, float] = {}
    mails_before = await world.mailbox.count(world.mail_domain)
    started = time.time()
    for start in range(numbers.start, numbers.stop, 200):
        chunk = range(start, min(numbers.stop, start + 200))
        envelopes = {n: _accepted(world, n) for n in chunk}
        await world.matching.outbox.insert_many(
            collection, [({"_id": f"m{n}"}, [e]) for n, e in envelopes.items()]
        )
        written.update({n: e.time.timestamp() for n, e in envelopes.items()})
    await _wait_delivered(world, numbers, mails_before, webhooks, "burst")
    arrived = await _collect(world, numbers, written)
    figures: dict[str, Any] = {"events": len(numbers)}
    figures["mail_per_s"] = _through(arrived.mail, started, len(numbers))
    if webhooks:
        rates = [_through(arrived.hooks[p], started, len(numbers)) for p in HEALTHY]
        figures["webhooks_per_s"] = None if None in rates else min(r for r in rates if r)
    return figures


def _through(arrivals: dict[int, float], started: float, want: int) -> float | None:
    if len(arrivals) < want:
        return None  # not all arrived: no rate to claim
    return round(want / (max(arrivals.values()) - started), 1)


def _latency(values: list[float], want: int) -> dict[str, Any]:
    return {
        "arrived": len(values),
        "of": want,
        "p50_ms": round(_percentile(values, 0.5), 1),
        "p99_ms": round(_percentile(values, 0.99), 1),
        "max_ms": round(max(values), 1) if values else None,
    }


async def steady(world: World, numbers: range, rate: float, webhooks: bool) -> dict[str, Any]:
    """One outbox insert per event (as the matching service writes one) at a steady rate."""
    collection = world.matching.databases.network[MATCHES]
    written: dict[int, float] = {}
    mails_before = await world.mailbox.count(world.mail_domain)

    async def one(i: int) -> None:
        n = numbers.start + i
        envelope = _accepted(world, n)
        written[n] = envelope.time.timestamp()
        await world.matching.outbox.insert(collection, {"_id": f"m{n}"}, [envelope])

    achieved = await _paced(rate, len(numbers), one, "steady")
    await _wait_delivered(world, numbers, mails_before, webhooks, "steady")
    arrived = await _collect(world, numbers, written)
    figures: dict[str, Any] = {
        "events": len(numbers),
        "offered_per_s": round(achieved, 1),
        "mail": _latency(arrived.latencies_ms(arrived.mail), len(numbers)),
        "stages": await _stages(world, numbers, written),
    }
    if webhooks:
        healthy = [ms for p in HEALTHY for ms in arrived.latencies_ms(arrived.hooks[p])]
        figures["webhooks_healthy"] = _latency(healthy, len(numbers) * len(HEALTHY))
        figures["webhooks_slow"] = _latency(arrived.latencies_ms(arrived.hooks[SLOW]), len(numbers))
    return figures


async def baseline(world: World, count: int, rate: float, webhooks: bool) -> dict[str, Any]:
    """Raw sends at the same rate: one aiosmtplib session per mail straight to Mailpit, and
    one signed httpx POST per event to the receiver (waiting for a pooled connection as long
    as it takes: a loaded machine makes the baseline slower, not a crash)."""
    domain = f"base.{world.mail_domain}"
    due: dict[int, float] = {}
    signer = Webhook(BASELINE_SECRET)
    body = json.dumps({"type": "match.accepted", "data": {"proposal_id": "x"}})
    async with httpx.AsyncClient(timeout=httpx.Timeout(30, pool=None)) as http:

        async def one(i: int) -> None:
            due[i] = time.time()
            message = EmailMessage()
            message["From"] = "mentornet <notifications@mentornet.example>"
            message["To"] = f"b{i}@{domain}"
            message["Subject"] = "A match is agreed"
            message.set_content("Your match is agreed.")
            sends: list[Awaitable[Any]] = [
                aiosmtplib.send(message, hostname=world.smtp[0], port=world.smtp[1])
            ]
            if webhooks:
                msg_id = f"msg_{i:07d}"
                now = datetime.now(UTC)
                headers = {
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(int(now.timestamp())),
                    "webhook-signature": signer.sign(msg_id, now, body),
                    "content-type": "application/json",
                }
                sends.append(
                    http.post(world.receiver.url(f"{BASELINE}/{i}"), content=body, headers=headers)
                )
            # A send that fails (a starved machine) is one that did not arrive, not a crash.
            await asyncio.gather(*sends, return_exceptions=True)

        achieved = await _paced(rate, count, one, "baseline")
    for _ in range(60):  # Mailpit stores as it receives: a moment at most
        if await world.mailbox.count(domain) >= count:
            break
        await asyncio.sleep(1)
    mails = await world.mailbox.arrivals(domain)
    mail_ms = [
        (mails[f"b{i}@{domain}"] - at) * 1000 for i, at in due.items() if f"b{i}@{domain}" in mails
    ]
    figures: dict[str, Any] = {
        "events": count,
        "offered_per_s": round(achieved, 1),
        "mail": _latency(mail_ms, count),
    }
    if webhooks:
        hooks = {int(a.path.rsplit("/", 1)[1]): a.at for a in world.receiver.taken(BASELINE)}
        figures["webhooks"] = _latency(
            [(hooks[i] - at) * 1000 for i, at in due.items() if i in hooks], count
        )
    return figures


# --- the run --------------------------------------------------------------------------------


def verdict(steady_figures: dict[str, Any]) -> dict[str, Any]:
    """p99 under the target for mail and the healthy endpoints, everything arrived."""
    checks: dict[str, Any] = {}
    for name in ("mail", "webhooks_healthy"):
        part = steady_figures.get(name)
        if part is None:
            continue
        checks[name] = bool(part["arrived"] == part["of"] and part["p99_ms"] < TARGET_P99_MS)
    return {"p99_under_ms": TARGET_P99_MS, **checks, "met": all(checks.values())}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, seed, measure, stop; the figures."""
    configure_logging("bench", "WARNING")
    log_dir = Path(tempfile.mkdtemp(prefix="bench-notifications-"))
    say(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (1 min)")
    world = await _start(args, log_dir)
    try:
        webhooks = await _endpoints(world)
        if not webhooks:
            say("!! the notifications service has no webhook routes: measuring MAIL ONLY")
        else:
            say(
                f"3 endpoints at the receiver: {', '.join(HEALTHY)} healthy, {SLOW} "
                f"answering after {args.slow:.0f} s"
            )
        warm, burst_n = 20, args.burst
        total = warm + burst_n + args.events
        say(f"contact details of {total} mentors onto the contacts topic ...")
        await _contacts(world, total)
        say("warm-up: 20 events ...")
        await burst(world, range(0, warm), webhooks)
        say(f"burst: {burst_n} events as fast as the outbox takes them ...")
        burst_figures = await burst(world, range(warm, warm + burst_n), webhooks) if burst_n else {}
        say(f"baseline: {args.events} raw sends at {args.rate:.0f}/s ...")
        base = await baseline(world, args.events, args.rate, webhooks)
        say(f"steady: {args.events} events at {args.rate:.0f}/s ...")
        steady_figures = await steady(world, range(warm + burst_n, total), args.rate, webhooks)
        slow_seen = world.receiver.count(SLOW)
    finally:
        await _stop(world)
    return {
        "webhooks_measured": webhooks,
        "slow_endpoint_seconds": args.slow,
        "slow_endpoint_requests": slow_seen,
        "burst": burst_figures,
        "steady": steady_figures,
        "baseline": base,
        "target": verdict(steady_figures),
        "load_average_after": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
    }


def print_table(figures: dict[str, Any]) -> None:
    """The figures as a reader wants them, targets beside."""
    steady_figures, base, burst_figures = (figures["steady"], figures["baseline"], figures["burst"])
    print()
    if not figures["webhooks_measured"]:
        print("WEBHOOKS NOT MEASURED: the notifications service has no webhook routes.")
    if burst_figures:
        print(
            f"burst of {burst_figures['events']} events: mail {burst_figures['mail_per_s']} "
            f"events/s"
            + (
                f", healthy webhooks {burst_figures['webhooks_per_s']} events/s"
                if "webhooks_per_s" in burst_figures
                else ""
            )
        )
    print(
        f"steady {steady_figures['offered_per_s']}/s, event → delivery "
        f"(target p99 < {TARGET_P99_MS:.0f} ms):"
    )
    rows = [("mail (Mailpit Created)", steady_figures["mail"], base["mail"])]
    if "webhooks_healthy" in steady_figures:
        rows.append(
            (
                "webhooks, healthy endpoints",
                steady_figures["webhooks_healthy"],
                base.get("webhooks"),
            )
        )
        rows.append(("webhooks, the slow endpoint", steady_figures["webhooks_slow"], None))
    print(
        f"  {'':30} {'arrived':>13} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}   baseline p50/p99 ms"
    )
    for name, part, raw in rows:
        baseline_text = f"{raw['p50_ms']}/{raw['p99_ms']}" if raw else "-"
        print(
            f"  {name:30} {part['arrived']:>6}/{part['of']:<6} {part['p50_ms']:>9} "
            f"{part['p99_ms']:>9} {part['max_ms']!s:>9}   {baseline_text}"
        )
    stages = steady_figures.get("stages", {})
    if stages:
        print("  where the time went (the service's own records):")
        for name, part in stages.items():
            words = name.replace("_", " ")
            print(f"    {words:38} p50 {part['p50_ms']:>9} ms, p99 {part['p99_ms']:>9} ms")
    target = figures["target"]
    print(
        f"target met: {'yes' if target['met'] else 'NO'} "
        f"({', '.join(f'{k} {v}' for k, v in target.items() if k not in ('met', 'p99_under_ms'))})"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, and print the figures."""
    parser = argparse.ArgumentParser(
        prog="bench/notifications",
        description=(package.__doc__ or "").split("\n\n")[0],
        epilog=(package.__doc__ or "").split("\n\n", 1)[-1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--events", type=int, default=10_000, help="events at the steady rate (10000)"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="the steady rate, events/s (100)")
    parser.add_argument(
        "--burst",
        type=int,
        default=None,
        help="events in the burst (default: a tenth of --events, at least 100)",
    )
    parser.add_argument(
        "--slow", type=float, default=3.0, help="seconds the slow endpoint takes to answer (3)"
    )
    args = parser.parse_args(argv)
    if args.burst is None:
        args.burst = max(100, args.events // 10)
    figures = asyncio.run(run(args))
    print_table(figures)
    print(json.dumps(figures))
    return 0 if figures["target"]["met"] else 1
