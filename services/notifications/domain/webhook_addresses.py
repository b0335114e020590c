"""Where a webhook may go: the rules that keep the network's own servers from being made to
call inside a private network (server-side request forgery).

A partner's endpoint must be https to a public address. Refused: private addresses (RFC 1918,
carrier-grade NAT 100.64/10, unique local fc00::/7), loopback, link-local (169.254/16 with the
clouds' metadata 169.254.169.254, fe80::/10), unspecified, multicast and reserved ones, and
URLs carrying credentials. Only a network running on one machine (the local runner, the tests)
may allow plain http to loopback. The rules are checked when an endpoint is registered (every
address its host resolves to) and again on every connection, against the address actually
connected to (a host may resolve differently the second time: DNS rebinding).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.addresses import (
    LOOPBACK_NAMES,
    IpAddress,
    RefusedAddressError,
    address_refusal,
    literal_address,
    names_loopback,
)

__all__ = ["IpAddress", "RefusedAddressError", "Target", "address_refusal", "target"]


@dataclass(frozen=True)
class Target:
    """A webhook URL's parts that matter: scheme, host, port."""

    scheme: str
    host: str
    port: int


def target(url: str, *, allow_loopback: bool) -> Target:
    """The URL's target, or `RefusedAddressError` if its shape alone is refused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RefusedAddressError("not a URL") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in ("https", "http") or not host:
        raise RefusedAddressError("must be an https:// URL")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddressError("must not carry a user name or password")
    if parts.fragment:
        raise RefusedAddressError("must not have a #fragment")
    if scheme == "http" and not (allow_loopback and names_loopback(host)):
        raise RefusedAddressError("must be https (plain http only to loopback on a local network)")
    if host in LOOPBACK_NAMES and not allow_loopback:
        raise RefusedAddressError("must not point at this machine (loopback)")
    literal = literal_address(host)
    if literal is not None:
        refusal = address_refusal(literal, allow_loopback=allow_loopback)
        if refusal:
            raise RefusedAddressError(refusal)
    return Target(scheme, host, port or (443 if scheme == "https" else 80))
