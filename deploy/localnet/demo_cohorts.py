"""Who lives the demo's mentoring: for each organisation's programme, a cohort of members its
HR system imported (and, for the X-market circle, members of the partner organisations), with
the profile each writes to be ready for their role.

Pure and deterministic: the same rows give the same cohorts on every run, so each example
provider can be told who signs in at it before it starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from deploy.localnet.identity import Person

# Pair and group models: (mentors, mentees) taking part, the demo mentor and mentee included.
# Group models have fewer mentors than mentees so that mentors gather mentees in groups.
PAIR_COHORTS: dict[str, tuple[int, int]] = {
    "one_to_one": (5, 6),  # one mentee waits for the next round: there are five mentors
    "group": (3, 6),
    "two_by_two": (3, 6),
    "team": (3, 6),
}
# How many mentees a mentor takes in each model (the programme's `max_mentees_per_mentor`).
MENTEES_PER_MENTOR: dict[str, int] = {"group": 3, "two_by_two": 2, "team": 3}
PEER_CIRCLE_PEERS = 8  # the demo mentor and mentee included
# X-market circles take one member per organisation, so the owner's two (its demo mentor and
# mentee) need two circles, and each circle needs four organisations at least: the partners
# send these many peers each, in the order of DEMO_ORGANISATIONS.
X_MARKET_PARTNER_PEERS = (2, 2, 2, 1, 1)
CIRCLE_MODELS = ("peer_circle", "x_market_circle")
# Weekdays 07:00-21:00 local: every two members overlap somewhere in the week, even between
# Aotearoa and Europe whatever the daylight-saving season (matching needs a common time).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
AVAILABILITY = [{"day": d, "start": "07:00", "end": "21:00"} for d in WEEKDAYS]
ZONES = {"NZ": "Pacific/Auckland", "IE": "Europe/Dublin"}


def zone_of(country: str) -> str:
    """The IANA time zone the demo's members of a country meet in."""
    return ZONES.get(country, "Europe/London")


@dataclass(frozen=True)
class CohortMember:
    """Someone who signs in at their organisation's provider and enrols in a programme."""

    person: Person
    home: str  # the name of the organisation they belong to (whose provider knows them)
    programme_of: str  # the name of the organisation whose programme they enrol in
    role: str  # mentor, mentee or peer
    profile: dict[str, Any]


def ready_profile(row: dict[str, Any], role: str, time_zone: str) -> dict[str, Any]:
    """The profile an imported member writes to be ready for `role`: their HR details, a
    shared weekly time, video and telephone, training or induction done, and consent to be
    seen across organisations (X-market programmes need it)."""
    today = date.today()
    mentor = role == "mentor"
    return {
        "display_name": row["display_name"],
        "skills": row["skills"],
        "development_goals": row["development_goals"],
        "sector": row["sector"],
        "job_level": ("senior" if mentor else "practitioner")
        if role != "peer"
        else row["job_level"],
        "time_zone": time_zone,
        "languages": row["languages"],
        "availability": AVAILABILITY,
        "meeting_modes": ["video", "telephone", *(["messaging"] if len(row["skills"]) > 3 else [])],
        "mentor_capacity": 3 if mentor else 0,
        "mentor_training_completed_on": str(today - timedelta(days=90)) if mentor else None,
        "mentee_induction_completed_on": None if mentor else str(today - timedelta(days=21)),
        "emcc_level": "practitioner" if mentor else None,
        "share_across_organisations": True,
    }


def _member(
    row: dict[str, Any], home: str, programme_of: str, role: str, zone: str, password: str
) -> CohortMember:
    email = str(row["email"])
    person = Person(email.split("@", 1)[0], email, str(row["display_name"]), password)
    return CohortMember(person, home, programme_of, role, ready_profile(row, role, zone))


def plan_cohorts(
    organisations: list[tuple[dict[str, Any], str]],
    rows: list[list[dict[str, Any]]],
    password: str,
) -> list[CohortMember]:
    """Every cohort of the demo: `organisations` are (profile, programme model) pairs and
    `rows[i]` the members organisation i imports. Each organisation's own cohort comes from
    the start of its rows, X-market peers from the end of the partners' rows (nobody is in
    two cohorts). The demo mentor and mentee are not listed: they enrol already."""
    cohorts: list[CohortMember] = []
    for (spec, model), members in zip(organisations, rows, strict=True):
        name, zone = spec["name"], zone_of(spec["country"])
        if model in PAIR_COHORTS:
            mentors, mentees = PAIR_COHORTS[model]
            roles = ["mentor"] * (mentors - 1) + ["mentee"] * (mentees - 1)
        elif model == "peer_circle":
            roles = ["peer"] * (PEER_CIRCLE_PEERS - 2)
        else:
            roles = []
        cohorts += [
            _member(row, name, name, role, zone, password)
            for row, role in zip(members, roles, strict=False)
        ]
        if model == "x_market_circle":
            cohorts += _x_market_peers(organisations, rows, name, password)
    return cohorts


def _x_market_peers(
    organisations: list[tuple[dict[str, Any], str]],
    rows: list[list[dict[str, Any]]],
    owner: str,
    password: str,
) -> list[CohortMember]:
    """Peers the partners send to `owner`'s X-market circle programme, from the end of
    their rows; each keeps their own time zone."""
    partners = [(s, r) for (s, _), r in zip(organisations, rows, strict=True) if s["name"] != owner]
    return [
        _member(row, spec["name"], owner, "peer", zone_of(spec["country"]), password)
        for (spec, members), count in zip(partners, X_MARKET_PARTNER_PEERS, strict=False)
        for row in members[len(members) - count :]
    ]


def as_recorded_by_hr(
    rows: list[dict[str, Any]], cohorts: list[CohortMember]
) -> list[dict[str, Any]]:
    """An organisation's HR rows with its cohort members' readiness on record: each of their
    rows says what their own profile says (in the columns the row has). Every `up`
    re-imports the rows, and an import updates a known member whose row differs from their
    profile: this way it leaves the profiles they wrote as they are."""
    wrote = {c.person.email: c.profile for c in cohorts}
    return [
        {k: wrote[row["email"]].get(k, v) for k, v in row.items()} if row["email"] in wrote else row
        for row in rows
    ]


def people_of(cohorts: list[CohortMember], organisation: str) -> list[Person]:
    """The cohort members an organisation's provider must know."""
    return [c.person for c in cohorts if c.home == organisation]
