"""Seed 004's organisations mentoring each other in the portal, driven in Debian's Chromium
through a real sign-in against the real services: a co-ordinator designs a programme with one
organisation pair through the guided form, is told beside the pairs when a pair names one
organisation twice, and then sees the pair on the programme's page. axe-core at desktop width
and at 375 px on every page."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser import chromium
from tests.e2e.conftest import World, add_crowd
from tests.e2e.portal_browser import assert_accessible, sign_in
from tests.e2e.sessions_scene import grant_coordinator
from tests.e2e.test_portal_coordinator import DESKTOP, NARROW

pytestmark = pytest.mark.e2e


def _accessible_at_both_widths(page: Page) -> None:
    """axe at desktop width and at 375 px, leaving the page at desktop width."""
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(NARROW)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def test_a_coordinator_pairs_two_organisations_in_a_programmes_design(world: World) -> None:
    key = secrets.token_hex(2)
    council = add_crowd(world, f"popc{key}", f"Totara Council {key}", "public", 1)
    charity = f"Rimu Trust {key}"
    add_crowd(world, f"popt{key}", charity, "charity", 0)
    grant_coordinator(world, council, 0)
    name = f"Council and charity {key}"
    with chromium() as browser:
        page = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(page, world.portal.url, council.persons[0], start="/coordinate/new")
        expect(
            page.get_by_role("group", name="Organisations mentoring each other (optional)")
        ).to_contain_text("matched only across the two organisations of a pair")
        page.get_by_label("The programme's name").fill(name)
        page.get_by_label("Its purpose").fill(
            "A council and a small charity learning from each other's practice"
        )
        page.get_by_label("Its goals").fill("new practice")
        page.get_by_label("One-to-one").check()
        page.get_by_label("Who can take part").fill("Anyone in either organisation")
        page.get_by_label(f"{charity} (charity)").check()
        # The same organisation on both sides of a pair: refused beside the pairs, as typed.
        page.get_by_label("Pair 1: one organisation").select_option(label=charity)
        page.get_by_label("Pair 1: the other").select_option(label=charity)
        with page.expect_response(lambda r: r.request.method == "POST") as answered:
            page.get_by_role("button", name="Save the programme as a draft").click()
        assert answered.value.status == 422
        pairs = page.locator("fieldset#organisation-pairs")
        expect(pairs).to_have_attribute("aria-describedby", "design-pairs-error")
        expect(page.locator("#design-pairs-error")).to_have_text(
            "a pair is two different organisations"
        )
        for side in ("Pair 1: one organisation", "Pair 1: the other"):
            expect(page.get_by_label(side).locator("option:checked")).to_have_text(charity)
        expect(page.get_by_label("The programme's name")).to_have_value(name)
        _accessible_at_both_widths(page)

        page.get_by_label("Pair 1: one organisation").select_option(label="Your organisation")
        page.get_by_role("button", name="Save the programme as a draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(page.get_by_role("status")).to_contain_text("saved as a draft")
        shown = page.locator("ul#organisation-pairs li")
        expect(shown).to_have_count(1)
        expect(shown).to_have_text(f"Totara Council {key} with {charity}")
        _accessible_at_both_widths(page)
