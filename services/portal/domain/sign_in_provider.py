"""The organisation's sign-in provider (its own OIDC provider) as its admin sees it, and trying
a new one before saving it: only a provider that has just signed the admin in is saved, so a
mistyped secret or a missing redirect URI never locks the organisation's people out.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.portal.domain.forms import FormProblems, first

FIELDS = ("issuer", "client_id", "client_secret")


class ConnectedProvider(BaseModel):
    """The provider the organisation's people sign in through (never its secret)."""

    issuer: str
    client_id: str


class ProviderTrial(BaseModel):
    """A provider being tried: waiting for the admin to sign in, passed (as whom) or failed
    (why), or saved."""

    id: str
    issuer: str
    client_id: str
    status: str  # started, passed, failed, saved
    started_at: datetime
    expires_at: datetime
    expired: bool = False
    sign_in_url: str | None = None
    signed_in_email: str | None = None
    signed_in_name: str | None = None
    reason: str | None = None

    @property
    def can_be_saved(self) -> bool:
        """Passed, and within its ten minutes."""
        return self.status == "passed" and not self.expired

    @property
    def signed_in_as(self) -> str:
        """'Ada Lovelace (ada@alder.example)', or whichever of the two the provider gave."""
        name, email = self.signed_in_name, self.signed_in_email
        if name and email:
            return f"{name} ({email})"
        return name or email or "someone the provider did not name"


@dataclass(frozen=True)
class TrialDraft:
    """What was typed (never the secret: it is not sent back to the browser)."""

    issuer: str = ""
    client_id: str = ""


def trial_from_form(
    form: Mapping[str, Sequence[str]], return_to: str
) -> tuple[TrialDraft, dict[str, Any], FormProblems]:
    """The draft to show again, the registry's request body, and what is missing."""
    draft = TrialDraft(issuer=first(form, "issuer").rstrip("/"), client_id=first(form, "client_id"))
    secret = first(form, "client_secret")
    problems: dict[str, str] = {}
    if not draft.issuer.startswith(("https://", "http://")):
        problems["issuer"] = "the provider's issuer URL, starting https://"
    if not draft.client_id:
        problems["client_id"] = "the client id the provider gave mentornet"
    if not secret:
        problems["client_secret"] = "the client secret the provider gave mentornet"  # noqa: S105
    body = {
        "issuer": draft.issuer,
        "client_id": draft.client_id,
        "client_secret": secret,
        "return_to": return_to,
    }
    message = "Please fill in the fields marked below." if problems else None
    return draft, body, FormProblems(problems, message)
