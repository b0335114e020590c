"""Which e-mails a person gets, as the notifications service answers it, and the settings
form read back into what it takes. Pure: tolerant models with only what the page shows."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.portal.domain.forms import FormProblems, first

FREQUENCIES = {
    "hourly": "At most once an hour",
    "daily": "At most once a day",
    "weekly": "At most once a week",
}
_KIND = re.compile(r"^[a-z_]{1,40}$")


class KindChoice(BaseModel):
    """One kind of e-mail, on or off, in the service's words."""

    model_config = ConfigDict(extra="ignore")

    kind: str
    on: bool
    label: str
    description: str = ""


class NotificationChoices(BaseModel):
    """A person's notification preferences."""

    model_config = ConfigDict(extra="ignore")

    kinds: list[KindChoice]
    digest_frequency: str = "daily"


def choices_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[dict[str, Any], FormProblems]:
    """The body of `PUT /members/me/notification-preferences` from the settings form: every
    kind the form showed, on if its box is ticked; the digest frequency chosen."""
    shown = [k for k in form.get("shown", []) if _KIND.match(k)]
    ticked = set(form.get("on", []))
    frequency = first(form, "digest_frequency")
    if frequency not in FREQUENCIES:
        return {}, FormProblems({"digest_frequency": "choose how often summaries may come"})
    return {"kinds": {k: k in ticked for k in shown}, "digest_frequency": frequency}, FormProblems()


def as_typed(choices: NotificationChoices, body: Mapping[str, Any]) -> NotificationChoices:
    """The choices as the person just typed them (shown again beside a problem)."""
    kinds = body.get("kinds", {})
    return NotificationChoices(
        kinds=[c.model_copy(update={"on": kinds.get(c.kind, c.on)}) for c in choices.kinds],
        digest_frequency=str(body.get("digest_frequency", choices.digest_frequency)),
    )
