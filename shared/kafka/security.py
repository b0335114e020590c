"""How every Kafka client of a process authenticates to the brokers (environment, prefix
`MENTORNET_KAFKA_`).

Each service is its own Kafka user whose ACLs allow only its own topics: on a cluster SCRAM over
TLS, one Strimzi `KafkaUser` per service; locally SCRAM over plain text, users made by
`deploy/local/kafka.sh` and granted by `deploy/localnet/kafka_users.py` (PLAINTEXT with no login
remains the default, for a broker without users). Its producer, consumers and admin client all
carry the same credentials. They are read once per
process from the environment, like the broker's address, and handed to every client.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from aiokafka.helpers import create_ssl_context
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class KafkaSecurity(BaseSettings):
    """The brokers' security protocol and this process's Kafka user."""

    model_config = SettingsConfigDict(env_prefix="MENTORNET_KAFKA_", extra="ignore")

    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="PLAINTEXT locally; SASL_SSL on a cluster"
    )
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        default="SCRAM-SHA-512",
        description="the mechanism of the Kafka user (Strimzi: scram-sha-512)",
    )
    username: str | None = Field(default=None, description="the Kafka user (SASL only)")
    password: SecretStr | None = Field(default=None, description="its password (SASL only)")
    ca_file: str | None = Field(
        default=None,
        description="PEM file of the CA that signed the brokers' certificates (SSL, SASL_SSL); "
        "without it the system's trusted CAs",
    )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.security_protocol}
        if self.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = create_ssl_context(cafile=self.ca_file)
        if self.security_protocol.startswith("SASL_"):
            if not self.username or self.password is None:
                raise ValueError(
                    "MENTORNET_KAFKA_USERNAME and MENTORNET_KAFKA_PASSWORD are required with "
                    f"MENTORNET_KAFKA_SECURITY_PROTOCOL={self.security_protocol}"
                )
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password.get_secret_value()
        return options


@cache
def kafka_client_options() -> dict[str, Any]:
    """This process's Kafka security options, read from the environment once."""
    return KafkaSecurity().client_options()
