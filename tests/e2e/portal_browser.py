"""Driving the portal in Debian's Chromium as a person would: signing in by e-mail through the
organisation's provider, and checking each page with axe-core (WCAG 2.2 AA, no serious or
critical violation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, ViewportSize

from deploy.localnet.identity import Person

AXE = Path(__file__).resolve().parents[2] / "services/portal/web/node_modules/axe-core/axe.min.js"
PHONE: ViewportSize = {"width": 375, "height": 740}


def sign_in(page: Page, portal: str, person: Person, start: str = "/") -> None:
    """From `start` (a page that needs signing in) through the sign-in page, the provider's
    login form and back, landing on `start`."""
    page.goto(f"{portal}{start}")
    page.get_by_label("Your work e-mail address").fill(person.email)
    page.get_by_role("button", name="Continue").click()
    page.fill("input[name=username]", person.username)
    page.fill("input[name=password]", person.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{portal}{start.split('#')[0]}**")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.x A/AA violations on the page as it stands. axe-core is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    if not AXE.is_file():
        raise RuntimeError(f"no axe-core at {AXE}: run `npm ci` in services/portal/web")
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    """No serious or critical violation."""
    found = axe_violations(page)
    assert not found, f"axe on {page.url}:\n{json.dumps(found, indent=1)}"
