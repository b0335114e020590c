"""Sending one message to the SMTP relay with aiosmtplib, and telling failures that will
pass (the relay is down or busy: try again later) from those that will not (the relay refuses
this message or recipient for good: 5xx)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib


class PermanentSmtpError(Exception):
    """The relay refused the message for good (a 5xx answer)."""


class TransientSmtpError(Exception):
    """The relay could not take the message now (down, busy, a 4xx answer)."""


@dataclass(frozen=True)
class SmtpRelay:
    """Where and how to hand mail over."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 15.0

    async def send(self, message: EmailMessage) -> None:
        """Hand one message over; raise Permanent- or TransientSmtpError with the reason."""
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            reason = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            if all(c >= 500 for c in codes):
                raise PermanentSmtpError(f"recipient refused: {reason}") from exc
            raise TransientSmtpError(f"recipient deferred: {reason}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            text = f"{exc.code} {exc.message}"
            if exc.code >= 500:
                raise PermanentSmtpError(f"refused by the relay: {text}") from exc
            raise TransientSmtpError(f"deferred by the relay: {text}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientSmtpError(f"{type(exc).__name__}: {exc}") from exc
