"""How long what a sign-in leaves behind lives, on the real MongoDB-wire server: a session's
refresh tokens end at an absolute time however often refreshed, a reused token retires its
family, and sign-in attempts nobody came back to are swept."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pymongo import AsyncMongoClient

from services.registry.adapters.refresh_tokens import RefreshTokens
from services.registry.adapters.sign_in import ATTEMPT_LIFETIME, ATTEMPTS, SignInFlow
from shared.mongo.databases import Document, ServiceDatabases
from shared.settings import ServiceSettings
from shared.tenancy import TenantData

ORGANISATION = "org_000000000001"
MEMBER = "mem_0000000000000001"


@pytest.fixture(autouse=True)
async def _cleaned(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> AsyncIterator[None]:
    yield
    for suffix in ("network", f"o_{ORGANISATION}"):
        await mongo.drop_database(f"{settings.db_prefix}_registry_{suffix}")


def _data(settings: ServiceSettings, mongo: AsyncMongoClient[Document]) -> TenantData:
    return TenantData(ServiceDatabases(mongo, settings.db_prefix, "registry"))


async def test_a_session_ends_at_its_absolute_lifetime_however_often_refreshed(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    # Each token would live an hour; the session they descend from, 8 seconds (room for a
    # slow server: the refreshes must happen inside it).
    tokens = RefreshTokens(_data(settings, mongo), timedelta(hours=1), timedelta(seconds=8))
    signed_in = time.monotonic()
    token = await tokens.issue(ORGANISATION, MEMBER)
    for _ in range(2):
        redeemed = await tokens.redeem(token, None)
        assert redeemed is not None
        token = await tokens.issue(ORGANISATION, MEMBER, family=redeemed.family)
    assert time.monotonic() - signed_in < 8, "the server was too slow to refresh within it"
    await asyncio.sleep(8.2 - (time.monotonic() - signed_in))
    assert await tokens.redeem(token, None) is None, "refreshed past the session's end"
    # A new sign-in starts a new session.
    assert await tokens.redeem(await tokens.issue(ORGANISATION, MEMBER), None) is not None


async def test_a_reused_refresh_token_retires_its_whole_family(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    tokens = RefreshTokens(_data(settings, mongo), timedelta(hours=1), timedelta(hours=12))
    stolen = await tokens.issue(ORGANISATION, MEMBER)
    other_session = await tokens.issue(ORGANISATION, MEMBER)
    redeemed = await tokens.redeem(stolen, None)  # the thief refreshes first
    assert redeemed is not None
    thiefs = await tokens.issue(ORGANISATION, MEMBER, family=redeemed.family)
    assert await tokens.redeem(stolen, None) is None  # the person presents it again
    assert await tokens.redeem(thiefs, None) is None, "the thief's token must die with it"
    # The person's other sign-ins (other devices) are other families, untouched.
    assert await tokens.redeem(other_session, None) is not None


async def test_abandoned_sign_in_attempts_are_swept(
    settings: ServiceSettings, mongo: AsyncMongoClient[Document]
) -> None:
    data = _data(settings, mongo)
    attempts = data.network(ATTEMPTS)
    now = datetime.now(UTC)
    await attempts.insert_many(
        [
            {"_id": "abandoned", "created_at": now - ATTEMPT_LIFETIME - timedelta(seconds=5)},
            {"_id": "in-progress", "created_at": now - timedelta(seconds=30)},
        ]
    )
    # Only the attempts store matters to the sweep; nothing else is called.
    unused = cast(Any, None)
    flow = SignInFlow(data, unused, unused, unused, unused, "", unused, unused)
    await flow.sweep_abandoned()
    assert [d["_id"] async for d in attempts.find({})] == ["in-progress"]
