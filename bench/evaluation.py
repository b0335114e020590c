"""bench/evaluation: rebuild the outcome read models from a 200,000-event history on Kafka.

Generates a realistic history (a few hundred organisations and programmes, thousands of
relationships with their meetings, logs, ratings, goals, messages, endings and surveys, some
erasures), produces it to real topics as the services' outboxes would (keyed the same way),
then measures, in the same run:

- the baseline: a raw aiokafka read of the same topics from the earliest offset (no parsing);
- the rebuild: `services.evaluation.replay.rebuild` — read, parse, fold in memory, write a
  fresh generation with insert_many, switch — the wall time and events/s (target: < 60 s);
- drawing the network co-ordinator's figures from the rebuilt model.

The last line is one JSON object of the figures. Run it with `./mentornet bench evaluation
[--events N]`; it needs the servers that command starts (or MENTORNET_KAFKA_BOOTSTRAP /
MENTORNET_MONGO_URL), and removes its topics and databases when done.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord
from pymongo import AsyncMongoClient

from services.evaluation.adapters.event_history import ReadProgress, read_history
from services.evaluation.adapters.outcome_changes import OutcomeChanges
from services.evaluation.adapters.outcome_reader import OutcomeReader
from services.evaluation.adapters.outcome_store import OutcomeStore
from services.evaluation.app import outcome_data
from services.evaluation.domain.figures import Scope
from services.evaluation.replay import SOURCES, rebuild
from shared.auth.principal import CallerKind, Principal, Role
from shared.contracts.evaluation import SurveyCompleted
from shared.contracts.matching import MatchAccepted, MatchDeclined, MatchProposed
from shared.contracts.registry import (
    MemberEnrolled,
    MemberErased,
    MemberReadinessChanged,
    OrganisationJoined,
    ProgrammePublished,
    ProgrammeStatusChanged,
)
from shared.contracts.sessions import (
    AgreementSigned,
    CommitmentRated,
    GoalAchieved,
    MeetingHeld,
    MeetingLogWritten,
    MessagePosted,
    OskarScaled,
    RelationshipEnded,
    RelationshipPhaseChanged,
    RelationshipStarted,
)
from shared.events.catalogue import new_event
from shared.events.envelope import Audience, Envelope, EventData
from shared.events.topics import domain_topic, topics_for
from shared.kafka.security import kafka_client_options
from shared.kafka.topics import ensure_topics
from shared.logging import configure_logging
from shared.settings import ServiceSettings

START = datetime(2026, 1, 5, 9, tzinfo=UTC)
REASONS = ["no_time", "not_a_good_fit", "changed_role", "left_organisation", "other"]
SECTORS = ["health", "social care", "engineering", "education", "finance", "retail"]


class History:
    """A generated network history, as envelopes in the order they happened."""

    def __init__(self, target: int, seed: int = 7) -> None:
        self.target = target
        self.random = random.Random(seed)
        self.envelopes: list[Envelope] = []
        self.relationships = 0
        self.organisations = 0
        self.programmes = 0

    def add(self, data: EventData, when: datetime, organisation: str | None, subject: str) -> None:
        audience = Audience.NETWORK if organisation is None else Audience.ORGANISATION
        envelope = new_event(data, organisation=organisation, subject=subject, audience=audience)
        self.envelopes.append(envelope.model_copy(update={"time": when}))

    def full(self) -> bool:
        return len(self.envelopes) >= self.target

    def generate(self, organisations: int, programmes: int) -> list[Envelope]:
        """Organisations, programmes with enrolments, proposals, relationships and their life,
        until `target` events; then cut to exactly `target`."""
        r = self.random
        orgs = [f"org_{n:012d}" for n in range(organisations)]
        for n, org in enumerate(orgs):
            self.add(
                OrganisationJoined(
                    organisation_id=org, name=f"Partner {n}", sector=SECTORS[n % 6], joined_at=START
                ),
                START,
                org,
                org,
            )
        self.organisations = len(orgs)
        members = 0
        for p in range(programmes):
            if self.full():
                break
            self.programmes += 1
            programme = f"prg_{p:012d}"
            taking_part = r.sample(orgs, r.randint(2, 4))
            owner = taking_part[0]
            opened = START + timedelta(days=r.randint(0, 120))
            every = r.choice([14, 21, 28, 42])
            self.add(
                ProgrammePublished(
                    programme_id=programme,
                    owner_organisation_id=owner,
                    organisations=taking_part,
                    coordinators=[f"mem_c{p:015d}"],
                    model="one_to_one",
                    starts_on=opened.date(),
                    ends_on=opened.date() + timedelta(days=365),
                    meeting_every_days=every,
                    min_meeting_minutes=45,
                    max_meeting_minutes=90,
                    max_mentees_per_mentor=1,
                    require_different_sectors=False,
                    self_match=False,
                ),
                opened,
                owner,
                programme,
            )
            self.add(
                ProgrammeStatusChanged(programme_id=programme, status="running"),
                opened + timedelta(days=14),
                owner,
                programme,
            )
            pairs = r.randint(10, 22)
            people: list[tuple[str, str, str]] = []  # (member, organisation, role)
            for role in ("mentee", "mentor"):
                for _ in range(pairs):
                    members += 1
                    org = r.choice(taking_part)
                    people.append((f"mem_{members:016d}", org, role))
            for member, org, role in people:
                enrolled = opened + timedelta(days=r.randint(1, 10), minutes=r.randint(0, 600))
                self.add(
                    MemberEnrolled(
                        programme_id=programme, member_id=member, organisation_id=org, role=role
                    ),
                    enrolled,
                    org,
                    member,
                )
                self.add(
                    MemberReadinessChanged(
                        member_id=member,
                        organisation_id=org,
                        ready_as_mentor=role == "mentor",
                        ready_as_mentee=role == "mentee",
                    ),
                    enrolled + timedelta(hours=2),
                    org,
                    member,
                )
            mentees = [p for p in people if p[2] == "mentee"]
            mentors = [p for p in people if p[2] == "mentor"]
            for n, (mentee, mentor) in enumerate(zip(mentees, mentors, strict=True)):
                self._pair(programme, every, opened + timedelta(days=15), n, mentee, mentor)
                if self.full():
                    break
            for member, org, _ in r.sample(people, 2):  # a few people ask to be erased
                self.add(
                    MemberErased(member_id=member, organisation_id=org, erased_at=START),
                    opened + timedelta(days=300),
                    org,
                    member,
                )
        return self.envelopes[: self.target]

    def _pair(
        self,
        programme: str,
        every: int,
        matched: datetime,
        n: int,
        mentee: tuple[str, str, str],
        mentor: tuple[str, str, str],
    ) -> None:
        r = self.random
        proposal = f"prp_{programme[-8:]}{n:08d}"
        pair: dict[str, Any] = {
            "proposal_id": proposal,
            "programme_id": programme,
            "mentee_id": mentee[0],
            "mentee_organisation_id": mentee[1],
            "mentor_id": mentor[0],
            "mentor_organisation_id": mentor[1],
        }
        self.add(
            MatchProposed(score=round(r.random(), 2), origin="round", **pair),
            matched,
            None,
            proposal,
        )
        if r.random() < 0.1:
            self.add(
                MatchDeclined(
                    proposal_id=proposal,
                    programme_id=programme,
                    mentee_id=mentee[0],
                    mentor_id=mentor[0],
                    declined_by="mentor",
                    reason="no_time",
                    declined_at=matched + timedelta(days=2),
                ),
                matched + timedelta(days=2),
                None,
                proposal,
            )
            return
        accepted = matched + timedelta(days=r.randint(1, 5))
        self.add(MatchAccepted(accepted_at=accepted, **pair), accepted, None, proposal)
        self.relationships += 1
        rel = f"rel_{programme[-8:]}{n:08d}"
        home = mentee[1] if mentee[1] == mentor[1] else None
        parties = {k: v for k, v in pair.items() if k != "proposal_id"} | {"relationship_id": rel}
        started = accepted + timedelta(minutes=1)
        self.add(
            RelationshipStarted(proposal_id=proposal, started_at=started, **parties),
            started,
            home,
            rel,
        )
        self.add(
            AgreementSigned(version=1, signed_at=started + timedelta(days=7), **parties),
            started + timedelta(days=7),
            home,
            rel,
        )
        for k, phase in enumerate(("setting_direction", "progression")):
            when = started + timedelta(days=30 * (k + 1))
            self.add(
                RelationshipPhaseChanged(
                    relationship_id=rel, programme_id=programme, phase=phase, changed_at=when
                ),
                when,
                home,
                rel,
            )
        meetings = r.randint(3, 9)
        for m in range(meetings):
            held = started + timedelta(days=every * m + r.randint(0, 6), hours=r.randint(0, 8))
            self.add(
                MeetingHeld(
                    meeting_id=f"meeting:{rel}:{m + 1:010d}",
                    relationship_id=rel,
                    programme_id=programme,
                    held_at=held,
                    minutes=r.choice([45, 60, 90]),
                    method=r.choice(["video", "face_to_face", "telephone"]),
                ),
                held,
                home,
                rel,
            )
            self.add(
                MeetingLogWritten(
                    relationship_id=rel,
                    programme_id=programme,
                    written_at=held + timedelta(hours=3),
                ),
                held + timedelta(hours=3),
                home,
                rel,
            )
            if m % 2 == 0:
                self.add(
                    CommitmentRated(
                        relationship_id=rel,
                        programme_id=programme,
                        rating=r.randint(5, 10),
                        rated_at=held,
                    ),
                    held,
                    home,
                    rel,
                )
                self.add(
                    OskarScaled(
                        relationship_id=rel,
                        programme_id=programme,
                        goal_id=f"gol_{rel[-16:]}",
                        scale=min(10, 3 + m),
                        recorded_at=held,
                    ),
                    held,
                    home,
                    rel,
                )
            for _ in range(r.randint(0, 3)):
                posted = held + timedelta(days=r.randint(1, 10))
                self.add(
                    MessagePosted(
                        thread_kind="relationship",
                        thread_id=rel,
                        programme_id=programme,
                        posted_at=posted,
                    ),
                    posted,
                    home,
                    rel,
                )
        last = started + timedelta(days=every * meetings)
        for g in range(r.randint(0, 3)):
            self.add(
                GoalAchieved(
                    relationship_id=rel,
                    programme_id=programme,
                    goal_id=f"gol_{rel[-14:]}{g:02d}",
                    term="short" if g else "long",
                    achieved_at=last,
                ),
                last,
                home,
                rel,
            )
        if r.random() < 0.45:
            early = r.random() < 0.4
            self.add(
                RelationshipEnded(
                    ended_by=r.choice(["mentee", "mentor"]),
                    ended_early=early,
                    reason=r.choice(REASONS) if early else "goals_achieved",
                    rematch_requested=early and r.random() < 0.5,
                    ended_at=last,
                    **parties,
                ),
                last,
                home,
                rel,
            )
        for role, who in (("mentee", mentee), ("mentor", mentor)):
            self.add(
                SurveyCompleted(
                    survey_id=f"srv_{rel[-14:]}{role[:2]}",
                    template_id=f"tpl_{role}_end",
                    kind=role,
                    programme_id=programme,
                    relationship_id=rel,
                    organisation_id=who[1],
                    respondent_role=role,
                    scores={f"q{q}": r.randint(1, 5) for q in range(1, 9)},
                    completed_at=last + timedelta(days=3),
                ),
                last + timedelta(days=3),
                who[1],
                rel,
            )


async def produce(settings: ServiceSettings, envelopes: list[Envelope]) -> float:
    """Every envelope onto its source's topic, keyed as the outbox keys it; events/s."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        **kafka_client_options(),
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=512 * 1024,
    )
    await producer.start()
    started = time.monotonic()
    try:
        for start in range(0, len(envelopes), 10_000):
            chunk = envelopes[start : start + 10_000]
            futures = [
                await producer.send(
                    domain_topic(settings.topic_prefix, e.source), e.to_bytes(), key=e.key
                )
                for e in chunk
            ]
            await asyncio.gather(*futures)
            rate = (start + len(chunk)) / (time.monotonic() - started)
            print(
                f"  produced {start + len(chunk):,}/{len(envelopes):,} ({rate:,.0f}/s)", flush=True
            )
    finally:
        await producer.stop()
    return len(envelopes) / (time.monotonic() - started)


async def raw_read(settings: ServiceSettings) -> tuple[int, float]:
    """The baseline: every record of the same topics read from the earliest offset, unparsed."""
    count = 0

    async def nothing(records: list[ConsumerRecord[bytes, bytes]]) -> None:
        nonlocal count
        count += len(records)

    def report(progress: ReadProgress) -> None:
        print(
            f"  raw read: {progress.read:,}/{progress.total:,} ({progress.rate:,.0f}/s)", flush=True
        )

    started = time.monotonic()
    await read_history(
        settings.kafka_bootstrap,
        [domain_topic(settings.topic_prefix, s) for s in SOURCES],
        nothing,
        on_progress=report,
    )
    return count, time.monotonic() - started


async def clean_up(settings: ServiceSettings) -> None:
    """Remove the bench's topics and databases from the shared servers."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap, **kafka_client_options()
    )
    await admin.start()
    try:
        await admin.delete_topics(
            [s.name for s in topics_for(settings.topic_prefix, "evaluation", 1)]
        )
    finally:
        await admin.close()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo_url)
    try:
        for name in await client.list_database_names():
            if name.startswith(f"{settings.db_prefix}_"):
                await client.drop_database(name)
    finally:
        await client.close()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, produce, read raw, rebuild, draw figures; the figures of the run."""
    tag = secrets.token_hex(4)
    settings = ServiceSettings(
        db_prefix=f"be{tag}", topic_prefix=f"bencheval{tag}", log_level="WARNING"
    )
    configure_logging("bench", "WARNING")
    print(f"generating a {args.events:,}-event history ...", flush=True)
    started = time.monotonic()
    history = History(args.events)
    envelopes = history.generate(args.organisations, args.programmes)
    print(
        f"  {len(envelopes):,} events: {history.organisations} organisations, "
        f"{history.programmes} programmes, {history.relationships:,} relationships "
        f"({time.monotonic() - started:.1f} s)",
        flush=True,
    )
    await ensure_topics(
        settings.kafka_bootstrap,
        topics_for(settings.topic_prefix, "evaluation", settings.kafka_partitions),
        1,
    )
    try:
        print("producing to Kafka ...", flush=True)
        produced = await produce(settings, envelopes)

        print("baseline: raw read of the same topics ...", flush=True)
        raw_count, raw_seconds = await raw_read(settings)
        print(
            f"  {raw_count:,} records in {raw_seconds:.1f} s ({raw_count / raw_seconds:,.0f}/s)",
            flush=True,
        )

        print("rebuild (services.evaluation.replay) ...", flush=True)
        # With the service's own grace period: what an operator's replay takes.
        report = await rebuild(settings, say=lambda line: print(line, flush=True))
        rate = report.events_folded / report.seconds
        print(
            f"  {report.events_folded:,} events in {report.seconds:.1f} s ({rate:,.0f}/s); "
            f"read+fold {report.read_seconds:.1f} s, write {report.write_seconds:.1f} s",
            flush=True,
        )

        client, data = outcome_data(settings)
        try:
            reader = OutcomeReader(OutcomeStore(data), OutcomeChanges(data))
            coordinator = Principal(
                "mem_bench", "org_bench", CallerKind.MEMBER, frozenset({Role.NETWORK_COORDINATOR})
            )
            drawn = time.monotonic()
            await reader.for_network(coordinator, Scope(), date(2027, 6, 1))
            cold_seconds = time.monotonic() - drawn  # loads the records into memory first
            drawn = time.monotonic()
            tables = await reader.for_network(coordinator, Scope(), date(2027, 6, 1))
            draw_seconds = time.monotonic() - drawn
            relationships = next(t for t in tables if t.id == "relationships")
            started_total = relationships.total.cells[0].value if relationships.total else None
        finally:
            await client.close()
        print(
            f"network figures: {cold_seconds:.1f} s cold (loading the records), "
            f"{draw_seconds:.1f} s from memory ({started_total} relationships started)",
            flush=True,
        )
    finally:
        await clean_up(settings)
    return {
        "events": len(envelopes),
        "organisations": history.organisations,
        "programmes": history.programmes,
        "relationships": history.relationships,
        "produce_per_s": round(produced),
        "raw_read_seconds": round(raw_seconds, 1),
        "raw_read_per_s": round(raw_count / raw_seconds),
        "rebuild_seconds": round(report.seconds, 1),
        "rebuild_events_per_s": round(rate),
        "rebuild_read_fold_seconds": round(report.read_seconds, 1),
        "rebuild_write_seconds": round(report.write_seconds, 1),
        "records_written": report.records_written,
        "rebuild_share_of_raw_read": round(rate / (raw_count / raw_seconds), 3),
        "network_figures_cold_seconds": round(cold_seconds, 2),
        "network_figures_seconds": round(draw_seconds, 2),
        "relationships_counted": started_total,
        "under_60_s": report.seconds < 60,
    }


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run, and print the figures."""
    parser = argparse.ArgumentParser(prog="bench/evaluation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000, help="history size (200000)")
    parser.add_argument("--organisations", type=int, default=150, help="organisations (150)")
    parser.add_argument("--programmes", type=int, default=600, help="programmes at most (600)")
    figures = asyncio.run(run(parser.parse_args(argv)))
    print("target: the rebuild of 200,000 events in under 60 s")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
