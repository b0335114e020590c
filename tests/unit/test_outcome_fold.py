"""The outcome fold: records from events, in any order, redelivered, erased; and the live
path's partial loading gives the same records as folding everything in memory."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from services.evaluation.domain.figures import FigureTable, Scope
from services.evaluation.domain.outcome_facts import (
    FactKind,
    FactRef,
    MemberFacts,
    OutcomeState,
    RelationshipFacts,
    document,
    from_document,
)
from services.evaluation.domain.outcome_figures import RowDimension, figure_tables
from services.evaluation.domain.outcome_fold import apply, needs
from shared.contracts.registry import MemberErased, ProgrammeCoordinatorsChanged
from shared.contracts.sessions import MessagePosted, RelationshipEnded, RelationshipStarted
from shared.events.catalogue import InboundEvent
from tests.unit.outcome_story import A, B, P, at, event, member, one_to_one_programme, story

TODAY = date(2027, 6, 1)


def fold(events: list[InboundEvent[Any]]) -> OutcomeState:
    state = OutcomeState()
    for e in events:
        apply(state, e)
    return state


def documents(state: OutcomeState) -> dict[FactRef, dict[str, Any]]:
    """Every record as stored, without what only records the order events came in."""
    found = {}
    for ref, record in state.refs():
        body = document(record)
        body.pop("inbox", None)
        if "pairings" in body:
            body["pairings"] = sorted(body["pairings"], key=repr)
        found[ref] = body
    return found


def tables(state: OutcomeState) -> list[FigureTable]:
    return figure_tables(state, RowDimension.ORGANISATION, Scope(), TODAY)


def test_the_story_gives_the_records_it_tells() -> None:
    state = fold(story())
    assert set(state.organisations) == {A, B}
    assert state.organisations[A].name == "Alder"
    programme = state.programmes[P]
    assert programme.meeting_every_days == 28 and programme.status == "open"
    ready = [m for m in state.members.values() if m.ready_as_mentee and not m.erased]
    assert len(ready) == 5  # mentees 0-4 (5 erased, 6 never ready)
    cross = state.relationships["rel_0000000000000000"]
    assert cross.home is None and cross.mentor is not None
    assert cross.mentor.organisation_id == B and cross.phase == "setting_direction"
    assert cross.pairings[0].ended_early and cross.pairings[0].reason == "no_time"
    assert len(state.relationships["rel_0000000000000002"].meetings) == 3
    assert state.relationships["rel_0000000000000006"].home == A
    assert state.matches["prp_0000000000000003"].accepted_at == at(5)
    declined = state.matches["prp_9999999999999999"]
    assert declined.declined_at == at(4) and declined.mentee.member_id is None
    assert len(state.circles["cir_0000000000000001"].members) == 5
    assert len(state.surveys) == 7


def test_any_order_gives_the_same_records_and_figures() -> None:
    events = story()
    expected = fold(events)
    for seed in range(12):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        state = fold(shuffled)
        assert documents(state) == documents(expected), f"seed {seed}"
        assert tables(state) == tables(expected), f"seed {seed}"


def test_redelivered_events_change_nothing() -> None:
    events = story()
    once = fold(events)
    twice = fold([e for e in events for _ in (0, 1)])
    assert documents(twice) == documents(once)
    again = fold(events + events[::-1])
    assert documents(again) == documents(once)


def test_erasure_leaves_no_id_of_the_member_and_keeps_what_happened() -> None:
    erased = member(A, 5)
    events = story()
    state = fold(events)
    assert state.members[erased] == MemberFacts(id=erased, organisation_id=A, erased=True)
    for ref, body in documents(state).items():
        if ref.kind is not FactKind.MEMBERS:
            assert erased not in repr(body), ref
    relationship = state.relationships["rel_0000000000000005"]
    assert relationship.pairings[0].mentee.member_id is None
    assert relationship.pairings[0].mentee.organisation_id == A
    assert len(relationship.meetings) == 3  # what happened stays, unnamed
    # Erased before the relationship started (replay may read the registry first): the same.
    erasure = [e for e in events if isinstance(e.data, MemberErased)]
    assert documents(fold(erasure + [e for e in events if e not in erasure])) == documents(state)


def test_an_ending_after_erasure_still_ends_the_erased_mentees_pairing() -> None:
    rel, mentee, mentor = "rel_0000000000000077", member(A, 77), member(B, 77)
    parties = {
        "relationship_id": rel,
        "programme_id": P,
        "mentee_id": mentee,
        "mentee_organisation_id": A,
        "mentor_id": mentor,
        "mentor_organisation_id": B,
    }
    started = event(
        RelationshipStarted(proposal_id="prp_77", started_at=at(1), **parties), None, at(1)
    )
    ended = event(
        RelationshipEnded(
            ended_by="mentor",
            ended_early=True,
            reason="changed_role",
            rematch_requested=True,
            ended_at=at(9),
            **parties,
        ),
        None,
        at(9),
    )
    erasure = event(MemberErased(member_id=mentee, organisation_id=A, erased_at=at(5)), A, at(5))
    results = [fold(order) for order in ([started, erasure, ended], [erasure, started, ended])]
    for state in results:
        pairings = state.relationships[rel].pairings
        assert len(pairings) == 1 and pairings[0].mentee.member_id is None
        assert pairings[0].ended_early and pairings[0].reason == "changed_role"
    assert documents(results[0]) == documents(results[1])


def test_messages_are_counted_once_each() -> None:
    rel = "rel_0000000000000001"
    posts = [
        event(
            MessagePosted(
                thread_kind="relationship", thread_id=rel, programme_id=P, posted_at=at(d)
            ),
            None,
            at(d),
        )
        for d in (1, 2, 40)
    ]
    state = fold(posts + posts)
    assert state.relationships[rel].messages == {"2027-01": 2, "2027-02": 1}


def test_needs_name_every_record_the_fold_touches() -> None:
    for e in story():
        state = OutcomeState()
        apply(state, e)
        wanted = needs(e)
        touched = {ref for ref, _ in state.refs()}
        assert touched <= wanted.refs, (e.envelope.type, touched - wanted.refs)


class _Collections:
    """Records stored by where they live, loaded the way the live path loads them."""

    def __init__(self) -> None:
        self.stored: dict[FactRef, dict[str, Any]] = {}

    def load(self, e: InboundEvent[Any]) -> OutcomeState:
        wanted = needs(e)
        state = OutcomeState()
        picked = {ref for ref in wanted.refs if ref in self.stored}
        for organisation_id, member_id in wanted.mentions:
            picked |= {
                ref
                for ref, body in self.stored.items()
                if member_id in body["party_ids"]
                and ref.kind in (FactKind.RELATIONSHIPS, FactKind.MATCHES, FactKind.CIRCLES)
                and ref.home in (None, organisation_id)
            }
        for ref in picked:
            state.add(ref.kind, from_document(ref.kind, self.stored[ref]))
        return state

    def save(self, state: OutcomeState) -> None:
        for ref, record in state.refs():
            self.stored[ref] = document(record)

    def state(self) -> OutcomeState:
        state = OutcomeState()
        for ref, body in self.stored.items():
            state.add(ref.kind, from_document(ref.kind, body))
        return state


def test_the_live_path_loading_only_what_each_event_needs_gives_the_replayed_records() -> None:
    events = story()
    replayed = fold(events)
    live = _Collections()
    for e in events:
        state = live.load(e)
        apply(state, e)
        live.save(state)
    assert {ref for ref, _ in replayed.refs()} == set(live.stored)
    assert documents(live.state()) == documents(replayed)
    assert isinstance(replayed.relationships["rel_0000000000000005"], RelationshipFacts)


def test_the_programmes_coordinators_follow_their_changes_in_any_order() -> None:
    # A removed co-ordinator stops seeing the figures; a redelivered publication, or an older
    # change arriving late, does not bring them back.
    first, second = member(A, 90), member(A, 91)
    published = event(one_to_one_programme(P, [A, B], [first]), A, at(0), network=True)
    added = ProgrammeCoordinatorsChanged(
        programme_id=P, coordinators=[first, second], added=[second], revision=1
    )
    removed = ProgrammeCoordinatorsChanged(
        programme_id=P, coordinators=[second], removed=[first], revision=2
    )
    changes = [event(c, A, at(1 + n), network=True) for n, c in enumerate((added, removed))]
    for order in ([published, *changes], [changes[1], published, changes[0], published]):
        assert fold(order).programmes[P].coordinators == [second]
    assert needs(changes[0]).refs == {FactRef(FactKind.PROGRAMMES, None, P)}
