"""The run: servers, services, seeding, the baseline phase, the fault phase, the checks, and
the figures (a table, then one JSON line)."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.faults.checks import Outcome, check, snapshot
from bench.faults.faults import Fault, inject
from bench.faults.lag import wait_for_zero
from bench.faults.load import HUNG_SECONDS, Write, drive
from bench.faults.network import Instances, start_instances
from bench.faults.seeding import active_relationships, seed_demo
from bench.faults.servers import LocalServers
from deploy.localnet.demo import DemoRun

FIRST_PROVIDER_PORT = 49101  # the demo's providers: 49101-49107 (the dev demo uses 9101-)
LAG_LIMIT_SECONDS = 600.0
SETTLE_SECONDS = 180.0  # how long the checks wait for straggling events (the outbox sweep)


def say(line: str) -> None:
    """A progress line."""
    print(line, flush=True)


def _phase(writes: list[Write], phase: str, seconds: float) -> dict[str, Any]:
    mine = [w for w in writes if w.phase == phase]
    accepted = sum(w.accepted for w in mine)
    return {
        "sent": len(mine),
        "accepted": accepted,
        "refused_or_failed": len(mine) - accepted,
        "hung_over_10s": sum(w.seconds > HUNG_SECONDS for w in mine),
        "failures": [
            f"{w.kind} {w.status or 'no answer'} after {w.seconds:.1f} s: {w.error}"
            for w in mine
            if not w.accepted
        ][:10],
        "accepted_per_s": round(accepted / seconds, 2) if seconds else 0.0,
        "statuses": dict(sorted(_statuses(mine).items())),
    }


def _statuses(writes: list[Write]) -> dict[str, int]:
    found: dict[str, int] = {}
    for w in writes:
        key = str(w.status) if w.status is not None else "no answer"
        found[key] = found.get(key, 0) + 1
    return found


def _settled_check(
    servers: LocalServers,
    prefix: str,
    writes: list[Write],
    before: dict[str, dict[str, int]],
    parties: dict[str, list[str]],
) -> tuple[Outcome, float]:
    """The checks, repeated every 10 s while events are still missing (an event left in an
    outbox while the broker was down is published by the outbox sweep within a minute)."""
    started = time.monotonic()
    while True:
        outcome = check(servers.mongo_url, prefix, writes, before, parties)
        waited = time.monotonic() - started
        if outcome.lost == 0 or waited > SETTLE_SECONDS:
            return outcome, waited
        say(f"  {outcome.lost} writes or events missing so far; checking again in 10 s")
        time.sleep(10)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole bench; its figures."""
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="bench-faults-"))
    log_dir = work / "logs"
    servers = LocalServers(work / "state")
    tag = secrets.token_hex(3)
    say(f"bench/faults: state and logs in {work}")
    say("starting Kafka, FerretDB and Mailpit of its own ...")
    servers.start()
    instances: Instances | None = None
    demo = DemoRun(first_provider_port=FIRST_PROVIDER_PORT, pid_dir=log_dir / "pids")
    try:
        say("starting two instances of each service ...")
        instances = start_instances(servers, log_dir)
        prefix = instances.env["MENTORNET_TOPIC_PREFIX"]
        db_prefix = instances.env["MENTORNET_DB_PREFIX"]
        say(
            "seeding the demo network through the APIs (organisations, people, programmes, "
            "matching, relationships) ..."
        )
        started = time.monotonic()
        seed_demo(instances.urls(), instances.env, log_dir, demo)
        relationships = active_relationships(instances.urls(), demo)
        say(f"  {len(relationships)} active relationships in {time.monotonic() - started:.0f} s")
        if not relationships:
            raise RuntimeError("the seeding left no active relationship to write into")
        parties = {r.id: sorted(r.parties) for r in relationships}
        sessions = [p.url for p in instances.of("sessions")]
        say("waiting for the seeding's events to be consumed ...")
        asyncio.run(wait_for_zero(servers.kafka_bootstrap, prefix, LAG_LIMIT_SECONDS, say))
        before = snapshot(servers.mongo_url, db_prefix)
        writes: list[Write] = []

        baseline_seconds = args.baseline_minutes * 60
        say(f"baseline: {args.rate}/s for {baseline_seconds:.0f} s, no faults ...")
        rate = args.rate
        asyncio.run(
            drive(relationships, sessions, rate, baseline_seconds, "baseline", writes, tag, say)
        )

        fault_seconds = args.minutes * 60
        faults: list[Fault] = []
        say(
            f"faults: {args.rate}/s for {fault_seconds:.0f} s; an instance killed every "
            f"{args.kill_every:.0f} s, the broker and the database restarted once each ..."
        )

        async def fault_phase() -> None:
            await asyncio.gather(
                drive(relationships, sessions, rate, fault_seconds, "faults", writes, tag, say),
                inject(instances, servers, fault_seconds, args.kill_every, faults, say, tag),
            )

        asyncio.run(fault_phase())
        last_fault = max((f.recovered_at or f.at) for f in faults) if faults else time.monotonic()
        say("waiting for consumer lag to return to zero ...")
        zero_at = asyncio.run(
            wait_for_zero(servers.kafka_bootstrap, prefix, LAG_LIMIT_SECONDS, say)
        )
        say("checking every write in the store and its events in the read models ...")
        outcome, settle = _settled_check(servers, db_prefix, writes, before, parties)
        baseline = _phase(writes, "baseline", baseline_seconds)
        under_faults = _phase(writes, "faults", fault_seconds)
        return {
            "bench": "faults",
            "minutes": args.minutes,
            "baseline_minutes": args.baseline_minutes,
            "rate_per_s": args.rate,
            "relationships": len(relationships),
            "faults": len(faults),
            "instances_killed": sum("killed" in f.what for f in faults),
            "writes_accepted": outcome.accepted,
            "lost": outcome.lost,
            "doubled": outcome.doubled,
            "not_stored": outcome.not_stored,
            "stored_without_2xx": outcome.stored_without_2xx,
            "events_missing": dict(outcome.events_missing),
            "events_doubled": dict(outcome.events_doubled),
            "checks_waited_s": round(settle, 1),
            "hung_over_10s": baseline["hung_over_10s"] + under_faults["hung_over_10s"],
            "lag_zero_after_last_fault_s": (
                round(zero_at - last_fault, 1) if zero_at is not None else None
            ),
            "throughput_share_under_faults": (
                round(under_faults["accepted_per_s"] / baseline["accepted_per_s"], 3)
                if baseline["accepted_per_s"]
                else None
            ),
            "baseline": baseline,
            "under_faults": under_faults,
            "fault_log": [
                {
                    "what": f.what,
                    "recovered_s": round(f.recovered_at - f.at, 1) if f.recovered_at else None,
                }
                for f in faults
            ],
        }
    finally:
        say("stopping ...")
        if instances is not None:
            instances.stop()
        for provider in demo.providers:
            provider.process.stop()
        servers.stop()


def print_table(figures: dict[str, Any]) -> None:
    """The figures a reader looks for first."""
    say("")
    for key in (
        "writes_accepted",
        "lost",
        "doubled",
        "hung_over_10s",
        "lag_zero_after_last_fault_s",
        "throughput_share_under_faults",
    ):
        say(f"  {key:<32} {figures[key]}")
    for phase in ("baseline", "under_faults"):
        p = figures[phase]
        say(
            f"  {phase:<12} sent {p['sent']}, accepted {p['accepted']} "
            f"({p['accepted_per_s']}/s), statuses {p['statuses']}"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, print the figures and the JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.faults",
        description="Member writes under a steady load while service instances are killed "
        "and the broker and database restarted; checks nothing answered 2xx is lost or "
        "doubled. Starts its own Kafka (49092/49093), FerretDB (57017) and Mailpit "
        "(49025/49026).",
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="the fault phase [10]")
    parser.add_argument(
        "--baseline-minutes", type=float, default=2.0, help="the phase without faults [2]"
    )
    parser.add_argument("--rate", type=float, default=4.0, help="writes per second [4]")
    parser.add_argument(
        "--kill-every", type=float, default=20.0, help="seconds between instance kills [20]"
    )
    parser.add_argument("--work-dir", help="state and logs (default: a new temporary directory)")
    args = parser.parse_args(argv)
    figures = run(args)
    print_table(figures)
    print(json.dumps(figures), flush=True)
    return 0 if figures["lost"] == 0 and figures["doubled"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
