"""The Helm chart, checked without a cluster: `helm lint`, `helm template` for both values
files, every rendered manifest against the Kubernetes schemas (kubernetes-validate), every
setting the services read present in their environment, and the example custom resources
against their operators' schemas (Strimzi's CRDs from its API artifact) and against the code
(the topics the services make, the topics each service writes and reads).

Helm and the Strimzi schemas come from `deploy/local/helm.sh fetch` (which `./mentornet test`
runs); without them these tests fail, saying so — they never skip.
"""

from __future__ import annotations

import ast
import subprocess
import zipfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from services.evaluation.adapters.surveys_and_alerts import MonitoringSettings
from services.notifications.settings import NotificationSettings
from services.portal.settings import PortalSettings
from services.provision import SERVICES, network_topics
from services.registry.settings import RegistrySettings
from shared.kafka.security import KafkaSecurity
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "mentornet"
EXAMPLES = ROOT / "deploy" / "helm" / "examples"
HELM_SH = ROOT / "deploy" / "local" / "helm.sh"
VALUES = {"local": CHART / "values-local.yaml", "production": CHART / "values-production.yaml"}
KUBERNETES_VERSION = "1.35.0"
WORKLOADS = ("registry", "matching", "sessions", "evaluation", "notifications", "portal")
CONSUMERS = ("matching", "sessions", "evaluation", "notifications")
DOMAIN_SOURCES = ("registry", "matching", "sessions", "evaluation")

Manifest = dict[str, Any]


def _tool(command: str) -> Path:
    path = subprocess.run(
        [str(HELM_SH), command], check=True, capture_output=True, text=True
    ).stdout.strip()
    return Path(path)


@cache
def helm() -> Path:
    """The cached helm binary, or a loud failure saying how to get it."""
    binary = _tool("helm-path")
    if not binary.is_file():
        pytest.fail(f"helm is missing ({binary}): run `deploy/local/helm.sh fetch` once")
    return binary


def run_helm(*args: str) -> subprocess.CompletedProcess[str]:
    """Run helm offline, capturing its output."""
    return subprocess.run(
        [str(helm()), *args], capture_output=True, text=True, timeout=120, check=False
    )


@cache
def render(environment: str, *extra: str) -> tuple[Manifest, ...]:
    """`helm template` of the chart with one environment's values, parsed."""
    done = run_helm(
        "template", "mentornet", str(CHART), "--namespace", "mentornet",
        "-f", str(VALUES[environment]), *extra,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tuple(d for d in yaml.safe_load_all(done.stdout) if d)


def of_kind(manifests: tuple[Manifest, ...], kind: str) -> dict[str, Manifest]:
    """The manifests of one kind, by name."""
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def container_env(deployment: Manifest) -> dict[str, Any]:
    """A Deployment's (or Job's) only container's environment, by name."""
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container["env"]}


@pytest.mark.parametrize("environment", sorted(VALUES))
def test_helm_lint_passes_for_each_environment(environment: str) -> None:
    done = run_helm("lint", str(CHART), "--strict", "-f", str(VALUES[environment]))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("environment", sorted(VALUES))
def test_every_rendered_manifest_is_valid_kubernetes(environment: str) -> None:
    manifests = render(environment)
    assert len(manifests) >= 30
    for manifest in manifests:
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            name = f"{manifest['kind']}/{manifest['metadata']['name']}"
            pytest.fail(f"{environment}: {name} is not valid Kubernetes: {error.message}")


@pytest.mark.parametrize("environment", sorted(VALUES))
def test_each_service_has_its_deployment_probes_autoscaler_budget_service_and_policy(
    environment: str,
) -> None:
    manifests = render(environment)
    deployments = of_kind(manifests, "Deployment")
    for kind in ("Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"):
        assert {f"mentornet-{w}" for w in WORKLOADS} <= set(of_kind(manifests, kind)), kind
    for workload in WORKLOADS:
        pod = deployments[f"mentornet-{workload}"]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["resources"]["requests"] and container["resources"]["limits"]
        # The stop fits the grace period: preStop sleep + uvicorn's drain + the runtime's stop.
        graceful = int(
            container["command"][container["command"].index("--timeout-graceful-shutdown") + 1]
        )
        pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][1])
        assert pod["terminationGracePeriodSeconds"] >= pre_stop + graceful + 20
    autoscalers = of_kind(manifests, "HorizontalPodAutoscaler")
    if environment == "production":
        assert set(autoscalers) == {f"mentornet-{w}" for w in WORKLOADS}
        for name, hpa in autoscalers.items():
            assert hpa["spec"]["scaleTargetRef"]["name"] == name
    else:
        assert autoscalers == {}  # one instance each on a laptop


def test_the_ingress_serves_the_portal_and_each_public_api_on_its_own_host() -> None:
    (ingress,) = of_kind(render("production"), "Ingress").values()
    hosts = {
        r["host"]: r["http"]["paths"][0]["backend"]["service"]["name"]
        for r in ingress["spec"]["rules"]
    }
    assert hosts["portal.mentornet.example"] == "mentornet-portal"
    assert hosts["id.mentornet.example"] == "mentornet-registry"
    assert set(hosts.values()) == {f"mentornet-{w}" for w in WORKLOADS}
    assert set(ingress["spec"]["tls"][0]["hosts"]) == set(hosts)


def _setting_names(settings: type[Any]) -> set[str]:
    prefix = settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper() for name in settings.model_fields}


# Read only in some set-ups: a login to the SMTP relay, Kafka users over SASL, a CA file over
# TLS, another folder of front-end packages.
OPTIONAL = {"MENTORNET_SMTP_USERNAME", "MENTORNET_SMTP_PASSWORD", "MENTORNET_PORTAL_ASSETS_DIR"}
KAFKA_SASL = {
    "MENTORNET_KAFKA_SASL_MECHANISM",
    "MENTORNET_KAFKA_USERNAME",
    "MENTORNET_KAFKA_PASSWORD",
    "MENTORNET_KAFKA_CA_FILE",
}


@pytest.mark.parametrize("environment", sorted(VALUES))
def test_every_setting_a_service_reads_is_in_its_environment(environment: str) -> None:
    reads: dict[str, set[str]] = {
        "registry": _setting_names(RegistrySettings),
        "matching": _setting_names(ServiceSettings),
        "sessions": _setting_names(ServiceSettings),
        "evaluation": _setting_names(ServiceSettings) | _setting_names(MonitoringSettings),
        "notifications": _setting_names(NotificationSettings),
        "portal": _setting_names(PortalSettings),
    }
    for workload in (*CONSUMERS, "registry"):
        reads[workload] |= _setting_names(KafkaSecurity)
    deployments = of_kind(render(environment), "Deployment")
    for workload, names in reads.items():
        env = container_env(deployments[f"mentornet-{workload}"])
        missing = names - set(env) - OPTIONAL
        if environment == "local":
            missing -= KAFKA_SASL
        assert not missing, f"{workload} is not given {sorted(missing)}"
        unknown = {n for n in env if n.startswith("MENTORNET_")} - names
        assert not unknown, f"{workload} is given settings it does not read: {sorted(unknown)}"


def test_production_secrets_come_from_secrets_outside_and_each_service_is_a_kafka_user() -> None:
    manifests = render("production")
    assert of_kind(manifests, "Secret") == {}  # nothing secret is in the values
    deployments = of_kind(manifests, "Deployment")
    for workload in WORKLOADS:
        env = container_env(deployments[f"mentornet-{workload}"])
        assert "valueFrom" in env["MENTORNET_MONGO_URL"]
        for name in ("MENTORNET_SECRET_KEY", "MENTORNET_PORTAL_CLIENT_SECRET"):
            if name in env:
                assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "mentornet-secrets"
        if workload != "portal":
            assert env["MENTORNET_KAFKA_USERNAME"]["value"] == f"mentornet-{workload}"
            secret = env["MENTORNET_KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"]
            assert secret == {"name": f"mentornet-{workload}", "key": "password"}
    smtp = container_env(deployments["mentornet-notifications"])["MENTORNET_SMTP_PASSWORD"]
    assert smtp["valueFrom"]["secretKeyRef"]["name"] == "mentornet-smtp"
    (job,) = of_kind(manifests, "Job").values()
    assert container_env(job)["MENTORNET_KAFKA_USERNAME"]["value"] == "mentornet-provision"


def test_locally_the_chart_makes_the_secret_keys_and_keeps_them() -> None:
    (secret,) = of_kind(render("local"), "Secret").values()
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert set(secret["data"]) == {"secret-key", "portal-secret-key", "portal-client-secret"}


def test_topics_and_indexes_are_made_by_a_hook_job_before_install_and_upgrade() -> None:
    (job,) = of_kind(render("production"), "Job").values()
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "-m", "services.provision"]
    env = container_env(job)
    assert env["MENTORNET_KAFKA_REPLICATION_FACTOR"]["value"] == "3"
    assert env["MENTORNET_KAFKA_PARTITIONS"]["value"] == "12"


def test_a_consumer_scaled_past_its_partitions_is_refused() -> None:
    done = run_helm(
        "template", "mentornet", str(CHART), "-f", str(VALUES["production"]),
        "--set", "services.sessions.autoscaling.maxReplicas=13",
    )  # fmt: skip
    assert done.returncode != 0
    assert (
        "services.sessions.autoscaling.maxReplicas (13) exceeds settings.kafkaPartitions (12)"
        in done.stderr
    )


def _policy_peers(policy: Manifest, direction: str) -> list[dict[str, Any]]:
    key = "to" if direction == "egress" else "from"
    return [peer for rule in policy["spec"].get(direction, []) for peer in rule.get(key, [])]


def test_network_policies_let_each_service_reach_only_what_it_must() -> None:
    policies = of_kind(render("production"), "NetworkPolicy")
    deny = policies["mentornet-default-deny"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    kafka = [
        {"key": "strimzi.io/cluster", "operator": "In", "values": ["mentornet"]},
        {"key": "strimzi.io/kind", "operator": "In", "values": ["Kafka"]},
    ]
    mongodb = [{"key": "app", "operator": "In", "values": ["mentornet-mongodb-svc"]}]
    for workload in (*WORKLOADS, "provision"):
        egress = _policy_peers(policies[f"mentornet-{workload}"], "egress")
        selectors = [p.get("podSelector", {}).get("matchLabels", {}) for p in egress]
        expressions = [p.get("podSelector", {}).get("matchExpressions") for p in egress]
        components = {s.get("app.kubernetes.io/component") for s in selectors} - {None}
        reaches_kafka = kafka in expressions
        reaches_internet = any("ipBlock" in p for p in egress)
        assert mongodb in expressions, workload
        if workload == "portal":
            assert not reaches_kafka and not reaches_internet
            assert components == {"registry", "matching", "sessions", "evaluation", "notifications"}
        elif workload == "provision":
            assert reaches_kafka and not reaches_internet and components == set()
        else:
            assert reaches_kafka and components == {"registry"}  # the keys (JWKS)
            assert reaches_internet == (workload in ("registry", "notifications"))


# --- the example custom resources ------------------------------------------------------------


def _examples(path: Path) -> list[Manifest]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@cache
def strimzi_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """Strimzi's openAPIV3Schema of each (kind, version), from its API artifact's CRDs."""
    jar = _tool("strimzi-crds-path")
    if not jar.is_file():
        pytest.fail(f"Strimzi's CRDs are missing ({jar}): run `deploy/local/helm.sh fetch` once")
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    with zipfile.ZipFile(jar) as archive:
        # crds/v1beta2/ are the CRDs of the API the examples use; crds/v1/ those of Strimzi's
        # v1 API, which replaces it: the examples must be valid under both.
        for folder in ("v1beta2", "v1"):
            for name in archive.namelist():
                if name.startswith(f"crds/{folder}/") and name.endswith(".yaml"):
                    crd = yaml.safe_load(archive.read(name))
                    for version in crd["spec"]["versions"]:
                        if version["name"] == folder:
                            schema = version["schema"]["openAPIV3Schema"]
                            schemas[(crd["spec"]["names"]["kind"], folder)] = schema
    return schemas


def _resources_in(path: Path) -> Iterator[tuple[Manifest, str]]:
    for manifest in _examples(path):
        yield manifest, manifest["apiVersion"].split("/")[1]


@pytest.mark.parametrize("example", ["kafka.yaml", "topics.yaml", "users.yaml"])
def test_the_strimzi_examples_match_strimzis_schemas(example: str) -> None:
    schemas = strimzi_schemas()
    for manifest, version in _resources_in(EXAMPLES / "strimzi" / example):
        assert manifest["apiVersion"] == f"kafka.strimzi.io/{version}" == "kafka.strimzi.io/v1beta2"
        for api in ("v1beta2", "v1"):
            schema = schemas[(manifest["kind"], api)]
            as_api = {**manifest, "apiVersion": f"kafka.strimzi.io/{api}"}
            errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(as_api)]
            assert not errors, f"{manifest['metadata']['name']} ({api}): {errors}"
        # Kubernetes names: the Topic Operator keeps the topic's own name in spec.topicName.
        kubernetes_validate.validate(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": manifest["metadata"]},
            KUBERNETES_VERSION,
            strict=True,
        )


def test_the_strimzi_schemas_are_strict_enough_to_catch_a_mistake() -> None:
    (user, *_) = _examples(EXAMPLES / "strimzi" / "users.yaml")
    user["spec"]["authentication"]["type"] = "scram-sha-1"
    schema = strimzi_schemas()[("KafkaUser", "v1beta2")]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(user))


def test_the_example_topics_are_the_ones_the_services_make() -> None:
    topics = {
        t["spec"]["topicName"]: t["spec"] for t in _examples(EXAMPLES / "strimzi" / "topics.yaml")
    }
    production = yaml.safe_load(VALUES["production"].read_text())["settings"]
    expected = network_topics("mentornet", production["kafkaPartitions"])
    assert set(topics) == {s.name for s in expected}
    for spec in expected:
        assert topics[spec.name]["partitions"] == spec.partitions
        assert topics[spec.name]["replicas"] == production["kafkaReplicationFactor"] == 3
        assert {k: str(v) for k, v in topics[spec.name]["config"].items()} == {
            **spec.configs,
            "min.insync.replicas": "2",
        }


def _consumes_from(service: str) -> list[str]:
    """The `consumes_from=[...]` a service's app.py gives its runtime."""
    tree = ast.parse((ROOT / "services" / service / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "consumes_from":
            return [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
    return []


def test_each_kafka_user_writes_only_its_own_topics_and_reads_only_what_it_consumes() -> None:
    users = {u["metadata"]["name"]: u for u in _examples(EXAMPLES / "strimzi" / "users.yaml")}
    assert set(users) == {f"mentornet-{s}" for s in (*SERVICES, "provision")}
    for service in SERVICES:
        allowed: dict[str, set[str]] = {}
        for acl in users[f"mentornet-{service}"]["spec"]["authorization"]["acls"]:
            resource = acl["resource"]
            allowed.setdefault(f"{resource['type']}:{resource['name']}", set()).update(
                acl["operations"]
            )
        writes = {name.split(":", 1)[1] for name, ops in allowed.items() if "Write" in ops}
        reads = {
            name.split(":", 1)[1]
            for name, ops in allowed.items()
            if name.startswith("topic:") and "Read" in ops
        }
        own = {f"mentornet.deadletter.{service}"}
        if service in DOMAIN_SOURCES:
            own.add(f"mentornet.{service}")
        if service == "registry":
            own.update({"mentornet.registry.contacts", "mentornet.registry.keys"})
        assert writes == own, service
        consumed = {f"mentornet.{s}" for s in _consumes_from(service)}
        if service == "notifications":
            consumed.add("mentornet.registry.contacts")
        if service == "matching":  # members' data keys, which open their profiles
            consumed.add("mentornet.registry.keys")
        if service == "sessions":  # each instance's own changes, forgotten from its copies
            consumed.add("mentornet.sessions")
        assert reads == consumed, service
        assert not any("Create" in ops or "All" in ops for ops in allowed.values()), service
        if consumed:
            assert allowed[f"group:mentornet.{service}"] == {"Read", "Describe"}


# The MongoDB Community operator's CRD is not published on a package registry we can reach, so
# this is our transcription of the parts of its v1 schema the example uses (required fields,
# enums, bounds), checked by hand against the operator's CRD
# (config/crd/bases/mongodbcommunity.mongodb.com_mongodbcommunity.yaml).
DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
MONGODB_COMMUNITY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "mongodbcommunity.mongodb.com/v1"},
        "kind": {"const": "MongoDBCommunity"},
        "spec": {
            "type": "object",
            "required": ["security", "type", "users"],
            "properties": {
                "members": {"type": "integer", "minimum": 0, "maximum": 50},
                "type": {"enum": ["ReplicaSet"]},
                "version": {"type": "string"},
                "security": {
                    "type": "object",
                    "properties": {
                        "authentication": {
                            "type": "object",
                            "required": ["modes"],
                            "properties": {
                                "modes": {
                                    "type": "array",
                                    "items": {
                                        "enum": ["SCRAM", "SCRAM-SHA-256", "SCRAM-SHA-1", "X509"]
                                    },
                                }
                            },
                        },
                        "tls": {"type": "object", "required": ["enabled"]},
                    },
                },
                "users": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "roles"],
                        "properties": {
                            "passwordSecretRef": {"type": "object", "required": ["name"]},
                            "roles": {
                                "type": "array",
                                "items": {"type": "object", "required": ["db", "name"]},
                            },
                            "scramCredentialsSecretName": {
                                "type": "string",
                                "pattern": DNS_SUBDOMAIN,
                            },
                        },
                    },
                },
                "statefulSet": {"type": "object", "required": ["spec"]},
            },
        },
    },
}


def test_the_mongodb_example_has_the_shape_the_community_operator_requires() -> None:
    (replica_set,) = _examples(EXAMPLES / "mongodb" / "mongodbcommunity.yaml")
    jsonschema.validate(replica_set, MONGODB_COMMUNITY_SCHEMA)
    assert replica_set["spec"]["members"] == 3
    (user,) = replica_set["spec"]["users"]
    production = yaml.safe_load(VALUES["production"].read_text())["mongodb"]["existingSecret"]
    assert user["connectionStringSecretName"] == production["name"]
    assert user["connectionStringSecretNamespace"] == "mentornet"


def test_the_local_infrastructure_is_valid_kubernetes_and_where_values_local_looks() -> None:
    manifests = _examples(EXAMPLES / "local" / "infrastructure.yaml")
    for manifest in manifests:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    services = {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Service"}
    ports = {name: {p["port"] for p in s["spec"]["ports"]} for name, s in services.items()}
    local = yaml.safe_load(VALUES["local"].read_text())
    host, port = local["kafka"]["bootstrap"].split(":")
    assert int(port) in ports[host]
    assert local["mongodb"]["url"] == "mongodb://mongo:27017/" and 27017 in ports["mongo"]
    assert local["smtp"]["port"] in ports[local["smtp"]["host"]]
    # The NetworkPolicies' selectors find these pods.
    for name in ("kafka", "mongo"):
        key = "kafka" if name == "kafka" else "mongodb"
        (expression,) = local[key]["networkPolicy"]["podSelector"]["matchExpressions"]
        labels = services[name]["spec"]["selector"]
        assert labels[expression["key"]] in expression["values"]
