"""The dashboards in the portal, in Debian's Chromium, with real events in the network.

Two programmes run by A with B taking part, co-ordinated by B's member: a big one (eight of
A's people mentored by eight of B's, with meetings, commitment and OSKAR ratings over three
months, goals achieved, two early endings) and a small one (three and three, enrolled only).
Its events go onto the real registry, matching and sessions topics; sessions itself starts the
relationships. Then each audience signs in to the portal through their own organisation's
provider and opens their dashboard — no token to copy or paste: every number on the page must
be the figure the JSON routes (the read model) give the same person with the same filters, a
suppressed figure must read "suppressed", a filter that narrows a figure below five people must
show it suppressed, and each table's CSV must hold what the page shows. Every page passes axe
at desktop and phone width. A screenshot of each page is saved under the test's tmp dir.
"""

from __future__ import annotations

import csv
import io
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize

from services.sessions.domain.relationships import relationship_id
from shared.contracts.sessions import (
    CommitmentRated,
    GoalAchieved,
    MeetingHeld,
    OskarScaled,
)
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.browser import chromium
from tests.e2e.conftest import World
from tests.e2e.portal_browser import PHONE, assert_accessible, sign_in
from tests.e2e.test_candidate_pool import member_id_of, new_member_id, publish
from tests.e2e.test_first_flow import eventually
from tests.unit.outcome_story import (
    ended_early,
    enrolment,
    one_to_one_programme,
    proposed_and_accepted,
)

PAIRS = 8
SMALL = 3
EARLY_ENDINGS = {0: "no_time", 1: "moved_role"}
GOALS = 6
ENDINGS_TITLE = "Relationships ended early, by reason"
DESKTOP: ViewportSize = {"width": 1200, "height": 900}


@dataclass
class Network:
    big: str
    small: str
    coordinator: str


def _network(data: Any, subject: str) -> Envelope:
    return new_event(data, organisation=None, subject=subject, audience=Audience.NETWORK)


def _programme(world: World, programme: str, coordinator: str) -> Envelope:
    today = datetime.now(UTC).date()
    data = one_to_one_programme(
        programme,
        [world.a.id, world.b.id],
        [coordinator],
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=240),
    )
    return new_event(data, organisation=world.a.id, subject=programme, audience=Audience.NETWORK)


def _enrolments(programme: str, organisation: str, role: str, people: list[str]) -> list[Envelope]:
    return [
        new_event(data, organisation=organisation, subject=person)
        for person in people
        for data in enrolment(programme, person, organisation, role)
    ]


def _months_ago(now: datetime, months: int) -> datetime:
    """The 10th of the month `months` before now's (so every moment is in a whole month)."""
    year, month = now.year, now.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return now.replace(year=year, month=month, day=10, hour=12)


@pytest.fixture(scope="module")
def network(world: World) -> Network:
    a, b = world.a.id, world.b.id
    big, small = (f"prg_{secrets.token_hex(6)}" for _ in range(2))
    coordinator = member_id_of(world, world.b.member)
    mentees, mentors = ([new_member_id() for _ in range(PAIRS)] for _ in range(2))
    registry = [_programme(world, big, coordinator), _programme(world, small, coordinator)]
    registry += _enrolments(big, a, "mentee", mentees) + _enrolments(big, b, "mentor", mentors)
    registry += _enrolments(small, a, "mentee", [new_member_id() for _ in range(SMALL)])
    registry += _enrolments(small, b, "mentor", [new_member_id() for _ in range(SMALL)])
    publish(world, *registry, source="registry")

    now = datetime.now(UTC)
    matching: list[Envelope] = []
    sessions: list[Envelope] = []
    for n, (mentee, mentor) in enumerate(zip(mentees, mentors, strict=True)):
        proposal = f"prp_{secrets.token_hex(8)}"
        proposed, accepted = proposed_and_accepted(
            proposal, big, (mentee, a), (mentor, b), score=0.8, accepted_at=now
        )
        matching += [_network(proposed, proposal), _network(accepted, proposal)]
        rel = relationship_id(proposal)
        for months in (2, 1, 0):
            moment = now if months == 0 else _months_ago(now, months)
            sessions.append(
                _network(
                    CommitmentRated(
                        relationship_id=rel,
                        programme_id=big,
                        rating=6 + (n + months) % 4,
                        rated_at=moment,
                    ),
                    rel,
                )
            )
            if months < 2:
                sessions.append(
                    _network(
                        OskarScaled(
                            relationship_id=rel,
                            programme_id=big,
                            goal_id=f"gol_{secrets.token_hex(8)}",
                            scale=4 + n % 5,
                            recorded_at=moment,
                        ),
                        rel,
                    )
                )
            if months == 0 or n < 6:
                sessions.append(
                    _network(
                        MeetingHeld(
                            meeting_id=f"mtg_{secrets.token_hex(8)}",
                            relationship_id=rel,
                            programme_id=big,
                            held_at=moment,
                            minutes=50,
                            method="video",
                        ),
                        rel,
                    )
                )
        if n < GOALS:
            sessions.append(
                _network(
                    GoalAchieved(
                        relationship_id=rel,
                        programme_id=big,
                        goal_id=f"gol_{secrets.token_hex(8)}",
                        term="short",
                        achieved_at=now,
                    ),
                    rel,
                )
            )
        if n in EARLY_ENDINGS:
            ending = ended_early(rel, accepted, EARLY_ENDINGS[n], now + timedelta(seconds=1))
            sessions.append(_network(ending, rel))
    publish(world, *matching, source="matching")
    publish(world, *sessions, source="sessions")

    seen: dict[str, Any] = {}

    def everything_counted() -> bool:
        """the evaluation service has folded the relationships, ratings and endings"""
        tables = figures(world, world.coordinator, "/network/figures", {"programme_id": big})
        seen.update(
            started=value(tables["relationships"], "all", "started"),
            active=value(tables["relationships"], "all", "active"),
            months=[r["label"] for r in tables["ratings_by_month"]["rows"]],
        )
        return seen == {
            "started": PAIRS,
            "active": PAIRS - len(EARLY_ENDINGS),
            "months": sorted(m.strftime("%Y-%m") for m in rated),
        }

    rated = [now if m == 0 else _months_ago(now, m) for m in (2, 1, 0)]
    try:
        eventually(everything_counted, timeout=90)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last seen {seen}") from None
    return Network(big, small, coordinator)


# -- the read model, as JSON -----------------------------------------------------------------


def figures(
    world: World, tokens: dict[str, Any], path: str, filters: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    with world.reader(tokens) as http:
        answer = http.get(f"{world.url('evaluation')}{path}", params=filters or {})
    assert answer.status_code == 200, answer.text
    return {t["id"]: t for t in answer.json()}


def line_of(table: dict[str, Any], label: str) -> dict[str, Any]:
    if label == "all":
        return dict(table["total"])
    return dict(next(r for r in table["rows"] if r["label"] == label))


def value(table: dict[str, Any], row: str, column: str) -> float | None:
    cell = line_of(table, row)["cells"][table["columns"].index(column)]
    return None if cell["suppressed"] else cell["value"]


def as_shown(table: dict[str, Any], cell: dict[str, Any]) -> str:
    """A figure as the page must show it."""
    if cell["suppressed"] or cell["value"] is None:
        return "suppressed"
    if table["measure"] == "mean":
        return f"{cell['value']:.2f}"
    number = float(cell["value"])
    return str(int(number)) if number.is_integer() else str(number)


def expected_rows(table: dict[str, Any]) -> list[list[str]]:
    lines = [*table["rows"], *([table["total"]] if table["total"] else [])]
    return [[line["label"], *(as_shown(table, c) for c in line["cells"])] for line in lines]


# -- the page --------------------------------------------------------------------------------


def page_rows(page: Page, table_id: str) -> list[list[str]]:
    """Every row of one table on the page: its header cell, then its figures."""
    rows: list[list[str]] = page.eval_on_selector_all(
        f'table[data-table="{table_id}"] tbody tr, table[data-table="{table_id}"] tfoot tr',
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
    )
    return rows


def apply_filters(page: Page, **choices: str) -> None:
    """Choose in the filters' lists (by label) and apply them: a new page, made on the server."""
    for label, choice in choices.items():
        page.get_by_label(label, exact=True).select_option(choice)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()


def matches_read_model(
    page: Page, world: World, tokens: dict[str, Any], path: str, filters: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Every table of the page equals the read model's JSON for the same person and filters
    (read again if events were still arriving between the two reads)."""
    deadline = time.monotonic() + 30
    while True:
        tables = figures(world, tokens, path, filters)
        on_page = {t: page_rows(page, t) for t in tables}
        wanted = {t: expected_rows(table) for t, table in tables.items()}
        if on_page == wanted:
            break
        if time.monotonic() > deadline:
            assert on_page == wanted
        page.reload()
    headings = page.locator("section.figure-table h2").all_inner_texts()
    assert headings == [t["title"] for t in tables.values()]
    charts = page.locator("section.figure-table figure svg[role=img]")
    assert charts.count() >= 5, "the trends, funnel, endings and cadence are drawn"
    assert page.locator("main p[role=status]").last.inner_text() == (
        f"{len(tables)} tables of figures."
    )
    return tables


def downloaded_csv(page: Page, title: str) -> list[list[str]]:
    """The rows of one table's CSV, downloaded from its link on the page."""
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download CSV of {title}").click()
    return list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))


def headings_of(table: dict[str, Any]) -> list[str]:
    """A table's column headings as the page (and its CSV) words them."""
    return [c.replace("_", " ") for c in [table["row_heading"], *table["columns"]]]


def accessible_at_both_widths(page: Page) -> None:
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}")
    return path


# -- the three audiences ---------------------------------------------------------------------


def test_the_network_coordinators_dashboard_shows_the_read_models_figures(
    world: World, network: Network, tmp_path: Path
) -> None:
    portal = world.portal.url
    with chromium() as browser:
        page = browser.new_page(accept_downloads=True, viewport=DESKTOP)
        start = f"/dashboards/network?programme_id={network.big}"
        sign_in(page, portal, world.office_coordinator, start=start)
        assert "eyJ" not in page.content(), "no token in the page"
        tables = matches_read_model(
            page, world, world.coordinator, "/network/figures", {"programme_id": network.big}
        )
        # Eight relationships, two ended early (four people): suppressed, not rounded.
        assert value(tables["relationships"], "all", "started") == PAIRS
        endings = page_rows(page, "early_endings")
        assert endings[-1] == ["all", "suppressed", "suppressed"]
        assert page.locator('table[data-table="early_endings"] td.suppressed').count() >= 2
        birch = next(r for r in page_rows(page, "participation") if r[0] == "Birch Engineering")
        ready = 1 + tables["participation"]["columns"].index("ready")
        assert birch[ready] == str(PAIRS), "B's eight ready mentors are shown"
        # A suppressed figure has no bar: the chart says "suppressed" where it would be.
        chart = page.locator('section[data-table="early_endings"] svg[role=img]')
        assert chart.locator("rect").count() == 0
        assert chart.locator("text.suppressed-mark").count() == 2
        accessible_at_both_widths(page)
        screenshot(page, tmp_path, "network")

        # The CSV holds what the page shows, "suppressed" included, and no other number.
        rows = downloaded_csv(page, ENDINGS_TITLE)
        table = tables["early_endings"]
        assert rows[0] == headings_of(table)
        assert rows[1:] == expected_rows(table) == page_rows(page, "early_endings")
        ratings = downloaded_csv(page, tables["ratings_by_month"]["title"])
        assert ratings[1:] == page_rows(page, "ratings_by_month"), "means as the page shows them"

        # Narrowing to the small programme puts B's three ready below five: suppressed.
        apply_filters(page, Programme=network.small)
        assert f"programme_id={network.small}" in page.url
        birch = next(r for r in page_rows(page, "participation") if r[0] == "Birch Engineering")
        assert birch[ready] == "suppressed"
        matches_read_model(
            page, world, world.coordinator, "/network/figures", {"programme_id": network.small}
        )
        rows = downloaded_csv(page, tables["participation"]["title"])
        assert rows[1:] == page_rows(page, "participation"), "the CSV keeps the page's filters"
        screenshot(page, tmp_path, "network-small-programme")


def test_an_organisation_admins_dashboard_shows_their_organisations_figures(
    world: World, network: Network, tmp_path: Path
) -> None:
    portal = world.portal.url
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        # The admin follows the portal's Figures link: no token to copy or paste.
        sign_in(page, portal, world.a.people["admin"], start="/dashboards")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Figures").click()
        page.get_by_role("link", name="Our organisation's outcomes").click()
        assert page.url == f"{portal}/dashboards/organisation"
        path = f"/organisations/{world.a.id}/figures"
        tables = matches_read_model(page, world, world.a.admin, path, {})
        rows = {r[0]: r for r in page_rows(page, "participation")}
        assert set(rows[network.small][1:]) == {"suppressed"}, "A's three in the small one"
        assert page.get_by_label("Organisation", exact=True).count() == 0, "theirs only"
        assert {network.big, network.small} <= set(rows)
        accessible_at_both_widths(page)
        screenshot(page, tmp_path, "organisation")

        # A month with nothing in it: every figure is drawn from nobody, so suppressed.
        page.get_by_label("From (month)").fill("2020-01")
        page.get_by_label("Until (month, included)").fill("2020-01")
        with page.expect_navigation():
            page.get_by_role("button", name="Apply filters").click()
        assert "since=2020-01" in page.url and "until=2020-01" in page.url
        tables = matches_read_model(
            page, world, world.a.admin, path, {"since": "2020-01-01", "until": "2020-01-31"}
        )
        assert all(
            cell == "suppressed" for row in page_rows(page, "participation") for cell in row[1:]
        )
        assert tables["participation"]["total"]["cells"][0]["suppressed"]

        # A month that is no month: said beside its field, and no figures until corrected.
        response = page.goto(f"{portal}/dashboards/organisation?since=2020-13")
        assert response is not None and response.status == 422
        assert "like 2027-01" in page.locator("#filter-since-error").inner_text()
        assert page.locator("table").count() == 0
        assert_accessible(page)

        # The programmes A takes part in are offered to its admin, but their figures are their
        # co-ordinators': the page says so and shows none.
        page.goto(f"{portal}/dashboards/programme?programme_id={network.big}")
        assert "you do not co-ordinate this one" in page.locator("main").inner_text()
        assert page.locator("table").count() == 0
        csv_link = page.request.get(
            f"{portal}/dashboards/programme/participation.csv?programme_id={network.big}"
        )
        assert csv_link.status == 404

    # Another organisation's figures are not a plain member's: the plain "Not found" page.
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        sign_in(page, portal, world.b.people["member"], start="/")
        response = page.goto(f"{portal}/dashboards/organisation")
        assert response is not None and response.status == 404
        assert page.get_by_role("heading", level=1).inner_text() == "Not found"
        assert page.locator("table").count() == 0
        csv_link = page.request.get(f"{portal}/dashboards/organisation/participation.csv")
        assert csv_link.status == 404


def test_a_programme_coordinators_dashboard_shows_their_programmes_figures(
    world: World, network: Network, tmp_path: Path
) -> None:
    portal = world.portal.url
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        start = f"/dashboards/programme?programme_id={network.big}"
        sign_in(page, portal, world.b.people["member"], start=start)
        path = f"/programmes/{network.big}/figures"
        tables = matches_read_model(page, world, world.b.member, path, {})
        assert tables["participation"]["row_heading"] == "organisation"
        options = page.locator("#filter-programme_id option").evaluate_all(
            "options => options.map(o => o.value)"
        )
        assert {network.big, network.small} <= set(options)
        # The trend of commitment over three months is a line chart with its own title.
        chart = page.locator('section[data-table="ratings_by_month"] svg[role=img]')
        assert chart.locator("polyline").count() >= 1
        assert (chart.locator("title").text_content() or "").startswith("Commitment")
        accessible_at_both_widths(page)
        screenshot(page, tmp_path, "programme")

        # One organisation of the programme: its figures only, small ones still suppressed.
        apply_filters(page, Organisation=world.a.id)
        assert f"programme_id={network.big}" in page.url, "the programme stays chosen"
        tables = matches_read_model(
            page, world, world.b.member, path, {"organisation_id": world.a.id}
        )
        assert [r[0] for r in page_rows(page, "participation")][:-1] == ["Alder Care Trust"]

        # Signing out ends the session: the figures are gone with it.
        page.get_by_role("button", name="Sign out").click()
        page.goto(f"{portal}/dashboards/programme")
        assert "/sign-in" in page.url
        assert page.locator("table").count() == 0
