"""The outcome figures (docs/decisions.md 16; the SSSC guidance, seed 002, checklists 4 and
5), drawn from fact records as `FigureTable`s for a `Scope`, before suppression.

Tables (rows are organisations or programmes, as the audience's view asks; trends are rows
of months):

- `participation`: people enrolled, ready, proposed, matched, in a relationship, completed —
  each person counted in their own organisation's row, so rows add up to the total;
- `matches`: proposals made, accepted, declined;
- `relationships`: (mentee) relationships started, active, ended early, completed;
- `early_endings`: early endings by reason code (checklist 5: reasons for early termination);
- `meeting_cadence` and `meetings_per_relationship`: meetings held against the programme's
  cadence (`meeting_every_days`) over the time each relationship ran within the period;
- `goals`: goals achieved (short and long term);
- `ratings_by_month`: mean GROW commitment (1-10) and OSKAR scale (0-10) by month;
- `activity_by_month`: relationships started, meetings, goals, early endings, messages;
- `survey_scores`: the mean score of each question, by survey kind;
- `circles`: peer circles and their sessions.

A fact involving several organisations (a cross-organisation relationship) is in each of
their rows and once in the total. Every cell says how many distinct people it is drawn from;
members erased since are not counted among them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from services.evaluation.domain.figure_builder import TableBuilder
from services.evaluation.domain.figures import FigureTable, Measure, Scope
from services.evaluation.domain.outcome_facts import (
    CircleFacts,
    MemberFacts,
    OutcomeState,
    Pairing,
    Party,
    RelationshipFacts,
)
from services.evaluation.domain.outcome_fold import month_of


class RowDimension(StrEnum):
    """What the rows of an audience's tables are."""

    ORGANISATION = "organisation"
    PROGRAMME = "programme"
    # Seed 004, organisations mentoring each other: a row per pair a programme made.
    ORGANISATION_PAIR = "organisation_pair"


PAIR_JOIN = " & "


def pair_row(organisation_a: str, organisation_b: str) -> str:
    """An organisation pair's row key, the same whichever way round."""
    return PAIR_JOIN.join(sorted((organisation_a, organisation_b)))


@dataclass(frozen=True)
class _Window:
    """The scope's period, inclusive; open ends are unbounded."""

    since: date | None
    until: date | None

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        day = moment.date()
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )


def _ids(parties: Iterable[Party | None]) -> list[str | None]:
    return [p.member_id for p in parties if p is not None]


def _orgs(parties: Iterable[Party | None]) -> set[str]:
    return {p.organisation_id for p in parties if p is not None and p.organisation_id}


@dataclass(frozen=True)
class _Drawing:
    """One drawing of figures: the facts, the scope and the view."""

    state: OutcomeState
    scope: Scope
    dimension: RowDimension
    today: date

    @property
    def window(self) -> _Window:
        return _Window(self.scope.since, self.scope.until)

    def in_programme(self, programme_id: str) -> bool:
        return self.scope.programme_id in (None, programme_id)

    def rows(self, programme_id: str, organisations: set[str]) -> set[str]:
        """The rows a fact of `programme_id` involving `organisations` is counted in (none
        when it is outside the scope)."""
        wanted = self.scope.organisation_id
        if not self.in_programme(programme_id) or (wanted and wanted not in organisations):
            return set()
        if self.dimension is RowDimension.PROGRAMME:
            return {programme_id}
        if self.dimension is RowDimension.ORGANISATION_PAIR:
            return self.pair_rows(programme_id, organisations)
        return {wanted} if wanted else organisations

    def pair_rows(self, programme_id: str, organisations: set[str]) -> set[str]:
        """The programme's organisation pairs a fact of `organisations` lies within (a
        relationship: its two organisations' pair; a person: their organisation's)."""
        programme = self.state.programmes.get(programme_id)
        pairs = programme.organisation_pairs if programme is not None else []
        return {
            pair_row(p.first, p.second)
            for p in pairs
            if organisations and organisations <= {p.first, p.second}
        }

    def person_rows(self, programme_id: str, party: Party) -> set[str]:
        """The row a person's own figure is counted in: their organisation's or the
        programme's."""
        if party.organisation_id is None:
            return set()
        return self.rows(programme_id, {party.organisation_id})

    def labels(self) -> dict[str, str]:
        names = {org.id: org.name or org.id for org in self.state.organisations.values()}
        if self.dimension is RowDimension.ORGANISATION_PAIR:
            return {
                pair_row(p.first, p.second): PAIR_JOIN.join(
                    sorted((names.get(p.first, p.first), names.get(p.second, p.second)))
                )
                for programme in self.state.programmes.values()
                for p in programme.organisation_pairs
            }
        return names

    def relationships(self) -> list[tuple[RelationshipFacts, set[str]]]:
        """Relationships in scope, with their rows."""
        found = []
        for relationship in self.state.relationships.values():
            rows = self.rows(relationship.programme_id, _orgs(relationship.parties()))
            if rows:
                found.append((relationship, rows))
        return found

    def active(self, pairing: Pairing) -> bool:
        if pairing.started_at is None:
            return False
        if self.scope.since is None and self.scope.until is None:
            return pairing.ended_at is None
        last = self.scope.until or self.today
        started = pairing.started_at.date() <= last
        ended_before = (
            pairing.ended_at is not None
            and self.scope.since is not None
            and pairing.ended_at.date() < self.scope.since
        )
        return started and not ended_before


def _ready(member: MemberFacts, role: str) -> bool:
    if role == "mentor":
        return member.ready_as_mentor
    if role == "mentee":
        return member.ready_as_mentee
    return member.ready_as_mentor or member.ready_as_mentee


def participation(d: _Drawing) -> TableBuilder:
    """People at each step from enrolment to completion."""
    table = TableBuilder(
        "participation",
        "People from enrolment to completion",
        d.dimension.value,
        ["enrolled", "ready", "proposed", "matched", "in_relationship", "completed"],
        distinct_people=True,
    )
    for member in d.state.members.values():
        if member.erased:
            continue
        party = Party(member_id=member.id, organisation_id=member.organisation_id)
        for programme_id, enrolment in member.enrolments.items():
            rows = d.person_rows(programme_id, party)
            if rows and d.window.holds(enrolment.enrolled_at):
                table.add(rows, "enrolled", [member.id])
                if _ready(member, enrolment.role):
                    table.add(rows, "ready", [member.id])
    for match in d.state.matches.values():
        proposed = match.proposed_at or match.accepted_at or match.declined_at
        for party in (match.mentee, match.mentor):
            rows = d.person_rows(match.programme_id, party)
            if d.window.holds(proposed):
                table.add(rows, "proposed", [party.member_id])
            if d.window.holds(match.accepted_at):
                table.add(rows, "matched", [party.member_id])
    for relationship in d.state.relationships.values():
        for pairing in relationship.pairings:
            for someone in (pairing.mentee, relationship.mentor):
                if someone is None:
                    continue
                rows = d.person_rows(relationship.programme_id, someone)
                if d.window.holds(pairing.started_at):
                    table.add(rows, "in_relationship", [someone.member_id])
                if pairing.ended_early is False and d.window.holds(pairing.ended_at):
                    table.add(rows, "completed", [someone.member_id])
    return table


def matches(d: _Drawing) -> TableBuilder:
    """Proposals and what became of them."""
    table = TableBuilder(
        "matches",
        "Matches proposed and accepted",
        d.dimension.value,
        ["proposed", "accepted", "declined"],
    )
    for match in d.state.matches.values():
        parties = [match.mentee, match.mentor]
        rows = d.rows(match.programme_id, _orgs(parties))
        people = _ids(parties)
        if d.window.holds(match.proposed_at or match.accepted_at or match.declined_at):
            table.add(rows, "proposed", people)
        if d.window.holds(match.accepted_at):
            table.add(rows, "accepted", people)
        if d.window.holds(match.declined_at):
            table.add(rows, "declined", people)
    return table


def relationships(d: _Drawing) -> tuple[TableBuilder, TableBuilder]:
    """Relationships by state, and early endings by reason."""
    table = TableBuilder(
        "relationships",
        "Relationships started, active, ended early and completed",
        d.dimension.value,
        ["started", "active", "ended_early", "completed"],
    )
    endings = TableBuilder(
        "early_endings",
        "Relationships ended early, by reason",
        d.dimension.value,
        [],
        rows_add_up=True,  # each early ending has one reason
    )
    reasons: set[str] = set()
    for relationship, _ in d.relationships():
        for pairing in relationship.pairings:
            parties = [pairing.mentee, relationship.mentor]
            rows = d.rows(relationship.programme_id, _orgs(parties))
            people = _ids(parties)
            if d.window.holds(pairing.started_at):
                table.add(rows, "started", people)
            if d.active(pairing):
                table.add(rows, "active", people)
            if pairing.ended_at is not None and d.window.holds(pairing.ended_at):
                table.add(rows, "ended_early" if pairing.ended_early else "completed", people)
                if pairing.ended_early:
                    reason = pairing.reason or "unknown"
                    reasons.add(reason)
                    endings.add(rows, reason, people)
    endings.columns = sorted(reasons)
    return table, endings


def _meeting_window(d: _Drawing, relationship: RelationshipFacts) -> tuple[date, date] | None:
    """The days a relationship ran within the period: first start to last end (or today)."""
    starts = [p.started_at.date() for p in relationship.pairings if p.started_at]
    if not starts:
        return None
    ends = [p.ended_at.date() for p in relationship.pairings if p.ended_at]
    running = len(ends) < len(relationship.pairings)
    first, last = min(starts), (d.today if running or not ends else max(ends))
    first = max(first, d.scope.since) if d.scope.since else first
    last = min(last, d.scope.until) if d.scope.until else last
    return (first, last) if first <= last else None


def meetings(d: _Drawing) -> tuple[TableBuilder, TableBuilder]:
    """Meetings held against the agreed cadence (checklist 5: are meetings happening?)."""
    cadence = TableBuilder(
        "meeting_cadence",
        "Meetings held against the programme's cadence",
        d.dimension.value,
        ["relationships", "on_cadence", "behind_cadence", "meetings_held"],
    )
    per = TableBuilder(
        "meetings_per_relationship",
        "Meetings per relationship: held and expected",
        d.dimension.value,
        ["held", "expected"],
        measure=Measure.MEAN,
    )
    for relationship, rows in d.relationships():
        window = _meeting_window(d, relationship)
        if window is None:
            continue
        people = _ids(relationship.parties())
        held = sum(
            window[0] <= m.held_at.date() <= window[1] for m in relationship.meetings.values()
        )
        programme = d.state.programmes.get(relationship.programme_id)
        every = programme.meeting_every_days if programme else None
        cadence.add(rows, "relationships", people)
        cadence.add(rows, "meetings_held", people, value=held)
        per.add(rows, "held", people, value=held)
        if every:
            expected = (window[1] - window[0]).days // every
            cadence.add(rows, "on_cadence" if held >= expected else "behind_cadence", people)
            per.add(rows, "expected", people, value=expected)
    return cadence, per


def goals(d: _Drawing) -> TableBuilder:
    """Goals achieved (checklist 4: achieved milestones and goals, without names)."""
    table = TableBuilder(
        "goals",
        "Goals achieved",
        d.dimension.value,
        ["short_term", "long_term", "relationships_with_a_goal_achieved"],
    )
    for relationship, rows in d.relationships():
        mentees = _ids(relationship.mentees())
        achieved = [g for g in relationship.goals.values() if d.window.holds(g.achieved_at)]
        for goal in achieved:
            table.add(rows, "long_term" if goal.term == "long" else "short_term", mentees)
        if achieved:
            table.add(rows, "relationships_with_a_goal_achieved", mentees)
    return table


def ratings_by_month(d: _Drawing) -> TableBuilder:
    """Commitment and OSKAR trends: the mean of each month's ratings."""
    table = TableBuilder(
        "ratings_by_month",
        "Commitment (1-10) and OSKAR scale (0-10) by month",
        "month",
        ["commitment", "oskar"],
        measure=Measure.MEAN,
    )
    for relationship, _ in d.relationships():
        mentees = _ids(relationship.mentees())
        for column, ratings in (
            ("commitment", relationship.commitment),
            ("oskar", relationship.oskar),
        ):
            for rating in ratings.values():
                if d.window.holds(rating.at):
                    table.add([month_of(rating.at)], column, mentees, value=rating.value)
    return table


def _circle_rows(d: _Drawing, circle: CircleFacts) -> set[str]:
    return d.rows(circle.programme_id, _orgs(circle.members))


def activity_by_month(d: _Drawing) -> TableBuilder:
    """What happened each month."""
    table = TableBuilder(
        "activity_by_month",
        "Activity by month",
        "month",
        [
            "relationships_started",
            "meetings_held",
            "goals_achieved",
            "ended_early",
            "messages_posted",
        ],
    )
    for relationship, _ in d.relationships():
        people = _ids(relationship.parties())
        for pairing in relationship.pairings:
            if d.window.holds(pairing.started_at) and pairing.started_at:
                table.add([month_of(pairing.started_at)], "relationships_started", people)
            if pairing.ended_early and pairing.ended_at and d.window.holds(pairing.ended_at):
                table.add([month_of(pairing.ended_at)], "ended_early", people)
        for meeting in relationship.meetings.values():
            if d.window.holds(meeting.held_at):
                table.add([month_of(meeting.held_at)], "meetings_held", people)
        for goal in relationship.goals.values():
            if d.window.holds(goal.achieved_at):
                table.add([month_of(goal.achieved_at)], "goals_achieved", people)
        _messages(d, table, relationship.messages, people)
    for circle in d.state.circles.values():
        if _circle_rows(d, circle):
            _messages(d, table, circle.messages, _ids(circle.members))
    return table


def _messages(
    d: _Drawing, table: TableBuilder, by_month: dict[str, int], people: list[str | None]
) -> None:
    for month, count in by_month.items():
        first_day = date(int(month[:4]), int(month[5:7]), 1)
        if (d.scope.until is None or first_day <= d.scope.until) and (
            d.scope.since is None or month >= month_of_date(d.scope.since)
        ):
            table.add([month], "messages_posted", people, value=count)


def month_of_date(day: date) -> str:
    """The month of a day, e.g. "2027-03"."""
    return f"{day.year:04d}-{day.month:02d}"


def _respondent(d: _Drawing, relationship_id: str | None, role: str, fallback: str) -> str | None:
    """Who answered, as far as the facts tell: the party of the relationship in that role
    (blank once erased); a group's mentees count as one (never more people than there are)."""
    if relationship_id is None:
        return fallback
    relationship = d.state.relationships.get(relationship_id)
    if relationship is None:
        return f"{relationship_id}:{role}"
    if role == "mentor":
        return relationship.mentor.member_id if relationship.mentor else None
    if len(relationship.pairings) == 1:
        return relationship.pairings[0].mentee.member_id
    return f"{relationship_id}:{role}"


def survey_scores(d: _Drawing) -> TableBuilder:
    """The mean answer to each rating or scale question, by survey kind (Resource 6)."""
    table = TableBuilder(
        "survey_scores",
        "Survey scores: mean per question",
        "question",
        ["mean"],
        measure=Measure.MEAN,
    )
    for survey in d.state.surveys.values():
        if not d.rows(survey.programme_id, {survey.organisation_id}):
            continue
        if not d.window.holds(survey.completed_at):
            continue
        respondent = _respondent(d, survey.relationship_id, survey.respondent_role, survey.id)
        for question, score in survey.scores.items():
            table.add([f"{survey.kind} · {question}"], "mean", [respondent], value=score)
    return table


def circles(d: _Drawing) -> TableBuilder:
    """Peer circles and their sessions (seed 001)."""
    table = TableBuilder(
        "circles",
        "Peer circles and sessions held",
        d.dimension.value,
        ["circles", "sessions_held", "session_minutes"],
    )
    for circle in d.state.circles.values():
        rows = _circle_rows(d, circle)
        people = _ids(circle.members)
        sessions = [s for s in circle.sessions.values() if d.window.holds(s.held_at)]
        if sessions or d.window.holds(circle.formed_at):
            table.add(rows, "circles", people)
        for session in sessions:
            table.add(rows, "sessions_held", people)
            table.add(rows, "session_minutes", people, value=session.minutes)
    return table


def figure_tables(
    state: OutcomeState, dimension: RowDimension, scope: Scope, today: date
) -> list[FigureTable]:
    """Every outcome table for `scope`, rows by `dimension`, before suppression."""
    d = _Drawing(state, scope, dimension, today)
    labels = d.labels() if dimension is not RowDimension.PROGRAMME else {}
    relationship_table, endings = relationships(d)
    cadence, per_relationship = meetings(d)
    by_row = [
        participation(d),
        matches(d),
        relationship_table,
        endings,
        cadence,
        per_relationship,
        goals(d),
        circles(d),
    ]
    return [
        *(table.build(labels) for table in by_row),
        ratings_by_month(d).build(),
        activity_by_month(d).build(),
        survey_scores(d).build(total=False),
    ]
