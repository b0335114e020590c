"""The organisation's audit trail in the portal, in Chromium through a real sign-in: its admin
reads who connected the provider and who granted a role (named as the admin may name them);
a plain member finds nothing there."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, ViewportSize, expect

from deploy.localnet.identity import bearer
from tests.browser import chromium
from tests.e2e.conftest import World, add_crowd
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.test_candidate_pool import member_id_of

DESKTOP: ViewportSize = {"width": 1280, "height": 900}


def _checked(page: Page) -> None:
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_the_admin_reads_the_audit_trail_and_a_member_finds_nothing(world: World) -> None:
    registry, portal = world.url("registry"), world.portal.url
    crowd = add_crowd(world, "audit", "Pohutukawa Trust", "health", 2)
    member = member_id_of(world, crowd.people[0])
    granted = httpx.put(
        f"{registry}/organisations/{crowd.id}/members/{member}/roles/programme_coordinator",
        headers=bearer(crowd.admin),
        timeout=15,
    )
    assert granted.status_code == 200, granted.text
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, portal, crowd.admin_person, "/organisation")
        page.get_by_role("navigation", name="Your organisation").get_by_role(
            "link", name="Audit trail"
        ).click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Audit trail")
        table = page.get_by_role("table")
        granted_row = table.get_by_role("row").filter(has_text="Granted a role")
        expect(granted_row).to_contain_text(crowd.persons[0].name)
        expect(granted_row).to_contain_text("Programme co-ordinator")
        expect(granted_row).to_contain_text(crowd.admin_person.name)
        connected = table.get_by_role("row").filter(has_text="Connected the sign-in provider")
        expect(connected).to_contain_text("A network co-ordinator (of another organisation)")
        expect(table.get_by_role("row").filter(has_text="invitation was used")).to_have_count(1)
        assert member not in page.content()  # people are named, never shown by id
        _checked(page)

        other = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(other, portal, crowd.persons[1], "/")
        other.goto(f"{portal}/organisation/audit-trail")
        expect(other.get_by_role("heading", level=1)).to_have_text("Not found")
