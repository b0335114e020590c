"""The notifications service's sender against real servers: MongoDB-wire for the queue and the
deliveries, Kafka for dead letters, Mailpit as the SMTP relay (and a port where nothing listens
as a relay that is down)."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from pymongo import AsyncMongoClient

from services.notifications.adapters.contact_book import ContactBook
from services.notifications.adapters.mail_queue import (
    CLAIMS,
    DELIVERIES,
    MailQueue,
    QueuedMail,
    Status,
)
from services.notifications.adapters.mail_renderer import MailRenderer
from services.notifications.adapters.mail_sender import BATCH, MailSender
from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.smtp import SmtpRelay
from services.notifications.domain import mails
from services.notifications.domain.mails import Mail, Recipient
from shared import clock
from shared.contracts.contacts import MemberContact
from shared.events.topics import deadletter_topic, topics_for
from shared.kafka.producer import EventProducer
from shared.kafka.topics import ensure_topics
from shared.mongo.databases import Document, ServiceDatabases
from shared.settings import ServiceSettings
from shared.tenancy import TenantData
from tests.integration.conftest import read_topic
from tests.servers import kafka_bootstrap, mailpit_url, smtp_address

ORGANISATION = "org_mailtest0001"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Rig:
    """A sender wired to real stores, with the relay of the test's choosing."""

    def __init__(
        self, data: TenantData, producer: EventProducer, prefix: str, relay: SmtpRelay
    ) -> None:
        self.data = data
        self.producer = producer
        self.relay = relay
        self.contacts = ContactBook(data)
        self.topic = deadletter_topic(prefix, "notifications")
        self.restart()

    def restart(self) -> None:
        """A new queue and sender, as a restarted process has: nothing in hand."""
        self.queue = MailQueue(self.data)
        self.sender = MailSender(
            self.queue,
            self.contacts,
            PreferenceStore(self.data),
            MailRenderer("mentornet <n@mentornet.example>", "http://p", "http://n", b"k" * 32),
            self.relay,
            self.producer,
            self.topic,
            clock.now,
            attempts=3,
            retry_seconds=0.05,
        )

    async def member(self) -> Recipient:
        member = f"mem_{secrets.token_hex(8)}"
        await self.contacts.keep_member(
            MemberContact(
                member_id=member,
                organisation_id=ORGANISATION,
                email=f"{member}@mailtest.example",
                name="Tama",
                updated_at=datetime.now(UTC),
            )
        )
        return Recipient(organisation_id=ORGANISATION, person_id=member)

    async def status(self, mail: Mail) -> Document:
        found = await self.data.system_organisation(ORGANISATION, DELIVERIES).find_one(
            {"_id": mail.delivery_id}
        )
        assert found is not None
        return found


@pytest.fixture
async def databases(settings: ServiceSettings) -> AsyncIterator[TenantData]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongo_url, tz_aware=True)
    yield TenantData(ServiceDatabases(client, settings.db_prefix, "notifications"))
    await client.close()


@pytest.fixture
async def producer(settings: ServiceSettings) -> AsyncIterator[EventProducer]:
    await ensure_topics(kafka_bootstrap(), topics_for(settings.topic_prefix, "notifications", 1), 1)
    made = EventProducer(kafka_bootstrap(), client_id="mail-test")
    await made.start()
    yield made
    await made.stop()


async def test_a_mail_is_decided_once_and_sent_once(
    settings: ServiceSettings, databases: TenantData, producer: EventProducer
) -> None:
    host, port = smtp_address()
    rig = Rig(databases, producer, settings.topic_prefix, SmtpRelay(host, port))
    to = await rig.member()
    mail = mails.proposal_accepted(to, f"prp_{secrets.token_hex(6)}")
    assert await rig.queue.decide([mail], clock.now()) == 1
    assert await rig.queue.decide([mail, mail], clock.now()) == 0  # redelivered: nothing new
    assert await rig.sender.send_due() == 1
    assert await rig.sender.send_due() == 0
    assert await rig.queue.decide([mail], clock.now()) == 0  # and never again once sent
    assert await rig.sender.send_due() == 0
    assert (await rig.status(mail))["status"] == Status.SENT
    found = httpx.get(
        f"{mailpit_url()}/api/v1/search", params={"query": f"to:{to.person_id}@mailtest.example"}
    ).json()
    assert [m["Subject"] for m in found["messages"]] == ["Your mentoring match is agreed"]


async def test_a_relay_that_stays_down_is_retried_then_the_mail_is_dead_lettered(
    settings: ServiceSettings, databases: TenantData, producer: EventProducer
) -> None:
    rig = Rig(databases, producer, settings.topic_prefix, SmtpRelay("127.0.0.1", _closed_port()))
    to = await rig.member()
    mail = mails.proposal_accepted(to, f"prp_{secrets.token_hex(6)}")
    await rig.queue.decide([mail], clock.now())
    attempts = []
    for _ in range(20):
        await rig.sender.send_due()
        delivery = await rig.status(mail)
        attempts.append(delivery["status"])
        if delivery["status"] == Status.FAILED:
            break
        await asyncio.sleep(0.1)  # the doubling delays: 0.05, 0.1 s
    assert delivery["status"] == Status.FAILED
    assert "Connect" in delivery["reason"] or "refused" in delivery["reason"].lower()
    assert attempts[0] == Status.QUEUED  # put back for another try, not failed at once
    [record] = await read_topic(rig.topic, expect=1)
    headers = dict(record.headers)  # type: ignore[attr-defined]
    body = json.loads(record.value)  # type: ignore[attr-defined]
    assert body["delivery_id"] == mail.delivery_id and body["attempts"] == 3
    assert headers["dlq.delivery_id"].decode() == mail.delivery_id
    assert headers["dlq.error"].decode() == delivery["reason"]
    assert "mailtest.example" not in record.value.decode()  # type: ignore[attr-defined]


async def test_a_mail_a_crash_caught_mid_send_is_never_sent_again(
    settings: ServiceSettings, databases: TenantData, producer: EventProducer
) -> None:
    host, port = smtp_address()
    rig = Rig(databases, producer, settings.topic_prefix, SmtpRelay(host, port))
    to = await rig.member()
    mail = mails.proposal_accepted(to, f"prp_{secrets.token_hex(6)}")
    await rig.queue.decide([mail], clock.now())
    # As a process killed between its claim and the relay's answer leaves it.
    await rig.queue.claim([QueuedMail(mail, 0, clock.now())], clock.now())
    rig.restart()
    assert await rig.sender.send_due() == 0
    assert (await rig.status(mail))["status"] == Status.UNCONFIRMED
    assert await rig.queue.due(clock.now()) == []
    assert await rig.queue.decide([mail], clock.now()) == 0
    assert await rig.sender.send_due() == 0


async def test_a_run_longer_than_a_batch_goes_once_each_over_the_kept_sessions(
    settings: ServiceSettings, databases: TenantData, producer: EventProducer
) -> None:
    host, port = smtp_address()
    rig = Rig(databases, producer, settings.topic_prefix, SmtpRelay(host, port))
    people = [await rig.member() for _ in range(BATCH + 12)]
    proposal = f"prp_{secrets.token_hex(6)}"
    sent = [mails.proposal_accepted(to, proposal) for to in people]
    nobody = mails.proposal_accepted(
        Recipient(organisation_id=ORGANISATION, person_id=f"mem_{secrets.token_hex(8)}"), proposal
    )
    caught = mails.proposal_accepted(await rig.member(), proposal)
    assert await rig.queue.decide([*sent, nobody, caught], clock.now()) == len(sent) + 2
    await rig.queue.claim([QueuedMail(caught, 0, clock.now())], clock.now())  # as a SIGKILL
    rig.restart()

    assert await rig.sender.send_due() == len(sent)
    assert await rig.sender.send_due() == 0
    assert await rig.queue.due(clock.now()) == []
    assert {(await rig.status(m))["status"] for m in sent} == {Status.SENT}
    assert (await rig.status(nobody))["status"] == Status.SKIPPED
    assert (await rig.status(caught))["status"] == Status.UNCONFIRMED
    # Every claim went once its mails were recorded (the stop's with the mail it left).
    assert await databases.network(CLAIMS).count_documents({}) == 0
    for to in [*people, Recipient(organisation_id=ORGANISATION, person_id=caught.person_id)]:
        found = httpx.get(
            f"{mailpit_url()}/api/v1/search",
            params={"query": f"to:{to.person_id}@mailtest.example"},
        ).json()
        expected = 0 if to.person_id == caught.person_id else 1
        assert len(found["messages"]) == expected, to.person_id
