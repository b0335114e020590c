"""Kafka clients' security options: none locally, the service's own user on a cluster."""

from __future__ import annotations

import ssl

import pytest
from pydantic import SecretStr

from shared.kafka.security import KafkaSecurity


@pytest.fixture(autouse=True)
def _no_kafka_login_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """`./mentornet test` exports admin's login to the local broker; these tests set their own."""
    for name in ("SECURITY_PROTOCOL", "SASL_MECHANISM", "USERNAME", "PASSWORD", "CA_FILE"):
        monkeypatch.delenv(f"MENTORNET_KAFKA_{name}", raising=False)


def test_plain_text_locally_adds_nothing_but_the_protocol() -> None:
    assert KafkaSecurity().client_options() == {"security_protocol": "PLAINTEXT"}


def test_sasl_over_tls_carries_the_user_and_a_tls_context() -> None:
    options = KafkaSecurity(
        security_protocol="SASL_SSL", username="mentornet-sessions", password=SecretStr("pw")
    ).client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "mentornet-sessions"
    assert options["sasl_plain_password"] == "pw"
    assert isinstance(options["ssl_context"], ssl.SSLContext)


def test_sasl_without_a_password_is_refused_with_the_variables_to_set() -> None:
    with pytest.raises(ValueError, match="MENTORNET_KAFKA_PASSWORD"):
        KafkaSecurity(security_protocol="SASL_SSL", username="u").client_options()


def test_the_environment_names_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORNET_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("MENTORNET_KAFKA_USERNAME", "mentornet-registry")
    monkeypatch.setenv("MENTORNET_KAFKA_PASSWORD", "secret")
    options = KafkaSecurity().client_options()
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["sasl_plain_username"] == "mentornet-registry"
    assert "ssl_context" not in options
