"""The notifications service's own settings, beyond what every service reads
(environment, prefix `MENTORNET_`)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from shared.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Where mail goes out, where its links lead, and how time-driven mails are paced."""

    secret_key: SecretStr = Field(
        description="base64 of 32 random bytes (the deployment's key); the key that signs "
        "unsubscribe links is derived from it"
    )
    portal_public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="where people reach the portal: every mail links there",
    )
    notifications_public_url: str = Field(
        default="http://127.0.0.1:8005",
        description="where mail clients reach this service's one-click unsubscribe links",
    )
    smtp_host: str = Field(default="127.0.0.1")
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = Field(default=None)
    smtp_password: SecretStr | None = Field(default=None)
    smtp_starttls: bool = Field(
        default=False, description="upgrade the connection with STARTTLS (production relays)"
    )
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)
    smtp_attempts: int = Field(
        default=5, ge=1, le=20, description="tries before a mail is dead-lettered with its reason"
    )
    smtp_retry_seconds: float = Field(
        default=2.0, gt=0, description="the first retry's delay; each next one doubles"
    )
    mail_from: str = Field(
        default="mentornet <notifications@mentornet.example>",
        description="the From of every mail (and the calendar invitations' organiser)",
    )
    notifications_sweep_seconds: float = Field(
        default=30.0, gt=0, description="how often due reminders and digests are looked for"
    )
    reminder_time: str = Field(
        default="09:00",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="the time of day, in each person's own zone, of meeting reminders",
    )
    log_due_after_minutes: int = Field(
        default=120, ge=0, description="how long after a meeting ends its log is asked for"
    )
    digest_settle_seconds: float = Field(
        default=1800.0,
        ge=0,
        description="how long something waits before a digest tells of it (time to read a "
        "message live)",
    )
    fresh_hours: float = Field(
        default=48.0,
        gt=0,
        description="events older than this when first read build the read models but send "
        "no mail (a new deployment replaying history mails nobody about the past)",
    )
    # --- webhooks to partners' systems (docs/decisions.md 25) ------------------------------
    webhooks_allow_loopback: bool = Field(
        default=False,
        description="let webhook endpoints be plain http on loopback (127.0.0.1, ::1, "
        "localhost): only for a network running on one machine (the local runner and the "
        "tests); never in production, where every endpoint is https to a public address",
    )
    webhook_retry_schedule_seconds: str = Field(
        default="0,5,300,1800,7200,18000,36000,36000",
        pattern=r"^\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*$",
        description="the delay before each attempt of a webhook delivery, after the previous "
        "one (the first is 0: at once); the number of delays is the number of attempts",
    )
    webhook_disable_after_seconds: float = Field(
        default=86400.0,
        gt=0,
        description="an endpoint failing this long with no success since is disabled, and "
        "its organisation's admins are e-mailed",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="the whole of one webhook request, connect to answer"
    )
    webhook_concurrency: int = Field(
        default=4, ge=1, le=64, description="deliveries in flight at once to one endpoint"
    )
    webhook_secret_overlap_hours: float = Field(
        default=24.0,
        ge=0,
        description="after a secret is rotated, how long deliveries are signed with the old "
        "secret too",
    )
