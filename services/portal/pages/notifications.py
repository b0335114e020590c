"""The e-mail settings page: the person's choices from the notifications service, and saving
the form back there (with the person's own token; the service keeps them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.portal.adapters.forms import refused
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member
from services.portal.domain.forms import FormProblems
from services.portal.domain.notification_choices import (
    NotificationChoices,
    as_typed,
    choices_from_form,
)

PATH = "/members/me/notification-preferences"
FIELDS = ("digest_frequency", "kinds")


async def my_choices(member: Member) -> NotificationChoices:
    """The person's choices (everything on, daily, until they choose)."""
    found: NotificationChoices = await member.api.get(
        Service.NOTIFICATIONS, PATH, NotificationChoices
    )
    return found


@dataclass(frozen=True)
class Saving:
    """What became of a posted settings form."""

    choices: NotificationChoices  # as saved, or as typed when there is a problem
    problems: FormProblems
    status: int = 200


async def save_from_form(member: Member, form: Mapping[str, Sequence[str]]) -> Saving:
    """Check the form and save it; a problem comes back beside its field."""
    body, problems = choices_from_form(form)
    if problems:
        return Saving(await my_choices(member), problems, 422)
    try:
        saved: NotificationChoices = await member.api.send(
            Service.NOTIFICATIONS, "PUT", PATH, json=body, model=NotificationChoices
        )
    except ServiceRefusalError as exc:
        return Saving(as_typed(await my_choices(member), body), refused(exc, FIELDS), exc.status)
    return Saving(saved, FormProblems())
