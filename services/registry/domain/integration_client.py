"""An organisation's own system (HR, LMS) calling the API with client credentials."""

from __future__ import annotations

import re
import secrets

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.auth.principal import Scope


class ClientRegistration(BaseModel):
    """What an admin enters to register a client."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=100, examples=["Workday HR sync"])
    scopes: list[Scope] = Field(min_length=1, examples=[["members:read", "members:write"]])


class IntegrationClient(BaseModel):
    """A registered client as its organisation's admins see it (never the secret)."""

    client_id: str = Field(examples=["org_3f9a1c2b7d4e.cl_5d0c2f7a9b1e4c6d"])
    organisation_id: str
    name: str
    scopes: list[Scope]
    created_at: AwareDatetime


class IssuedClient(IntegrationClient):
    """The answer to a registration: the only time the secret is shown."""

    client_secret: str = Field(description="shown once; store it now", examples=["mns_..."])


_CLIENT_ID = re.compile(r"^org_[a-z0-9]{12}\.cl_[a-z0-9]{16}$")


def new_client_id(organisation_id: str) -> str:
    """A client id that names its organisation (so the token endpoint knows where to look)."""
    return f"{organisation_id}.cl_{secrets.token_hex(8)}"


def organisation_of(client_id: str) -> str:
    """The organisation a client id belongs to, or ValueError."""
    if not _CLIENT_ID.match(client_id):
        raise ValueError("not a client id")
    return client_id.partition(".")[0]
