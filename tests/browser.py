"""Debian's Chromium, headless, driven by Playwright: for tests that act as a person would.

Chromium comes from Debian (`apt-get install -y chromium`), not from `playwright install`:
Playwright only drives it (`executable_path`). Each launch gets a fresh profile: Playwright
makes a temporary user-data-dir for `launch` and removes it on close (Playwright refuses a
`--user-data-dir` argument there); `persistent_chromium` takes a directory of your own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, sync_playwright

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
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


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


def artifact(name: str) -> Path:
    """A path under test-artifacts/ (git-ignored), the folder made if needed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
