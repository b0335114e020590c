"""Reading back what the network mailed, from Mailpit's HTTP API (`GET /api/v1/search`,
`GET /api/v1/message/{ID}/raw`): each message parsed as the recipient's mail client would."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx

from tests.servers import mailpit_url


@dataclass(frozen=True)
class Mail:
    """One message as received."""

    id: str
    message: EmailMessage

    @property
    def kind(self) -> str:
        """Which kind of mail (the service's own header)."""
        return str(self.message["X-Mentornet-Kind"]).strip()

    @property
    def delivery(self) -> str:
        """Its delivery id (kind, occasion, person)."""
        # A long header is folded on the wire; unfolded, it may keep the fold's space.
        return "".join(str(self.message["X-Mentornet-Delivery"]).split())

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        """The plain-text body."""
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    def html(self) -> str:
        """The HTML body."""
        part = self.message.get_body(("html",))
        assert part is not None
        return str(part.get_content())

    def everything(self) -> str:
        """Every header and every part, decoded: what a check for leaked text must read."""
        parts = [f"{k}: {v}" for k, v in self.message.items()]
        for part in self.message.walk():
            if not part.is_multipart():
                parts.append(str(part.get_content()))
        return "\n".join(parts)

    def calendar(self) -> EmailMessage | None:
        """The attached calendar invitation, if any."""
        for part in self.message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                assert isinstance(part, EmailMessage)
                return part
        return None


class Inbox:
    """Mailpit, read through its API (messages cached by id)."""

    def __init__(self, url: str | None = None) -> None:
        self._url = (url or mailpit_url()).rstrip("/")
        self._cache: dict[str, Mail] = {}

    def to(self, address: str) -> list[Mail]:
        """Every message to `address`, oldest first."""
        found: list[str] = []
        start = 0
        with httpx.Client(timeout=15) as http:
            while True:
                page = http.get(
                    f"{self._url}/api/v1/search",
                    params={"query": f"to:{address}", "start": start, "limit": 200},
                ).json()
                found += [m["ID"] for m in page["messages"]]
                start += len(page["messages"])
                if not page["messages"] or start >= page["messages_count"]:
                    break
            for message_id in found:
                if message_id not in self._cache:
                    raw = http.get(f"{self._url}/api/v1/message/{message_id}/raw").content
                    parsed = message_from_bytes(raw, policy=policy.default)
                    assert isinstance(parsed, EmailMessage)
                    self._cache[message_id] = Mail(message_id, parsed)
        mails = [self._cache[i] for i in found]
        return sorted(mails, key=lambda m: str(m.message["Date"]))

    def of(self, address: str, kind: str) -> list[Mail]:
        """Messages of one kind to `address`."""
        return [m for m in self.to(address) if m.kind == kind]

    def wait(
        self,
        address: str,
        kind: str,
        count: int = 1,
        timeout: float = 30.0,
        where: Callable[[Mail], bool] = lambda _: True,
    ) -> list[Mail]:
        """Wait until `address` has at least `count` messages of `kind` (matching `where`)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.of(address, kind) if where(m)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(found)} of {count} {kind} mails to {address} after {timeout:.0f}s"
                )
            time.sleep(0.3)
