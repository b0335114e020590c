"""Fixtures shared by every test level."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import provisioned, require_servers


@pytest.fixture(scope="session")
def servers() -> Iterator[None]:
    """Real Kafka and MongoDB-wire servers for the session, or a loud failure."""
    with provisioned():
        require_servers()
        yield
