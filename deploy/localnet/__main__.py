"""`python -m deploy.localnet up`: the five services and the portal on this machine, with
demo data.

Kafka, the MongoDB-wire server and Mailpit must be up already (`./mentornet up` starts them
first).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from pathlib import Path

import httpx

from deploy.localnet import leftovers
from deploy.localnet.demo import DEMO_PASSWORD, FIRST_PROVIDER_PORT, DemoRun, DemoSignIn, seed
from deploy.localnet.processes import (
    DEFAULT_PORTS,
    PORTAL,
    SERVICES,
    ServiceProcess,
    ports_from,
    start_network,
    stop_network,
)
from deploy.localnet.supervisor import Supervisor
from shared.secrets import new_secret_key

ROOT = Path(__file__).resolve().parents[2]
# The portal's dashboards, and who sees each (the evaluation service decides).
DASHBOARDS = {
    "network": "the network co-ordinator, coordinator@network-office.example",
    "organisation": "an organisation's admins, e.g. admin@northshore-care.example",
    "programme": "a programme's co-ordinators, e.g. admin@northshore-care.example",
}


def _secret_key(state: Path) -> str:
    """The local network's secret key: from the environment, else kept in .state/ (0600)."""
    if key := os.environ.get("MENTORNET_SECRET_KEY"):
        return key
    path = state / "secret.key"
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        path.write_text(new_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the network until Ctrl-C (or stop leftovers)."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.localnet",
        description="Run the five mentornet services and the portal locally with demo data, "
        "until Ctrl-C.",
    )
    parser.add_argument(
        "command",
        choices=["up", "stop"],
        help="up: start services and seed demo data; stop: stop services and example "
        "providers an earlier run left behind",
    )
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    parser.add_argument(
        "--recorded-only",
        action="store_true",
        help="stop: only the processes whose pids the state directory keeps (not whatever of "
        "this checkout holds the ports `up` uses)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        default=Path(os.environ.get("MENTORNET_STATE", ROOT / ".state")),
        help="logs, the secret key and example providers' files (default .state)",
    )
    args = parser.parse_args(argv)
    ports = ports_from(int(os.environ.get("MENTORNET_FIRST_PORT", DEFAULT_PORTS[PORTAL])))
    demo = DemoRun(
        first_provider_port=int(
            os.environ.get("MENTORNET_FIRST_PROVIDER_PORT", FIRST_PROVIDER_PORT)
        ),
        pid_dir=args.state / "run",
    )
    if args.command == "stop":
        swept = [] if args.recorded_only else [*ports.values(), *demo.provider_ports()]
        for leftover in stop_leftovers(demo.pid_dir, swept):
            print(f"stopped {leftover}, left by an earlier run", flush=True)
        return 0
    try:
        for leftover in (
            *leftovers.stop_recorded(args.state / "run"),
            *leftovers.clear_ports([*ports.values(), *demo.provider_ports()]),
        ):
            print(f"stopped {leftover}, left running by an earlier run", flush=True)
    except leftovers.PortTakenError as taken:
        print(f"cannot start: {taken}", file=sys.stderr, flush=True)
        return 1
    return _up(args.state, ports, None if args.no_demo else demo)


def stop_leftovers(pid_dir: Path | None, ports: list[int]) -> list[leftovers.Leftover]:
    """Stop what an earlier run left: the pids it kept, and processes of ours on `ports`
    (anything else on them is left alone)."""
    stopped = [] if pid_dir is None else leftovers.stop_recorded(pid_dir)
    for port in ports:
        pid = leftovers.listener_of(port)
        found = None if pid is None else leftovers.ours(pid)
        if found is not None:
            leftovers.stop(found.pid)
            stopped.append(found)
    return stopped


def _up(state: Path, ports: dict[str, int], demo: DemoRun | None) -> int:
    env = {
        "MENTORNET_LOG_LEVEL": os.environ.get("MENTORNET_LOG_LEVEL", "INFO"),
        "MENTORNET_SECRET_KEY": _secret_key(state),
    }
    log_dir = state / "logs"
    print(
        "starting the portal, registry, matching, sessions, evaluation, notifications "
        f"(logs in {log_dir}) ...",
        flush=True,
    )
    started = time.monotonic()
    # Ctrl-C raises KeyboardInterrupt even where SIGINT came in ignored (a background job);
    # SIGTERM unwinds the same way, so every process started here is stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    processes: list[ServiceProcess] = []
    try:
        try:
            # A first start on a busy machine can take minutes (topics created, indexes built).
            processes = start_network(
                env, log_dir, ports=ports, pid_dir=state / "run", ready_timeout=300
            )
        except (RuntimeError, TimeoutError) as failed:
            print(f"the network did not start: {failed}", file=sys.stderr, flush=True)
            return 1
        print(f"  all six ready in {time.monotonic() - started:.1f}s", flush=True)
        urls = {p.service: p.url for p in processes}
        if demo is not None:
            _seed_demo(urls, env, log_dir, demo)
        _print_where_to_go(urls, [] if demo is None else demo.sign_ins, state)
        Supervisor(processes, say=lambda line: print(line, flush=True)).run()
        return 0
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        stop_network(processes)
        for provider in [] if demo is None else demo.providers:
            provider.process.stop()
        print("services stopped.", flush=True)


def _seed_demo(urls: dict[str, str], env: dict[str, str], log_dir: Path, demo: DemoRun) -> None:
    """Seed the demo; when it cannot go on, say why and how to start afresh, and keep the
    network running with what was set up (the full story goes to demo.log)."""
    print(
        "demo: example sign-in providers, the first co-ordinator, organisations, people ...",
        flush=True,
    )
    try:
        seed(urls, env, log_dir, demo)
    except Exception as failed:  # any failure of the optional demo is reported
        (log_dir / "demo.log").write_text(traceback.format_exc())
        print(
            f"\nthe demo data could not be set up: {_reason(failed)}\n"
            "The data this network keeps is not as the demo left it (changed through the "
            "API, or by a run that stopped half-way), or a service refused it (its log is in "
            f"{log_dir}; this step's in {log_dir / 'demo.log'}).\n"
            "The network keeps running with what the demo set up so far. To start afresh, "
            "with this network's data deleted: ./mentornet up --fresh",
            file=sys.stderr,
            flush=True,
        )
        return
    print(
        f"  {len(demo.sign_ins)} organisations with sign-in, "
        f"{len(demo.providers)} example providers",
        flush=True,
    )


def _reason(failed: Exception) -> str:
    """What was refused, in one line: the request and the answer for an HTTP refusal."""
    if isinstance(failed, httpx.HTTPStatusError):
        request, response = failed.request, failed.response
        return (
            f"{request.method} {request.url} answered {response.status_code}: {response.text[:300]}"
        )
    return f"{type(failed).__name__}: {str(failed)[:600]}"


# Who to sign in as in the portal: people whose histories the demo filled.
DEMO_PEOPLE = [
    ("mentee@northshore-care.example", "Sam Okafor, a mentee with a live relationship"),
    ("mentor@northshore-care.example", "Morgan Reyes, Sam's mentor"),
    ("mentee@staidans.example", "Sam Okafor at St Aidan's Hospice, a peer in a circle"),
    ("mentee@clearwater-housing.example", "a peer in an X Market circle across organisations"),
    ("admin@northshore-care.example", "Northshore's admin, who also co-ordinates its programme"),
    ("coordinator@network-office.example", "the network co-ordinator"),
]


def _print_where_to_go(urls: dict[str, str], sign_ins: list[DemoSignIn], state: Path) -> None:
    print("\nmentornet is running. Open the portal:")
    print(f"\n  {urls['portal']}")
    inbox = os.environ.get("MENTORNET_MAILPIT_URL")
    if inbox:
        print(f"\nEvery e-mail the network sends lands in Mailpit's web inbox:\n\n  {inbox}")
    if sign_ins:
        print(
            f"\nSign in with a work e-mail; each organisation's own example provider asks for "
            f"the password '{DEMO_PASSWORD}':"
        )
        width = max(len(email) for email, _ in DEMO_PEOPLE)
        for email, who in DEMO_PEOPLE:
            print(f"  {email:<{width}}  {who}")
        print("  (every demo organisation has admin@, mentor@ and mentee@ its domain)")
    print("\nThe services' APIs, with OpenAPI docs:")
    for service in SERVICES:
        print(f"  {service:<11} {urls[service]}/docs")
    if sign_ins:
        print(
            "  For the API docs' 'Authorize' box, a network token comes from signing in at "
            f"{urls['registry']}/auth/login/ORGANISATION_ID:"
        )
        width = max(len(entry.organisation) for entry in sign_ins)
        for entry in sign_ins:
            print(f"    {entry.organisation:<{width}}  {entry.url}  as {entry.username}")
    print("\nThe dashboards, in the portal once signed in (its Figures link):")
    for audience, who in DASHBOARDS.items():
        print(f"  {audience:<13} {urls['portal']}/dashboards/{audience}  ({who})")
    print(f"\nCtrl-C stops the network; its data stays in {state} for the next run.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
