"""The browser for tests: Debian's Chromium (deploy/localnet/browser.py), and where tests keep
what they want a person to look at afterwards."""

from __future__ import annotations

from pathlib import Path

from deploy.localnet.browser import chromium, persistent_chromium

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

__all__ = ["artifact", "chromium", "persistent_chromium"]


def artifact(name: str) -> Path:
    """A path under test-artifacts/ (git-ignored), the folder made if needed."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
