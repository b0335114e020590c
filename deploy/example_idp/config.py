"""The provider's configuration: its issuer, display name, clients and users (JSON)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ClientConfig:
    """A relying party registered with the provider (a confidential client)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True)
class UserConfig:
    """A person who can sign in."""

    username: str
    password: str
    sub: str
    email: str
    name: str
    # The `email_verified` claim exactly as this provider asserts it: True by default; a
    # test may make it a sloppy provider's string "true" (mentornet accepts only JSON true).
    email_verified: Any = True


@dataclass(frozen=True)
class IdpConfig:
    """Everything one provider needs to run."""

    issuer: str
    name: str
    clients: tuple[ClientConfig, ...]
    users: tuple[UserConfig, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IdpConfig:
        """Build from the JSON shape; raise ValueError when something is missing or wrong."""
        try:
            config = cls(
                issuer=str(data["issuer"]).rstrip("/"),
                name=str(data["name"]),
                clients=tuple(
                    ClientConfig(
                        client_id=str(c["client_id"]),
                        client_secret=str(c["client_secret"]),
                        redirect_uris=tuple(str(u) for u in c["redirect_uris"]),
                    )
                    for c in data["clients"]
                ),
                users=tuple(
                    UserConfig(
                        username=str(u["username"]),
                        password=str(u["password"]),
                        sub=str(u["sub"]),
                        email=str(u["email"]),
                        name=str(u["name"]),
                        email_verified=u.get("email_verified", True),
                    )
                    for u in data["users"]
                ),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"invalid provider config: missing or malformed {exc}") from exc
        if urlsplit(config.issuer).scheme not in ("http", "https"):
            raise ValueError(f"issuer must be an http(s) URL, not {config.issuer!r}")
        if not config.clients or not config.users:
            raise ValueError("a provider config needs at least one client and one user")
        return config

    @classmethod
    def load(cls, path: Path) -> IdpConfig:
        """Read a JSON config file."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"{path}: the config must be a JSON object")
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (lists, not tuples)."""
        data = asdict(self)
        for client in data["clients"]:
            client["redirect_uris"] = list(client["redirect_uris"])
        data["clients"] = list(data["clients"])
        data["users"] = list(data["users"])
        return data
