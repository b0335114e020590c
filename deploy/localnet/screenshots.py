"""`python -m deploy.localnet.screenshots`: the portal's main pages, photographed on the living
demo network of `./mentornet up` (run that first, in another terminal), into docs/screenshots/.

Each demo person signs in through their organisation's example provider in Debian's Chromium,
as a person would; every page is also checked with axe-core, and a page with a serious or
critical accessibility violation stops the run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page

from deploy.localnet.browser import PHONE, axe_violations, chromium, sign_in
from deploy.localnet.demo import DEMO_PASSWORD
from deploy.localnet.identity import Person

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
MENTEE = Person("mentee", "mentee@northshore-care.example", "Sam Okafor", DEMO_PASSWORD)
PEER = Person("mentee", "mentee@staidans.example", "Sam Okafor", DEMO_PASSWORD)
NETWORK_COORDINATOR = Person(
    "coordinator", "coordinator@network-office.example", "Nia Ngata", DEMO_PASSWORD
)
# Northshore's admin, who also co-ordinates its programme: both dashboards, the workspace.
COORDINATOR = Person(
    "admin", "admin@northshore-care.example", "Northshore Care Trust admin", DEMO_PASSWORD
)
# The organisation admin's workspace: (path, name of the picture).
ORGANISATION_PAGES = [
    ("/organisation", "organisation"),
    ("/organisation/sign-in-provider", "organisation-provider"),
    ("/organisation/members", "organisation-members"),
    ("/organisation/clients", "organisation-clients"),
    ("/organisation/programmes", "organisation-programmes"),
    ("/organisation/standing", "organisation-standing"),
    ("/organisation/webhooks", "organisation-webhooks"),
    ("/organisation/audit-trail", "organisation-audit-trail"),
]


def _first_link(page: Page, selector: str) -> str | None:
    link = page.locator(selector).first
    return link.get_attribute("href") if link.count() else None


def photograph(portal: str, out: Path) -> list[Path]:
    """Sign in as the demo mentee, a circle peer, the network co-ordinator and an admin who
    co-ordinates a programme, and photograph each main page at desktop width (and the home page
    at phone width); returns the files written."""
    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)

    def shoot(page: Page, name: str) -> None:
        found = axe_violations(page)
        if found:
            raise SystemExit(f"{name}: accessibility violations {found}")
        path = out / f"portal-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
        print(f"  {path.relative_to(ROOT)}", flush=True)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{portal}/sign-in")
        shoot(page, "sign-in")
        sign_in(page, portal, MENTEE)
        shoot(page, "home")
        page.goto(f"{portal}/relationships")
        relationship = _first_link(page, "main h2 a")
        if relationship:
            for suffix, name in [
                ("", "relationship"),
                ("/meetings", "meetings"),
                ("/logs", "meeting-logs"),
                ("/plan", "action-plan"),
                ("/messages", "messages"),
            ]:
                page.goto(f"{portal}{relationship}{suffix}")
                shoot(page, name)
        for path, name in [
            ("/proposals", "matches"),
            ("/programmes", "programmes"),
            ("/surveys", "surveys"),
            ("/profile", "profile"),
            ("/profile/notifications", "notifications"),
            ("/journal", "journal"),
            ("/journal/new", "journal-entry"),
        ]:
            page.goto(f"{portal}{path}")
            shoot(page, name)
        phone = browser.new_page(viewport=PHONE)
        sign_in(phone, portal, MENTEE)
        shoot(phone, "home-phone")
        for path, name in [
            ("/profile/notifications", "notifications-phone"),
            ("/journal/new", "journal-entry-phone"),
        ]:
            phone.goto(f"{portal}{path}")
            shoot(phone, name)

        peer = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(peer, portal, PEER)
        peer.goto(f"{portal}/circles")
        circle = _first_link(peer, "main a[href^='/circles/']")
        if circle:
            peer.goto(f"{portal}{circle}")
            shoot(peer, "circle")
            session = _first_link(peer, "main a[href*='/sessions/']")
            if session:
                peer.goto(f"{portal}{session}")
                shoot(peer, "circle-session")
            peer.goto(f"{portal}{circle}/concerns")
            shoot(peer, "circle-concerns")

        # The network co-ordinator's workspace and the three dashboards.
        office = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(office, portal, NETWORK_COORDINATOR, start="/network")
        for path, name in [
            ("/network", "network"),
            ("/network/programmes", "network-programmes"),
            ("/network/organisations/new", "network-register"),
            ("/dashboards/network", "dashboard-network"),
        ]:
            office.goto(f"{portal}{path}")
            shoot(office, name)
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(admin, portal, COORDINATOR, start="/dashboards/organisation")
        shoot(admin, "dashboard-organisation")
        admin.goto(f"{portal}/dashboards/programme")
        shoot(admin, "dashboard-programme")
        _coordinator_pages(browser, portal, shoot)
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(admin, portal, COORDINATOR)
        for path, name in ORGANISATION_PAGES:
            admin.goto(f"{portal}{path}")
            shoot(admin, name)
        admin.set_viewport_size(PHONE)
        admin.goto(f"{portal}/organisation/members")
        shoot(admin, "organisation-members-phone")
        admin.goto(f"{portal}/organisation/webhooks")
        shoot(admin, "organisation-webhooks-phone")
        admin.goto(f"{portal}/organisation/audit-trail")
        shoot(admin, "organisation-audit-trail-phone")
    return written


def _coordinator_pages(browser: Browser, portal: str, shoot: Callable[[Page, str], None]) -> None:
    """The programme co-ordinator's workspace, as the demo's Northshore admin sees it."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, portal, COORDINATOR, start="/coordinate")
    shoot(page, "coordinate-programmes")
    programme = _first_link(page, "main h2 a[href^='/coordinate/programmes/']")
    page.goto(f"{portal}/coordinate/new")
    shoot(page, "coordinate-design")
    if not programme:
        return
    for suffix, name in [
        ("", "coordinate-programme"),
        ("/readiness", "coordinate-readiness"),
        ("/matching", "coordinate-matching"),
        ("/relationships", "coordinate-relationships"),
        ("/alerts", "coordinate-alerts"),
        ("/surveys", "coordinate-surveys"),
        ("/surveys/comments", "coordinate-comments"),
    ]:
        page.goto(f"{portal}{programme}{suffix}")
        shoot(page, name)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and photograph."""
    parser = argparse.ArgumentParser(
        prog="python -m deploy.localnet.screenshots", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--portal", default="http://127.0.0.1:8000", help="the portal's URL")
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNG files go")
    args = parser.parse_args(argv)
    print(f"photographing {args.portal} into {args.out} ...", flush=True)
    written = photograph(args.portal, args.out)
    print(f"{len(written)} screenshots", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
