"""The programmes page: every programme the member's organisation takes part in, where the
member is enrolled and as what, and the roles they can enrol in now; and a self-match
programme's suggested mentors."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.enrolments import not_ready, roles_of
from services.portal.domain.matching import (
    Enrolment,
    Programme,
    Proposal,
    ProposalList,
    Suggestion,
    SuggestionList,
)
from services.portal.domain.people import People
from services.portal.domain.profiles import Profile
from services.portal.domain.proposals import OPEN
from services.portal.pages.parts import Missing, or_none, part, people

# Open programmes first: they are the ones a member can act on.
_STATUS_ORDER = {"open": 0, "running": 1, "draft": 2, "closed": 3}


@dataclass(frozen=True)
class ProgrammeEntry:
    """One programme as the member sees it."""

    programme: Programme
    enrolment: Enrolment | None
    roles: tuple[str, ...]  # the roles they can enrol in now (none once enrolled)
    not_ready: dict[str, str]  # role → what stands in the way, before they try

    @property
    def suggestions_link(self) -> bool:
        """An enrolled mentee of a self-match programme finds their own mentor."""
        return (
            self.programme.design.self_match
            and self.enrolment is not None
            and self.enrolment.role == "mentee"
        )


@dataclass(frozen=True)
class ProgrammesPage:
    """The programmes page's content."""

    entries: list[ProgrammeEntry]
    profile: Profile | None
    missing: list[Missing]


async def programmes_page(member: Member) -> ProgrammesPage:
    """The organisation's programmes, the member's enrolments and profile, side by side."""
    api = member.api
    programmes, enrolments, profile = await asyncio.gather(
        api.get(Service.REGISTRY, "/programmes", list[Programme]),
        part(api.get(Service.REGISTRY, "/me/enrolments", list[Enrolment])),
        part(or_none(api.get(Service.REGISTRY, "/me/profile", Profile))),
    )
    missing = [x for x in (enrolments, profile) if isinstance(x, Missing)]
    mine = {} if isinstance(enrolments, Missing) else {e.programme_id: e for e in enrolments}
    known = None if isinstance(profile, Missing) else profile
    entries = []
    for programme in sorted(programmes, key=lambda p: _STATUS_ORDER.get(p.status, 9)):
        enrolment = mine.get(programme.id)
        can_enrol = enrolment is None and programme.open_to(member.organisation_id)
        roles = roles_of(programme) if can_enrol else ()
        notes = {}
        if not isinstance(profile, Missing):
            notes = {r: note for r in roles if (note := not_ready(known, r))}
        entries.append(ProgrammeEntry(programme, enrolment, roles, notes))
    return ProgrammesPage(entries, known, missing)


@dataclass(frozen=True)
class SuggestionsPage:
    """A self-match mentee's best possible mentors, and what they asked for already."""

    programme: Programme
    suggestions: list[Suggestion]
    asked: list[Proposal]  # their open or accepted proposals in the programme
    people: People


async def suggestions_page(member: Member, programme_id: str) -> SuggestionsPage:
    """The programme (404 for other organisations), its suggestions for the member (404 unless
    they are an enrolled mentee of a self-match programme) and their proposals in it."""
    api = member.api
    programme, found, proposals = await asyncio.gather(
        api.get(Service.REGISTRY, f"/programmes/{programme_id}", Programme),
        api.get(Service.MATCHING, f"/programmes/{programme_id}/suggestions", SuggestionList),
        or_none(api.get(Service.MATCHING, f"/programmes/{programme_id}/proposals", ProposalList)),
    )
    asked = [
        p
        for p in (proposals.proposals if proposals else [])
        if p.status in (*OPEN, "accepted") and p.mentee_id == member.member_id
    ]
    pairs = [
        (s.mentor_organisation_id, s.mentor_id)
        for s in found.suggestions
        if s.mentor_organisation_id
    ]
    pairs += [p.other(member.member_id) for p in asked]
    named = await people(api, member.member_id, pairs)
    return SuggestionsPage(programme, found.suggestions, asked, named)
