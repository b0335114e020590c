"""Sign-in for the local network: example providers, the first co-ordinator, signing people in.

Used by `./mentornet up` (demo data) and by the end-to-end tests, so both go through the same
real flow: provider login form → registry callback → network tokens.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from deploy.example_idp.config import IdpConfig
from deploy.example_idp.process import IdpProcess
from deploy.example_idp.sign_in import sign_in
from shared.secrets import new_token

CLIENT_ID = "mentornet"


@dataclass(frozen=True)
class Person:
    """Someone who can sign in at an example provider."""

    username: str
    email: str
    name: str
    password: str = field(default_factory=lambda: new_token())
    email_verified: Any = True  # as the provider asserts it (tests try a string "true")

    def as_user(self) -> dict[str, Any]:
        """The provider's user entry."""
        return {
            "username": self.username,
            "password": self.password,
            "sub": f"sub-{self.username}",
            "email": self.email,
            "name": self.name,
            "email_verified": self.email_verified,
        }


@dataclass
class Provider:
    """An example provider process and the secret mentornet holds for it."""

    process: IdpProcess
    client_secret: str

    @property
    def issuer(self) -> str:
        """Its issuer URL."""
        return self.process.issuer


def start_provider(
    name: str,
    port: int,
    work_dir: Path,
    registry_url: str,
    people: list[Person],
    pid_dir: Path | None = None,
) -> Provider:
    """Start an example provider that knows `people` and mentornet as a client (with
    `pid_dir`, it keeps its pid in `<pid_dir>/idp-<port>.pid` while it runs)."""
    secret = new_token()
    config = IdpConfig.from_dict(
        {
            "issuer": f"http://127.0.0.1:{port}",
            "name": name,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": secret,
                    "redirect_uris": [f"{registry_url}/auth/callback"],
                }
            ],
            "users": [p.as_user() for p in people],
        }
    )
    process = IdpProcess(
        config,
        port,
        work_dir,
        name=f"idp-{port}",
        pid_file=None if pid_dir is None else pid_dir / f"idp-{port}.pid",
    ).start()
    try:
        process.wait_ready()
    except BaseException:
        process.stop()
        raise
    return Provider(process, secret)


def bootstrap_coordinator(env: dict[str, str], provider: Provider, email: str) -> str:
    """Run the registry's bootstrap command; returns the network office's organisation id."""
    result = subprocess.run(  # noqa: S603 - fixed argv, our own module
        [
            sys.executable,
            "-m",
            "services.registry.cli",
            "bootstrap",
            "--issuer",
            provider.issuer,
            "--client-id",
            CLIENT_ID,
            "--email",
            email,
        ],
        env={
            **os.environ,
            "MENTORNET_ALLOW_HTTP_LOOPBACK_PROVIDERS": "true",
            **env,
            "MENTORNET_BOOTSTRAP_CLIENT_SECRET": provider.client_secret,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bootstrap failed:\n{result.stdout}\n{result.stderr}")
    line = next(x for x in result.stdout.splitlines() if x.startswith("network office:"))
    return line.split(":", 1)[1].strip()


def operator_connects_provider(
    env: dict[str, str], organisation_id: str, provider: Provider
) -> None:
    """Connect an organisation's provider as the network's operator (the registry's
    `connect-provider` command): how a re-run of the demo reconnects a partner's example
    provider, which starts with a new client secret each time, once the partner's admins
    alone may change it through the API."""
    result = subprocess.run(  # noqa: S603 - fixed argv, our own module
        [
            sys.executable,
            "-m",
            "services.registry.cli",
            "connect-provider",
            "--organisation",
            organisation_id,
            "--issuer",
            provider.issuer,
            "--client-id",
            CLIENT_ID,
            "--requested-by",
            "the local demo (re-run)",
        ],
        env={
            **os.environ,
            "MENTORNET_ALLOW_HTTP_LOOPBACK_PROVIDERS": "true",
            **env,
            "MENTORNET_PROVIDER_CLIENT_SECRET": provider.client_secret,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"connect-provider failed:\n{result.stdout}\n{result.stderr}")


def sign_in_tokens(registry_url: str, organisation_id: str, person: Person) -> dict[str, Any]:
    """Sign a person in through their organisation's provider, as a browser would; returns
    the registry's token response."""
    with httpx.Client(timeout=15) as client:
        response = sign_in(
            client, f"{registry_url}/auth/login/{organisation_id}", person.username, person.password
        )
    if response.status_code != 200:
        raise RuntimeError(
            f"sign-in of {person.username} failed: {response.status_code} {response.text[:300]}"
        )
    tokens: dict[str, Any] = response.json()
    return tokens


_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def portal_session(portal: str, person: Person) -> str:
    """Sign in at the portal as a browser does: its sign-in page (keeping the `mn_sign_in`
    cookie), the e-mail form posted, then on through the registry to the person's provider,
    its login form, and back through the registry to the portal; the session cookie."""
    with httpx.Client(timeout=30) as browser:
        page = browser.get(f"{portal}/sign-in")
        found = _FORM_TOKEN.search(page.text)
        if page.status_code != 200 or found is None:
            raise RuntimeError(f"the portal's sign-in page: {page.status_code} {page.text[:300]}")
        posted = browser.post(
            f"{portal}/sign-in",
            data={"email": person.email, "form_token": found.group(1), "next": "/"},
        )
        if posted.status_code != 303:
            raise RuntimeError(
                f"posting the sign-in form: {posted.status_code} {posted.text[:300]}"
            )
        home = sign_in(browser, posted.headers["location"], person.username, person.password)
        cookie = browser.cookies.get("mn_session")
        if home.status_code != 200 or str(home.url) != f"{portal}/" or not cookie:
            raise RuntimeError(
                f"signing {person.username} in at the portal ended at {home.url} "
                f"({home.status_code}), cookie {'set' if cookie else 'missing'}"
            )
        return cookie


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The Authorization header for a token response."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}
