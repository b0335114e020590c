"""Fair use: what one caller may do only so often is answered 429 with `Retry-After`.

The registry's per-address limits (sign-in starts, the token endpoint) and every service's
limit on tokens naming an unknown key (each makes the service reload the keys) are attacked on
a registry and a sessions service of their own, started with tight limits: the shared test
network runs every test from one address, so it raises those limits (tests/e2e/conftest.py).
Calendar-feed fetches (per feed) and message-stream opens (per person) are attacked on the
shared network, at their production limits.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from deploy.localnet.identity import bearer
from deploy.localnet.processes import start_network, stop_network
from shared.secrets import new_secret_key
from tests.e2e.conftest import World, free_port
from tests.servers import kafka_bootstrap, mongo_url

pytestmark = pytest.mark.e2e

TIGHT = 5


@pytest.fixture(scope="module")
def tight(servers: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A registry and a sessions service of their own (own databases and topics), each
    allowing TIGHT of everything limited per address in a minute."""
    tag = secrets.token_hex(4)
    ports = {"registry": free_port(), "sessions": free_port()}
    env = {
        "MENTORNET_KAFKA_BOOTSTRAP": kafka_bootstrap(),
        "MENTORNET_MONGO_URL": mongo_url(),
        "MENTORNET_DB_PREFIX": f"r{tag}",
        "MENTORNET_TOPIC_PREFIX": f"r{tag}",
        "MENTORNET_SECRET_KEY": new_secret_key(),
        "MENTORNET_RATE_LIMIT_SIGN_IN": f"{TIGHT}/minute",
        "MENTORNET_RATE_LIMIT_TOKEN": f"{TIGHT}/minute",
        "MENTORNET_RATE_LIMIT_UNKNOWN_KEY": f"{TIGHT}/minute",
    }
    log_dir: Path = tmp_path_factory.mktemp("tight")
    processes = start_network(env, log_dir, ports=ports, services=("registry", "sessions"))
    try:
        yield {p.service: p.url for p in processes}
    finally:
        stop_network(processes)


def _refused_after(limit: int, call: object) -> list[httpx.Response]:
    assert callable(call)
    return [call() for _ in range(limit + 1)]


def _assert_limited(
    answers: list[httpx.Response], allowed_status: int, window_seconds: int = 60
) -> None:
    *allowed, refused = answers
    assert [a.status_code for a in allowed] == [allowed_status] * len(allowed)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"] == "too_many_requests"
    assert 1 <= int(refused.headers["retry-after"]) <= window_seconds


def test_sign_in_starts_are_limited_per_address(tight: dict[str, str]) -> None:
    registry = tight["registry"]
    answers = _refused_after(
        TIGHT, lambda: httpx.get(f"{registry}/auth/login/org_000000000000", timeout=15)
    )
    _assert_limited(answers, 404)
    # The web app's authorization endpoint shares the count: sign-in starts, however started.
    authorize = httpx.get(f"{registry}/oauth/authorize", params={"client_id": "x"}, timeout=15)
    assert authorize.status_code == 429


def test_the_token_endpoint_is_limited_per_address(tight: dict[str, str]) -> None:
    registry = tight["registry"]
    form = {"grant_type": "refresh_token", "refresh_token": "org_x.mnr_guess"}
    answers = _refused_after(
        TIGHT, lambda: httpx.post(f"{registry}/oauth/token", data=form, timeout=15)
    )
    _assert_limited(answers, 400)


def _unknown_key_token() -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    header = part({"alg": "RS256", "kid": f"made-up-{secrets.token_hex(4)}", "typ": "JWT"})
    signature = base64.urlsafe_b64encode(secrets.token_bytes(256)).rstrip(b"=").decode()
    return f"{header}.{part({'sub': 'mem_x'})}.{signature}"


@pytest.mark.parametrize(("service", "path"), [("registry", "/me"), ("sessions", "/organisations")])
def test_tokens_naming_unknown_keys_are_limited(
    tight: dict[str, str], service: str, path: str
) -> None:
    url = f"{tight[service]}{path}"
    answers = _refused_after(
        TIGHT,
        lambda: httpx.get(
            url, headers={"Authorization": f"Bearer {_unknown_key_token()}"}, timeout=15
        ),
    )
    _assert_limited(answers, 401)


def test_a_calendar_feed_is_limited_per_feed(world: World) -> None:
    sessions = world.url("sessions")
    feed = f"{sessions}/calendar/cal.{world.a.id}.{secrets.token_urlsafe(32)}.ics"
    answers = _refused_after(30, lambda: httpx.get(feed, timeout=15))
    _assert_limited(answers, 404, window_seconds=600)
    # Another feed is counted on its own.
    other = f"{sessions}/calendar/cal.{world.a.id}.{secrets.token_urlsafe(32)}.ics"
    assert httpx.get(other, timeout=15).status_code == 404


def test_message_streams_are_limited_per_person(world: World) -> None:
    sessions = world.url("sessions")
    stream = f"{sessions}/relationships/rel_{secrets.token_hex(6)}/messages/stream"

    def open_stream() -> httpx.Response:
        return httpx.get(stream, headers=bearer(world.b.member), timeout=15)

    answers = _refused_after(30, open_stream)
    _assert_limited(answers, 404)
    # Someone else still opens theirs.
    assert httpx.get(stream, headers=bearer(world.b.admin), timeout=15).status_code == 404
