"""`python -m deploy.localnet up`: the four services on this machine, with demo data.

Kafka and the MongoDB-wire server must be up already (`./mentornet up` starts them first).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from deploy.localnet.demo import seed
from deploy.localnet.processes import DEFAULT_PORTS, start_network, stop_network

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the network until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.localnet",
        description="Run the four mentornet services locally with demo data, until Ctrl-C.",
    )
    parser.add_argument("command", choices=["up"], help="up: start services and seed demo data")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(os.environ.get("MENTORNET_STATE", ROOT / ".state")) / "logs",
        help="where each service writes its JSON log (default: .state/logs)",
    )
    args = parser.parse_args(argv)

    env = {"MENTORNET_LOG_LEVEL": os.environ.get("MENTORNET_LOG_LEVEL", "INFO")}
    print(
        f"starting registry, matching, sessions, evaluation (logs in {args.log_dir}) ...",
        flush=True,
    )
    started = time.monotonic()
    processes = start_network(env, args.log_dir)
    try:
        print(f"  all four ready in {time.monotonic() - started:.1f}s", flush=True)
        urls = {p.service: p.url for p in processes}
        if not args.no_demo:
            print("seeding demo organisations ...", flush=True)
            count = seed(urls["registry"], urls["evaluation"])
            print(f"  the network has {count} organisations", flush=True)
        print("\nmentornet is running. Open:")
        for service, port in DEFAULT_PORTS.items():
            print(f"  {service:<11} http://127.0.0.1:{port}/docs")
        print(f"  network figures  {urls['evaluation']}/network/statistics")
        print(f"  organisations    {urls['registry']}/organisations")
        print("\nCtrl-C stops the network; its data stays in .state/ for the next run.", flush=True)
        # Ctrl-C raises KeyboardInterrupt even where SIGINT came in ignored (a background job).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(p.process is not None and p.process.poll() is None for p in processes):
            time.sleep(0.5)
        dead = [p for p in processes if p.process is not None and p.process.poll() is not None]
        for p in dead:
            print(
                f"\n{p.service} exited unexpectedly; last log lines:\n{p.log_tail()}",
                file=sys.stderr,
            )
        return 1
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        stop_network(processes)
        print("services stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
