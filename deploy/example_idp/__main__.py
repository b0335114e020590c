"""`python -m deploy.example_idp --port 9101 --config idp.json`: run one provider."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from werkzeug.serving import make_server

from deploy.example_idp.app import create_app
from deploy.example_idp.config import IdpConfig
from deploy.example_idp.keys import generate_signing_key


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.example_idp",
        description=(
            "Run an example OpenID Connect provider (authorization code + PKCE S256) on "
            "127.0.0.1, with the clients and users of a JSON config, in memory."
        ),
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument(
        "--config",
        type=Path,
        required=True,
        help='JSON: {"issuer", "name", "clients": [...], "users": [...]}',
    )
    args = parser.parse_args(argv)

    try:
        config = IdpConfig.load(args.config)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    app = create_app(config, generate_signing_key())
    server = make_server("127.0.0.1", args.port, app, threaded=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return: not from its own thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"example-idp {config.name} ready on {config.issuer}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    print(f"example-idp {config.name} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
