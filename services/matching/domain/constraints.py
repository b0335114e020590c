"""The hard constraints: pairs that are never suggested, whatever they would score.

A (mentee, mentor) pair is possible only when
- both are in the pool (`Candidate.eligible`: ready, consenting, with a profile) in those roles,
  and the mentor has capacity left;
- they are two people, neither is the other's line manager (a mentor is never the mentee's
  line manager, nor their direct report);
- they have no ended relationship behind them (the rules' `ended_pairs`, either way round);
- the programme's X-market rules hold: different organisations, and different (known) sectors
  when required;
- when the programme pairs organisations (seed 004, "organisations mentoring each other"), the
  two come from the two organisations of one pair;
- they have at least one weekly time both are free (time zones taken into account), a way of
  meeting in common (face to face only in the same location) and a language in common.

`why_impossible` names every rule a pair breaks, for reviewers; `[]` means the pair is possible.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field

from services.matching.domain.candidate import Candidate, ParticipantRole, ProgrammeTerms
from services.matching.domain.compatibility import (
    common_windows,
    languages_of,
    meeting_options,
    weekly_windows,
    zone,
)
from services.matching.domain.vocabulary import normalised

NOT_IN_POOL = "{name} is not in the pool: {why}"
NOT_A_MENTEE = "{name} takes part as {role}, not as a mentee"
NOT_A_MENTOR = "{name} takes part as {role}, not as a mentor"
NO_PROFILE = "{name} has no profile matching can use"
NO_CAPACITY = "{name} has no capacity left for mentees"
ONESELF = "nobody is matched with themselves"
LINE_MANAGER = "{mentor} is {mentee}'s line manager"
DIRECT_REPORT = "{mentee} is {mentor}'s line manager"
ENDED = "their mentoring relationship has already ended"
SAME_ORGANISATION = "both are from the same organisation; this programme matches across them"
SAME_SECTOR = "both work in {sector}; this programme matches across sectors"
SECTOR_UNKNOWN = "a sector is not known; this programme matches across sectors"
NO_TIME = "no weekly time when both are free (time zones taken into account)"
UNKNOWN_ZONE = "{name}'s time zone '{zone}' is not known"
NO_MODE = "no way of meeting in common (face to face needs the same location)"
NO_LANGUAGE = "no language in common"
NOT_PAIRED = (
    "their organisations are not paired in this programme (organisations mentor each other)"
)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """Two member ids in a canonical order (an ended pair is ended either way round)."""
    return (a, b) if a <= b else (b, a)


class MatchingRules(BaseModel):
    """The rules of one programme's round that are not in the profiles."""

    model_config = ConfigDict(frozen=True)

    different_organisations: bool = Field(
        default=False, description="X-market: never two members of one organisation"
    )
    different_sectors: bool = Field(
        default=False, description="X-market: never two members of one (known) sector"
    )
    ended_pairs: frozenset[tuple[str, str]] = Field(
        default_factory=frozenset, description="pairs whose relationship ended (pair_key order)"
    )
    organisation_pairs: frozenset[tuple[str, str]] = Field(
        default_factory=frozenset,
        description="organisations mentoring each other (pair_key order); empty: no pairing",
    )

    @classmethod
    def for_programme(
        cls,
        programme: ProgrammeTerms,
        *,
        ended_pairs: Iterable[tuple[str, str]] = (),
        different_organisations: bool | None = None,
        different_sectors: bool = False,
    ) -> MatchingRules:
        """A programme's rules: X-market circles take members of different organisations
        (and of different sectors when the programme requires it)."""
        if different_organisations is None:
            different_organisations = programme.model == "x_market_circle"
        return cls(
            different_organisations=different_organisations,
            different_sectors=different_sectors,
            ended_pairs=frozenset(pair_key(a, b) for a, b in ended_pairs),
            organisation_pairs=frozenset(
                pair_key(p.first, p.second) for p in programme.organisation_pairs
            ),
        )

    def has_ended(self, a: str, b: str) -> bool:
        """These two already had a relationship that ended."""
        return pair_key(a, b) in self.ended_pairs

    def partners(self) -> dict[str, str]:
        """Each paired organisation's partner in its pair."""
        return {x: y for a, b in self.organisation_pairs for x, y in ((a, b), (b, a))}

    def unpaired(self, organisation_a: str, organisation_b: str) -> bool:
        """The programme pairs organisations and these two are not one of its pairs."""
        return bool(self.organisation_pairs) and (
            pair_key(organisation_a, organisation_b) not in self.organisation_pairs
        )


def _name(candidate: Candidate) -> str:
    return candidate.profile.display_name if candidate.profile else candidate.member_id


def _in_role(candidate: Candidate, role: ParticipantRole, wrong: str) -> list[str]:
    name = _name(candidate)
    reasons: list[str] = []
    if candidate.role is not role:
        reasons.append(wrong.format(name=name, role=candidate.role.value))
    if not candidate.eligible:
        reasons.append(NOT_IN_POOL.format(name=name, why="; ".join(candidate.exclusions)))
    if candidate.profile is None:
        reasons.append(NO_PROFILE.format(name=name))
    return reasons


def why_impossible(mentee: Candidate, mentor: Candidate, rules: MatchingRules) -> list[str]:
    """Every hard constraint the (mentee, mentor) pair breaks; [] when it may be suggested."""
    reasons = _in_role(mentee, ParticipantRole.MENTEE, NOT_A_MENTEE)
    reasons += _in_role(mentor, ParticipantRole.MENTOR, NOT_A_MENTOR)
    if mentor.role is ParticipantRole.MENTOR and not (mentor.capacity or 0) > 0:
        reasons.append(NO_CAPACITY.format(name=_name(mentor)))
    return reasons + why_apart(mentee, mentor, rules)


def why_apart(a: Candidate, b: Candidate, rules: MatchingRules) -> list[str]:
    """The constraints between two people, whatever their roles (pairs and circles alike)."""
    reasons: list[str] = []
    if a.member_id == b.member_id:
        reasons.append(ONESELF)
    if a.profile is None or b.profile is None:
        return reasons
    pa, pb = a.profile, b.profile
    if pa.line_manager_id is not None and pa.line_manager_id == b.member_id:
        reasons.append(LINE_MANAGER.format(mentor=pb.display_name, mentee=pa.display_name))
    if pb.line_manager_id is not None and pb.line_manager_id == a.member_id:
        reasons.append(DIRECT_REPORT.format(mentor=pb.display_name, mentee=pa.display_name))
    if rules.has_ended(a.member_id, b.member_id):
        reasons.append(ENDED)
    if rules.different_organisations and a.organisation_id == b.organisation_id:
        reasons.append(SAME_ORGANISATION)
    if rules.unpaired(a.organisation_id, b.organisation_id):
        reasons.append(NOT_PAIRED)
    if rules.different_sectors:
        sa, sb = normalised(pa.sector), normalised(pb.sector)
        if sa is None or sb is None:
            reasons.append(SECTOR_UNKNOWN)
        elif sa == sb:
            reasons.append(SAME_SECTOR.format(sector=pb.sector))
    for member in (pa, pb):
        if zone(member.time_zone) is None:
            reasons.append(UNKNOWN_ZONE.format(name=member.display_name, zone=member.time_zone))
    if not common_windows(weekly_windows(pa), weekly_windows(pb)):
        reasons.append(NO_TIME)
    if not meeting_options(pa) & meeting_options(pb):
        reasons.append(NO_MODE)
    if not languages_of(pa) & languages_of(pb):
        reasons.append(NO_LANGUAGE)
    return reasons


def is_possible(mentee: Candidate, mentor: Candidate, rules: MatchingRules) -> bool:
    """The pair breaks no hard constraint."""
    return not why_impossible(mentee, mentor, rules)
