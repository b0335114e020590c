"""End to end: who sees which outcome figures, with real tokens.

A programme run by A with B taking part, co-ordinated by A's member: six of A's people are
mentored by six of B's. Its events are produced as the registry and matching publish them; the
sessions service itself starts the relationships from `match.accepted`; a meeting and an early
ending are produced on the sessions topic. The evaluation service learns all of it from the
topics. Then: the network co-ordinator sees pooled figures by organisation, A's admin A's own
by programme, the co-ordinator the programme's by organisation — anyone else 404 — and no
visible figure is drawn from fewer than five people.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.evaluation.domain.figures import Figure, FigureRow, FigureTable
from services.evaluation.domain.suppression import suppress
from services.sessions.domain.relationships import relationship_id
from shared.contracts.registry import OrganisationPair
from shared.contracts.sessions import MeetingHeld
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.e2e.conftest import World
from tests.e2e.test_candidate_pool import member_id_of, new_member_id, publish
from tests.e2e.test_first_flow import eventually
from tests.unit.outcome_story import (
    ended_early,
    enrolment,
    one_to_one_programme,
    proposed_and_accepted,
)

PAIRS = 6
ENDED_ON = date(2027, 2, 15)


@dataclass
class Cohort:
    programme: str
    coordinator: str
    mentees: list[str]  # A's
    mentors: list[str]  # B's


def _network(data: Any, subject: str) -> Envelope:
    return new_event(data, organisation=None, subject=subject, audience=Audience.NETWORK)


@pytest.fixture(scope="module")
def cohort(world: World) -> Cohort:
    a, b = world.a.id, world.b.id
    programme = f"prg_{secrets.token_hex(6)}"
    coordinator = member_id_of(world, world.a.member)
    mentees = [new_member_id() for _ in range(PAIRS)]
    mentors = [new_member_id() for _ in range(PAIRS)]
    registry = [
        new_event(
            one_to_one_programme(programme, [a, b], [coordinator]),
            organisation=a,
            subject=programme,
            audience=Audience.NETWORK,
        )
    ]
    for organisation, role, people in ((a, "mentee", mentees), (b, "mentor", mentors)):
        registry += [
            new_event(data, organisation=organisation, subject=person)
            for person in people
            for data in enrolment(programme, person, organisation, role)
        ]
    publish(world, *registry, source="registry")
    matching, sessions = [], []
    for n, (mentee, mentor) in enumerate(zip(mentees, mentors, strict=True)):
        proposal = f"prp_{secrets.token_hex(8)}"
        proposed, accepted = proposed_and_accepted(
            proposal, programme, (mentee, a), (mentor, b), score=0.8, accepted_at=datetime.now(UTC)
        )
        matching += [_network(proposed, proposal), _network(accepted, proposal)]
        rel = relationship_id(proposal)
        sessions.append(
            _network(
                MeetingHeld(
                    meeting_id=f"mtg_{secrets.token_hex(8)}",
                    relationship_id=rel,
                    programme_id=programme,
                    held_at=datetime.now(UTC) - timedelta(days=1),
                    minutes=50,
                    method="video",
                ),
                rel,
            )
        )
        if n == 0:
            ended_at = datetime(2027, 2, 15, 12, tzinfo=UTC)
            sessions.append(_network(ended_early(rel, accepted, "no_time", ended_at), rel))
    publish(world, *matching, source="matching")
    publish(world, *sessions, source="sessions")
    cohort = Cohort(programme, coordinator, mentees, mentors)

    def relationships_counted() -> bool:
        """the evaluation service has seen the six relationships sessions started"""
        tables = figures(world, world.coordinator, f"/network/figures?programme_id={programme}")
        started = cell(tables["relationships"], "all", "started")
        return bool(started["value"] == PAIRS)

    eventually(relationships_counted, timeout=60)
    return cohort


def get(world: World, tokens: dict[str, Any], path: str) -> httpx.Response:
    with world.reader(tokens) as http:
        return http.get(f"{world.url('evaluation')}{path}")


def figures(world: World, tokens: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    answer = get(world, tokens, path)
    assert answer.status_code == 200, answer.text
    tables = {t["id"]: t for t in answer.json()}
    for table in tables.values():  # nothing shown is drawn from fewer than five people
        for row in [*table["rows"], *([table["total"]] if table["total"] else [])]:
            for figure in row["cells"]:
                assert figure["suppressed"] or figure["people"] >= 5, (table["id"], row)
                assert not figure["suppressed"] or figure["value"] is None
    return tables


def cell(table: dict[str, Any], row: str, column: str) -> dict[str, Any]:
    line = table["total"] if row == "all" else next(r for r in table["rows"] if r["label"] == row)
    return dict(line["cells"][table["columns"].index(column)])


def expected(
    raw: dict[str, Any], rows: dict[str, list[tuple[int, int]]], total: list[tuple[int, int]]
) -> FigureTable:
    """`raw`'s table as it must be shown: these (value, people) cells, then suppression."""

    def line(label: str, cells: list[tuple[int, int]]) -> FigureRow:
        return FigureRow(label=label, cells=[Figure(value=v, people=p) for v, p in cells])

    table = FigureTable.model_validate(raw).model_copy(
        update={
            "rows": [line(label, cells) for label, cells in rows.items()],
            "total": line("all", total),
        }
    )
    return suppress(table)


def shown(raw: dict[str, Any]) -> FigureTable:
    return FigureTable.model_validate(raw)


# Per organisation of the cohort: six people enrolled, ready, proposed, matched and in a
# relationship; nobody completed yet.
PEOPLE = [(PAIRS, PAIRS)] * 5 + [(0, 0)]
# Six relationships, each of two people (one of A, one of B): five active, one ended early.
RELATIONSHIPS = [(PAIRS, 2 * PAIRS), (PAIRS - 1, 2 * (PAIRS - 1)), (1, 2), (0, 0)]


def test_the_network_coordinator_sees_pooled_figures_by_organisation(
    world: World, cohort: Cohort
) -> None:
    tables = figures(world, world.coordinator, f"/network/figures?programme_id={cohort.programme}")
    assert {
        "participation",
        "matches",
        "relationships",
        "early_endings",
        "meeting_cadence",
        "goals",
        "ratings_by_month",
        "activity_by_month",
        "survey_scores",
    } <= set(tables)
    participation = tables["participation"]
    assert participation["row_heading"] == "organisation"
    both = {"Alder Care Trust": PEOPLE, "Birch Engineering": PEOPLE}
    total = [(2 * v, 2 * p) for v, p in PEOPLE]
    assert shown(participation) == expected(participation, both, total)
    pairs = {"Alder Care Trust": RELATIONSHIPS, "Birch Engineering": RELATIONSHIPS}
    relationships = tables["relationships"]
    assert shown(relationships) == expected(relationships, pairs, RELATIONSHIPS)
    # One early ending, two people: suppressed, not rounded, wherever it appears.
    assert cell(relationships, "all", "ended_early") == {
        "value": None,
        "people": 0,
        "suppressed": True,
    }
    assert cell(tables["early_endings"], "all", "no_time")["suppressed"]

    # Filters narrow within the network: B alone; a day holding only the early ending.
    only_b = figures(
        world,
        world.coordinator,
        f"/network/figures?programme_id={cohort.programme}&organisation_id={world.b.id}",
    )
    assert [r["label"] for r in only_b["participation"]["rows"]] == ["Birch Engineering"]
    assert shown(only_b["participation"]) == expected(
        only_b["participation"], {"Birch Engineering": PEOPLE}, PEOPLE
    )
    day = ENDED_ON.isoformat()
    narrowed = figures(
        world,
        world.coordinator,
        f"/network/figures?programme_id={cohort.programme}&since={day}&until={day}",
    )
    assert cell(narrowed["early_endings"], "all", "no_time")["suppressed"]
    assert all(c["suppressed"] for c in narrowed["participation"]["total"]["cells"])
    backwards = get(world, world.coordinator, "/network/figures?since=2027-02-01&until=2027-01-01")
    assert backwards.status_code == 422 and "since" in backwards.json()["detail"]
    assert get(world, world.a.admin, "/network/figures").status_code == 403
    with httpx.Client() as anonymous:
        assert anonymous.get(f"{world.url('evaluation')}/network/figures").status_code == 401


def test_an_organisation_admin_sees_their_own_organisations_figures_only(
    world: World, cohort: Cohort
) -> None:
    path = f"/organisations/{world.a.id}/figures?programme_id={cohort.programme}"
    tables = figures(world, world.a.admin, path)
    participation = tables["participation"]
    assert participation["row_heading"] == "programme"
    # A's own people only: its six mentees (B's mentors are counted in B's figures).
    assert shown(participation) == expected(participation, {cohort.programme: PEOPLE}, PEOPLE)
    relationships = tables["relationships"]
    assert shown(relationships) == expected(
        relationships, {cohort.programme: RELATIONSHIPS}, RELATIONSHIPS
    )
    for outsider in (world.b.admin, world.a.member, world.coordinator):
        refused = get(world, outsider, path)
        assert refused.status_code == 404, refused.text
    assert "participation" in figures(world, world.b.admin, f"/organisations/{world.b.id}/figures")


def test_a_programme_coordinator_sees_their_programmes_figures_only(
    world: World, cohort: Cohort
) -> None:
    path = f"/programmes/{cohort.programme}/figures"
    tables = figures(world, world.a.member, path)
    relationships = tables["relationships"]
    assert relationships["row_heading"] == "organisation"
    pairs = {"Alder Care Trust": RELATIONSHIPS, "Birch Engineering": RELATIONSHIPS}
    assert shown(relationships) == expected(relationships, pairs, RELATIONSHIPS)
    narrowed = figures(world, world.a.member, f"{path}?organisation_id={world.a.id}")
    assert shown(narrowed["participation"]) == expected(
        narrowed["participation"], {"Alder Care Trust": PEOPLE}, PEOPLE
    )
    for outsider in (world.a.admin, world.b.admin, world.b.member, world.coordinator):
        refused = get(world, outsider, path)
        assert refused.status_code == 404, refused.text
    assert get(world, world.a.member, "/programmes/prg_000000000000/figures").status_code == 404
    mine = get(world, world.a.member, "/figures/programmes")
    assert mine.status_code == 200 and cohort.programme in {p["id"] for p in mine.json()}
    theirs = get(world, world.b.member, "/figures/programmes")
    assert theirs.status_code == 200 and cohort.programme not in {p["id"] for p in theirs.json()}


def test_figures_by_organisation_pair_follow_the_pairs_the_programme_made(
    world: World, cohort: Cohort
) -> None:
    """Seed 004, organisations mentoring each other: once the programme pairs A with B, the
    network co-ordinator and the programme's co-ordinator read its figures a row per pair,
    suppressed by the same rules; nobody else reads them."""
    a, b = world.a.id, world.b.id
    by_pair = f"/network/figures?programme_id={cohort.programme}&rows=organisation_pair"
    before = figures(world, world.coordinator, by_pair)
    assert before["relationships"]["rows"] == []  # no pair made yet: no row
    paired = one_to_one_programme(cohort.programme, [a, b], [cohort.coordinator]).model_copy(
        update={"organisation_pairs": [OrganisationPair(first=b, second=a)]}
    )
    publish(world, _network_of(paired, a, cohort.programme), source="registry")
    label = "Alder Care Trust & Birch Engineering"

    def paired_rows() -> bool:
        """evaluation draws a row for the pair"""
        tables = figures(world, world.coordinator, by_pair)
        return [r["label"] for r in tables["relationships"]["rows"]] == [label]

    eventually(paired_rows, timeout=30)
    tables = figures(world, world.coordinator, by_pair)
    relationships = tables["relationships"]
    assert relationships["row_heading"] == "organisation_pair"
    assert shown(relationships) == expected(relationships, {label: RELATIONSHIPS}, RELATIONSHIPS)
    assert cell(relationships, label, "ended_early")["suppressed"]  # two people: suppressed
    path = f"/programmes/{cohort.programme}/figures?rows=organisation_pair"
    mine = figures(world, world.a.member, path)
    assert [r["label"] for r in mine["participation"]["rows"]] == [label]
    for outsider in (world.a.admin, world.b.admin, world.b.member):
        refused = get(world, outsider, path)
        assert refused.status_code == 404, refused.text
    wrong = get(world, world.coordinator, "/network/figures?rows=sector")
    assert wrong.status_code == 422, wrong.text


def _network_of(data: Any, organisation: str, programme: str) -> Envelope:
    return new_event(data, organisation=organisation, subject=programme, audience=Audience.NETWORK)
