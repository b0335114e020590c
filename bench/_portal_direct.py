"""The ceiling of bench/portal: the portal's own page-assembly code, run in the generator's
process against the services with each member's network token, open loop (bench/_open_loop's
scheduler: page i is due at start + i/rate, its latency runs from when it was due).

This is every service call a page makes and the parsing of their answers, and nothing of what
the portal adds around it: no portal process, no session store, no template, no browser hop.
What the portal answers in `portal - direct` is that overhead. The page kinds (the portal's
URL and the page function behind it) are here, so the generator process never imports the
bench's seeding code.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench._open_loop import Call, StepResult, schedule
from services.portal.adapters.network_api import (
    NetworkApi,
    Service,
    ServiceRefusalError,
    ServiceUnavailableError,
    SignInRequiredError,
)
from services.portal.adapters.signed_in import Member
from services.portal.domain.web_session import WebSession
from services.portal.pages.home import home_page
from services.portal.pages.messages import relationship_thread
from services.portal.pages.relationship import overview
from services.portal.settings import PortalSettings
from shared.logging import configure_logging

# The portal's client to the services, as services/portal/app.py builds it.
SERVICE_TIMEOUT = float(PortalSettings.model_fields["portal_service_timeout_seconds"].default)

PageMaker = Callable[[Member, str], Awaitable[object]]


async def _home(member: Member, _: str) -> object:
    return await home_page(member)


async def _relationship(member: Member, relationship_id: str) -> object:
    return await overview(member, relationship_id)


async def _messages(member: Member, relationship_id: str) -> object:
    return await relationship_thread(member, relationship_id, None)


@dataclass(frozen=True)
class PageKind:
    """A page of the portal: its URL and the page-assembly function its route calls."""

    name: str
    path: str  # with {relationship_id} where the page is a relationship's
    make: PageMaker
    description: str

    def url(self, relationship_id: str) -> str:
        """The portal's path of this page for one relationship (the home page has none)."""
        return self.path.format(relationship_id=relationship_id)


PAGES: dict[str, PageKind] = {
    kind.name: kind
    for kind in (
        PageKind("home", "/", _home, "home page (services.portal.pages.home.home_page)"),
        PageKind(
            "relationship",
            "/relationships/{relationship_id}",
            _relationship,
            "relationship overview (services.portal.pages.relationship.overview)",
        ),
        PageKind(
            "messages",
            "/relationships/{relationship_id}/messages",
            _messages,
            "relationship messages (services.portal.pages.messages.thread_page)",
        ),
    )
}

# (page kind, visitor index, relationship id; "" for the home page)
PlannedPage = tuple[str, int, str]


@dataclass(frozen=True)
class DirectVisitor:
    """A signed-in member as the page functions need them: who, and their network token."""

    member_id: str
    organisation_id: str
    token: str


@dataclass(frozen=True)
class DirectPlan:
    """One step of the ceiling: the services' URLs, how fast, and every page in order.
    `warm_up` pages are made one at a time before the step, and must all succeed."""

    label: str
    urls: dict[str, str]  # service name → base URL
    rate: float
    timeout: float
    visitors: list[DirectVisitor]
    pages: list[PlannedPage]
    warm_up: list[PlannedPage]


def as_member(network: NetworkApi, visitor: DirectVisitor) -> Member:
    """The `Member` the portal's routes hand their page functions, without a web session
    store behind it (the page functions read only the member id and the API)."""
    now = datetime.now(UTC)
    session = WebSession(
        key="",
        member_id=visitor.member_id,
        organisation_id=visitor.organisation_id,
        roles=frozenset(),
        access_token=visitor.token,
        refresh_token="",
        access_expires_at=now + timedelta(hours=1),
        csrf_token="",
        created_at=now,
        seen_at=now,
        display_name="",
        time_zone="UTC",
    )
    return Member(session, network.as_member(visitor.token))


async def page_status(kind: PageKind, member: Member, relationship_id: str) -> int:
    """Make one page; the status the portal would answer for it (its error pages: a refusal's
    own status, 503 for a service down, a 303 to sign-in for a token refused)."""
    try:
        await kind.make(member, relationship_id)
    except ServiceRefusalError as exc:
        return exc.status
    except ServiceUnavailableError:
        return 503
    except SignInRequiredError:
        return 303
    return 200


async def _warm_up(members: list[Member], pages: list[PlannedPage]) -> None:
    for kind, who, relationship_id in pages:
        status = await page_status(PAGES[kind], members[who], relationship_id)
        if status != 200:
            raise RuntimeError(f"warm-up of the {kind} page ({relationship_id}): {status}")


async def _drive_pages(plan: DirectPlan) -> StepResult:
    network = NetworkApi.connect(
        {Service(name): url for name, url in plan.urls.items()}, SERVICE_TIMEOUT
    )
    try:
        members = [as_member(network, v) for v in plan.visitors]
        await _warm_up(members, plan.warm_up)
        calls: list[tuple[str, Call]] = [
            (kind, functools.partial(page_status, PAGES[kind], members[who], relationship_id))
            for kind, who, relationship_id in plan.pages
        ]
        started_cpu = time.process_time()
        result = await schedule(plan.label, plan.rate, plan.timeout, calls)
        result.cpu_seconds = time.process_time() - started_cpu
        return result
    finally:
        await network.close()


def drive_pages(plan: DirectPlan) -> StepResult:
    """Run one open-loop step of page functions (the entry point in the generator process),
    on uvloop as uvicorn runs the portal."""
    import uvloop  # only the generator's loop; imported here so the parent never needs it

    # A failed service call is counted in the figures; its log line would only be noise here.
    configure_logging("bench-direct", "ERROR")
    return uvloop.run(_drive_pages(plan))
