"""Which network addresses the services may call out to: the rules that keep a partner's URL
(a webhook endpoint, an identity provider's issuer) from making the network's own servers call
inside a private network (server-side request forgery).

Refused: private addresses (RFC 1918, carrier-grade NAT 100.64/10, unique local fc00::/7),
loopback, link-local (169.254/16 with the clouds' metadata 169.254.169.254, fe80::/10),
unspecified, multicast and reserved ones, and the IPv4-mapped IPv6 forms of all of these. Only
a network running on one machine (the local runner, the tests) may allow loopback. Pure: the
connections that apply the rules are in `shared.http.guarded`.
"""

from __future__ import annotations

import ipaddress

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
CGNAT = ipaddress.ip_network("100.64.0.0/10")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class RefusedAddressError(ValueError):
    """A URL or an address the services may not call; the message says why, in plain words."""


def address_refusal(address: IpAddress, *, allow_loopback: bool) -> str | None:
    """Why the services may not connect to `address` (None if they may)."""
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


def literal_address(host: str) -> IpAddress | None:
    """The address a host names literally (`10.0.0.1`, `[::1]`), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def names_loopback(host: str) -> bool:
    """Whether a host is this machine by its name or its address."""
    literal = literal_address(host)
    return host in LOOPBACK_NAMES or (literal is not None and literal.is_loopback)
