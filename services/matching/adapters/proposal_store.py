"""Matching rounds and proposals, through the data door, for the caller.

Proposals are cross-organisation records with an explicit pair of participants: one document
per pairing in the matching network database (`proposals`), keyed by the pair's one possible
id (`proposal_id`), so a pair is proposed at most once in a programme. Every change is one
single-document write conditioned on the proposal's `version`, carrying its events in the same
write (the outbox), so `match.accepted` is published exactly once.

Who may do what:
- a programme's co-ordinators run rounds, read every proposal, approve, reject and propose;
- a party (the mentee or the mentor) reads, accepts and declines their own proposals;
- an enrolled mentee of a self-match programme reads their suggestions and requests a mentor;
- anyone else gets 404, as for something that does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.matching.adapters.pool_store import PoolStore
from services.matching.adapters.read_model import ENROLMENTS, PROGRAMMES
from services.matching.domain import proposals as rules_of
from services.matching.domain.assignment import optimal_assignment
from services.matching.domain.candidate import (
    Candidate,
    ProgrammeTerms,
)
from services.matching.domain.candidate_graph import (
    candidate_graph,
    suggestions_of,
    top_suggestions,
)
from services.matching.domain.constraints import MatchingRules, pair_key, why_impossible
from services.matching.domain.proposals import (
    HOLDING,
    Change,
    DeclineReason,
    Origin,
    Proposal,
    ProposalStatus,
    proposal_id,
    proposed_before,
    still_to_match,
)
from services.matching.domain.scoring import Direction, Suggestion, Weights, score_pair
from shared.auth.principal import CallerKind, Principal
from shared.contracts.matching import MatchAccepted, MatchDeclined, MatchProposed
from shared.contracts.registry import MemberErased
from shared.contracts.sessions import RelationshipEnded
from shared.errors import ConflictError, DomainError, NotFoundError
from shared.events.catalogue import InboundEvent, new_event
from shared.events.envelope import Audience, Envelope
from shared.mongo.databases import Document
from shared.mongo.effects import insert_once
from shared.mongo.outbox import OutboxWriter
from shared.tenancy import TenantData

PROPOSALS = "proposals"  # network: one document per (programme, mentee, mentor)
ENDED_PAIRS = "ended_pairs"  # network: pairs whose relationship ended (from sessions)
SUGGESTIONS_SHOWN = 5
ATTEMPTS = 5
# A round's steps, as a job reports them (done of ROUND_STEPS, in the step's words).
ROUND_STEPS = ("scoring pairs", "assigning", "writing proposals")

Report = Callable[[int, int, str], Awaitable[None]]
"""How far a round has got: done steps, of how many, in which step."""


async def _unreported(done: int, total: int, step: str) -> None:
    """A round run for an answer on the spot reports to nobody."""


class ImpossiblePairError(DomainError):
    """A pair a co-ordinator or mentee asked for breaks hard constraints."""

    status = 422
    error = "impossible_pair"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("this pair cannot be matched: " + "; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Programme:
    """A programme's terms and the rules matching reads from its publication."""

    terms: ProgrammeTerms
    require_different_sectors: bool
    self_match: bool
    weights: Weights

    @property
    def direction(self) -> Direction:
        """Which way its pairs mentor (seed 004: conventional, reverse or two-way)."""
        return Direction.of(self.terms)


@dataclass(frozen=True)
class RoundResult:
    """What a round proposed and who it left without a mentor."""

    proposals: list[Proposal]
    unmatched: list[str]
    total_score: float


def _programme(document: Document | None) -> Programme | None:
    terms = (document or {}).get("terms")
    if document is None or terms is None:
        return None
    programme_terms = ProgrammeTerms.model_validate(
        {**terms, "status": document.get("status", "open")}
    )
    stored = document.get("weights")
    weights = Weights.model_validate(stored) if stored else Weights.for_programme(programme_terms)
    return Programme(
        terms=programme_terms,
        require_different_sectors=bool(terms.get("require_different_sectors", False)),
        self_match=bool(terms.get("self_match", False)),
        weights=weights,
    )


def _proposal(document: Document) -> Proposal:
    return Proposal.model_validate({**document, "id": document["_id"]})


def _document(p: Proposal) -> Document:
    body = p.model_dump(mode="json", exclude={"id"})
    body["created_at"] = p.created_at
    body["accepted_at"] = p.accepted_at
    return {"_id": p.id, **body}


def _is_member(caller: Principal) -> bool:
    return caller.kind is CallerKind.MEMBER


class ProposalStore:
    """Rounds, proposals and self-match suggestions as their callers may see and change them."""

    def __init__(self, data: TenantData, outbox: OutboxWriter) -> None:
        self._data = data
        self._outbox = outbox
        self._pools = PoolStore(data)

    # --- reading what a caller may see -------------------------------------------------

    async def programme(self, programme_id: str) -> Programme | None:
        return _programme(await self._data.network(PROGRAMMES).find_one({"_id": programme_id}))

    async def coordinated(self, caller: Principal, programme_id: str) -> Programme:
        programme = await self.programme(programme_id)
        if (
            programme is None
            or not _is_member(caller)
            or not programme.terms.is_coordinated_by(caller.subject)
        ):
            raise NotFoundError(f"no programme {programme_id!r} that you co-ordinate")
        return programme

    async def set_weights(self, caller: Principal, programme_id: str, weights: Weights) -> Weights:
        """A co-ordinator sets how much each criterion counts in the programme's rounds."""
        programme = await self.coordinated(caller, programme_id)
        await self._data.network(PROGRAMMES).update_one(
            {"_id": programme.terms.programme_id}, {"$set": {"weights": weights.model_dump()}}
        )
        return weights

    async def pool_as(self, caller: Principal, programme: Programme) -> list[Candidate]:
        """Every enrolled member assessed, as the caller may see their profiles."""
        return await self._pools.assess(caller, programme.terms)

    async def _proposals_of(self, programme_id: str) -> list[Proposal]:
        found = await self._data.network(PROPOSALS).find({"programme_id": programme_id}).to_list()
        return sorted((_proposal(d) for d in found), key=lambda p: (p.created_at, p.id))

    async def _load(self, proposal_id: str) -> Proposal:
        document = await self._data.network(PROPOSALS).find_one({"_id": proposal_id})
        if document is None:
            raise NotFoundError(f"no proposal {proposal_id!r} that you can see")
        return _proposal(document)

    async def proposals(self, caller: Principal, programme_id: str) -> list[Proposal]:
        """Co-ordinators: every proposal of the programme; an enrolled member: their own."""
        programme = await self.programme(programme_id)
        if programme is None or not _is_member(caller):
            raise NotFoundError(f"no programme {programme_id!r} that you take part in")
        if programme.terms.is_coordinated_by(caller.subject):
            return await self._proposals_of(programme_id)
        if not await self.is_enrolled(caller, programme_id):
            raise NotFoundError(f"no programme {programme_id!r} that you take part in")
        found = (
            await self._data.network(PROPOSALS)
            .find(
                {
                    "programme_id": programme_id,
                    "$or": [{"mentee_id": caller.subject}, {"mentor_id": caller.subject}],
                }
            )
            .to_list()
        )
        return sorted((_proposal(d) for d in found), key=lambda p: (p.created_at, p.id))

    async def is_enrolled(
        self, caller: Principal, programme_id: str, role: str | None = None
    ) -> bool:
        query: Document = {"programme_id": programme_id, "member_id": caller.subject}
        if role is not None:
            query["role"] = role
        found = await self._data.network(ENROLMENTS).find_one(query, projection={"_id": 1})
        return found is not None and _is_member(caller)

    async def on_erased(self, events: Sequence[InboundEvent[MemberErased]]) -> None:
        """Erased members' proposals go (the pair and its scores name them)."""
        erased = sorted({e.data.member_id for e in events})
        if erased:
            await self._data.network(PROPOSALS).delete_many(
                {"$or": [{"mentee_id": {"$in": erased}}, {"mentor_id": {"$in": erased}}]}
            )

    # --- rounds ---------------------------------------------------------------------------

    async def on_relationship_ended(
        self, events: Sequence[InboundEvent[RelationshipEnded]]
    ) -> None:
        """Remember pairs whose relationship ended (sessions), in any programme: such a pair
        is never proposed again (a redelivery inserts nothing new)."""
        await insert_once(
            self._data.network(ENDED_PAIRS),
            [
                {
                    "_id": ":".join(pair_key(e.data.mentee_id, e.data.mentor_id)),
                    "members": list(pair_key(e.data.mentee_id, e.data.mentor_id)),
                    "programme_id": e.data.programme_id,
                    "ended_at": e.data.ended_at,
                }
                for e in events
            ],
        )

    async def _rules(self, programme: Programme, existing: Sequence[Proposal]) -> MatchingRules:
        # Every pair that ever had a proposal in this programme is out (declined and rejected
        # pairs are never proposed again; open or accepted ones exist already), and so is every
        # pair whose relationship ended, in any programme.
        ended = [
            (d["members"][0], d["members"][1])
            async for d in self._data.network(ENDED_PAIRS).find({}, projection={"members": 1})
        ]
        return MatchingRules.for_programme(
            programme.terms,
            ended_pairs=[*proposed_before(existing), *ended],
            different_sectors=programme.require_different_sectors,
        )

    @staticmethod
    def _available(pool: list[Candidate], existing: Sequence[Proposal]) -> list[Candidate]:
        return still_to_match(pool, existing)

    async def round_programme(self, caller: Principal, programme_id: str) -> Programme:
        """The programme a round is for: one the caller co-ordinates (404), of pairs (409)."""
        programme = await self.coordinated(caller, programme_id)
        if programme.terms.is_circle:
            raise ConflictError("this programme groups peers into circles, not pairs")
        return programme

    async def run_round(
        self, caller: Principal, programme_id: str, report: Report = _unreported
    ) -> RoundResult:
        """Pool → rules → candidate graph → optimal assignment; one proposal per pairing.
        Each of ROUND_STEPS is reported as it begins, and the end once written."""
        programme = await self.round_programme(caller, programme_id)
        steps = len(ROUND_STEPS)
        await report(0, steps, ROUND_STEPS[0])
        existing = await self._proposals_of(programme_id)
        pool = self._available(await self.pool_as(caller, programme), existing)
        weights = programme.weights
        rules = await self._rules(programme, existing)
        # Scoring and assigning are numpy work: off the event loop, so the service keeps
        # answering (a round's own progress among it) while a big round runs.
        graph = await asyncio.to_thread(
            candidate_graph, pool, rules, weights, direction=programme.direction
        )
        await report(1, steps, ROUND_STEPS[1])
        assignment = await asyncio.to_thread(optimal_assignment, graph)
        await report(2, steps, ROUND_STEPS[2])
        by_id = {c.member_id: c for c in pool}
        now = datetime.now(UTC)
        # The pairings' scores come from the graph; only their reasons are written here.
        explained = await asyncio.to_thread(suggestions_of, graph, assignment.chosen, weights)
        created = [
            self._new(programme, suggestion, by_id, Origin.ROUND, now) for suggestion in explained
        ]
        await self._insert(created)
        await report(steps, steps, ROUND_STEPS[2])
        return RoundResult(created, list(assignment.unmatched), assignment.total_score)

    def _new(
        self,
        programme: Programme,
        suggestion: Suggestion,
        by_id: dict[str, Candidate],
        origin: Origin,
        now: datetime,
    ) -> Proposal:
        mentee, mentor = by_id[suggestion.mentee_id], by_id[suggestion.mentor_id]
        status = ProposalStatus.APPROVED if origin is Origin.REQUEST else ProposalStatus.PROPOSED
        return Proposal(
            id=proposal_id(programme.terms.programme_id, mentee.member_id, mentor.member_id),
            programme_id=programme.terms.programme_id,
            mentee_id=mentee.member_id,
            mentee_organisation_id=mentee.organisation_id,
            mentor_id=mentor.member_id,
            mentor_organisation_id=mentor.organisation_id,
            origin=origin,
            status=status,
            score=suggestion.total,
            scores=suggestion.scores,
            created_at=now,
        )

    async def _insert(self, created: list[Proposal]) -> None:
        if not created:
            return
        items: list[tuple[Document, Sequence[Envelope]]] = [
            (_document(p), [self._proposed(p)]) for p in created
        ]
        try:
            for start in range(0, len(items), 500):
                await self._outbox.insert_many(
                    self._data.network(PROPOSALS), items[start : start + 500]
                )
        except (BulkWriteError, DuplicateKeyError) as exc:
            raise ConflictError("a pair was proposed meanwhile; run the round again") from exc

    @staticmethod
    def _proposed(p: Proposal) -> Envelope:
        data = MatchProposed(
            proposal_id=p.id,
            programme_id=p.programme_id,
            mentee_id=p.mentee_id,
            mentee_organisation_id=p.mentee_organisation_id,
            mentor_id=p.mentor_id,
            mentor_organisation_id=p.mentor_organisation_id,
            score=p.score,
            origin=p.origin.value,
        )
        return new_event(data, organisation=None, subject=p.id, audience=Audience.NETWORK)

    async def propose(
        self, caller: Principal, programme_id: str, mentee_id: str, mentor_id: str
    ) -> Proposal:
        """A co-ordinator proposes a pair of their choosing (a swap); refused with every
        hard constraint it breaks."""
        programme = await self.coordinated(caller, programme_id)
        return await self._propose_pair(caller, programme, mentee_id, mentor_id, Origin.COORDINATOR)

    async def _propose_pair(
        self,
        caller: Principal,
        programme: Programme,
        mentee_id: str,
        mentor_id: str,
        origin: Origin,
    ) -> Proposal:
        existing = await self._proposals_of(programme.terms.programme_id)
        pool = self._available(await self.pool_as(caller, programme), existing)
        by_id = {c.member_id: c for c in pool}
        reasons: list[str] = []
        holding = any(p.mentee_id == mentee_id and p.status in HOLDING for p in existing)
        if holding:
            reasons.append("the mentee already has an open or accepted proposal")
        if any(p.pair == (mentee_id, mentor_id) for p in existing):
            reasons.append("this pair has been proposed before")
        mentee, mentor = by_id.get(mentee_id), by_id.get(mentor_id)
        if mentee is None and not holding:  # a holding mentee is enrolled, just not available
            reasons.append("the mentee is not enrolled in this programme")
        if mentor is None:
            reasons.append("the mentor is not enrolled in this programme")
        if mentee is not None and mentor is not None:
            reasons += why_impossible(mentee, mentor, await self._rules(programme, existing))
        if reasons or mentee is None or mentor is None:
            raise ImpossiblePairError(list(dict.fromkeys(reasons)))
        weights = programme.weights
        created = self._new(
            programme,
            score_pair(mentee, mentor, weights, programme.direction),
            by_id,
            origin,
            datetime.now(UTC),
        )
        await self._insert([created])
        return created

    # --- self-match -----------------------------------------------------------------------

    async def _self_match(self, caller: Principal, programme_id: str) -> Programme:
        programme = await self.programme(programme_id)
        if (
            programme is None
            or not await self.is_enrolled(caller, programme_id, "mentee")
            or programme.terms.is_circle
        ):
            raise NotFoundError(f"no programme {programme_id!r} you take part in as a mentee")
        if not programme.self_match:
            raise ConflictError("in this programme the co-ordinators propose the matches")
        return programme

    async def suggestions(self, caller: Principal, programme_id: str) -> list[Suggestion]:
        """A self-match mentee's best possible mentors, with reasons."""
        programme = await self._self_match(caller, programme_id)
        existing = await self._proposals_of(programme_id)
        pool = self._available(await self.pool_as(caller, programme), existing)
        me = next((c for c in pool if c.member_id == caller.subject), None)
        if me is None:
            return []  # they have an open or accepted proposal already
        weights = programme.weights
        return top_suggestions(
            me,
            pool,
            await self._rules(programme, existing),
            weights,
            SUGGESTIONS_SHOWN,
            programme.direction,
        )

    async def request(self, caller: Principal, programme_id: str, mentor_id: str) -> Proposal:
        """A self-match mentee asks for a mentor: an approved proposal both must accept."""
        programme = await self._self_match(caller, programme_id)
        return await self._propose_pair(
            caller, programme, caller.subject, mentor_id, Origin.REQUEST
        )

    # --- review and acceptance ------------------------------------------------------------

    async def approve(self, caller: Principal, proposal_id: str) -> Proposal:
        """A co-ordinator approves a proposed pair."""
        return await self._step(caller, proposal_id, coordinator=True, step=rules_of.approve)

    async def reject(self, caller: Principal, proposal_id: str) -> Proposal:
        """A co-ordinator rejects an open pair; it is never proposed again."""
        return await self._step(
            caller, proposal_id, coordinator=True, step=lambda p, _: rules_of.reject(p)
        )

    async def accept(self, caller: Principal, proposal_id: str) -> Proposal:
        """A party accepts their own side."""
        return await self._step(
            caller, proposal_id, step=lambda p, now: rules_of.accept(p, caller.subject, now)
        )

    async def decline(
        self, caller: Principal, proposal_id: str, reason: DeclineReason | None
    ) -> Proposal:
        """A party declines (no blame); the mentee goes back to the pool."""
        return await self._step(
            caller, proposal_id, step=lambda p, _: rules_of.decline(p, caller.subject, reason)
        )

    async def _may_see(self, caller: Principal, p: Proposal, coordinator: bool) -> bool:
        if not _is_member(caller):
            return False
        if coordinator:
            programme = await self.programme(p.programme_id)
            return programme is not None and programme.terms.is_coordinated_by(caller.subject)
        side = p.side_of(caller.subject)
        organisation = p.mentee_organisation_id if side == "mentee" else p.mentor_organisation_id
        return side is not None and caller.belongs_to(organisation)

    async def _step(
        self,
        caller: Principal,
        proposal_id: str,
        step: Any,
        coordinator: bool = False,
    ) -> Proposal:
        for _ in range(ATTEMPTS):
            current = await self._load(proposal_id)
            if not await self._may_see(caller, current, coordinator):
                raise NotFoundError(f"no proposal {proposal_id!r} that you can see")
            change: Change = step(current, datetime.now(UTC))
            after = change.proposal
            events = [self._event_for(current, change)]
            body = _document(after)
            del body["_id"]
            result = await self._outbox.update(
                self._data.network(PROPOSALS),
                proposal_id,
                {"$set": body},
                [e for e in events if e is not None],
                condition={"version": current.version},
            )
            if result.matched_count:
                return after
        raise ConflictError("the proposal is changing right now; try again")

    @staticmethod
    def _event_for(before: Proposal, change: Change) -> Envelope | None:
        p = change.proposal
        if change.completed and p.accepted_at is not None:
            accepted = MatchAccepted(
                proposal_id=p.id,
                programme_id=p.programme_id,
                mentee_id=p.mentee_id,
                mentee_organisation_id=p.mentee_organisation_id,
                mentor_id=p.mentor_id,
                mentor_organisation_id=p.mentor_organisation_id,
                accepted_at=p.accepted_at,
            )
            return new_event(accepted, organisation=None, subject=p.id, audience=Audience.NETWORK)
        if p.status is ProposalStatus.DECLINED and before.status is not ProposalStatus.DECLINED:
            assert p.declined_by is not None
            declined = MatchDeclined(
                proposal_id=p.id,
                programme_id=p.programme_id,
                mentee_id=p.mentee_id,
                mentor_id=p.mentor_id,
                declined_by=p.declined_by.value,
                reason=p.decline_reason.value if p.decline_reason else None,
                declined_at=datetime.now(UTC),
            )
            return new_event(declined, organisation=None, subject=p.id, audience=Audience.NETWORK)
        return None
