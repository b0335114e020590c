"""Monitoring a programme's relationships: the alerts evaluation raises for its co-ordinator
and the thresholds that raise them, as a form with each problem beside its field.

Seed 002's checklist 5 ("monitoring: data sources and questions") asks whether first meetings
happen, contact keeps up between meetings (Resource 5's exemplar agreement: every two weeks)
and relationships stay active; its Resource 6 gives the pulse of how it is going. Alerts name
the relationship and its parties, never anyone's answers. A concern a circle's member raised
with the co-ordinator (seed 001, "What can go wrong?") is an alert too: it links to the
concern, which only the co-ordinator and its author read. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.forms import FormProblems, first, from_service

ALERT_KINDS = {
    "no_first_meeting": "No first meeting yet",
    "contact_overdue": "Contact overdue since the last meeting",
    "inactivity_warning": "Quiet for a long while (a warning)",
    "inactive": "Inactive",
    "low_pulse": "A low pulse check",
    "circle_concern": "A concern raised about a circle",
}
ALERT_STATUSES = {
    "open": "Open",
    "acknowledged": "Acknowledged: being looked into",
    "resolved": "Resolved",
}
_STATUS_ORDER = {"open": 0, "acknowledged": 1, "resolved": 2}


class AlertParty(BaseModel):
    """Someone the co-ordinator may want to support."""

    member_id: str
    organisation_id: str
    role: str


class Alert(BaseModel):
    """An alert as its programme's co-ordinators see it."""

    id: str
    kind: str
    description: str
    relationship_id: str | None = None
    circle_id: str | None = None  # and concern_id: a concern raised about a circle (seed 001)
    concern_id: str | None = None
    programme_id: str
    since: datetime
    raised_at: datetime
    status: str
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    parties: list[AlertParty] = Field(default_factory=list)


def in_order(alerts: Iterable[Alert]) -> list[Alert]:
    """Open first, then acknowledged, then resolved; newest first within each."""
    newest = sorted(alerts, key=lambda a: a.raised_at, reverse=True)
    return sorted(newest, key=lambda a: _STATUS_ORDER.get(a.status, 9))


@dataclass(frozen=True)
class Threshold:
    """One threshold: its field, words, hint and bounds."""

    name: str
    label: str
    hint: str
    low: float
    high: float
    whole: bool = True


THRESHOLDS = (
    Threshold(
        "first_meeting_days",
        "No first meeting after (days)",
        "Days after a relationship starts without a first meeting. 7 to 90.",
        7,
        90,
    ),
    Threshold(
        "contact_overdue_days",
        "No contact after a meeting for (days)",
        "The exemplar agreement asks for contact about every two weeks. 3 to 60.",
        3,
        60,
    ),
    Threshold(
        "inactivity_warning_days",
        "Warn after no activity for (days)",
        "A first, gentle warning; it must come before the inactivity alert. 7 to 364.",
        7,
        364,
    ),
    Threshold(
        "inactivity_days",
        "Inactive after no activity for (days)",
        "8 to 365.",
        8,
        365,
    ),
    Threshold(
        "low_pulse_score",
        "A pulse answer at or below this is low",
        "On the pulse check's 1 to 5 rating. 1 to 4.5, in halves.",
        1.0,
        4.5,
        whole=False,
    ),
)
FIELDS = tuple(t.name for t in THRESHOLDS)


class AlertThresholds(BaseModel):
    """A programme's thresholds as evaluation answers them."""

    first_meeting_days: int = 21
    contact_overdue_days: int = 14
    inactivity_warning_days: int = 83
    inactivity_days: int = 90
    low_pulse_score: float = 2.0

    def typed(self) -> dict[str, str]:
        """The thresholds as a form shows them."""
        return {name: f"{getattr(self, name):g}" for name in FIELDS}


def thresholds_from_form(
    form: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], dict[str, int | float] | None, FormProblems]:
    """The numbers as typed, evaluation's body (None while anything is wrong), and each
    problem beside its threshold."""
    typed = {name: first(form, name) for name in FIELDS}
    problems: dict[str, str] = {}
    body: dict[str, int | float] = {}
    for threshold in THRESHOLDS:
        value = typed[threshold.name]
        pattern = r"\d{1,3}" if threshold.whole else r"\d(\.\d{1,2})?"
        wanted = "a whole number" if threshold.whole else "a number"
        bounds = f"{wanted} from {threshold.low:g} to {threshold.high:g}"
        if not re.fullmatch(pattern, value):
            problems[threshold.name] = f"give {bounds}"
            continue
        number = int(value) if threshold.whole else float(value)
        if not threshold.low <= number <= threshold.high:
            problems[threshold.name] = f"give {bounds}, not {value}"
            continue
        body[threshold.name] = number
    warning, inactive = body.get("inactivity_warning_days"), body.get("inactivity_days")
    if warning is not None and inactive is not None and warning >= inactive:
        problems["inactivity_warning_days"] = (
            f"the warning must come before the inactivity alert (at {inactive:g} days)"
        )
    if problems:
        return typed, None, FormProblems(problems, "Please correct the thresholds marked below.")
    return typed, body, FormProblems()


def thresholds_refusal(detail: str, fields: Mapping[str, str]) -> FormProblems:
    """Evaluation's refusal of thresholds, beside the field it concerns."""
    placed = {}
    for path, message in fields.items():
        words = re.sub(r"^Value error, ", "", message)
        placed["inactivity_warning_days" if path == "body" else path] = words
    return from_service(detail, placed, FIELDS)
