"""A small network's history as events, for the outcome fold and figure tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.matching import (
    CircleFormed,
    CircleMember,
    MatchAccepted,
    MatchDeclined,
    MatchProposed,
)
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberReadinessChanged,
    OrganisationJoined,
    ProgrammePublished,
)
from shared.contracts.sessions import (
    AgreementSigned,
    CircleSessionHeld,
    CommitmentRated,
    GoalAchieved,
    MeetingHeld,
    MessagePosted,
    OskarScaled,
    RelationshipEnded,
    RelationshipPhaseChanged,
    RelationshipStarted,
)
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience, EventData

A, B = "org_aaaaaaaaaaaa", "org_bbbbbbbbbbbb"
P = "prg_111111111111"
COORDINATOR = "mem_c00000000000000c"
T0 = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


# The fields that name a pair's programme and parties, in matching's and sessions' events.
PARTIES = {
    "programme_id",
    "mentee_id",
    "mentee_organisation_id",
    "mentor_id",
    "mentor_organisation_id",
}


def at(days: float) -> datetime:
    """A moment `days` after the story starts."""
    return T0 + timedelta(days=days)


def event(
    data: EventData, organisation: str | None, when: datetime, *, network: bool = False
) -> InboundEvent[Any]:
    """An event as the consumer hands it over, published at `when`."""
    envelope = new_event(
        data,
        organisation=organisation,
        audience=Audience.NETWORK if network else Audience.ORGANISATION,
    ).model_copy(update={"time": when})
    return InboundEvent(envelope=envelope, data=data)


def member(organisation: str, n: int) -> str:
    """A member id of an organisation."""
    return f"mem_{organisation[-1]}{n:015d}"


def one_to_one_programme(
    programme: str,
    organisations: list[str],
    coordinators: list[str],
    *,
    starts_on: date = date(2027, 1, 11),
    ends_on: date = date(2027, 12, 17),
) -> ProgrammePublished:
    """A one-to-one programme of `organisations`, owned by the first: a meeting every 28 days
    of 45 to 90 minutes, one mentee per mentor, sectors and organisations free to mix."""
    return ProgrammePublished(
        programme_id=programme,
        owner_organisation_id=organisations[0],
        organisations=organisations,
        coordinators=coordinators,
        model="one_to_one",
        starts_on=starts_on,
        ends_on=ends_on,
        meeting_every_days=28,
        min_meeting_minutes=45,
        max_meeting_minutes=90,
        max_mentees_per_mentor=1,
        require_different_sectors=False,
        self_match=False,
    )


def enrolment(
    programme: str, member: str, organisation: str, role: str, *, ready: bool = True
) -> tuple[MemberEnrolled, MemberReadinessChanged]:
    """`member` enrolled in `programme` as `role`, and then ready (or not) to be one."""
    return (
        MemberEnrolled(
            programme_id=programme, member_id=member, organisation_id=organisation, role=role
        ),
        MemberReadinessChanged(
            member_id=member,
            organisation_id=organisation,
            ready_as_mentor=ready and role == "mentor",
            ready_as_mentee=ready and role == "mentee",
        ),
    )


def proposed_and_accepted(
    proposal: str,
    programme: str,
    mentee: tuple[str, str],
    mentor: tuple[str, str],
    *,
    score: float,
    accepted_at: datetime,
) -> tuple[MatchProposed, MatchAccepted]:
    """A round's proposal of `mentee` to `mentor` ((member, organisation) each), and both
    parties' acceptance of it."""
    pair = {
        "proposal_id": proposal,
        "programme_id": programme,
        "mentee_id": mentee[0],
        "mentee_organisation_id": mentee[1],
        "mentor_id": mentor[0],
        "mentor_organisation_id": mentor[1],
    }
    return (
        MatchProposed(score=score, origin="round", **pair),
        MatchAccepted(accepted_at=accepted_at, **pair),
    )


def ended_early(
    relationship: str, accepted: MatchAccepted, reason: str, ended_at: datetime
) -> RelationshipEnded:
    """The mentee's early ending, with no rematch, of the relationship `accepted` started."""
    return RelationshipEnded(
        relationship_id=relationship,
        ended_by="mentee",
        ended_early=True,
        reason=reason,
        rematch_requested=False,
        ended_at=ended_at,
        **accepted.model_dump(include=PARTIES),
    )


def story() -> list[InboundEvent[Any]]:
    """Two organisations in one programme (28-day cadence): six mentees of A with mentors of
    B (cross-organisation, network records), one pair inside A; meetings, ratings, goals,
    endings, surveys, a circle, and the erasure of one of A's mentees."""
    events = [
        event(OrganisationJoined(organisation_id=A, name="Alder", joined_at=at(0)), A, at(0)),
        event(OrganisationJoined(organisation_id=B, name="Birch", joined_at=at(0)), B, at(0)),
        event(one_to_one_programme(P, [A, B], [COORDINATOR]), A, at(1), network=True),
    ]
    for organisation, role in ((A, "mentee"), (B, "mentor")):
        for n in range(7):
            # A's seventh enrols as a mentee but is not ready to be one.
            ready = role == "mentor" or n != 6
            enrolled, readiness = enrolment(
                P, member(organisation, n), organisation, role, ready=ready
            )
            events += [event(enrolled, organisation, at(2)), event(readiness, organisation, at(3))]
    for n in range(7):
        mentee, mentor = member(A, n), member(B, n)
        proposal = f"prp_{n:016d}"
        home = None if n < 6 else A  # pair 6 is inside A (its mentor is A's too)
        mentor_org = B if home is None else A
        mentor = mentor if home is None else member(A, 100)
        proposed, accepted = proposed_and_accepted(
            proposal, P, (mentee, A), (mentor, mentor_org), score=0.7, accepted_at=at(5)
        )
        events += [
            event(proposed, None, at(4), network=True),
            event(accepted, None, at(5), network=True),
        ]
        rel = f"rel_{n:016d}"
        parties = {"relationship_id": rel, **accepted.model_dump(include=PARTIES)}
        events.append(
            event(
                RelationshipStarted(proposal_id=proposal, started_at=at(6), **parties),
                home,
                at(6),
                network=home is None,
            )
        )
        events.append(
            event(
                AgreementSigned(version=1, signed_at=at(7), **parties),
                home,
                at(7),
                network=home is None,
            )
        )
        events.append(
            event(
                RelationshipPhaseChanged(
                    relationship_id=rel, programme_id=P, phase="setting_direction", changed_at=at(8)
                ),
                home,
                at(8),
                network=home is None,
            )
        )
        for m in range(n % 3 + 1):  # 1, 2 or 3 meetings
            events.append(
                event(
                    MeetingHeld(
                        meeting_id=f"mtg_{n}{m:015d}",
                        relationship_id=rel,
                        programme_id=P,
                        held_at=at(10 + 28 * m),
                        minutes=60,
                        method="video",
                    ),
                    home,
                    at(10 + 28 * m),
                    network=home is None,
                )
            )
        events.append(
            event(
                CommitmentRated(
                    relationship_id=rel, programme_id=P, rating=6 + n % 3, rated_at=at(10)
                ),
                home,
                at(10),
                network=home is None,
            )
        )
        events.append(
            event(
                OskarScaled(
                    relationship_id=rel,
                    programme_id=P,
                    goal_id=f"gol_{n:016d}",
                    scale=4,
                    recorded_at=at(40),
                ),
                home,
                at(40),
                network=home is None,
            )
        )
        events.append(
            event(
                MessagePosted(
                    thread_kind="relationship", thread_id=rel, programme_id=P, posted_at=at(12)
                ),
                home,
                at(12),
                network=home is None,
            )
        )
        if n < 5:
            events.append(
                event(
                    GoalAchieved(
                        relationship_id=rel,
                        programme_id=P,
                        goal_id=f"gol_{n:016d}",
                        term="short",
                        achieved_at=at(50),
                    ),
                    home,
                    at(50),
                    network=home is None,
                )
            )
        if n in (0, 1):
            events.append(
                event(
                    RelationshipEnded(
                        ended_by="mentee",
                        ended_early=n == 0,
                        reason="no_time" if n == 0 else "goals_achieved",
                        rematch_requested=False,
                        ended_at=at(60),
                        **parties,
                    ),
                    home,
                    at(60),
                    network=home is None,
                )
            )
        events.append(
            event(
                SurveyCompleted(
                    survey_id=f"srv_{n:016d}",
                    template_id="tpl_mentee_end",
                    kind="mentee",
                    programme_id=P,
                    relationship_id=rel,
                    organisation_id=A,
                    respondent_role="mentee",
                    scores={"q1": 3 + n % 3},
                    completed_at=at(55),
                ),
                A,
                at(55),
            )
        )
    events.append(
        event(
            MatchDeclined(
                proposal_id="prp_9999999999999999",
                programme_id=P,
                mentee_id=member(A, 0),
                mentor_id=member(B, 6),
                declined_by="mentor",
                reason="no_time",
                declined_at=at(4),
            ),
            None,
            at(4),
            network=True,
        )
    )
    circle = "cir_0000000000000001"
    events.append(
        event(
            CircleFormed(
                circle_id=circle,
                programme_id=P,
                members=[CircleMember(member_id=member(B, n), organisation_id=B) for n in range(5)],
                formed_at=at(5),
            ),
            None,
            at(5),
            network=True,
        )
    )
    events.append(
        event(
            CircleSessionHeld(
                circle_id=circle,
                programme_id=P,
                format="good_news_analysis",
                held_at=at(20),
                minutes=90,
                attendees=5,
            ),
            None,
            at(20),
            network=True,
        )
    )
    events.append(
        event(MemberErased(member_id=member(A, 5), organisation_id=A, erased_at=at(70)), A, at(70))
    )
    return events
