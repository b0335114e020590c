"""When a service behind the portal stops answering, the person sees a friendly page with the
request id, never a stack trace, and the parts of the portal that do not need it keep working."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from deploy.localnet.processes import ServiceProcess
from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import assert_accessible, sign_in
from tests.e2e.sessions_scene import Scene, build_scene


@pytest.fixture(scope="module")
def scene(world: World) -> Scene:
    return build_scene(world, "weka")


@contextmanager
def stalled(process: ServiceProcess) -> Iterator[None]:
    """The service's process frozen (SIGSTOP): it accepts connections and never answers."""
    assert process.process is not None
    os.kill(process.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.process.pid, signal.SIGCONT)


def test_the_home_page_shows_what_it_can_when_evaluation_stalls(world: World, scene: Scene) -> None:
    portal = world.portal.url
    with chromium() as browser:
        page = browser.new_page()
        sign_in(page, portal, scene.b.persons[0])
        with stalled(world.services["evaluation"]):
            page.goto(f"{portal}/")
            expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
            expect(
                page.get_by_text("cannot be shown right now (evaluation is not answering)")
            ).to_be_visible()
            expect(page.get_by_role("heading", name="Your relationships")).to_be_visible()
            assert_accessible(page)
            # A page that needs only the sessions service is untouched.
            page.goto(f"{portal}/relationships/{scene.relationship}")
            expect(page.get_by_role("heading", level=1)).to_contain_text("With")


def test_a_page_whose_service_stalls_is_a_friendly_page_with_the_request_id(
    world: World, scene: Scene
) -> None:
    portal = world.portal.url
    with chromium() as browser:
        page = browser.new_page()
        sign_in(page, portal, scene.b.persons[0])
        with stalled(world.services["sessions"]):
            response = page.goto(f"{portal}/relationships/{scene.relationship}")
            assert response is not None and response.status == 503
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Part of the network is not answering"
            )
            reference = page.locator("main code").inner_text()
            assert reference == response.headers["x-request-id"]
            assert "Traceback" not in page.content()
            assert_accessible(page)
