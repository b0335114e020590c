"""An organisation's integration clients (its HR or learning system calling the network with
client credentials) as its admin manages them: what each may do, in words, and a new one's
form. The secret is shown once, on the page that made it. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first

FIELDS = ("name", "scopes")
SCOPES = {
    "members:read": "Read the organisation's members",
    "members:write": "Import members and update their profiles",
    "programmes:read": "Read the organisation's programmes",
    "programmes:write": "Change the organisation's programmes",
}


class IntegrationClient(BaseModel):
    """A registered client (never its secret)."""

    client_id: str
    name: str
    scopes: list[str] = Field(default_factory=list)
    created_at: datetime


class IssuedClient(IntegrationClient):
    """A client just registered: the only time its secret is known."""

    client_secret: str


@dataclass(frozen=True)
class ClientDraft:
    """The new client's form as typed."""

    name: str = ""
    scopes: list[str] = field(default_factory=list)


def client_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[ClientDraft, dict[str, Any], FormProblems]:
    """The draft, the registry's request body, and what is wrong with it."""
    chosen = [s for s in SCOPES if s in (form.get("scopes") or [])]
    draft = ClientDraft(name=first(form, "name"), scopes=chosen)
    problems: dict[str, str] = {}
    if not 2 <= len(draft.name) <= 100:
        problems["name"] = "name the system that will use it (2 to 100 characters)"
    if not chosen:
        problems["scopes"] = "choose at least one thing it may do"
    message = "Please correct the fields marked below." if problems else None
    return draft, {"name": draft.name, "scopes": chosen}, FormProblems(problems, message)
