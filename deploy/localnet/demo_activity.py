"""Mentoring actually happening in the demo network.

For each programme the demo has just created: its cohort (demo_cohorts) signs in through the
real OIDC flow at their organisation's example provider, writes a profile that makes them
ready and enrols; once matching's candidate pool holds them all, the programme's co-ordinator
(the admin who designed it) runs a matching round through matching's API — a circle round for
circle programmes — and approves what it proposes, and both parties accept; once sessions has
started the relationships (or heard of the circles), their members live their first weeks
(demo_relationships). One organisation per thread: most of the time is spent waiting for
events to travel, which threads overlap.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from deploy.localnet.demo_api import Actor, Api, DemoStepError, until
from deploy.localnet.demo_cohorts import (
    CIRCLE_MODELS,
    MENTEES_PER_MENTOR,
    PAIR_COHORTS,
    CohortMember,
)
from deploy.localnet.demo_relationships import Tally, live_circle, live_relationship
from deploy.localnet.identity import sign_in_tokens

# One relationship per pair programme ends early, each for its own reason (no blame), so the
# evaluation's "early endings by reason" has something to show.
EARLY_ENDINGS = {
    "one_to_one": "changed_role",
    "group": "no_time",
    "two_by_two": "personal_circumstances",
    "team": "not_a_good_fit",
}
COMPLETES_ONE = frozenset({"one_to_one"})  # and one relationship there completes


@dataclass(frozen=True)
class NewProgramme:
    """A programme the demo has just created and opened, with its demo mentor and mentee
    enrolled."""

    organisation: str
    organisation_id: str
    programme_id: str
    model: str
    zone: str
    coordinator: dict[str, Any]  # the tokens of the admin who designed it
    demo_people: dict[str, dict[str, Any]]  # "mentor" and "mentee" → their tokens


def bring_to_life(
    urls: dict[str, str],
    programmes: list[NewProgramme],
    cohorts: list[CohortMember],
    organisation_ids: dict[str, str],
) -> None:
    """Every new programme's cohort joins, is matched and meets; one line per organisation.
    A programme that cannot finish says why and the others go on (the network still runs)."""
    with ThreadPoolExecutor(max_workers=max(1, len(programmes))) as threads:
        running = {
            threads.submit(
                _live,
                urls,
                programme,
                [c for c in cohorts if c.programme_of == programme.organisation],
                organisation_ids,
            ): programme
            for programme in programmes
        }
        for done in as_completed(running):
            try:
                line = done.result()
            except (DemoStepError, httpx.HTTPError, RuntimeError) as exc:
                line = f"its demo activity stopped: {exc}"
            print(f"  {running[done].organisation}: {line}", flush=True)


def _live(
    urls: dict[str, str],
    programme: NewProgramme,
    cohort: list[CohortMember],
    organisation_ids: dict[str, str],
) -> str:
    started = time.monotonic()
    circle = programme.model in CIRCLE_MODELS
    with Api(urls) as api:
        coordinator = _actor(api, "the co-ordinator", programme.coordinator)
        everyone = [
            (_actor(api, f"the demo {role}", tokens), "peer" if circle else role)
            for role, tokens in programme.demo_people.items()
        ]
        everyone += [
            (_join(api, urls["registry"], member, organisation_ids, programme), member.role)
            for member in cohort
        ]
        _wait_for_pool(api, coordinator, programme.programme_id, len(everyone))
        people = {actor.member_id: actor for actor, _ in everyone}
        if circle:
            summary = _circles(api, programme, coordinator, people)
        else:
            demo_pair = (everyone[0][0], everyone[1][0])
            mentees = [actor for actor, role in everyone[2:] if role == "mentee"]
            summary = _pairs(api, programme, coordinator, people, demo_pair, mentees)
    return f"{summary} [{time.monotonic() - started:.1f}s]"


def _actor(api: Api, name: str, tokens: dict[str, Any]) -> Actor:
    """Who the tokens belong to, as the registry knows them."""
    me = api.call(Actor(name, "", "", tokens), "GET", "registry", "/me")
    return Actor(name, str(me["id"]), str(me["organisation_id"]), tokens)


def _join(
    api: Api,
    registry: str,
    member: CohortMember,
    organisation_ids: dict[str, str],
    programme: NewProgramme,
) -> Actor:
    """A cohort member signs in, writes their profile and enrols."""
    tokens = sign_in_tokens(registry, organisation_ids[member.home], member.person)
    actor = _actor(api, member.person.name, tokens)
    api.call(actor, "PUT", "registry", "/me/profile", member.profile)
    api.call(
        actor,
        "POST",
        "registry",
        f"/programmes/{programme.programme_id}/enrolments",
        {"role": member.role},
    )
    return actor


def _wait_for_pool(api: Api, coordinator: Actor, programme_id: str, expected: int) -> None:
    """Until matching has heard every profile, readiness and enrolment (events)."""
    path = f"/programmes/{programme_id}/candidate-pool"

    def complete() -> bool:
        pool = api.response(coordinator, "GET", "matching", path)
        return pool.status_code == 200 and pool.json()["eligible"] >= expected

    try:
        until(complete, f"matching's candidate pool to hold all {expected}")
    except DemoStepError as exc:
        left_out = api.call(coordinator, "GET", "matching", f"{path}?include_excluded=true")
        reasons = {c["display_name"]: c["exclusions"] for c in left_out["candidates"]}
        raise DemoStepError(f"{exc}; left out: {reasons}") from exc


def _pairs(
    api: Api,
    programme: NewProgramme,
    coordinator: Actor,
    people: dict[str, Actor],
    demo_pair: tuple[Actor, Actor],
    mentees: list[Actor],
) -> str:
    """Match, approve, accept; then the relationships' first weeks."""
    base = f"/programmes/{programme.programme_id}"
    mentor, mentee = demo_pair
    # The demo mentor and mentee are the newcomer's way in: the co-ordinator pairs them by
    # hand (proposals of their choosing; in a group model with another mentee, so the demo
    # mentee sees a group), and the round matches everyone else.
    hand_picked = [mentee, *mentees[:1]] if programme.model in MENTEES_PER_MENTOR else [mentee]
    proposals = []
    for picked in hand_picked:
        chosen = api.response(
            coordinator,
            "POST",
            "matching",
            f"{base}/proposals",
            {"mentee_id": picked.member_id, "mentor_id": mentor.member_id},
        )
        if chosen.status_code == 201:  # else the round finds them a mentor
            proposals.append(chosen.json())
    matched = api.call(coordinator, "POST", "matching", f"{base}/rounds")
    proposals += matched["proposals"]
    for proposal in proposals:
        pid = proposal["id"]
        api.call(coordinator, "POST", "matching", f"/proposals/{pid}/approve")
        api.call(people[proposal["mentee_id"]], "POST", "matching", f"/proposals/{pid}/accept")
        api.call(people[proposal["mentor_id"]], "POST", "matching", f"/proposals/{pid}/accept")

    def started() -> bool:
        found = api.sessions(coordinator, "GET", f"{base}/relationships")
        return sum(len(r["mentees"]) for r in found) >= len(proposals)

    until(started, f"sessions to start the relationships of {len(proposals)} accepted matches")
    relationships = api.sessions(coordinator, "GET", f"{base}/relationships")
    # The demo mentee's relationship first: it is never the one that ends.
    relationships.sort(key=lambda r: mentee.member_id not in [m["member_id"] for m in r["mentees"]])
    tally = Tally()
    last = len(relationships) - 1
    # Each programme tells its stories from a different starting point.
    offset = list(PAIR_COHORTS).index(programme.model) if programme.model in PAIR_COHORTS else 0
    for i, relationship in enumerate(relationships):
        tally.add(
            live_relationship(
                api,
                relationship,
                people,
                i + offset,
                programme.zone,
                further=i % 2 == 0,  # the demo mentee's relationship among them
                ending=EARLY_ENDINGS.get(programme.model) if i == last and i > 0 else None,
                completes=programme.model in COMPLETES_ONE and i == last - 1 and i > 0,
            )
        )
    waiting = len(matched["unmatched"])
    return (
        f"{len(people)} enrolled, {_count(len(proposals), 'match')} accepted"
        + (f" ({_count(waiting, 'mentee')} waiting for the next round)" if waiting else "")
        + f"; {_count(tally.relationships, 'relationship')}, "
        f"{_count(tally.meetings, 'meeting')} held, {_count(tally.logs, 'log')}, "
        f"{_count(tally.plans, 'action plan')}, {_count(tally.goals_achieved, 'goal')} "
        f"achieved, {_count(tally.messages, 'message')}; {tally.ended_early} ended early"
        + (f", {tally.completed} completed" if tally.completed else "")
    )


def _count(n: int, thing: str) -> str:
    """`n` things, in words a person would write."""
    plural = thing + ("es" if thing.endswith(("ch", "s")) else "s")
    return f"{n} {thing if n == 1 else plural}"


def _circles(
    api: Api, programme: NewProgramme, coordinator: Actor, people: dict[str, Actor]
) -> str:
    """A circle round; then the circles' first session."""
    formed = api.call(
        coordinator, "POST", "matching", f"/programmes/{programme.programme_id}/circle-rounds"
    )
    circles = formed["circles"]

    def known(circle_id: str) -> bool:
        answer = api.response(coordinator, "GET", "sessions", f"/circles/{circle_id}")
        return answer.status_code == 200

    for circle in circles:
        until(partial(known, circle["id"]), f"sessions to hear of circle {circle['id']}")
    tally = Tally()
    for i, circle in enumerate(circles):
        members = [people[m["member_id"]] for m in circle["members"]]
        tally.add(live_circle(api, circle["id"], members, i))
    placed = [m for c in circles for m in c["members"]]
    organisations = len({m["organisation_id"] for m in placed})
    unplaced = len(formed["unplaced"])
    return (
        f"{_count(len(placed), 'peer')} from {_count(organisations, 'organisation')} in "
        f"{_count(tally.circles, 'circle')}; every contract accepted, "
        f"{_count(tally.sessions_held, 'session')} held and {tally.circles} more arranged, "
        f"{_count(tally.notes, 'note')}, {_count(tally.messages, 'message')}"
        + (f"; {unplaced} not placed" if unplaced else "")
    )
