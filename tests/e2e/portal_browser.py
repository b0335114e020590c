"""Driving the portal in Debian's Chromium as a person would (deploy/localnet/browser.py), and
the assertion every page's test makes: axe-core finds no serious or critical violation."""

from __future__ import annotations

import json

from playwright.sync_api import Page

from deploy.localnet.browser import PHONE, axe_violations, sign_in

__all__ = ["PHONE", "assert_accessible", "axe_violations", "sign_in"]


def assert_accessible(page: Page) -> None:
    """No serious or critical WCAG 2.2 AA violation on the page as it stands."""
    found = axe_violations(page)
    assert not found, f"axe on {page.url}:\n{json.dumps(found, indent=1)}"
