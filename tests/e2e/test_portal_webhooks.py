"""The organisation admin's webhooks in Chromium, through a real provider, the portal and the
real notifications service: an endpoint added (a private address refused beside its field),
its signing secret shown once, a role granted through the workspace reaching a receiver
started here (signed, checked with the secret), the delivery in the log with its response code,
redelivered, the secret rotated, the endpoint turned off and on, then deleted after a
confirmation step. Another organisation's admin finds nothing at the endpoint's address. The
delivery log pages back through earlier deliveries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from deploy.localnet.identity import bearer
from tests.browser import chromium
from tests.e2e.conftest import Crowd, World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.test_candidate_pool import member_id_of
from tests.e2e.test_first_flow import eventually

pytestmark = pytest.mark.e2e

KEY = "webhk"


@dataclass(frozen=True)
class Arrival:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A partner's system: a small HTTP server on loopback that keeps what it is sent."""

    url: str
    arrivals: list[Arrival] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self) -> list[Arrival]:
        with self.lock:
            return list(self.arrivals)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with receiver.lock:
                receiver.arrivals.append(
                    Arrival(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.time(),
                    )
                )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the arrivals instead."""

    return Handler


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    found = Receiver(f"http://127.0.0.1:{server.server_address[1]}/mentornet/hooks")
    server.RequestHandlerClass = _handler(found)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def crowd(world: World) -> Crowd:
    return add_crowd(world, KEY, "Quayside Trust", "housing", 2)


def _checked(page: Page) -> None:
    """axe-core at desktop width and at a phone's."""
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def _signed(arrival: Arrival, secret: str) -> dict[str, Any]:
    """The payload, once its Standard Webhooks signature checks out with `secret`."""
    verified: dict[str, Any] = Webhook(secret).verify(arrival.body, arrival.headers)
    return verified


def test_the_admin_adds_an_endpoint_sees_deliveries_and_manages_it(
    world: World, crowd: Crowd, receiver: Receiver
) -> None:
    portal = world.portal.url
    person = crowd.persons[0]
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(page, portal, crowd.admin_person, "/organisation")
        page.get_by_role("navigation", name="Your organisation").get_by_role(
            "link", name="Webhooks"
        ).click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Webhooks")
        expect(page.get_by_role("main")).to_contain_text("None yet.")
        _checked(page)

        # Nothing chosen and a private address: each problem beside its field.
        page.get_by_label("Address the events are sent to").fill("http://10.0.0.1/hooks")
        page.get_by_role("button", name="Add the endpoint").click()
        expect(page.locator("#endpoint-event_types-error")).to_contain_text(
            "choose at least one kind of event"
        )
        page.get_by_label("member.role_granted", exact=True).check()
        page.get_by_role("button", name="Add the endpoint").click()
        # The notifications service's own reason, beside the address.
        expect(page.locator("#endpoint-url-error")).to_have_text(
            "Must be https (plain http only to loopback on a local network)."
        )
        expect(page.get_by_label("Address the events are sent to")).to_have_attribute(
            "aria-invalid", "true"
        )
        expect(page.get_by_label("Address the events are sent to")).to_have_value(
            "http://10.0.0.1/hooks"
        )
        # What was chosen is kept.
        expect(page.get_by_label("member.role_granted", exact=True)).to_be_checked()
        _checked(page)

        # A loopback receiver (allowed in the local network): its secret shown this once.
        page.get_by_label("Address the events are sent to").fill(receiver.url)
        page.get_by_label("What is it for? (optional)").fill("Quayside HR")
        page.get_by_role("button", name="Add the endpoint").click()
        expect(
            page.get_by_role("heading", name=f"Events will be sent to {receiver.url}")
        ).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("it will not be shown again")
        secret = page.get_by_label("Signing secret").input_value()
        assert secret.startswith("whsec_")
        assert secret not in page.url
        _checked(page)
        page.goto(f"{portal}/organisation/webhooks")  # back again: never shown a second time
        expect(page.get_by_role("main")).to_contain_text(receiver.url)
        assert secret not in page.content()
        assert not any(secret in c["value"] for c in page.context.cookies())

        page.get_by_role("link", name=receiver.url).click()
        expect(page.get_by_role("heading", level=2)).to_have_text(receiver.url)
        endpoint_url = page.url
        expect(page.get_by_role("main")).to_contain_text("Nothing has been sent to it yet.")
        _checked(page)

        # Another organisation's admin finds nothing at the endpoint's address.
        other = browser.new_page()
        sign_in(other, portal, world.a.people["admin"], "/organisation")
        other.goto(endpoint_url)
        expect(other.get_by_role("heading", level=1)).to_have_text("Not found")
        other.goto(f"{endpoint_url}/delete")
        expect(other.get_by_role("heading", level=1)).to_have_text("Not found")
        other.close()

        # A role granted through the workspace: the receiver hears of it, signed.
        page.goto(f"{portal}/organisation/members?q={person.name.replace(' ', '+')}")
        page.get_by_role("button", name=f"Make {person.name} programme co-ordinator").click()
        expect(page.get_by_role("status").first).to_contain_text("The role is granted")

        def heard() -> bool:
            """the receiver got the role.granted event"""
            return bool(receiver.received())

        eventually(heard, timeout=30)
        first = receiver.received()[0]
        payload = _signed(first, secret)
        assert first.headers["webhook-id"].startswith("msg_")
        assert "member.role_granted" in json.dumps(payload)

        page.goto(endpoint_url)
        log = page.get_by_role("region", name="Deliveries")
        expect(log.get_by_role("row")).to_have_count(2)  # the header and one delivery
        row = log.get_by_role("row").nth(1)
        expect(row).to_contain_text("member.role_granted")
        expect(row).to_contain_text("Delivered")
        expect(row).to_contain_text("200")
        expect(row).to_contain_text(" ms")
        _checked(page)

        # Redelivered: the same message again, freshly signed.
        row.get_by_role("button", name="Redeliver").click()
        expect(page.get_by_role("status")).to_contain_text("send it again")

        def again() -> bool:
            """the receiver got the message a second time"""
            return len(receiver.received()) >= 2

        eventually(again, timeout=30)
        second = receiver.received()[1]
        assert second.headers["webhook-id"] == first.headers["webhook-id"]
        _signed(second, secret)

        # The secret rotated: shown once, with when the old one stops.
        page.goto(endpoint_url)
        page.get_by_role("button", name="Rotate the secret").click()
        expect(page.get_by_role("heading", name="A new signing secret")).to_be_visible()
        expect(page.get_by_role("status")).to_contain_text("it will not be shown again")
        expect(page.get_by_role("status")).to_contain_text("after that the old one stops")
        rotated = page.get_by_label("New signing secret", exact=True).input_value()
        assert rotated.startswith("whsec_") and rotated != secret
        _checked(page)
        page.goto(endpoint_url)
        assert rotated not in page.content()
        page.get_by_role("region", name="Deliveries").get_by_role(
            "button", name="Redeliver"
        ).first.click()

        def thrice() -> bool:
            """the receiver got the message a third time"""
            return len(receiver.received()) >= 3

        eventually(thrice, timeout=30)
        third = receiver.received()[2]
        _signed(third, rotated)  # both secrets sign during the overlap
        _signed(third, secret)

        # Turned off, then on.
        page.get_by_role("button", name="Turn it off").click()
        expect(page.get_by_role("status")).to_contain_text("The endpoint is turned off")
        expect(page.locator("#state")).to_contain_text(
            "Nothing is sent to it: turned off by an admin."
        )
        page.get_by_role("button", name="Turn it on").click()
        expect(page.get_by_role("status")).to_contain_text("The endpoint is turned on")

        # Only the chosen event types; a description changed.
        page.get_by_label("What is it for? (optional)").fill("Quayside HR, roles")
        page.get_by_role("button", name="Save the endpoint").click()
        expect(page.get_by_role("status")).to_contain_text("The endpoint is saved")
        expect(page.get_by_label("What is it for? (optional)")).to_have_value("Quayside HR, roles")

        # Deleted after a confirmation step.
        page.get_by_role("link", name=f"Delete the endpoint {receiver.url}").click()
        expect(page.get_by_role("heading", level=2)).to_have_text(f"Delete {receiver.url}")
        _checked(page)
        page.get_by_role("button", name="Delete the endpoint").click()
        expect(page.get_by_role("status")).to_have_text(
            "The endpoint is deleted: nothing more is sent to it."
        )
        expect(page.get_by_role("main")).not_to_contain_text(receiver.url)
        page.goto(endpoint_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


def test_the_delivery_log_pages_back_through_earlier_deliveries(
    world: World, crowd: Crowd, receiver: Receiver
) -> None:
    """More deliveries than a page holds: "Earlier deliveries" follows the log's `next`."""
    portal = world.portal.url
    base = f"{world.url('notifications')}/organisations/{crowd.id}/webhooks"
    url = f"{receiver.url}/paged"
    made = httpx.post(
        base,
        json={"url": url, "event_types": ["member.role_granted", "member.role_revoked"]},
        headers=bearer(crowd.admin),
        timeout=15,
    )
    assert made.status_code == 201, made.text
    endpoint_id = made.json()["id"]
    member = member_id_of(world, crowd.people[1])
    roles = f"{world.url('registry')}/organisations/{crowd.id}/members/{member}/roles"
    changes = 22  # more than the portal's page of 20
    for n in range(changes):
        changed = httpx.request(
            "PUT" if n % 2 == 0 else "DELETE",
            f"{roles}/programme_coordinator",
            headers=bearer(crowd.admin),
            timeout=15,
        )
        assert changed.is_success, changed.text

    def all_arrived() -> bool:
        """the receiver got every role change at the paged endpoint"""
        return sum(1 for a in receiver.received() if a.path == "/mentornet/hooks/paged") >= changes

    eventually(all_arrived, timeout=60)
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(page, portal, crowd.admin_person, f"/organisation/webhooks/{endpoint_id}")
        log = page.get_by_role("region", name="Deliveries")
        expect(log.locator("tbody tr")).to_have_count(20)
        page.get_by_role("link", name="Earlier deliveries").click()
        expect(page.get_by_role("region", name="Deliveries").locator("tbody tr")).to_have_count(
            changes - 20
        )
        expect(page.get_by_role("link", name="Earlier deliveries")).to_have_count(0)
        _checked(page)
        page.get_by_role("link", name="Newest deliveries").click()
        expect(page.get_by_role("region", name="Deliveries").locator("tbody tr")).to_have_count(20)
