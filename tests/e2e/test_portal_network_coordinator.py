"""The network co-ordinator's workspace in Debian's Chromium, through real providers and the real
services: registering an organisation (the registry's refusals beside their fields; once from
the keyboard alone), its invited admin signing in through the organisation's own provider and
landing in the portal as its admin, the network's organisations and programmes, the network
dashboard in the session — and plain members and organisation admins finding nothing there."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx
from playwright.sync_api import Page, ViewportSize, expect

from deploy.localnet.identity import CLIENT_ID, Person, bearer, start_provider
from tests.browser import chromium
from tests.e2e.conftest import World, free_port
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in

DESKTOP: ViewportSize = {"width": 1200, "height": 900}
NETWORK_PAGES = [
    "/network",
    "/network/programmes",
    "/network/organisations/new",
    "/dashboards/network",
]


def _tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element is focused (fails after `limit` presses)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} never took the focus")


def _accessible_at_both_widths(page: Page) -> None:
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def _register(page: Page, portal: str, **fields: str) -> int:
    """Fill the registration form (by label) and send it; the answer's status."""
    page.goto(f"{portal}/network/organisations/new")
    labels = {
        "name": "Organisation's name",
        "sector": "Sector (optional)",
        "country": "Country (optional)",
        "email_domains": "E-mail domains its people sign in with",
        "admin_emails": "Work e-mails of its first admins",
    }
    for name, value in fields.items():
        page.get_by_label(labels[name]).fill(value)
    with page.expect_navigation() as answer:
        page.get_by_role("button", name="Register the organisation").click()
    response = answer.value
    assert response is not None
    return response.status


def test_the_coordinator_registers_an_organisation_whose_invited_admin_then_signs_in(
    world: World,
) -> None:
    portal, registry = world.portal.url, world.url("registry")
    key = f"kw{secrets.token_hex(3)}"
    name, domain = f"Kowhai Engineering {key}", f"{key}.example"
    admin = Person(f"{key}-admin", f"it-lead@{domain}", "Aroha Kowhai")
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        sign_in(page, portal, world.office_coordinator, start="/network")
        main_nav = page.get_by_role("navigation", name="Main")
        expect(main_nav.get_by_role("link", name="Network")).to_have_attribute(
            "aria-current", "page"
        )
        expect(main_nav.get_by_role("link", name="Figures")).to_be_visible()
        assert page.get_by_role("heading", level=1).inner_text() == "The network"
        alder = page.locator("article", has=page.get_by_role("heading", name="Alder Care Trust"))
        expect(alder).to_contain_text("a.example")
        _accessible_at_both_widths(page)

        # The registry's refusals, beside the fields they concern, what was typed kept.
        status = _register(
            page, portal, name=name, email_domains="a.example", admin_emails=admin.email
        )
        assert status == 409
        expect(page.locator("#f-email_domains-error")).to_contain_text("a.example")
        expect(page.get_by_label("E-mail domains its people sign in with")).to_have_attribute(
            "aria-invalid", "true"
        )
        expect(page.get_by_label("Organisation's name")).to_have_value(name)
        _accessible_at_both_widths(page)
        status = _register(
            page,
            portal,
            name="alder  CARE trust",
            email_domains=f"other-{domain}",
            admin_emails=admin.email,
        )
        assert status == 409
        expect(page.locator("#f-name-error")).to_contain_text("already in the network")
        # The portal's own checks, before anything is sent.
        status = _register(page, portal, name=name, country="G1", admin_emails="nobody")
        assert status == 422
        expect(page.locator("#f-country-error")).to_contain_text("two-letter code")
        expect(page.locator("#f-admin_emails-error")).to_contain_text("Not an e-mail address")

        # From the keyboard alone: the form filled and sent without a mouse.
        page.goto(f"{portal}/network/organisations/new")
        _tab_to(page, "#f-name")
        page.keyboard.type(name)
        _tab_to(page, "#f-email_domains")
        page.keyboard.type(domain)
        _tab_to(page, "#f-admin_emails")
        page.keyboard.type(admin.email)
        _tab_to(page, "form.stacked button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert f"{portal}/network?done=organisation-registered" in page.url
        card = page.locator("article", has=page.get_by_role("heading", name=name))
        expect(card).to_contain_text("The organisation is registered")
        expect(card).to_contain_text(domain)
        expect(card.locator("dd").filter(has_text="None recorded").first).to_be_visible()
        organisation_id = (card.get_attribute("id") or "").removeprefix("organisation-")
        assert organisation_id.startswith("org_")
        _accessible_at_both_widths(page)

    # Its own provider, connected by the co-ordinator (the organisation's admin cannot sign in
    # before it is).
    work_dir = Path(world.services["registry"].log_path).parent
    provider = start_provider(f"{name} sign-in", free_port(), work_dir, registry, [admin])
    world.providers.append(provider)
    connected = httpx.put(
        f"{registry}/organisations/{organisation_id}/identity-provider",
        json={
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": provider.client_secret,
        },
        headers=bearer(world.coordinator),
        timeout=15,
    )
    assert connected.status_code == 200, connected.text

    # The invited admin signs in by e-mail through that provider and is its admin.
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        sign_in(page, portal, admin, start="/dashboards")
        main_nav = page.get_by_role("navigation", name="Main")
        expect(main_nav.get_by_role("link", name="Figures")).to_be_visible()
        assert main_nav.get_by_role("link", name="Network").count() == 0
        expect(page.get_by_role("link", name="Our organisation's outcomes")).to_be_visible()
        page.get_by_role("link", name="Our organisation's outcomes").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Our organisation's outcomes"
        expect(page.locator("main")).to_contain_text("tables of figures")
        assert_accessible(page)
        for path in NETWORK_PAGES:
            response = page.goto(f"{portal}{path}")
            assert response is not None and response.status == 404, path


def test_the_network_dashboard_and_programmes_in_the_coordinators_session(world: World) -> None:
    portal, evaluation = world.portal.url, world.url("evaluation")
    with httpx.Client(headers=bearer(world.coordinator), timeout=15) as http:
        tables = http.get(f"{evaluation}/network/figures").json()
        listed = http.get(f"{evaluation}/figures/programmes").json()
    with chromium() as browser:
        page = browser.new_page(accept_downloads=True, viewport=DESKTOP)
        sign_in(page, portal, world.office_coordinator, start="/network/programmes")
        if listed:
            expect(page.locator("article.card")).to_have_count(len(listed))
        else:
            expect(page.locator("main")).to_contain_text("No programme has been published")
        _accessible_at_both_widths(page)

        page.get_by_role("link", name="Network figures", exact=True).click()
        assert page.url == f"{portal}/dashboards/network"
        assert page.get_by_role("heading", level=1).inner_text() == "Network outcomes"
        headings = page.locator("section.figure-table h2").all_inner_texts()
        assert headings == [t["title"] for t in tables]
        organisations = page.locator("#filter-organisation_id option").all_inner_texts()
        assert {"All organisations", "Alder Care Trust", "Birch Engineering"} <= set(organisations)
        _accessible_at_both_widths(page)
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Download CSV of {tables[0]['title']}").click()
        assert download.value.suggested_filename == f"mentornet-network-{tables[0]['id']}.csv"
        assert "eyJ" not in page.content(), "no token in the page"


def test_plain_members_and_organisation_admins_find_nothing_of_the_network(
    world: World,
) -> None:
    portal = world.portal.url
    for person in (world.a.people["member"], world.b.people["admin"]):
        with chromium() as browser:
            page = browser.new_page(viewport=DESKTOP)
            sign_in(page, portal, person, start="/")
            main_nav = page.get_by_role("navigation", name="Main")
            assert main_nav.get_by_role("link", name="Network").count() == 0
            token = page.locator("form.sign-out input[name=csrf_token]").get_attribute("value")
            for path in NETWORK_PAGES:
                response = page.goto(f"{portal}{path}")
                assert response is not None and response.status == 404, (person.email, path)
                assert page.get_by_role("heading", level=1).inner_text() == "Not found"
                assert "Alder Care Trust" not in page.inner_text("main")
            assert_accessible(page)
            # A registration sent anyway (with the session's own form token) is refused too.
            answer = page.request.post(
                f"{portal}/network/organisations",
                form={
                    "csrf_token": token or "",
                    "name": f"Sneaky {secrets.token_hex(3)}",
                    "admin_emails": person.email,
                },
            )
            assert answer.status == 404
