"""bench/portal: members browsing the portal under a steady open-loop load, beside the same
API calls made directly.

Starts the four services and the portal as real uvicorn processes (their own database and
topic prefixes) on the servers `./mentornet bench portal` starts (or MENTORNET_KAFKA_BOOTSTRAP
/ MENTORNET_MONGO_URL), and a provider per organisation; signs `--members` members in THROUGH
THE PORTAL as a browser does (its sign-in form by e-mail → the registry → their organisation's
provider → back to the portal, which sets its session cookie), and each at the registry too,
for a network token of their own; seeds relationships among them (`programme.published` and
`match.accepted` on the real topics) with a little history each through the sessions API (a
drafted agreement, messages, meetings). Then, from a SEPARATE load-generating process, the
members browse the home page, a relationship's page and its messages at `--rate` pages/s for
`--seconds`, twice over the same planned pages:

- direct (the ceiling): each page's own assembly code from the portal
  (`services.portal.pages`), run in the generator process against the services with the
  member's network token — the API calls a page needs and nothing else;
- portal: real HTTP GETs of the portal's pages with the member's session cookie (session
  store, token decryption, templates and all).

Open loop: page i is due at start + i/rate whether or not earlier ones have answered, and its
latency runs from when it was due (no coordinated omission). A page that fails, answers other
than 2xx or takes longer than --timeout is an error. The target: portal p95 under 300 ms at
20 pages/s, and portal p95 at most 1.5 x direct p95, per page kind and overall.

Run it with `./mentornet bench portal [--rate 20] [--seconds 60] [--members 50]`. The last
line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import math
import multiprocessing
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx

from bench._open_loop import StepPlan, StepResult, drive
from bench._portal_direct import PAGES, DirectPlan, DirectVisitor, PlannedPage, drive_pages
from bench.api import (
    CpuMeter,
    Member,
    Network,
    Seeded,
    _accepted,
    _connect_organisation,
    _consumed_all,
    _free_port,
    _produce,
    _programme,
    _subject,
    _wait_started,
    error_kinds,
    listening_pid,
    meeting_body,
    parse_mix,
    say,
    settle,
    start_office,
    summarise,
)
from deploy.localnet.identity import Person, portal_session, sign_in_tokens
from deploy.localnet.processes import PORTAL, SERVICES, start_network, stop_network
from services.sessions.domain.relationships import relationship_id
from shared.events.topics import domain_topic
from shared.secrets import new_secret_key
from shared.settings import ServiceSettings

TARGET_RATE = 20.0
TARGET_P95_MS = 300.0
TARGET_RATIO = 1.5  # portal p95 / direct p95: the portal adds at most half again
DEFAULT_MIX = "home=1,relationship=1,messages=1"
SECTORS = ["health", "engineering", "local government", "education", "software", "retail"]
SESSION_COOKIE = "mn_session"  # the portal's cookie over plain http (services/portal/adapters)
T = TypeVar("T")


# --- who browses ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    """A member signed in twice: at the portal (its session cookie, as their browser holds
    it) and at the registry (`member.token`, for the direct calls)."""

    member: Member
    person: Person
    cookie: str


def start_services(tag: str, log_dir: Path) -> Network:
    """The four services and the portal as uvicorn processes, on fresh prefixes of their own;
    tokens outlive the run (signing in happens once, before seeding)."""
    settings = ServiceSettings()
    ports = {s: _free_port() for s in (*SERVICES, PORTAL)}
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "MENTORNET_MONGO_URL": settings.mongo_url,
        "MENTORNET_DB_PREFIX": f"bp{tag}",
        "MENTORNET_TOPIC_PREFIX": f"benchportal{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_ACCESS_TOKEN_SECONDS": "3600",
    }
    say(f"starting the four services and the portal (logs in {log_dir}) ...")
    started = time.monotonic()
    processes = start_network(env, log_dir, ports=ports)
    say(f"  ready in {time.monotonic() - started:.1f} s")
    # start_network's own derived settings (the portal's client secret...) are in each
    # process's env; the bench needs only the prefixes and servers.
    return Network(processes[0].env, {p.service: p for p in processes})


def organisation_people(o: int, count: int, tag: str) -> tuple[str, list[Person]]:
    """Organisation `o`'s e-mail domain and `count` people with addresses there."""
    domain = f"o{o}-{tag}.example"
    people = [
        Person(f"o{o}-{n}", f"p{n}@{domain}", f"Member {n} of organisation {o}")
        for n in range(count)
    ]
    return domain, people


def sign_in_members(
    network: Network, args: argparse.Namespace, tag: str, log_dir: Path
) -> tuple[str, list[Visitor]]:
    """The network office; `args.organisations` organisations, each with its own provider and
    e-mail domain; `args.members` members signed in at the portal and at the registry. The
    network co-ordinator's member id, and the members."""
    say("the network office and its co-ordinator ...")
    coordinator = start_office(network, log_dir)
    per_organisation = math.ceil(args.members / args.organisations)
    to_sign_in: list[tuple[int, Person]] = []
    for o in range(args.organisations):
        domain, people = organisation_people(
            o, min(per_organisation, args.members - len(to_sign_in)), tag
        )
        if not people:
            break
        say(f"organisation {o}: its provider, registered with {domain} ...")
        network.organisations.append(
            _connect_organisation(
                network,
                coordinator,
                f"Bench {o} {tag}",
                SECTORS[o % len(SECTORS)],
                people,
                log_dir,
                email_domains=[domain],
            )
        )
        to_sign_in += [(o, p) for p in people]
    say(f"signing {len(to_sign_in)} members in at the portal (as a browser) and the registry ...")
    visitors = _in_threads(functools.partial(_sign_in_one, network), to_sign_in, "signed in")
    for provider in network.providers:  # sign-in is done: the providers are not needed now
        provider.process.stop()
    network.members = [v.member for v in visitors]
    return _subject(str(coordinator["access_token"])), visitors


def _sign_in_one(network: Network, item: tuple[int, Person]) -> Visitor:
    organisation, person = item
    cookie = portal_session(network.url(PORTAL), person)
    tokens = sign_in_tokens(network.url("registry"), network.organisations[organisation], person)
    token = str(tokens["access_token"])
    return Visitor(Member(organisation, _subject(token), token), person, cookie)


def _in_threads(work: Callable[[Any], T], items: Sequence[Any], label: str) -> list[T]:
    """`work` on every item by a few threads (the processes under test do the waiting), in
    order, with progress."""
    started = time.monotonic()
    done: list[T] = []
    with ThreadPoolExecutor(max_workers=6) as threads:
        for outcome in threads.map(work, items):
            done.append(outcome)
            if len(done) % 10 == 0 or len(done) == len(items):
                say(f"  {len(done)}/{len(items)} {label} ({time.monotonic() - started:.0f} s)")
    return done


# --- what they share ------------------------------------------------------------------------


def pair_everyone(
    visitors: Sequence[Visitor], count: int, cross_share: float, rng: random.Random
) -> list[tuple[int, int]]:
    """`count` (mentor, mentee) pairs in which every member is a party while there are members
    left, `cross_share` of them across organisations; once everyone is paired, more pairs
    of anyone."""
    if count > len(visitors) * (len(visitors) - 1) // 2:
        raise ValueError(f"{count} relationships need more members than {len(visitors)}")
    cross_wanted = round(count * cross_share)
    unpaired: dict[int, list[int]] = {}
    for i, v in enumerate(visitors):
        unpaired.setdefault(v.member.organisation, []).append(i)
    for members in unpaired.values():
        rng.shuffle(members)
    pairs: list[tuple[int, int]] = []
    while len(pairs) < count:
        richest = sorted(unpaired, key=lambda o: len(unpaired[o]), reverse=True)
        cross = sum(
            1
            for a, b in pairs
            if visitors[a].member.organisation != visitors[b].member.organisation
        )
        can_cross = len(richest) > 1 and len(unpaired[richest[1]]) > 0
        can_within = len(unpaired[richest[0]]) >= 2
        if can_cross and (cross < cross_wanted or not can_within):
            a, b = unpaired[richest[0]].pop(), unpaired[richest[1]].pop()
        elif can_within:
            a, b = unpaired[richest[0]].pop(), unpaired[richest[0]].pop()
        else:  # everyone is in a relationship: any two distinct members not yet paired
            a, b = rng.sample(range(len(visitors)), 2)
            if (a, b) in pairs or (b, a) in pairs:
                continue
        pairs.append((a, b) if rng.random() < 0.5 else (b, a))
    return pairs


def seed_relationships(
    network: Network,
    coordinator: str,
    visitors: list[Visitor],
    args: argparse.Namespace,
    rng: random.Random,
) -> None:
    """A programme of every organisation (co-ordinated by the network co-ordinator) and
    `args.relationships` accepted matches onto the real topics; waits until sessions has
    started every relationship."""
    bootstrap = network.env["MENTORNET_KAFKA_BOOTSTRAP"]
    prefix = network.env["MENTORNET_TOPIC_PREFIX"]
    programme = f"prg_{secrets.token_hex(6)}"
    say("seeding a programme of every organisation ...")
    asyncio.run(
        _produce(
            bootstrap,
            domain_topic(prefix, "registry"),
            [_programme(programme, network.organisations, coordinator)],
            "programmes",
        )
    )
    # Programme terms must be known before the matches arrive (they come on another topic).
    asyncio.run(
        _consumed_all(bootstrap, f"{prefix}.sessions", domain_topic(prefix, "registry"), 120)
    )
    envelopes = []
    for mentor, mentee in pair_everyone(visitors, args.relationships, args.cross_share, rng):
        proposal = f"prp_{secrets.token_hex(8)}"
        m, e = visitors[mentor].member, visitors[mentee].member
        envelopes.append(
            _accepted(
                proposal,
                programme,
                (e.member_id, network.organisations[e.organisation]),
                (m.member_id, network.organisations[m.organisation]),
            )
        )
        network.relationships.append(Seeded(relationship_id(proposal), mentor, mentee))
    cross = sum(
        1
        for r in network.relationships
        if visitors[r.mentor].member.organisation != visitors[r.mentee].member.organisation
    )
    say(f"seeding {len(envelopes)} relationships ({cross} across organisations) ...")
    asyncio.run(_produce(bootstrap, domain_topic(prefix, "matching"), envelopes, "matches"))
    asyncio.run(
        _wait_started(
            bootstrap,
            domain_topic(prefix, "sessions"),
            {r.id for r in network.relationships},
            limit=180.0,
        )
    )


# The terms a pair agrees at the start (seed 002, "Mentoring: Supporting and Promoting
# Professional Development and Learning": the mentoring agreement's headings).
AGREEMENT = {
    "duration": "Twelve months from our first meeting",
    "meeting_frequency": "Once a month, for an hour",
    "contact_between_meetings": "E-mail or messages here; answered within a week",
    "confidentiality": "What we discuss stays between us unless someone is at risk of harm.",
    "mentor_responsibilities": ["Listen, ask questions, share experience", "Keep to time"],
    "mentee_responsibilities": ["Set the agenda for each meeting", "Follow up agreed steps"],
}
TOPICS = ["giving feedback", "leading a review", "delegation", "career next steps"]


def history_calls(
    r: Seeded, messages: int, meetings: int, rng: random.Random
) -> list[tuple[int, str, str, dict[str, Any]]]:
    """What a relationship's parties write through the sessions API, in order: (who, method,
    path, body) — the mentor drafts the agreement, they exchange messages, meetings are held
    or planned."""
    base = f"/relationships/{r.id}"
    calls: list[tuple[int, str, str, dict[str, Any]]] = [
        (r.mentor, "PUT", f"{base}/agreement", AGREEMENT)
    ]
    for n in range(messages):
        who = r.mentee if n % 2 == 0 else r.mentor
        text = f"About {rng.choice(TOPICS)}: I have been thinking about what we said ({n + 1})."
        calls.append((who, "POST", f"{base}/messages", {"text": text}))
    for n in range(meetings):
        calls.append(
            (rng.choice([r.mentor, r.mentee]), "POST", f"{base}/meetings", meeting_body(rng, n))
        )
    return calls


def seed_history(
    network: Network, visitors: list[Visitor], args: argparse.Namespace, rng: random.Random
) -> None:
    """Every relationship's history through the sessions API with its parties' own tokens
    (one relationship per thread, its calls in order)."""
    sessions = network.url("sessions")
    plans = [history_calls(r, args.messages, args.meetings, rng) for r in network.relationships]
    say(
        f"writing history: an agreement, {args.messages} messages and {args.meetings} meetings "
        f"in each of {len(plans)} relationships ..."
    )

    def write(calls: list[tuple[int, str, str, dict[str, Any]]]) -> None:
        with httpx.Client(base_url=sessions, timeout=60) as http:
            for who, method, path, body in calls:
                token = visitors[who].member.token
                answer = http.request(
                    method, path, json=body, headers={"Authorization": f"Bearer {token}"}
                )
                if not answer.is_success:
                    raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")

    _in_threads(write, plans, "relationships written")


# --- the load -------------------------------------------------------------------------------


def relationships_of(network: Network, count: int) -> list[list[str]]:
    """Each visitor's relationships (by visitor index)."""
    mine: list[list[str]] = [[] for _ in range(count)]
    for r in network.relationships:
        mine[r.mentor].append(r.id)
        mine[r.mentee].append(r.id)
    return mine


def plan_pages(
    mine: list[list[str]], mix: dict[str, int], count: int, rng: random.Random
) -> list[PlannedPage]:
    """`count` pages of the mix, each by a random member (a relationship's page of one of
    their own relationships)."""
    kinds = [k for k, w in mix.items() if w > 0]
    if "home" not in kinds and not any(mine):
        raise ValueError("nobody has a relationship, and the mix has no home page")
    pages: list[PlannedPage] = []
    while len(pages) < count:
        who = rng.randrange(len(mine))
        kind = rng.choices(kinds, weights=[mix[k] for k in kinds])[0]
        if kind == "home":
            pages.append((kind, who, ""))
        elif mine[who]:
            pages.append((kind, who, rng.choice(mine[who])))
    return pages


def every_page(mine: list[list[str]], kinds: Sequence[str]) -> list[PlannedPage]:
    """Each member's every page of the kinds once."""
    pages: list[PlannedPage] = []
    for who, relationships in enumerate(mine):
        for kind in kinds:
            for r in [""] if kind == "home" else relationships:
                pages.append((kind, who, r))
    return pages


def check_portal_pages(network: Network, visitors: list[Visitor], pages: list[PlannedPage]) -> None:
    """Every planned page once through the portal with the member's cookie: each must answer
    200 with its page (not the sign-in page) before anything is measured. Reading a thread
    moves its reader's marker, so both measured steps find the threads read."""
    portal = network.url(PORTAL)
    say(f"checking {len(pages)} pages through the portal (every member's, once) ...")

    def check(page: PlannedPage) -> None:
        kind, who, r = page
        path = PAGES[kind].url(r)
        answer = httpx.get(
            f"{portal}{path}", cookies={SESSION_COOKIE: visitors[who].cookie}, timeout=30
        )
        if answer.status_code != 200 or "Sign in to mentornet" in answer.text:
            raise RuntimeError(f"the portal's {path}: {answer.status_code} {answer.text[:300]}")

    _in_threads(check, pages, "pages checked")


def direct_plan(
    label: str,
    network: Network,
    visitors: list[Visitor],
    args: argparse.Namespace,
    pages: list[PlannedPage],
    warm_up: list[PlannedPage],
) -> DirectPlan:
    """The ceiling's step: the page functions against the services."""
    return DirectPlan(
        label,
        {s: network.url(s) for s in SERVICES},
        args.rate,
        args.timeout,
        [
            DirectVisitor(
                v.member.member_id, network.organisations[v.member.organisation], v.member.token
            )
            for v in visitors
        ],
        pages,
        warm_up,
    )


def portal_plan(
    label: str,
    network: Network,
    visitors: list[Visitor],
    args: argparse.Namespace,
    pages: list[PlannedPage],
) -> StepPlan:
    """The portal's step: GETs of its pages, each with the member's session cookie."""
    return StepPlan(
        label,
        network.url(PORTAL),
        args.rate,
        args.timeout,
        args.connections,
        [{"Cookie": f"{SESSION_COOKIE}={v.cookie}"} for v in visitors],
        [(kind, "GET", PAGES[kind].url(r), who, None) for kind, who, r in pages],
    )


# --- measuring ------------------------------------------------------------------------------


def process_ids(network: Network) -> dict[str, int | None]:
    """The processes whose CPU a step reports: the portal, the services, the database."""
    pids: dict[str, int | None] = {
        name: p.process.pid if p.process else None for name, p in network.services.items()
    }
    pids["database"] = listening_pid(urlparse(network.env["MENTORNET_MONGO_URL"]).port or 27017)
    return pids


def figures_of(result: StepResult, kinds: Sequence[str], rate: float) -> dict[str, Any]:
    """Overall and per-kind latency figures of one step, with its rates."""
    statuses = [s for k in kinds for s in result.statuses.get(k, [])]
    latencies = [v for k in kinds for v in result.latencies.get(k, [])]
    figures = summarise(latencies, statuses)
    ok = figures["requests"] - figures["errors"]
    return figures | {
        "offered_per_s": rate,
        "sent_per_s": round(figures["requests"] / max(result.send_seconds, 1e-9), 1),
        "achieved_per_s": round(ok / max(result.last_answer_seconds, 1e-9), 1),
        "late_sends": result.late_sends,
        "error_kinds": error_kinds(statuses),
        "transport_errors": result.transport_errors,
        "step_s": round(result.last_answer_seconds, 1),
        "generator_cpu_cores": round(result.cpu_seconds / max(result.last_answer_seconds, 1), 2),
        "by_kind": {
            k: summarise(result.latencies.get(k, []), result.statuses.get(k, [])) for k in kinds
        },
    }


def run_step(
    pool: ProcessPoolExecutor,
    target: str,
    step: Callable[[], StepResult],
    kinds: Sequence[str],
    rate: float,
    pids: dict[str, int | None],
) -> dict[str, Any]:
    """One step in the generator process, the machine's CPU measured meanwhile."""
    meter = CpuMeter(pids)
    result = pool.submit(step).result()
    busy, cores = meter.read()
    figures = figures_of(result, kinds, rate)
    figures |= {"cpu_cores": cores, "machine_busy_share": round(busy, 2)}
    errors = f" {figures['error_kinds']}" if figures["errors"] else ""
    say(
        f"  {target}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 "
        f"{figures['p99_ms']} ms, max {figures['max_ms']} ms, {figures['errors']} "
        f"errors{errors}, achieved {figures['achieved_per_s']}/s"
    )
    say(
        "  cpu (cores): "
        + ", ".join(f"{name} {c:.2f}" for name, c in cores.items())
        + f", generator {figures['generator_cpu_cores']:.2f}; machine {busy:.0%} busy"
    )
    return figures


def measure(
    pool: ProcessPoolExecutor,
    network: Network,
    visitors: list[Visitor],
    args: argparse.Namespace,
    rng: random.Random,
) -> dict[str, dict[str, Any]]:
    """A short warm-up of each path, then the ceiling and the portal over the same planned
    pages, each followed by a settle. The ceiling goes first, so that a saturated portal
    step, whose backlog can outlast the settle, never weighs on it."""
    kinds = [k for k, w in args.mix.items() if w > 0]
    mine = relationships_of(network, len(visitors))
    check_portal_pages(network, visitors, every_page(mine, kinds))
    pages = plan_pages(mine, args.mix, round(args.rate * args.seconds), rng)
    warm = plan_pages(mine, args.mix, round(args.rate * args.warm_up), rng)
    warm_one_by_one = every_page(mine, kinds)[: 3 * len(kinds)]
    pids = process_ids(network)
    database = pids["database"]
    pool.submit(time.sleep, 0).result()  # the generator process is up before any timing
    steps: dict[str, dict[str, Any]] = {}
    for target in ("direct", "portal"):
        if warm:
            say(f"warm-up: {target}, {len(warm)} pages at {args.rate:.0f}/s ...")
            run_step(
                pool,
                target,
                _step(target, network, visitors, args, warm, warm_one_by_one),
                kinds,
                args.rate,
                pids,
            )
        say(f"{target}: {len(pages)} pages at {args.rate:.0f}/s for {args.seconds:.0f} s ...")
        figures = run_step(
            pool, target, _step(target, network, visitors, args, pages, []), kinds, args.rate, pids
        )
        server = network.services[PORTAL if target == "portal" else "sessions"]
        settled = settle(server, server.service, database, args.settle)
        figures |= {"settle_s": round(settled, 1), "settled": settled < args.settle}
        steps[target] = figures
    return steps


def _step(
    target: str,
    network: Network,
    visitors: list[Visitor],
    args: argparse.Namespace,
    pages: list[PlannedPage],
    warm_up: list[PlannedPage],
) -> Callable[[], StepResult]:
    """What the generator process runs for one step of `target`."""
    if target == "direct":
        return functools.partial(
            drive_pages, direct_plan(target, network, visitors, args, pages, warm_up)
        )
    return functools.partial(drive, portal_plan(target, network, visitors, args, pages))


# --- the verdict ----------------------------------------------------------------------------


def ratios(steps: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """Portal p95 over direct p95, per page kind and overall (None where direct's is 0)."""
    direct, portal = steps["direct"], steps["portal"]
    pairs = {k: (direct["by_kind"][k], portal["by_kind"][k]) for k in direct["by_kind"]}
    pairs["overall"] = (direct, portal)
    return {
        k: round(p["p95_ms"] / d["p95_ms"], 2) if d["p95_ms"] else None
        for k, (d, p) in pairs.items()
    }


def verdict(steps: dict[str, dict[str, Any]], rate: float) -> dict[str, Any]:
    """Whether the targets are met: portal p95 under TARGET_P95_MS at TARGET_RATE with no
    errors (None when not run at that rate), and portal p95 <= TARGET_RATIO x direct p95 per
    kind and overall."""
    portal = steps["portal"]
    by_ratio = ratios(steps)
    return {
        "p95": {
            "rate_per_s": TARGET_RATE,
            "p95_ms": TARGET_P95_MS,
            "errors": 0,
            "met": None
            if rate != TARGET_RATE
            else portal["p95_ms"] < TARGET_P95_MS and portal["errors"] == 0,
        },
        "ratio": {
            "at_most": TARGET_RATIO,
            "portal_over_direct_p95": by_ratio,
            "met": all(r is not None and r <= TARGET_RATIO for r in by_ratio.values()),
        },
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start, sign in, seed, measure; the figures."""
    tag = secrets.token_hex(4)
    rng = random.Random(args.seed)
    log_dir = Path(tempfile.mkdtemp(prefix="bench-portal-"))
    load_before = os.getloadavg()
    say(f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} (1 min)")
    started = time.monotonic()
    network = start_services(tag, log_dir)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        coordinator, visitors = sign_in_members(network, args, tag, log_dir)
        setup_started = time.monotonic()
        seed_relationships(network, coordinator, visitors, args, rng)
        seed_history(network, visitors, args, rng)
        seed_seconds = time.monotonic() - setup_started
        steps = measure(pool, network, visitors, args, rng)
    finally:
        pool.shutdown()
        stop_network(list(network.services.values()))
        for provider in network.providers:
            provider.process.stop()
    return {
        "organisations": len(network.organisations),
        "members": len(visitors),
        "relationships": len(network.relationships),
        "messages_per_relationship": args.messages,
        "meetings_per_relationship": args.meetings,
        "seed_s": round(seed_seconds, 1),
        "rate_per_s": args.rate,
        "seconds": args.seconds,
        "mix": {k: w for k, w in args.mix.items() if w > 0},
        "steps": steps,
        "target": verdict(steps, args.rate),
        "load_average_before": round(load_before[0], 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "cores": os.cpu_count(),
        "total_s": round(time.monotonic() - started, 1),
    }


def print_table(figures: dict[str, Any]) -> None:
    """Direct beside portal, per page kind and overall, and the verdict."""
    steps, target = figures["steps"], figures["target"]
    say("")
    say(
        f"{'page':13} {'path':7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'errors':>7} {'portal/direct p95':>18}"
    )
    by_ratio = target["ratio"]["portal_over_direct_p95"]
    for kind in [*steps["direct"]["by_kind"], "overall"]:
        for path in ("direct", "portal"):
            step = steps[path]
            f = step if kind == "overall" else step["by_kind"][kind]
            ratio = by_ratio[kind] if path == "portal" else None
            say(
                f"{kind:13} {path:7} {f['p50_ms']:8.1f} {f['p95_ms']:8.1f} {f['p99_ms']:8.1f} "
                f"{f['max_ms']:8.1f} {f['errors']:7d} "
                f"{'' if ratio is None else f'{ratio:.2f}':>18}"
            )
    p95 = target["p95"]["met"]
    say(
        f"target: portal p95 < {TARGET_P95_MS:.0f} ms at {TARGET_RATE:.0f} pages/s with no "
        f"errors: {'not measured (another rate)' if p95 is None else 'met' if p95 else 'NOT met'}"
    )
    say(
        f"target: portal p95 <= {TARGET_RATIO} x direct p95, per page and overall: "
        f"{'met' if target['ratio']['met'] else 'NOT met'}"
    )
    say(
        f"(machine {steps['direct']['machine_busy_share']:.0%} busy during direct, "
        f"{steps['portal']['machine_busy_share']:.0%} during portal; load average "
        f"{figures['load_average_before']} before, {figures['load_average_after']} after, on "
        f"{figures['cores']} cores)"
    )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, and print the figures."""
    parser = argparse.ArgumentParser(prog="bench/portal", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=TARGET_RATE, help="pages/s (20)")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each step (60)")
    parser.add_argument(
        "--warm-up", type=float, default=5.0, help="seconds of each path before measuring (5)"
    )
    parser.add_argument("--members", type=int, default=50, help="members signed in (50)")
    parser.add_argument("--organisations", type=int, default=4, help="organisations (4)")
    parser.add_argument(
        "--relationships", type=int, default=25, help="relationships among them (25)"
    )
    parser.add_argument(
        "--cross-share",
        type=float,
        default=0.5,
        help="share of relationships across organisations (0.5)",
    )
    parser.add_argument(
        "--messages", type=int, default=10, help="messages written in each relationship (10)"
    )
    parser.add_argument(
        "--meetings", type=int, default=2, help="meetings in each, held or planned (2)"
    )
    parser.add_argument(
        "--mix",
        type=functools.partial(parse_mix, known=PAGES),
        default=parse_mix(DEFAULT_MIX, known=PAGES),
        help=f"page kinds and weights ({DEFAULT_MIX})",
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="a page slower than this is an error (10)"
    )
    parser.add_argument(
        "--connections", type=int, default=50, help="generator's connections to the portal (50)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=60.0,
        help="after a step, wait at most this long for the server and database to go idle (60)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the plan (7)")
    args = parser.parse_args(argv)
    if args.relationships * 2 < args.members:
        say(f"note: {args.relationships} relationships leave some members only a home page")
    figures = run(args)
    print_table(figures)
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
