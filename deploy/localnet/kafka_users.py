"""The local broker's Kafka users: who signs in as whom, and what each service may do.

`deploy/local/kafka.sh` (KAFKA_AUTH=scram, the default) makes a user per service and an `admin`
super user when it formats its data dir, each password in a file of `$KAFKA_DATA_DIR/users/`
readable by its owner only; `MENTORNET_KAFKA_USERS_DIR` names that directory (`./mentornet`
exports it, with admin's login for the launcher, the tests and the benchmarks). Every service
process then signs in as itself (`client_env`), and before a network starts, admin creates its
topics and grants each service, for that network's topic prefix, the ACLs the Helm chart's
Strimzi users have (deploy/helm/examples/strimzi/users.yaml): write only its own topics, read
only the topics it consumes, in consumer groups named after it, describe the topics it ensures.
Nothing else: a service's credentials are refused on another service's topic.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import CreateAclsRequest

from services.provision import network_topics
from shared.events.topics import (
    contacts_topic,
    deadletter_topic,
    domain_topic,
    member_keys_topic,
    topics_for,
)
from shared.kafka.security import kafka_client_options
from shared.kafka.topics import ensure_topics
from shared.settings import ServiceSettings

USERS_DIR_VARIABLE = "MENTORNET_KAFKA_USERS_DIR"
MECHANISM = "SCRAM-SHA-512"
# Which domain topics each service consumes: its app.py's `consumes_from` (a unit test holds
# them equal, and these ACLs equal to the Helm chart's users).
CONSUMES: Mapping[str, tuple[str, ...]] = {
    "registry": (),
    "matching": ("registry", "sessions"),
    "sessions": ("registry", "matching"),
    "evaluation": ("registry", "matching", "sessions", "evaluation"),
    "notifications": ("registry", "matching", "sessions", "evaluation"),
}

# Kafka's protocol codes (org.apache.kafka.common.acl / resource).
_TOPIC, _GROUP = 2, 3
_LITERAL, _PREFIXED = 3, 4
_OPERATIONS = {"Read": 3, "Write": 4, "Describe": 8}
_ALLOW = 3


@dataclass(frozen=True)
class Acl:
    """One allowed operation of a Kafka user on a topic or on groups with a name prefix."""

    user: str
    resource: str  # "topic" or "group"
    name: str
    pattern: str  # "literal" or "prefix"
    operation: str  # "Read", "Write" or "Describe"


def users_dir() -> Path | None:
    """Where the local broker keeps its users' passwords; None when it has no users."""
    value = os.environ.get(USERS_DIR_VARIABLE)
    return Path(value) if value else None


def client_env(user: str, directory: Path | None = None) -> dict[str, str]:
    """The `MENTORNET_KAFKA_*` settings with which `user` signs in to the local broker whose
    users are in `directory` (default: this process's, `MENTORNET_KAFKA_USERS_DIR`;
    `shared/kafka/security.py` reads them); none when the broker has no users."""
    directory = directory or users_dir()
    if directory is None or not (directory / user).exists():
        return {}
    return {
        "MENTORNET_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "MENTORNET_KAFKA_SASL_MECHANISM": MECHANISM,
        "MENTORNET_KAFKA_USERNAME": user,
        "MENTORNET_KAFKA_PASSWORD": (directory / user).read_text().strip(),
    }


def launcher_env(directory: Path) -> dict[str, str]:
    """What a process that starts its own broker (`kafka.sh` with its users in `directory`)
    sets to sign in there as admin and give the services it starts their own users, as
    `./mentornet` does for its broker; none when that broker has no users."""
    admin = client_env("admin", directory)
    return {USERS_DIR_VARIABLE: str(directory), **admin} if admin else {}


def service_acls(prefix: str, service: str) -> list[Acl]:
    """What `service` may do on the network of topic prefix `prefix`, and nothing more."""
    writes = {deadletter_topic(prefix, service)}
    if service in CONSUMES and service != "notifications":
        writes.add(domain_topic(prefix, service))
    if service == "registry":
        writes |= {contacts_topic(prefix), member_keys_topic(prefix)}
    reads = {domain_topic(prefix, s) for s in CONSUMES[service]}
    if service == "notifications":
        reads.add(contacts_topic(prefix))
    if service == "matching":
        reads.add(member_keys_topic(prefix))  # members' data keys, read without a group
    if service == "sessions":
        reads.add(domain_topic(prefix, service))  # its instances' own changes, without a group
    acls = [
        Acl(service, "topic", spec.name, "literal", "Describe")
        for spec in topics_for(prefix, service, 1)
    ]
    acls += [Acl(service, "topic", name, "literal", "Write") for name in sorted(writes)]
    acls += [Acl(service, "topic", name, "literal", "Read") for name in sorted(reads)]
    if reads:
        group = f"{prefix}.{service}"  # and `<group>.contacts`, notifications' second group
        acls += [Acl(service, "group", group, "prefix", op) for op in ("Describe", "Read")]
    return acls


async def grant(bootstrap: str, prefix: str) -> int:
    """Create every service's ACLs for `prefix` (as this process's Kafka user: admin);
    idempotent. Returns how many there are."""
    acls = [acl for service in CONSUMES for acl in service_acls(prefix, service)]
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **kafka_client_options()
    )
    await admin.start()
    try:
        responses = await asyncio.gather(*(admin._send_request(_request(acl)) for acl in acls))
    finally:
        await admin.close()
    for acl, response in zip(acls, responses, strict=True):
        for code, message in response.creation_responses:
            if code != 0:
                raise RuntimeError(f"could not grant {acl}: error {code} {message}")
    return len(acls)


def _request(acl: Acl) -> CreateAclsRequest:
    return CreateAclsRequest(
        resource_type=_TOPIC if acl.resource == "topic" else _GROUP,
        resource_name=acl.name,
        resource_pattern_type_filter=_LITERAL if acl.pattern == "literal" else _PREFIXED,
        principal=f"User:{acl.user}",
        host="*",
        operation=_OPERATIONS[acl.operation],
        permission_type=_ALLOW,
    )


def prepare_network(env: Mapping[str, str]) -> int:
    """Before a network starts on a broker with users (a service may not create topics):
    admin creates the topics of the network that `env` (its `MENTORNET_*` settings over this
    process's) describes and grants its services their ACLs. Returns the ACLs granted (0 on a
    broker without users). Runs on a thread of its own: callers may be inside an event loop."""
    if users_dir() is None:
        return 0
    fields = ServiceSettings.model_fields
    merged = {**os.environ, **env}
    settings = ServiceSettings.model_validate(
        {
            name: value
            for key, value in merged.items()
            if key.startswith("MENTORNET_")
            and (name := key.removeprefix("MENTORNET_").lower()) in fields
        }
    )

    async def prepare() -> int:
        await ensure_topics(
            settings.kafka_bootstrap,
            network_topics(settings.topic_prefix, settings.kafka_partitions),
            settings.kafka_replication_factor,
        )
        return await grant(settings.kafka_bootstrap, settings.topic_prefix)

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, prepare()).result()
