"""Debian's Chromium, headless, driven by Playwright: for tests and scripts that act as a person
would (the portal's browser tests, its screenshots).

Chromium comes from Debian (`apt-get install -y chromium`), not from `playwright install`:
Playwright only drives it (`executable_path`). Each launch gets a fresh profile: Playwright
makes a temporary user-data-dir for `launch` and removes it on close (Playwright refuses a
`--user-data-dir` argument there); `persistent_chromium` takes a directory of your own.

The portal: signing in by e-mail through the organisation's provider, and checking a page with
axe-core (WCAG 2.2 AA; only serious and critical violations count).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, sync_playwright

from deploy.localnet.identity import Person

CHROMIUM = Path(os.environ.get("MENTORNET_CHROMIUM", "/usr/bin/chromium"))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(
            f"no Chromium at {CHROMIUM}: install Debian's (`apt-get install -y chromium`) "
            "or point MENTORNET_CHROMIUM at one"
        )
    return str(CHROMIUM)


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium with a fresh, temporary profile; closed on exit."""
    executable = _require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def persistent_chromium(user_data_dir: Path) -> Iterator[BrowserContext]:
    """A headless Chromium whose profile lives in `user_data_dir` (e.g. a pytest tmp_path)."""
    executable = _require_chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(user_data_dir), executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield context
        finally:
            context.close()


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
