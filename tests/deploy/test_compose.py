"""docker-compose.yml, checked without a Docker engine: every service image is built from
services/Dockerfile for a service that exists, every MENTORNET_* value it sets is a setting
that service reads, and the services are healthy only when ready."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from services.evaluation.adapters.surveys_and_alerts import MonitoringSettings
from services.notifications.settings import NotificationSettings
from services.registry.settings import RegistrySettings
from shared.kafka.security import KafkaSecurity
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return document


def _reads(*settings: type[Any]) -> set[str]:
    return {
        f"{s.model_config.get('env_prefix', '')}{name}".upper()
        for s in settings
        for name in s.model_fields
    }


def test_every_built_image_comes_from_the_one_dockerfile_for_a_real_service() -> None:
    services = _compose()["services"]
    built = {name: s["build"] for name, s in services.items() if "build" in s}
    assert set(built) == {"registry", "matching", "sessions", "evaluation", "notifications"}
    dockerfile = (ROOT / "services" / "Dockerfile").read_text()
    assert "ARG SERVICE" in dockerfile and "services.${SERVICE}.app:create_app" in dockerfile
    for name, build in built.items():
        assert build["context"] == "."
        assert build["dockerfile"] == "services/Dockerfile"
        assert build["args"]["SERVICE"] == name
        assert (ROOT / "services" / name / "app.py").is_file()


def test_every_setting_compose_gives_a_service_is_one_it_reads() -> None:
    common = _reads(ServiceSettings, KafkaSecurity)
    reads = {
        "registry": common | _reads(RegistrySettings),
        "matching": common,
        "sessions": common,
        "evaluation": common | _reads(MonitoringSettings),
        "notifications": common | _reads(NotificationSettings),
    }
    services = _compose()["services"]
    for name, names in reads.items():
        given = {k for k in services[name]["environment"] if k.startswith("MENTORNET_")}
        assert given - names == set(), name


def test_services_are_healthy_only_when_ready_and_the_secret_key_is_demanded() -> None:
    services = _compose()["services"]
    for name in ("registry", "matching", "sessions", "evaluation", "notifications"):
        probe = " ".join(services[name]["healthcheck"]["test"])
        assert "/readyz" in probe, name
    for name in ("registry", "notifications"):
        assert services[name]["environment"]["MENTORNET_SECRET_KEY"].startswith(
            "${MENTORNET_SECRET_KEY:?"
        )
