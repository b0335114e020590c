"""One-click unsubscribe links (RFC 8058) that need no signing in and cannot be forged.

A link names the person, their organisation and one kind of mail, signed with the service's
key (HMAC-SHA256, 128 bits kept): changing any of the three, or making a link up, gives a
signature that does not match, so nobody can unsubscribe someone else, or take the link of
one kind for another. A link only ever turns a kind off; it reveals ids, never an address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from services.notifications.domain.kinds import MailKind

_ID = re.compile(r"^[a-z0-9_]{1,64}$")
_SIGNATURE_BYTES = 16


@dataclass(frozen=True)
class Unsubscribe:
    """Whose mails of which kind a link stops."""

    organisation_id: str
    person_id: str
    kind: MailKind


def _signature(key: bytes, u: Unsubscribe) -> str:
    message = f"unsubscribe|{u.organisation_id}|{u.person_id}|{u.kind.value}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(key: bytes, u: Unsubscribe) -> str:
    """The token of an unsubscribe link: `<organisation>.<person>.<kind>.<signature>`."""
    return f"{u.organisation_id}.{u.person_id}.{u.kind.value}.{_signature(key, u)}"


def read_token(key: bytes, token: str) -> Unsubscribe | None:
    """What a token stops, or None if it is malformed or its signature does not match."""
    parts = token.split(".")
    if len(parts) != 4:
        return None
    organisation_id, person_id, kind, signature = parts
    if not (_ID.match(organisation_id) and _ID.match(person_id)):
        return None
    try:
        u = Unsubscribe(organisation_id, person_id, MailKind(kind))
    except ValueError:
        return None
    if not hmac.compare_digest(signature, _signature(key, u)):
        return None
    return u
