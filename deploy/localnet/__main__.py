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
from pathlib import Path

from deploy.localnet.demo import DEMO_PASSWORD, DemoSignIn, seed
from deploy.localnet.identity import Provider
from deploy.localnet.processes import SERVICES, ServiceProcess, start_network, stop_network
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
    """Parse the command line and run the network until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.localnet",
        description="Run the five mentornet services and the portal locally with demo data, "
        "until Ctrl-C.",
    )
    parser.add_argument("command", choices=["up"], help="up: start services and seed demo data")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    parser.add_argument(
        "--state",
        type=Path,
        default=Path(os.environ.get("MENTORNET_STATE", ROOT / ".state")),
        help="logs, the secret key and example providers' files (default .state)",
    )
    args = parser.parse_args(argv)

    env = {
        "MENTORNET_LOG_LEVEL": os.environ.get("MENTORNET_LOG_LEVEL", "INFO"),
        "MENTORNET_SECRET_KEY": _secret_key(args.state),
    }
    log_dir = args.state / "logs"
    print(
        "starting the portal, registry, matching, sessions, evaluation, notifications "
        f"(logs in {log_dir}) ...",
        flush=True,
    )
    started = time.monotonic()
    processes = start_network(env, log_dir)
    providers: list[Provider] = []
    try:
        print(f"  all six ready in {time.monotonic() - started:.1f}s", flush=True)
        urls = {p.service: p.url for p in processes}
        sign_ins: list[DemoSignIn] = []
        if not args.no_demo:
            print(
                "demo: example sign-in providers, the first co-ordinator, organisations, "
                "people ...",
                flush=True,
            )
            sign_ins, providers = seed(urls, env, log_dir)
            print(
                f"  {len(sign_ins)} organisations with sign-in, {len(providers)} example providers",
                flush=True,
            )
        _print_where_to_go(urls, sign_ins, args.state)
        # Ctrl-C raises KeyboardInterrupt even where SIGINT came in ignored (a background job).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        return _watch(processes)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        stop_network(processes)
        for provider in providers:
            provider.process.stop()
        print("services stopped.", flush=True)


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


def _watch(processes: list[ServiceProcess]) -> int:
    while all(p.process is not None and p.process.poll() is None for p in processes):
        time.sleep(0.5)
    for p in processes:
        if p.process is not None and p.process.poll() is not None:
            print(
                f"\n{p.service} exited unexpectedly; last log lines:\n{p.log_tail()}",
                file=sys.stderr,
            )
    return 1


if __name__ == "__main__":
    sys.exit(main())
