"""What every page's routes share: ids safe to put in a service's path, a form's fields, a
service's refusal laid over a form, and the confirmation after a change (post, redirect, get)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import RedirectResponse

from services.portal.adapters.network_api import ServiceRefusalError
from services.portal.domain.forms import FormProblems, from_service

# An id from a URL goes into a service's path: only characters no URL parser reads twice.
PathId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_:.-]{1,120}$")]

CONFIRMATIONS = {
    "agreement-drafted": "Saved. The new version waits for both of you to sign it.",
    "agreement-signed": "Signed. Thank you.",
    "phase-moved": "Moved on to the next phase.",
    "relationship-ended": "The relationship has ended, without blame. Thank you both.",
    "meeting-planned": "The meeting is planned. Download it for your calendar below.",
    "meeting-moved": "The meeting is moved; calendars that subscribe to yours update.",
    "meeting-held": "Recorded as held. Write the meeting log while it is fresh.",
    "meeting-cancelled": "The meeting is cancelled.",
    "feed-created": "Your calendar address is ready: add it to your calendar app.",
    "feed-revoked": "Your calendar address no longer works.",
    "log-written": "The meeting log is saved. Both of you can read it.",
    "log-changed": "The meeting log is updated.",
    "entry-written": "Your journal entry is saved. Only you can read it.",
    "entry-changed": "Your journal entry is updated. Copies you shared stay as they were.",
    "entry-shared": "A copy is shared: both of you and the programme's co-ordinator can read it.",
    "plan-changed": "The action plan is saved.",
    "goal-added": "The goal is added.",
    "goal-achieved": "Well done: the goal is marked achieved.",
    "oskar-recorded": "Your rating is recorded.",
    "grow-recorded": "Your GROW notes are saved.",
    "profile-saved": "Your profile is saved.",
    "enrolled": "You are enrolled.",
    "proposal-accepted": "You accepted. When both of you have, your relationship starts.",
    "proposal-declined": "You declined, without blame. The programme will look again.",
    "mentor-requested": "Your request is sent to the mentor.",
    "survey-answered": "Thank you: your answers are in.",
    "contract-accepted": "You accepted the circle's contract.",
    "session-arranged": "The session is arranged.",
    "session-held": "The session is recorded as held.",
    "note-written": "Your note is saved for the circle.",
    "feedback-given": "Your feedback is saved for the circle.",
    "concern-raised": "Your concern is raised, in confidence: the circle does not see it.",
    "goal-changed": "The goal is changed.",
    "notifications-saved": "Saved. Your e-mails follow these settings from now on.",
    "organisation-registered": "The organisation is registered. Once its own sign-in provider "
    "is connected, the admins you named become its admins the first time they sign in with "
    "their work e-mail.",
    "organisation-registered-by-list": "The organisation is registered. Once its own sign-in "
    "provider is connected, the admins you named become its admins the first time they sign "
    "in; an admin whose e-mail is at none of its domains chooses it from the sign-in page's "
    "list of organisations.",
    "programme-designed": "The programme is saved as a draft. Invited organisations can "
    "now accept it; publish it once they have.",
    "programme-published": "Published: the programme is open for enrolment.",
    "weights-saved": "The weights are saved; the next round uses them.",
    "proposal-approved": "Approved: both people can now accept the match.",
    "proposal-rejected": "Not taken forward. The mentee is back in the pool for the next round.",
    "pair-proposed": "The pair is proposed; approve it when you are ready.",
    "pair-swapped": "Swapped: the old pair is not taken forward and the new one is proposed.",
    "circles-formed": "The circle round has run: the new circles are below.",
    "alert-acknowledged": "Acknowledged: the alert shows as being looked into.",
    "alert-resolved": "Resolved.",
    "thresholds-saved": "The thresholds are saved; relationships are reviewed with them now.",
    "template-saved": "The template is saved. Add it to the schedule to send it.",
    "template-revised": "Saved as a new version; surveys already sent keep the one they had.",
    "schedule-saved": "The schedule is saved; relationships are reviewed with it now.",
    "organisation-saved": "The organisation's profile is saved.",
    "provider-connected": "Saved: your organisation's people now sign in through this provider.",
    "role-granted": "The role is granted. It applies within 15 minutes, or at their next sign-in.",
    "role-revoked": "The role is removed. It applies within 15 minutes, or at their next sign-in.",
    "member-erased": "The member is erased from the network.",
    "client-revoked": "The client is revoked: its secret no longer works.",
    "programme-accepted": "Accepted: your organisation takes part in this programme.",
    "webhook-changed": "The endpoint is saved; events are sent to it as it says now.",
    "webhook-enabled": "The endpoint is turned on: new events are sent to it again.",
    "webhook-disabled": "The endpoint is turned off: nothing is sent to it until it is on again.",
    "webhook-deleted": "The endpoint is deleted: nothing more is sent to it.",
    "webhook-redelivered": "Asked to send it again: its new try shows in the log.",
}


async def form_data(request: Request) -> dict[str, list[str]]:
    """A posted form's fields, each with every value it was given."""
    form = await request.form()
    data: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    return data


def refused(exc: ServiceRefusalError, known: tuple[str, ...]) -> FormProblems:
    """A service's refusal as a form's problems; 403 and 404 go on to the 'not found' page."""
    if exc.status in (403, 404):
        raise exc
    return from_service(exc.detail, exc.fields, known)


def done(path: str, code: str, anchor: str = "") -> RedirectResponse:
    """After a change: back to the page, which says what happened."""
    return RedirectResponse(f"{path}?done={code}{anchor}", status_code=303)


def confirmation(request: Request) -> str | None:
    """The confirmation a redirect asked the page to show (only the known ones)."""
    return CONFIRMATIONS.get(request.query_params.get("done", ""))


def done_at(path: str, code: str, element_id: str) -> RedirectResponse:
    """After a change to one item of a list page (a proposal, a programme): back to the page,
    which says what happened beside that item (`at`) and scrolls to it."""
    return RedirectResponse(f"{path}?done={code}&at={element_id}#{element_id}", status_code=303)


def confirmed_at(request: Request) -> str:
    """The item a confirmation belongs to ('' for the page as a whole)."""
    return request.query_params.get("at", "")
