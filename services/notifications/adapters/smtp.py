"""Sending messages to the SMTP relay with aiosmtplib (one session for a run of messages,
so each does not pay a connection and greeting), and telling failures that will pass (the
relay is down or busy: try again later) from those that will not (the relay refuses this
message or recipient for good: 5xx)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from email.message import Message

import aiosmtplib
from aiosmtplib.email import extract_recipients, extract_sender


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

    async def send(self, message: Message) -> None:
        """Hand one message over in a session of its own; raise Permanent- or
        TransientSmtpError with the reason."""
        session = self.session()
        try:
            await session.send(message)
        finally:
            await session.close()

    def session(self) -> SmtpSession:
        """A session for a run of messages (connected at its first message)."""
        return SmtpSession(self)


@dataclass
class SmtpSession:
    """One connection to the relay, reused message after message. After any failure it is
    dropped, and the next message connects anew (the relay's state after an error is not
    trusted)."""

    relay: SmtpRelay
    _client: aiosmtplib.SMTP | None = field(default=None, init=False)

    async def _send(self, message: Message) -> None:
        try:
            if self._client is None or not self._client.is_connected:
                await self.close()
                self._client = await self._connect()
            # Flattened with the message's own policy (aiosmtplib's would fold headers again).
            data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
            sender = extract_sender(message)
            if sender is None:
                raise aiosmtplib.SMTPException("the message has no From")
            await self._client.sendmail(sender, extract_recipients(message), data)
        except BaseException:
            await self.close()
            raise

    async def send(self, message: Message) -> None:
        """Hand one message over; raise Permanent- or TransientSmtpError with the reason."""
        try:
            await self._send(message)
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

    async def _connect(self) -> aiosmtplib.SMTP:
        r = self.relay
        client = aiosmtplib.SMTP(
            hostname=r.host, port=r.port, start_tls=r.starttls, timeout=r.timeout
        )
        try:
            await client.connect()
            if r.username and r.password:
                await client.login(r.username, r.password)
        except BaseException:
            with contextlib.suppress(Exception):
                client.close()
            raise
        return client

    async def close(self) -> None:
        """Say goodbye to the relay, if connected."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except Exception:  # a relay that hangs up first is no error
            client.close()
