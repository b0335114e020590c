"""End-to-end: signed webhooks to partner organisations' own systems.

Each partner's receiver is a small threaded HTTP server in the test process (127.0.0.1, a free
port; the world's notifications service allows loopback receivers, as a local network does).
It verifies every delivery as a partner would — `standardwebhooks`' `Webhook(secret).verify`
(signature, timestamp within tolerance) and a `webhook-id` not processed before — and answers
as the test tells it (500s, slowly). The events are real: sessions starts a relationship from
`match.accepted`, which the test publishes on matching's topic as matching would (a real round
needs a whole candidate pool), and announces `relationship.started` itself.

The world's notifications service retries after 1 s and 2 s and turns off an endpoint failing
for 2.5 s (tests/e2e/conftest.py); a second notifications service, in production mode
(loopback not allowed), checks the registration refusals only production makes.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from deploy.localnet.identity import bearer
from deploy.localnet.kafka_users import prepare_network
from deploy.localnet.processes import ServiceProcess
from services.sessions.domain.relationships import relationship_id
from shared.events.envelope import Envelope
from tests.e2e.conftest import Crowd, World, add_crowd, free_port, integration_client
from tests.e2e.consumed import wait_consumed
from tests.e2e.mailpit import Inbox
from tests.e2e.sessions_scene import match_accepted, programme_published
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually

pytestmark = pytest.mark.e2e


class ReplayedError(WebhookVerificationError):
    """A message whose `webhook-id` was processed before."""


@dataclass
class Received:
    """One request as the receiver got it."""

    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival
    answered: int = 0


@dataclass
class Receiver:
    """A partner's webhook receiver: answers `answers` first (in order), then `status`, after
    `delay` seconds; processes only verified messages it has not processed before."""

    secrets: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    processed: dict[str, Any] = field(default_factory=dict)  # webhook-id → the event
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                got = Received(dict(self.headers.items()), body, time.monotonic())
                with receiver._lock:
                    receiver.received.append(got)
                    status = receiver.answers.pop(0) if receiver.answers else receiver.status
                time.sleep(receiver.delay)
                if 200 <= status < 300:
                    status = receiver.process(got)
                got.answered = status
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/mentornet-hook"

    def verify(self, body: bytes, headers: dict[str, str]) -> Any:
        """As a partner verifies: signed with one of its secrets, a timestamp within the
        library's tolerance (5 min), and never processed before (else `ReplayedError`)."""
        failures: list[str] = []
        for secret in self.secrets:
            try:
                event = Webhook(secret).verify(body, headers)
            except WebhookVerificationError as exc:
                failures.append(str(exc))
                continue
            if headers.get("webhook-id", headers.get("Webhook-Id")) in self.processed:
                raise ReplayedError("seen before")
            return event
        raise WebhookVerificationError("; ".join(failures) or "no secret")

    def process(self, got: Received) -> int:
        """Verify and process one request; a duplicate is acknowledged and dropped."""
        try:
            event = self.verify(got.body, got.headers)
        except ReplayedError:
            self.duplicates.append(got.headers["webhook-id"])
            return 200
        except WebhookVerificationError as exc:
            self.rejected.append(str(exc))
            return 400
        with self._lock:
            self.processed[got.headers["webhook-id"]] = event
        return 200

    def of_type(self, event_type: str) -> list[Any]:
        """The processed events of one type."""
        full = f"network.mentornet.{event_type}"
        return [e for e in list(self.processed.values()) if e["type"] == full]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Hooks:
    """The receivers and endpoints a test makes; the endpoints are deleted and the receivers
    closed after it (so a later test's events find no endpoint left failing)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.receivers: list[Receiver] = []
        self.endpoints: list[tuple[Crowd, dict[str, Any]]] = []

    def receiver(self, **how: Any) -> Receiver:
        r = Receiver(**how)
        self.receivers.append(r)
        return r

    def register(self, crowd: Crowd, r: Receiver, *types: str) -> dict[str, Any]:
        """The crowd's admin registers `r` for `types`; the receiver learns the secret."""
        made = call(
            self.world,
            crowd.admin,
            "POST",
            f"/organisations/{crowd.id}/webhooks",
            {"url": r.url, "event_types": list(types), "description": "test receiver"},
        )
        assert made.status_code == 201, made.text
        endpoint: dict[str, Any] = made.json()
        assert endpoint["secret"].startswith("whsec_") and endpoint["enabled"] is True
        r.secrets.append(endpoint["secret"])
        self.endpoints.append((crowd, endpoint))
        return endpoint

    def close(self) -> None:
        for crowd, endpoint in self.endpoints:
            path = f"/organisations/{crowd.id}/webhooks/{endpoint['id']}"
            call(self.world, crowd.admin, "DELETE", path)
        for r in self.receivers:
            r.close()


@pytest.fixture
def hooks(world: World) -> Iterator[Hooks]:
    made = Hooks(world)
    yield made
    made.close()


@dataclass
class Partners:
    """Two organisations of this module's own, a programme of both, a person of each."""

    a: Crowd
    b: Crowd
    programme: str
    mentor: str  # A's member
    mentee: str  # B's member


@pytest.fixture(scope="module")
def partners(world: World) -> Partners:
    key = f"wh{secrets.token_hex(2)}"
    a = add_crowd(world, f"{key}a", f"{key.title()} Alder", "health", 2)
    b = add_crowd(world, f"{key}b", f"{key.title()} Birch", "engineering", 2)
    programme = f"prg_{secrets.token_hex(6)}"
    publish(world, programme_published(programme, [a.id, b.id], []))
    return Partners(
        a, b, programme, member_id_of(world, a.people[0]), member_id_of(world, b.people[0])
    )


def call(
    world: World, tokens: dict[str, Any], method: str, path: str, body: Any = None, url: str = ""
) -> httpx.Response:
    """Call the notifications service (or the one at `url`) as `tokens`' holder."""
    with httpx.Client(headers=bearer(tokens), timeout=20) as http:
        return http.request(method, f"{url or world.url('notifications')}{path}", json=body)


def relationship(world: World, p: Partners) -> tuple[str, Envelope]:
    """A cross-organisation match accepted (A's mentor, B's mentee): sessions starts the
    relationship. The proposal id, and the envelope (to publish again)."""
    proposal = f"prp_{secrets.token_hex(8)}"
    envelope = match_accepted(proposal, p.programme, (p.mentee, p.b.id), (p.mentor, p.a.id))
    publish(world, envelope, source="matching")
    return proposal, envelope


def log(world: World, crowd: Crowd, endpoint: dict[str, Any], **query: Any) -> dict[str, Any]:
    """The endpoint's delivery log."""
    path = f"/organisations/{crowd.id}/webhooks/{endpoint['id']}/deliveries"
    found = call(
        world, crowd.admin, "GET", path + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    )
    assert found.status_code == 200, found.text
    page: dict[str, Any] = found.json()
    return page


def requests_for(r: Receiver, webhook_id: str) -> list[Received]:
    return [g for g in list(r.received) if g.headers.get("webhook-id") == webhook_id]


# --- who hears what -------------------------------------------------------------------------


def test_each_organisation_hears_only_of_its_own_people_signed_and_once(
    world: World, partners: Partners, hooks: Hooks
) -> None:
    p = partners
    types = ("match.accepted", "relationship.started")
    ra, rb = hooks.receiver(), hooks.receiver()
    endpoint_a, endpoint_b = hooks.register(p.a, ra, *types), hooks.register(p.b, rb, *types)
    proposal, envelope = relationship(world, p)

    def both_heard() -> bool:
        """each organisation's receiver processed the match and the relationship"""
        return all(
            r.of_type("match.accepted") and r.of_type("relationship.started") for r in (ra, rb)
        )

    eventually(both_heard, timeout=60)
    for r, own, other in ((ra, p.a, p.b), (rb, p.b, p.a)):
        member, role = (p.mentor, "mentor") if own is p.a else (p.mentee, "mentee")
        outsider = p.mentee if own is p.a else p.mentor
        [accepted] = [
            e for e in r.of_type("match.accepted") if e["data"]["proposal_id"] == proposal
        ]
        assert accepted["specversion"] == "1.0" and accepted["source"] == "mentornet/matching"
        assert accepted["id"] == str(envelope.id) and accepted["subject"] == proposal
        assert accepted["datacontenttype"] == "application/json"
        assert datetime.fromisoformat(accepted["time"]) > datetime.now(UTC) - timedelta(minutes=5)
        assert accepted["data"]["members"] == [{"member_id": member, "role": role}]
        [started] = r.of_type("relationship.started")
        assert started["data"]["relationship_id"] == relationship_id(proposal)
        assert started["source"] == "mentornet/sessions"
        assert started["data"]["members"] == [{"member_id": member, "role": role}]
        assert started["data"]["programme_id"] == p.programme
        for got in r.received:
            assert got.headers["content-type"] == "application/cloudevents+json"
            assert outsider.encode() not in got.body and other.id.encode() not in got.body
        assert not r.rejected
    # The same event delivered again by Kafka decides no second delivery.
    again = publish(world, envelope, source="matching")
    # Deliveries are decided as the event is read: once it is handled, the log is final.
    wait_consumed(world, "notifications", again)
    kinds = [d["event_type"] for d in log(world, p.a, endpoint_a)["deliveries"]]
    assert kinds.count("match.accepted") == 1, kinds
    message = next(
        g for g in ra.received if json.loads(g.body)["data"].get("proposal_id") == proposal
    )
    assert len(requests_for(ra, message.headers["webhook-id"])) == 1
    assert len(ra.of_type("match.accepted")) == 1
    # What the partner refuses: the same message again, a tampered one, an old one.
    with pytest.raises(ReplayedError):
        ra.verify(message.body, message.headers)
    tampered = message.body.replace(p.mentor.encode(), b"mem_0000000000000000")
    with pytest.raises(WebhookVerificationError, match="signature"):
        ra.verify(tampered, message.headers)
    old = datetime.now(UTC) - timedelta(minutes=10)
    stale = {
        **message.headers,
        "webhook-id": "msg_not_seen_before",
        "webhook-timestamp": str(int(old.timestamp())),
        "webhook-signature": Webhook(ra.secrets[0]).sign(
            "msg_not_seen_before", old, message.body.decode()
        ),
    }
    with pytest.raises(WebhookVerificationError, match="too old"):
        ra.verify(message.body, stale)
    # The log shows each delivery and its one attempt.
    deliveries = log(world, p.a, endpoint_a)["deliveries"]
    assert {d["event_type"] for d in deliveries} == set(types)
    for d in deliveries:
        assert d["status"] == "delivered" and d["id"].startswith("msg_")
        [attempt] = d["attempts"]
        assert attempt["response_code"] == 200 and attempt["error"] is None
        assert attempt["duration_ms"] >= 0
    assert log(world, p.b, endpoint_b)["deliveries"]


# --- retries, disabling, redelivery, rotation ---------------------------------------------


def test_a_500_is_retried_with_the_same_id_until_delivered_and_can_be_redelivered(
    world: World, partners: Partners, hooks: Hooks
) -> None:
    p = partners
    r = hooks.receiver(answers=[500, 500])
    endpoint = hooks.register(p.a, r, "relationship.started")
    relationship(world, p)
    eventually(lambda: bool(r.processed), timeout=60)
    [webhook_id] = r.processed
    tries = requests_for(r, webhook_id)
    assert [t.answered for t in tries] == [500, 500, 200]
    stamps = [int(t.headers["webhook-timestamp"]) for t in tries]
    assert stamps == sorted(stamps) and len(set(stamps)) == 3  # new timestamps each time
    assert tries[1].at - tries[0].at >= 0.9 and tries[2].at - tries[1].at >= 1.9
    [delivery] = log(world, p.a, endpoint)["deliveries"]
    assert delivery["id"] == webhook_id and delivery["status"] == "delivered"
    assert [a["response_code"] for a in delivery["attempts"]] == [500, 500, 200]
    assert delivery["attempts"][0]["error"] == "answered 500"
    shown = call(world, p.a.admin, "GET", f"/organisations/{p.a.id}/webhooks/{endpoint['id']}")
    assert shown.json()["failing_since"] is None and shown.json()["enabled"] is True

    # Redelivery from the log: the same message again, newly signed.
    again = call(
        world,
        p.a.admin,
        "POST",
        f"/organisations/{p.a.id}/webhooks/{endpoint['id']}/deliveries/{webhook_id}/redeliver",
    )
    assert again.status_code == 202, again.text
    assert again.json()["id"] == webhook_id and again.json()["status"] == "pending"
    eventually(lambda: len(requests_for(r, webhook_id)) == 4, timeout=20)
    fourth = requests_for(r, webhook_id)[3]
    assert fourth.body == tries[2].body
    assert int(fourth.headers["webhook-timestamp"]) >= stamps[2]
    # Verified, and dropped as already processed (the receiver notes the request before it
    # has verified it, so wait for the verdict).
    eventually(lambda: r.duplicates == [webhook_id], timeout=10)

    def logged() -> bool:
        """the redelivery's attempt is in the log"""
        [d] = log(world, p.a, endpoint)["deliveries"]
        return len(d["attempts"]) == 4 and d["status"] == "delivered"

    eventually(logged, timeout=10)


def test_an_endpoint_failing_long_is_turned_off_and_its_admins_are_mailed(
    world: World, partners: Partners, hooks: Hooks
) -> None:
    p = partners
    r = hooks.receiver(status=500)
    endpoint = hooks.register(p.b, r, "relationship.started")
    path = f"/organisations/{p.b.id}/webhooks/{endpoint['id']}"
    relationship(world, p)

    def turned_off() -> bool:
        """the endpoint was turned off"""
        return call(world, p.b.admin, "GET", path).json()["enabled"] is False

    eventually(turned_off, timeout=60)
    shown = call(world, p.b.admin, "GET", path).json()
    assert shown["failing_since"] is not None
    assert "failing since" in shown["disabled_reason"] and "500" in shown["disabled_reason"]
    [delivery] = log(world, p.b, endpoint)["deliveries"]
    assert delivery["status"] == "failed" and delivery["next_attempt_at"] is None
    assert [a["response_code"] for a in delivery["attempts"]] == [500, 500, 500]
    assert len({g.headers["webhook-id"] for g in r.received}) == 1

    inbox = Inbox()

    def mailed() -> bool:
        """the admin was e-mailed that the endpoint is off"""
        return any(
            m.kind == "webhook_disabled" and endpoint["id"] in m.text()
            for m in inbox.to(p.b.admin_person.email)
        )

    eventually(mailed, timeout=60)
    [mail] = [
        m
        for m in inbox.to(p.b.admin_person.email)
        if m.kind == "webhook_disabled" and endpoint["id"] in m.text()
    ]
    assert "127.0.0.1" in mail.text() and f"/organisation/webhooks/{endpoint['id']}" in mail.text()
    # A redelivery waits until it is turned back on; turning it on clears the streak.
    refused = call(world, p.b.admin, "POST", f"{path}/deliveries/{delivery['id']}/redeliver")
    assert refused.status_code == 422 and "enabled" in refused.json()["fields"]
    back = call(world, p.b.admin, "PATCH", path, {"enabled": True})
    assert back.status_code == 200, back.text
    assert back.json()["enabled"] is True
    assert back.json()["failing_since"] is None and back.json()["disabled_reason"] is None


def test_during_a_rotation_the_old_secret_still_verifies(
    world: World, partners: Partners, hooks: Hooks
) -> None:
    p = partners
    r = hooks.receiver()
    endpoint = hooks.register(p.a, r, "relationship.started")
    old = r.secrets[0]
    rotated = call(
        world, p.a.admin, "POST", f"/organisations/{p.a.id}/webhooks/{endpoint['id']}/secret/rotate"
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    until = datetime.fromisoformat(rotated.json()["previous_secret_valid_until"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)
    shown = call(world, p.a.admin, "GET", f"/organisations/{p.a.id}/webhooks/{endpoint['id']}")
    assert shown.json()["secret_rotated_at"] is not None and "secret" not in shown.json()
    relationship(world, p)
    eventually(lambda: bool(r.processed), timeout=60)  # verified with the old secret only
    got = r.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(got.body, got.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "A" * 43 + "=").verify(got.body, got.headers)


# --- isolation ------------------------------------------------------------------------------


def test_a_slow_endpoint_does_not_delay_a_healthy_one(
    world: World, partners: Partners, hooks: Hooks
) -> None:
    p = partners
    slow, healthy = hooks.receiver(delay=5.0), hooks.receiver()
    hooks.register(p.a, slow, "relationship.started")
    endpoint = hooks.register(p.a, healthy, "relationship.started")
    for _ in range(6):
        relationship(world, p)
    eventually(lambda: len(healthy.processed) == 6, timeout=60)

    def recorded() -> list[Any]:
        """the healthy endpoint's deliveries, once each has its attempt recorded (an attempt
        is recorded after the receiver's answer, so a moment after it has the request)"""
        found: list[Any] = log(world, p.a, endpoint)["deliveries"]
        return found if len(found) == 6 and all(d["attempts"] for d in found) else []

    eventually(lambda: bool(recorded()), timeout=30)
    # Each delivery to the healthy endpoint was attempted as soon as it was decided, while the
    # slow one held four requests open (its limit) and its others waited for a slot.
    for d in recorded():
        decided = datetime.fromisoformat(d["created_at"])
        first = datetime.fromisoformat(d["attempts"][0]["at"])
        assert first - decided < timedelta(seconds=1.5), d
    eventually(lambda: len(slow.processed) == 6, timeout=60)
    arrivals = sorted(g.at for g in slow.received)
    # No request to the slow endpoint is answered before 5 s, so a fifth can start only once
    # one of the first four is: four in flight at most.
    assert arrivals[4] - arrivals[0] >= 4.5
    slow_at = {json.loads(g.body)["id"]: g.at for g in slow.received}
    healthy_at = {json.loads(g.body)["id"]: g.at for g in healthy.received}
    assert slow_at.keys() == healthy_at.keys()
    assert all(healthy_at[e] < slow_at[e] + 1.0 for e in slow_at)  # never after the slow one


# --- who may manage, and where webhooks may go ---------------------------------------------


def test_only_the_organisations_admins_see_its_webhooks(
    world: World, partners: Partners, hooks: Hooks
) -> None:
    p = partners
    endpoint = hooks.register(p.a, hooks.receiver(), "member.enrolled")
    path = f"/organisations/{p.a.id}/webhooks"
    outsiders = {
        "another organisation's admin": p.b.admin,
        "a plain member": p.a.people[1],
        "an integration client": integration_client(world, p.a.id, p.a.admin),
    }
    for who, tokens in outsiders.items():
        for method, suffix in (
            ("GET", ""),
            ("GET", f"/{endpoint['id']}"),
            ("DELETE", f"/{endpoint['id']}"),
            ("POST", f"/{endpoint['id']}/secret/rotate"),
            ("GET", f"/{endpoint['id']}/deliveries"),
        ):
            answer = call(world, tokens, method, path + suffix)
            assert answer.status_code == 404, (who, method, suffix, answer.text)
    assert call(world, p.a.admin, "GET", f"{path}/not-an-id").status_code == 404
    assert (
        call(world, p.a.admin, "GET", f"{path}/{endpoint['id']}/deliveries?before=x").status_code
        == 404
    )
    listed = call(world, p.a.admin, "GET", path).json()["endpoints"]
    assert endpoint["id"] in [e["id"] for e in listed]
    assert all("secret" not in e for e in listed)
    catalogue = call(world, p.a.people[1], "GET", "/webhooks/event-types")
    assert catalogue.status_code == 200
    assert {"relationship.started", "meeting_log.written", "member.erased"} <= {
        t["type"] for t in catalogue.json()
    }
    assert call(world, p.a.admin, "DELETE", f"{path}/{endpoint['id']}").status_code == 204
    assert call(world, p.a.admin, "GET", f"{path}/{endpoint['id']}").status_code == 404


def refusal(world: World, crowd: Crowd, url: str, types: list[str], at: str = "") -> dict[str, Any]:
    """Register `url`, expecting a refusal; its `fields`."""
    answer = call(
        world,
        crowd.admin,
        "POST",
        f"/organisations/{crowd.id}/webhooks",
        {"url": url, "event_types": types},
        url=at,
    )
    assert answer.status_code == 422, (url, answer.text)
    fields: dict[str, Any] = answer.json()["fields"]
    return fields


@pytest.fixture(scope="module")
def production(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second notifications service as production runs it (loopback not allowed), on
    prefixes of its own so it consumes nothing of the world's; its URL."""
    tag = f"p{secrets.token_hex(3)}"
    env = {
        **world.services["notifications"].env,
        "MENTORNET_WEBHOOKS_ALLOW_LOOPBACK": "false",
        "MENTORNET_TOPIC_PREFIX": tag,
        "MENTORNET_DB_PREFIX": tag,
    }
    log_dir: Path = tmp_path_factory.mktemp("production-notifications")
    prepare_network(env)  # its prefix's topics and Kafka grants, on a broker with users
    process = ServiceProcess("notifications", free_port(), env, log_dir / "notifications.log")
    process.start()
    try:
        process.wait_ready()
        yield process.url
    finally:
        process.stop()


def test_registration_refuses_private_and_metadata_addresses(
    world: World, partners: Partners, production: str
) -> None:
    types = ["relationship.started"]
    for url in (
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://192.168.1.1/hook",
        "https://100.64.0.1/hook",
        "https://[fd00::1]/hook",
        "http://93.184.216.34/hook",  # plain http to anything but loopback
        "https://user:secret@hr.example.com/hook",
        "https://no-such-host.invalid/hook",
    ):
        assert "url" in refusal(world, partners.a, url, types), url
    unknown = refusal(world, partners.a, "http://127.0.0.1:9/hook", ["message.posted"])
    assert "message.posted" in unknown["event_types"] and "url" not in unknown
    # In production: no loopback by any name, no plain http.
    for url in (
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://127.0.0.1/hook",
        "http://127.0.0.1:9/hook",
        "http://93.184.216.34/hook",
    ):
        fields = refusal(world, partners.a, url, types, at=production)
        assert "url" in fields, url
    assert (
        "loopback" in refusal(world, partners.a, "https://localhost/h", types, at=production)["url"]
    )
    assert (
        "https" in refusal(world, partners.a, "http://93.184.216.34/", types, at=production)["url"]
    )
