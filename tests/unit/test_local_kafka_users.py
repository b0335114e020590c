"""The local broker's ACLs are the Helm chart's: each service's grants equal its Strimzi
KafkaUser's (deploy/helm/examples/strimzi/users.yaml, topic prefix `mentornet`), and the
consumed topics they come from are what each service's app.py consumes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from deploy.localnet.kafka_users import CONSUMES, service_acls

ROOT = Path(__file__).resolve().parents[2]


def _strimzi_acls(service: str) -> set[tuple[str, str, str, str]]:
    users = {
        doc["metadata"]["name"]: doc
        for doc in yaml.safe_load_all((ROOT / "deploy/helm/examples/strimzi/users.yaml").open())
        if doc
    }
    return {
        (acl["resource"]["type"], acl["resource"]["name"], acl["resource"]["patternType"], op)
        for acl in users[f"mentornet-{service}"]["spec"]["authorization"]["acls"]
        for op in acl["operations"]
    }


def _consumes_from(service: str) -> tuple[str, ...]:
    tree = ast.parse((ROOT / "services" / service / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "consumes_from":
            assert isinstance(node.value, ast.List)
            return tuple(ast.literal_eval(node.value))
    return ()


@pytest.mark.parametrize("service", sorted(CONSUMES))
def test_a_services_local_acls_are_its_strimzi_users(service: str) -> None:
    local = {
        (a.resource, a.name, a.pattern, a.operation) for a in service_acls("mentornet", service)
    }
    assert local == _strimzi_acls(service)


@pytest.mark.parametrize("service", sorted(CONSUMES))
def test_the_consumed_topics_are_what_app_py_consumes(service: str) -> None:
    assert CONSUMES[service] == _consumes_from(service)


def test_no_service_may_write_another_services_domain_topic() -> None:
    for service in CONSUMES:
        written = {a.name for a in service_acls("p", service) if a.operation == "Write"}
        others = {f"p.{s}" for s in CONSUMES if s != service}
        assert not written & others, service
