"""Making a page from several services' answers: each part on its own, so one slow or absent
service costs its part of the page, not the page."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from services.portal.adapters.network_api import (
    MemberApi,
    Service,
    ServiceRefusalError,
    ServiceUnavailableError,
)
from services.portal.domain.people import People, PersonCard, references

T = TypeVar("T")


@dataclass(frozen=True)
class Missing:
    """A part of the page that could not be fetched, and from which service."""

    service: Service

    @property
    def message(self) -> str:
        """What the page says in its place."""
        return f"This part cannot be shown right now ({self.service} is not answering)."


async def part(call: Awaitable[T]) -> T | Missing:
    """The call's answer, or Missing when its service is unavailable."""
    try:
        return await call
    except ServiceUnavailableError as exc:
        return Missing(exc.service)


async def or_none(call: Awaitable[T]) -> T | None:
    """The call's answer, or None when the service says there is none (404)."""
    try:
        return await call
    except ServiceRefusalError as exc:
        if exc.status == 404:
            return None
        raise


async def people(api: MemberApi, me: str, parties: Iterable[tuple[str, str]]) -> People:
    """Names for everyone on a page, in one call to the registry (nobody's name if it is
    down: the page still shows, with the organisations' people unnamed)."""
    refs = references(parties)
    cards: list[PersonCard] = []
    if refs:
        try:
            cards = await api.get(
                Service.REGISTRY, "/people", list[PersonCard], params=[("member", r) for r in refs]
            )
        except ServiceUnavailableError:
            cards = []
    return People(cards, me)


async def gather(*calls: Awaitable[T]) -> list[T]:
    """Run calls side by side."""
    return list(await asyncio.gather(*calls))
