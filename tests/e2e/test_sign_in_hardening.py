"""Sign-in hardening, attacked on the real registry: provider discovery as a port scanner or
a way inside (server-side request forgery), and an authorization response from another
provider than the one asked (a mix-up, RFC 9207). Refresh-token reuse is attacked in
test_sign_in.py; absolute session lifetime, abandoned attempts and retired keys in
tests/integration."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from shared.secrets import new_secret_key
from tests.e2e.conftest import World, free_port
from tests.servers import kafka_bootstrap, mongo_url

pytestmark = pytest.mark.e2e


class Listener:
    """A TCP port on loopback that accepts connections and closes them at once, counting."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


def test_discovery_answers_the_same_whatever_a_port_does(world: World, listener: Listener) -> None:
    """A closed port and one that accepts and hangs up must read alike: the registry says it
    could not reach the provider, never why (refused, reset, TLS...)."""
    registry = world.url("registry")
    answers = {}
    with world.reader(world.a.admin) as http:
        for name, port in (("closed", free_port()), ("open", listener.port)):
            answer = http.put(
                f"{registry}/organisations/{world.a.id}/identity-provider",
                json={"issuer": f"http://127.0.0.1:{port}", "client_id": "x", "client_secret": "y"},
            )
            assert answer.status_code == 422, answer.text
            answers[name] = answer.json()["detail"].replace(str(port), "PORT")
    assert listener.connections >= 1  # the open port was really tried
    assert answers["closed"] == answers["open"], answers
    for word in ("refused", "Errno", "disconnected", "reset", "connection attempts"):
        assert word not in answers["open"]


def _bootstrap(issuer: str, tag: str) -> subprocess.CompletedProcess[str]:
    """The registry's bootstrap command (the one way to connect a provider with no one signed
    in) in a deployment that is not local: loopback providers are not allowed."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "services.registry.cli",
            "bootstrap",
            "--issuer",
            issuer,
            "--client-id",
            "mentornet",
            "--email",
            "someone@office.example",
        ],
        env={
            **os.environ,
            "MENTORNET_KAFKA_BOOTSTRAP": kafka_bootstrap(),
            "MENTORNET_MONGO_URL": mongo_url(),
            "MENTORNET_DB_PREFIX": f"s{tag}",
            "MENTORNET_TOPIC_PREFIX": f"s{tag}",
            "MENTORNET_SECRET_KEY": new_secret_key(),
            "MENTORNET_PUBLIC_URL": "https://registry.example",
            "MENTORNET_ALLOW_HTTP_LOOPBACK_PROVIDERS": "false",
            "MENTORNET_BOOTSTRAP_CLIENT_SECRET": "s3cret",
        },
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _loopback_names() -> list[str]:
    """Names this machine's hosts file gives to loopback (besides `localhost`): the registry
    must refuse them by what they resolve to, not by their spelling."""
    names: list[str] = []
    with open("/etc/hosts", encoding="utf-8") as hosts:
        for line in hosts:
            fields = line.split("#")[0].split()
            if fields and fields[0].startswith("127."):
                names += [n for n in fields[1:] if n not in ("localhost", "localhost.localdomain")]
    return names[:1]


def test_discovery_outside_a_local_network_never_calls_this_machine(
    servers: None, listener: Listener
) -> None:
    tag = secrets.token_hex(4)
    # An address written out, and a name that resolves to it (each run starts the command,
    # so two; the address rules themselves are unit-tested address by address).
    issuers = [
        f"https://[::ffff:127.0.0.1]:{listener.port}",
        f"https://{(_loopback_names() or ['localhost'])[0]}:{listener.port}",
    ]
    for issuer in issuers:
        result = _bootstrap(issuer, tag)
        said = result.stdout + result.stderr
        assert result.returncode != 0, said
        assert "loopback" in said or "not on a public address" in said, said[-2000:]
    assert listener.connections == 0, "the registry connected to this machine"


def test_an_answer_from_another_provider_is_refused_before_its_code_is_used(
    world: World,
) -> None:
    registry = world.url("registry")
    started = httpx.get(f"{registry}/auth/login/{world.a.id}", timeout=15)
    assert started.status_code == 302
    state = parse_qs(urlparse(started.headers["location"]).query)["state"][0]
    mixed_up = httpx.get(
        f"{registry}/auth/callback",
        params={"code": "from-elsewhere", "state": state, "iss": world.b.provider.issuer},
        timeout=15,
    )
    assert mixed_up.status_code == 422, mixed_up.text
    assert "(iss)" in mixed_up.json()["detail"]
    # The attempt is spent: the same state cannot be tried again with the right issuer.
    again = httpx.get(
        f"{registry}/auth/callback",
        params={"code": "from-elsewhere", "state": state, "iss": world.a.provider.issuer},
        timeout=15,
    )
    assert again.status_code == 400
