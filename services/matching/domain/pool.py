"""The pool rule: who of a programme's enrolled members can be matched, and why not.

A programme's pool is its enrolled members who
- have a profile (matching knows nothing else about them);
- are ready for their role: a mentor has completed mentor training (`ready_as_mentor`), a
  mentee or peer the induction (`ready_as_mentee`) — seed 002 makes both mandatory;
- when the programme crosses organisations, consent to share their profile across them;
- as mentors, have capacity left: their own `mentor_capacity`, capped by the programme's
  `max_mentees_per_mentor`, less the mentees they already have in it.
Everyone else is left out with every reason that applies, so a co-ordinator can act on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.matching.domain.candidate import (
    Candidate,
    Enrolment,
    MatchingProfile,
    ParticipantRole,
    ProgrammeTerms,
    Readiness,
    Withheld,
)
from services.matching.domain.collector import paused_collector

NOT_PARTICIPATING = "their organisation does not take part in this programme"
WRONG_ROLE_FOR_CIRCLE = "a circle has peers, not mentors or mentees"
WRONG_ROLE_FOR_PAIRS = "this programme pairs mentors with mentees; peers are for circles"
NO_PROFILE = "no profile yet"
NOT_CONSENTING = "not consenting to share across organisations"
NOT_TRAINED = "mentor training not complete"
NOT_INDUCTED = "mentee induction not complete"
NO_CAPACITY = "no capacity for mentees (their mentor capacity is 0)"
FULL = "no capacity left: already has as many mentees as allowed"

ProfileState = MatchingProfile | Withheld | None


def mentor_capacity(programme: ProgrammeTerms, profile: MatchingProfile, matched: int = 0) -> int:
    """Mentees a mentor can still take in the programme (never below 0)."""
    return max(0, min(profile.mentor_capacity, programme.max_mentees_per_mentor) - matched)


def assess(
    programme: ProgrammeTerms,
    enrolment: Enrolment,
    profile: ProfileState,
    readiness: Readiness | None,
    matched: int = 0,
) -> Candidate:
    """One enrolled member against the pool rule."""
    reasons: list[str] = []
    if enrolment.organisation_id not in {programme.owner_organisation_id, *programme.organisations}:
        reasons.append(NOT_PARTICIPATING)
    if programme.is_circle and enrolment.role is not ParticipantRole.PEER:
        reasons.append(WRONG_ROLE_FOR_CIRCLE)
    if not programme.is_circle and enrolment.role is ParticipantRole.PEER:
        reasons.append(WRONG_ROLE_FOR_PAIRS)
    if isinstance(profile, Withheld):
        # Its member belongs to another organisation than the viewer's and keeps it there.
        return _candidate(enrolment, [*reasons, NOT_CONSENTING], None, None, None)
    if profile is None:
        reasons.append(NO_PROFILE)
    elif programme.crosses_organisations and not profile.share_across_organisations:
        reasons.append(NOT_CONSENTING)
    ready = readiness or Readiness()
    if enrolment.role is ParticipantRole.MENTOR and not ready.ready_as_mentor:
        reasons.append(NOT_TRAINED)
    if enrolment.role is not ParticipantRole.MENTOR and not ready.ready_as_mentee:
        reasons.append(NOT_INDUCTED)
    capacity = None
    if enrolment.role is ParticipantRole.MENTOR and profile is not None:
        capacity = mentor_capacity(programme, profile, matched)
        if profile.mentor_capacity == 0:
            reasons.append(NO_CAPACITY)
        elif capacity == 0:
            reasons.append(FULL)
    return _candidate(enrolment, reasons, profile, readiness, capacity)


def _candidate(
    enrolment: Enrolment,
    reasons: list[str],
    profile: MatchingProfile | None,
    readiness: Readiness | None,
    capacity: int | None,
) -> Candidate:
    return Candidate(
        member_id=enrolment.member_id,
        organisation_id=enrolment.organisation_id,
        role=enrolment.role,
        eligible=not reasons,
        exclusions=list(dict.fromkeys(reasons)),
        profile=profile,
        readiness=readiness,
        capacity=capacity,
    )


_ROLE_ORDER = {ParticipantRole.MENTOR: 0, ParticipantRole.MENTEE: 1, ParticipantRole.PEER: 2}


def candidate_pool(
    programme: ProgrammeTerms,
    enrolments: Iterable[Enrolment],
    profiles: Mapping[str, ProfileState],
    readiness: Mapping[str, Readiness],
    matched: Mapping[str, int] | None = None,
) -> list[Candidate]:
    """Every enrolment of the programme assessed: the eligible first, then by role and name."""
    matched = matched or {}
    with paused_collector():
        return _pool(programme, enrolments, profiles, readiness, matched)


def _pool(
    programme: ProgrammeTerms,
    enrolments: Iterable[Enrolment],
    profiles: Mapping[str, ProfileState],
    readiness: Mapping[str, Readiness],
    matched: Mapping[str, int],
) -> list[Candidate]:
    candidates = [
        assess(
            programme,
            e,
            profiles.get(e.member_id),
            readiness.get(e.member_id),
            matched.get(e.member_id, 0),
        )
        for e in enrolments
        if e.programme_id == programme.programme_id
    ]
    return sorted(
        candidates,
        key=lambda c: (
            not c.eligible,
            _ROLE_ORDER[c.role],
            c.profile.display_name.casefold() if c.profile else "",
            c.member_id,
        ),
    )
