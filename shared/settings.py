"""Settings every service reads from its environment (prefix ``MENTORNET_``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Where a service finds Kafka and MongoDB, and how it names what it owns there.

    The prefixes exist so several networks (a developer's, a test run's) can share one broker
    and one database server without seeing each other's topics or databases.
    """

    model_config = SettingsConfigDict(env_prefix="MENTORNET_", extra="ignore")

    kafka_bootstrap: str = Field(default="127.0.0.1:9092", description="host:port[,host:port]")
    mongo_url: str = Field(default="mongodb://127.0.0.1:27017/")
    db_prefix: str = Field(default="mn", pattern=r"^[a-z][a-z0-9]{0,11}$")
    topic_prefix: str = Field(default="mentornet", pattern=r"^[a-z][a-z0-9.-]{0,40}$")
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_partitions: int = Field(default=6, ge=1)
    log_level: str = Field(default="INFO")
    # Network tokens: who signs them (their `iss`) and where the signing keys are published.
    token_issuer: str = Field(default="http://127.0.0.1:8001")
    jwks_url: str = Field(default="http://127.0.0.1:8001/.well-known/jwks.json")
    consumer_max_batch: int = Field(default=500, ge=1, le=5000)
    # The outbox sweep finds what a crash left unpublished; it is a full scan, so it is slow.
    outbox_sweep_seconds: float = Field(default=60.0, gt=0)
    # Fair use (`shared.http.rate_limits`, counted per process): tokens naming a key this
    # service does not know, which make it reload the keys, per caller address; and in the
    # sessions service calendar-feed fetches per feed and message-stream opens per person.
    rate_limit_unknown_key: str = Field(default="20/minute")
    rate_limit_calendar_feed: str = Field(default="30 per 10 minutes")
    rate_limit_message_stream: str = Field(default="30/minute")
