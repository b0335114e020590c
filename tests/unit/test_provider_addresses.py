"""Which identity providers the registry will call: https to public addresses only, loopback
only on a local network (the address rules shared with webhooks, `shared.addresses`)."""

from __future__ import annotations

import pytest

from services.registry.domain.identity_provider import check_issuer, check_metadata

NOT_PUBLIC = [
    "https://10.0.0.1",
    "https://172.16.5.4",
    "https://192.168.1.1",
    "https://100.64.0.1",
    "https://169.254.169.254",  # the clouds' metadata service
    "https://[fe80::1]",
    "https://[fd00::1]",
    "https://[::ffff:10.0.0.1]",
    "https://0.0.0.0",
    "https://224.0.0.1",
]


@pytest.mark.parametrize("issuer", NOT_PUBLIC)
def test_an_issuer_at_an_address_that_is_not_public_is_refused(issuer: str) -> None:
    for local in (False, True):
        with pytest.raises(ValueError, match="must not point at"):
            check_issuer(issuer, allow_loopback_http=local)


@pytest.mark.parametrize(
    "issuer",
    ["https://127.0.0.1:8443", "https://localhost", "https://[::1]", "https://[::ffff:127.0.0.1]"],
)
def test_loopback_is_refused_outside_a_local_network(issuer: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        check_issuer(issuer, allow_loopback_http=False)
    check_issuer(issuer, allow_loopback_http=True)


def test_public_issuers_and_local_example_providers_are_accepted() -> None:
    check_issuer("https://login.northshore-care.example/realms/staff", allow_loopback_http=False)
    check_issuer("https://8.8.8.8", allow_loopback_http=False)  # public, written out
    check_issuer("http://127.0.0.1:8080", allow_loopback_http=True)


def test_a_discovery_document_cannot_point_inside() -> None:
    issuer = "https://login.example.com"
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": "https://169.254.169.254/latest/meta-data/",
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    with pytest.raises(ValueError, match="jwks_uri must not point at a link-local"):
        check_metadata(issuer, document, allow_loopback_http=False)
    document["jwks_uri"] = f"{issuer}/keys"
    assert check_metadata(issuer, document, allow_loopback_http=False).jwks_uri.endswith("/keys")
