"""A bulk import the database refuses in part (real MongoDB-wire server, real Kafka): the
rows written are reported created and announced; the refused rows, and the rows of batches
not started after the refusal, are reported rejected and write nothing."""

from __future__ import annotations

import pytest

from services.registry.adapters import member_import
from services.registry.adapters.member_import import CREATE_BATCH, CREATE_IN_FLIGHT, MemberImport
from services.registry.adapters.member_store import COLLECTION, MemberStore
from services.registry.domain.member_import import parse_csv
from shared.auth.principal import CallerKind, Principal, Role
from shared.events.catalogue import catalogue
from shared.events.topics import domain_topic
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from shared.tenancy import TenantData
from tests.integration.conftest import read_topic

ORGANISATION = "org_0123456789ab"


async def test_rows_the_database_refused_are_rejected_and_only_rows_written_announced(
    settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CREATE_IN_FLIGHT == 2
    rows = 4 * CREATE_BATCH
    ids = iter(f"mem_{n:016x}" for n in range(rows))
    monkeypatch.setattr(member_import, "new_member_id", lambda: next(ids))
    clash = CREATE_BATCH + 10  # in the second batch, written beside the first
    runtime = ServiceRuntime("registry", settings, outbox_collections=[COLLECTION])
    await runtime.start()
    try:
        data = TenantData(runtime.databases)
        members = data.system_organisation(ORGANISATION, COLLECTION)
        # Someone else's record already holds the id the import gives row `clash`.
        await members.insert_one({"_id": f"mem_{clash:016x}", "erased_at": "long ago"})
        body = "email,display_name\n" + "".join(f"p{n}@x.example,P {n}\n" for n in range(rows))
        admin = Principal(
            subject="admin",
            organisation=ORGANISATION,
            kind=CallerKind.MEMBER,
            roles=frozenset({Role.ORGANISATION_ADMIN}),
        )

        report = await MemberImport(MemberStore(data, runtime.outbox)).run(
            admin, ORGANISATION, parse_csv(body.encode())
        )

        created = {r.member_id for r in report.rows if r.outcome == "created"}
        rejected = [r for r in report.rows if r.outcome == "rejected"]
        assert report.rows[clash].outcome == "rejected"
        assert all("refused" in (r.reason or "") for r in rejected)
        # Batches 1 and 3 were written; batch 2, refused, only in part; batch 4 never started.
        assert {r.row for r in rejected} >= {r.row for r in report.rows[3 * CREATE_BATCH :]}
        assert len(created) >= 2 * CREATE_BATCH
        stored = {d["_id"] async for d in members.find({"email": {"$exists": True}})}
        assert stored == created
        # Only what was written is announced.
        await runtime.relay.wait_idle()
        records = await read_topic(domain_topic(settings.topic_prefix, "registry"), expect=1)
        registered = {
            envelope.subject
            for r in records
            if (envelope := catalogue.parse(r.value).envelope).type == "member.registered"  # type: ignore[attr-defined]
        }
        assert registered == created
    finally:
        await runtime.stop()
