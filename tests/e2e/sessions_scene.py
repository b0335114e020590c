"""A cast for the sessions service's end-to-end tests: one cross-organisation relationship in
a programme, and every kind of outsider the confidentiality rules (seed 002) name.

Two organisations of the test's own (so what it ends or writes cannot touch other tests):
A's member mentors B's member in a one-to-one programme co-ordinated by a member of B; the
outsiders are a colleague of each party, the mentee's line manager, both organisations'
admins, the co-ordinator of another programme, the network co-ordinator and an integration
client of each organisation. All of them signed in for real, with real network tokens.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from deploy.localnet.identity import bearer, sign_in_tokens
from services.sessions.domain.relationships import relationship_id
from shared.contracts.matching import MatchAccepted
from shared.contracts.registry import ProgrammePublished
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope
from tests.e2e.conftest import Crowd, World, add_crowd, integration_client
from tests.e2e.test_candidate_pool import member_id_of, publish
from tests.e2e.test_first_flow import eventually


def programme_published(
    programme: str,
    organisations: list[str],
    coordinators: list[str],
    *,
    model: str = "one_to_one",
    max_mentees: int = 1,
    min_minutes: int = 30,
    max_minutes: int = 120,
) -> Envelope:
    """`programme.published` as the registry announces a programme."""
    data = ProgrammePublished(
        programme_id=programme,
        owner_organisation_id=organisations[0],
        organisations=organisations,
        coordinators=coordinators,
        model=model,
        starts_on=date(2026, 1, 5),
        ends_on=date(2027, 12, 17),
        meeting_every_days=28,
        min_meeting_minutes=min_minutes,
        max_meeting_minutes=max_minutes,
        max_mentees_per_mentor=max_mentees,
        require_different_sectors=False,
        self_match=False,
    )
    return new_event(data, organisation=organisations[0], subject=programme)


def match_accepted(
    proposal: str,
    programme: str,
    mentee: tuple[str, str],
    mentor: tuple[str, str],
    accepted_at: datetime | None = None,
) -> Envelope:
    """`match.accepted` as matching announces it: (member, organisation) of each party. By
    default accepted a month ago, so meetings held in the past weeks belong to it."""
    data = MatchAccepted(
        proposal_id=proposal,
        programme_id=programme,
        mentee_id=mentee[0],
        mentee_organisation_id=mentee[1],
        mentor_id=mentor[0],
        mentor_organisation_id=mentor[1],
        accepted_at=accepted_at or datetime.now(UTC) - timedelta(days=30),
    )
    return new_event(data, organisation=None, subject=proposal, audience=Audience.NETWORK)


def grant_coordinator(world: World, crowd: Crowd, index: int) -> dict[str, Any]:
    """Make `crowd`'s person `index` a programme co-ordinator; their fresh tokens."""
    registry = world.url("registry")
    member = member_id_of(world, crowd.people[index])
    granted = httpx.put(
        f"{registry}/organisations/{crowd.id}/members/{member}/roles/programme_coordinator",
        headers=bearer(crowd.admin),
        timeout=15,
    )
    assert granted.status_code == 200, granted.text
    return sign_in_tokens(registry, crowd.id, crowd.persons[index])


@dataclass
class Scene:
    """Who is who (`tokens` by name), their member ids, the programme and the relationship."""

    world: World
    a: Crowd
    b: Crowd
    programme: str
    other_programme: str
    relationship: str
    tokens: dict[str, dict[str, Any]]
    ids: dict[str, str] = field(default_factory=dict)

    PARTIES = ("mentor", "mentee")
    OUTSIDERS = (
        "colleague of the mentor",
        "colleague of the mentee",
        "mentee's line manager",
        "mentor's organisation admin",
        "mentee's organisation admin",
        "co-ordinator of another programme",
        "network co-ordinator",
        "integration client of the mentor's organisation",
        "integration client of the mentee's organisation",
    )

    def call(self, who: str, method: str, path: str, body: Any = None) -> httpx.Response:
        """`who` calls the sessions service."""
        with httpx.Client(headers=bearer(self.tokens[who]), timeout=15) as http:
            return http.request(method, f"{self.world.url('sessions')}{path}", json=body)

    def outsiders(self) -> dict[str, dict[str, Any]]:
        """Everyone who must be refused the relationship's records."""
        return {name: self.tokens[name] for name in self.OUTSIDERS}

    def start_relationship(
        self,
        programme: str,
        mentor: str = "mentor",
        mentee: str = "mentee",
        organisations: tuple[str, str] | None = None,
    ) -> str:
        """A relationship in `programme` between two signed-in people of the scene (names in
        `tokens`; `organisations` are the mentor's and the mentee's, by default A and B),
        started as sessions starts one: from `match.accepted` on the matching topic. Its id,
        once it shows for its mentee."""
        mentor_organisation, mentee_organisation = organisations or (self.a.id, self.b.id)
        proposal = f"prp_{secrets.token_hex(8)}"
        publish(
            self.world,
            match_accepted(
                proposal,
                programme,
                (self.member_id(mentee), mentee_organisation),
                (self.member_id(mentor), mentor_organisation),
            ),
            source="matching",
        )
        relationship = relationship_id(proposal)

        def started() -> bool:
            """the relationship shows for its mentee"""
            return self.call(mentee, "GET", f"/relationships/{relationship}").is_success

        eventually(started, timeout=30)
        return relationship

    def member_id(self, name: str) -> str:
        """The member id of one of the scene's people."""
        return self.ids.get(name) or member_id_of(self.world, self.tokens[name])


def build_scene(world: World, key: str) -> Scene:
    """Two organisations named after `key`, a programme, and a running relationship."""
    a = add_crowd(world, f"{key}a", f"{key.title()} Alpha", "education", 2)
    b = add_crowd(world, f"{key}b", f"{key.title()} Beta", "engineering", 5)
    coordinator = grant_coordinator(world, b, 2)
    other_coordinator = grant_coordinator(world, b, 3)
    tokens = {
        "mentor": a.people[0],
        "colleague of the mentor": a.people[1],
        "mentee": b.people[0],
        "colleague of the mentee": b.people[4],
        "mentee's line manager": b.people[1],
        "mentor's organisation admin": a.admin,
        "mentee's organisation admin": b.admin,
        "coordinator": coordinator,
        "co-ordinator of another programme": other_coordinator,
        "network co-ordinator": world.coordinator,
        "integration client of the mentor's organisation": integration_client(world, a.id, a.admin),
        "integration client of the mentee's organisation": integration_client(world, b.id, b.admin),
    }
    ids = {
        name: member_id_of(world, tokens[name])
        for name in ("mentor", "mentee", "coordinator", "co-ordinator of another programme")
    }
    programme = f"prg_{secrets.token_hex(6)}"
    other_programme = f"prg_{secrets.token_hex(6)}"
    publish(
        world,
        programme_published(programme, [b.id, a.id], [ids["coordinator"]]),
        programme_published(
            other_programme, [b.id, a.id], [ids["co-ordinator of another programme"]]
        ),
    )
    scene = Scene(world, a, b, programme, other_programme, "", tokens, ids)  # relationship: below

    def programme_known() -> bool:
        """sessions knows the programme's co-ordinator"""
        listed = scene.call("coordinator", "GET", f"/programmes/{programme}/relationships")
        return listed.status_code == 200

    eventually(programme_known, timeout=30)
    scene.relationship = scene.start_relationship(programme)
    return scene
