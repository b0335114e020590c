"""`python -m services.registry.cli bootstrap`: the network's first co-ordinator; and
`connect-provider`: the operator connects an organisation's provider (its recovery, when none
of its admins can sign in any more).

Registers the network office as an organisation (once), connects its sign-in provider, and
invites the co-ordinator's e-mail address: whoever first signs in through that provider with
that verified address becomes network co-ordinator and the office's admin. It talks to the
database and Kafka directly, as the registry does; run it where the registry runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from services.registry.app import SERVICE, build_components
from services.registry.domain.audit import AuditAction, new_entry
from services.registry.domain.member import normalise_email
from services.registry.domain.organisation import OrganisationProfile, join, new_organisation_id
from services.registry.settings import RegistrySettings
from shared import clock
from shared.auth.principal import CallerKind, Principal, Role
from shared.events.catalogue import new_event
from shared.events.envelope import Audience
from shared.logging import configure_logging
from shared.runtime import ServiceRuntime


async def bootstrap(
    office_name: str, issuer: str, client_id: str, client_secret: str, email: str
) -> str:
    """Create (or find) the office, connect its provider, invite the co-ordinator; returns
    the office's organisation id."""
    settings = RegistrySettings()  # the environment names the servers and the secret key
    runtime = ServiceRuntime(SERVICE, settings, outbox_collections=["organisations"])
    components = build_components(runtime, settings)
    await runtime.start()
    try:
        await components.organisations.prepare()
        metadata = await components.providers.discover(issuer.rstrip("/"))
        existing = [
            o
            for o in await components.organisations.directory()
            if o.profile.name.casefold() == office_name.casefold()
        ]
        if existing:
            organisation_id = existing[0].id
        else:
            domain = normalise_email(email).rpartition("@")[2]
            taken = {
                d
                for o in await components.organisations.directory()
                for d in o.profile.email_domains
            }
            # The office's people sign in by e-mail like everyone else's: its domain is the
            # co-ordinator's (unless a partner already signs people in with it).
            organisation, joined = join(
                OrganisationProfile(
                    name=office_name,
                    sector="network",
                    email_domains=[] if domain in taken else [domain],
                ),
                now=clock.now(),
                organisation_id=new_organisation_id(),
            )
            event = new_event(
                joined,
                organisation=organisation.id,
                subject=organisation.id,
                audience=Audience.NETWORK,
            )
            await components.organisations.add(organisation, [event], {})
            organisation_id = organisation.id
        # The command acts as the operator who installs the network: a principal of its own.
        operator = Principal(
            subject="bootstrap",
            organisation=organisation_id,
            kind=CallerKind.MEMBER,
            roles=frozenset({Role.NETWORK_COORDINATOR}),
        )
        sealed = components.box.seal(client_secret, context=organisation_id)
        await components.organisations.save_provider(
            operator,
            organisation_id,
            {
                "issuer": metadata.issuer.rstrip("/"),
                "client_id": client_id,
                "authorization_endpoint": metadata.authorization_endpoint,
                "token_endpoint": metadata.token_endpoint,
                "jwks_uri": metadata.jwks_uri,
                "iss_in_answer": metadata.authorization_response_iss_parameter_supported,
                "client_secret_sealed": sealed,
            },
        )
        address = normalise_email(email)
        await components.organisations.invite(
            organisation_id,
            office_name,
            {address: [Role.NETWORK_COORDINATOR, Role.ORGANISATION_ADMIN]},
        )
        return organisation_id
    finally:
        await runtime.stop()


async def connect_provider(
    organisation_id: str, issuer: str, client_id: str, client_secret: str, requested_by: str
) -> None:
    """The operator (who runs the registry: not a network co-ordinator through the API)
    connects an organisation's provider, with the same checks as the API, recorded in the
    organisation's audit trail with who asked for it (docs/security.md: the two-party
    recovery of a lost provider)."""
    settings = RegistrySettings()
    runtime = ServiceRuntime(SERVICE, settings, outbox_collections=["organisations"])
    components = build_components(runtime, settings)
    await runtime.start()
    try:
        await components.organisations.get_for_system(organisation_id)
        metadata = await components.providers.discover(issuer.rstrip("/"))
        operator = Principal(
            subject="operator",
            organisation=organisation_id,
            kind=CallerKind.MEMBER,
            roles=frozenset({Role.ORGANISATION_ADMIN}),
        )
        await components.audit.record(
            organisation_id,
            new_entry(
                operator,
                AuditAction.PROVIDER_CONNECTED,
                metadata.issuer.rstrip("/"),
                f"client id {client_id}; by the operator, asked by {requested_by}",
                clock.now(),
            ),
        )
        await components.organisations.save_provider(
            operator,
            organisation_id,
            {
                "issuer": metadata.issuer.rstrip("/"),
                "client_id": client_id,
                "authorization_endpoint": metadata.authorization_endpoint,
                "token_endpoint": metadata.token_endpoint,
                "jwks_uri": metadata.jwks_uri,
                "client_secret_sealed": components.box.seal(client_secret, context=organisation_id),
            },
        )
    finally:
        await runtime.stop()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and bootstrap."""
    parser = argparse.ArgumentParser(
        prog="python -m services.registry.cli", description=__doc__.split("\n\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    boot = sub.add_parser("bootstrap", help="create the network office and its first co-ordinator")
    boot.add_argument("--office-name", default="Network Office")
    boot.add_argument("--issuer", required=True, help="the office's OIDC provider (issuer URL)")
    boot.add_argument("--client-id", required=True, help="mentornet's client id at that provider")
    boot.add_argument(
        "--client-secret-env",
        default="MENTORNET_BOOTSTRAP_CLIENT_SECRET",
        help="environment variable holding the client secret (never an argument, "
        "so it stays out of shell history and process lists)",
    )
    boot.add_argument("--email", required=True, help="the first co-ordinator's e-mail address")
    connect = sub.add_parser(
        "connect-provider",
        help="connect an organisation's provider as the operator (recovery: see security.md)",
    )
    connect.add_argument("--organisation", required=True, help="the organisation's id")
    connect.add_argument("--issuer", required=True, help="the provider's issuer URL")
    connect.add_argument("--client-id", required=True, help="mentornet's client id there")
    connect.add_argument(
        "--client-secret-env",
        default="MENTORNET_PROVIDER_CLIENT_SECRET",
        help="environment variable holding the client secret",
    )
    connect.add_argument(
        "--requested-by",
        required=True,
        help="who asked, for the audit trail (e.g. the organisation's signed request's reference)",
    )
    args = parser.parse_args(argv)
    secret = os.environ.get(args.client_secret_env)
    if not secret:
        parser.error(f"set {args.client_secret_env} to the provider's client secret")
    configure_logging("registry-cli", "WARNING")
    if args.command == "connect-provider":
        asyncio.run(
            connect_provider(
                args.organisation, args.issuer, args.client_id, secret, args.requested_by
            )
        )
        print(f"provider connected: {args.organisation}")
        return 0
    organisation_id = asyncio.run(
        bootstrap(args.office_name, args.issuer, args.client_id, secret, args.email)
    )
    print(f"network office: {organisation_id}")
    print(f"sign in: {RegistrySettings().public_url}/auth/login/{organisation_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
