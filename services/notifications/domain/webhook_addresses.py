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

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
CGNAT = ipaddress.ip_network("100.64.0.0/10")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class RefusedAddressError(ValueError):
    """A URL or an address a webhook may not go to; the message says why, in plain words."""


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
    if scheme == "http" and not (allow_loopback and _names_loopback(host)):
        raise RefusedAddressError("must be https (plain http only to loopback on a local network)")
    if host in LOOPBACK_NAMES and not allow_loopback:
        raise RefusedAddressError("must not point at this machine (loopback)")
    literal = _literal(host)
    if literal is not None:
        refusal = address_refusal(literal, allow_loopback=allow_loopback)
        if refusal:
            raise RefusedAddressError(refusal)
    return Target(scheme, host, port or (443 if scheme == "https" else 80))


def address_refusal(address: IpAddress, *, allow_loopback: bool) -> str | None:
    """Why a webhook may not connect to `address` (None if it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "must not point at this machine (loopback)"
    if address.is_link_local:
        return "must not point at a link-local address (such as cloud metadata)"
    if address.is_unspecified:
        return "must not point at an unspecified address"
    if address.is_multicast:
        return "must not point at a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in CGNAT:
        return "must not point at a private address (shared address space)"
    if address.is_reserved:
        return "must not point at a reserved address"
    if address.is_private:
        return "must not point at a private address"
    if not address.is_global:
        return "must not point at an address that is not public"
    return None


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _names_loopback(host: str) -> bool:
    literal = _literal(host)
    return host in LOOPBACK_NAMES or (literal is not None and literal.is_loopback)
