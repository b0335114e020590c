"""A member's peer circles (seed 001, "The Power of Peer Mentoring"): the list, the overview
with the contract and the rota, the sessions (arranging the next one), one session with its
steps, its notes for the circle, marking it held and (its facilitator) the ground rules and
warning signs, and concerns raised in confidence ("What can go wrong?")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import PathId, confirmation, done, form_data
from services.portal.adapters.network_api import Service, ServiceRefusalError
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.circle_concerns import (
    CONCERN_FIELDS,
    CONCERN_REFUSALS,
    RAISED_WITH,
    SIGNS,
    ConcernDraft,
    concern_from_form,
    whom,
)
from services.portal.domain.circle_sessions import (
    ARRANGE_FIELDS,
    ARRANGE_REFUSALS,
    HELD_FIELDS,
    HELD_REFUSALS,
    NOTE_FIELDS,
    SessionDraft,
    held_draft,
    held_from_form,
    note_from_form,
    offered_session,
    refusal,
    session_from_form,
)
from services.portal.domain.feedback import (
    FEEDBACK_STEPS,
    LETTERS,
    PREFIX,
    FeedbackDraft,
    circle_feedback,
    circle_feedback_problems,
)
from services.portal.domain.forms import FormProblems, first
from services.portal.pages.circle import concerns, my_circles, overview, session, sessions
from services.portal.pages.feedback import boost_coverage

router = APIRouter(include_in_schema=False)


def _refused(
    exc: ServiceRefusalError, member: Member, known: tuple[str, ...], by_error: dict[str, str]
) -> FormProblems:
    """A refusal beside its field; 403 and 404 go on to the 'not found' page."""
    if exc.status in (403, 404):
        raise exc
    return refusal(exc.error, exc.detail, exc.fields, known, by_error, member.time_zone)


def _common(request: Request) -> dict[str, Any]:
    return {"done": confirmation(request), "done_code": request.query_params.get("done", "")}


@router.get("/circles")
async def circles(request: Request, member: SignedIn, components: Components) -> Response:
    """Every circle the member belongs to."""
    page = await my_circles(member)
    return components.pages.render(request, "circles.html", {"page": page}, member=member)


async def _overview(
    request: Request,
    member: Member,
    components: Components,
    circle_id: str,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await overview(member, circle_id)
    return components.pages.render(
        request,
        "circle.html",
        {"shell": page.shell, "page": page, "problems": problems, **_common(request)},
        member=member,
        status=status,
    )


@router.get("/circles/{circle_id}")
async def circle(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The circle: its members, its contract and who has accepted it, and the rota."""
    return await _overview(request, member, components, circle_id)


@router.post("/circles/{circle_id}/contract/acceptance")
async def accept_contract(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The member accepts the version of the contract they read."""
    version = first(await form_data(request), "contract_version")
    try:
        await member.api.send(
            Service.SESSIONS,
            "POST",
            f"/circles/{circle_id}/contract/acceptances",
            json={"accept": True, "contract_version": version or None},
        )
    except ServiceRefusalError as exc:
        problems = _refused(exc, member, (), {})
        return await _overview(request, member, components, circle_id, problems, exc.status)
    return done(f"/circles/{circle_id}", "contract-accepted", "#contract")


async def _sessions(
    request: Request,
    member: Member,
    components: Components,
    circle_id: str,
    draft: SessionDraft | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await sessions(member, circle_id)
    return components.pages.render(
        request,
        "circle_sessions.html",
        {
            "shell": page.shell,
            "page": page,
            "bounds": page.length_bounds,
            "draft": draft or offered_session(page.length_bounds),
            "problems": problems,
            **_common(request),
        },
        member=member,
        status=status,
    )


@router.get("/circles/{circle_id}/sessions")
async def circle_sessions(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Sessions held and arranged, and the form to arrange the next."""
    return await _sessions(request, member, components, circle_id)


@router.post("/circles/{circle_id}/sessions")
async def arrange_session(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """The circle's next session, facilitated by the next member in the rotation."""
    draft, body, problems = session_from_form(await form_data(request), member.time_zone)
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS, "POST", f"/circles/{circle_id}/sessions", json=body
            )
            return done(f"/circles/{circle_id}/sessions", "session-arranged", "#arranged")
        except ServiceRefusalError as exc:
            problems = _refused(exc, member, ARRANGE_FIELDS, ARRANGE_REFUSALS)
            status = exc.status
    return await _sessions(request, member, components, circle_id, draft, problems, status)


async def _session(
    request: Request,
    member: Member,
    components: Components,
    circle_id: str,
    session_id: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    page = await session(member, circle_id, session_id)
    members = page.shell.circle.member_ids
    giving = (context or {}).get("feedback") or FeedbackDraft()
    coverage = (
        await boost_coverage(member, giving.boxes)
        if page.session.format == "critical_incident" and page.shell.is_member
        else []
    )
    return components.pages.render(
        request,
        "circle_session.html",
        {
            "shell": page.shell,
            "page": page,
            "held": held_draft(page.session, members, page.now, member.time_zone),
            "held_problems": None,
            "note": "",
            "note_problems": None,
            "feedback": giving,
            "feedback_problems": None,
            "coverage": coverage,
            "feedback_steps": FEEDBACK_STEPS,
            **_common(request),
            **(context or {}),
        },
        member=member,
        status=status,
    )


@router.get("/circles/{circle_id}/sessions/{session_id}")
async def circle_session(
    circle_id: PathId,
    session_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """The session in its format: the steps in order (timed for critical incident), the
    circle's notes, and marking it held."""
    return await _session(request, member, components, circle_id, session_id)


@router.post("/circles/{circle_id}/sessions/{session_id}/notes")
async def write_note(
    circle_id: PathId,
    session_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """A note for the circle's members only."""
    text, problems = note_from_form(await form_data(request))
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS,
                "POST",
                f"/circles/{circle_id}/sessions/{session_id}/notes",
                json={"text": text},
            )
            path = f"/circles/{circle_id}/sessions/{session_id}"
            return done(path, "note-written", "#notes")
        except ServiceRefusalError as exc:
            problems, status = _refused(exc, member, NOTE_FIELDS, {}), exc.status
    context = {"note": text, "note_problems": problems}
    return await _session(request, member, components, circle_id, session_id, context, status)


@router.post("/circles/{circle_id}/sessions/{session_id}/feedback")
async def give_feedback(
    circle_id: PathId,
    session_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """BOOST feedback in a feedback step of a critical-incident session (seed 000, seed 001):
    a note for the circle's members only."""
    draft, body = circle_feedback(await form_data(request))
    problems = circle_feedback_problems(draft)
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS,
                "POST",
                f"/circles/{circle_id}/sessions/{session_id}/notes",
                json=body,
            )
            path = f"/circles/{circle_id}/sessions/{session_id}"
            return done(path, "feedback-given", "#notes")
        except ServiceRefusalError as exc:
            known = ("step", "text", *(f"{PREFIX}{letter}" for letter in LETTERS))
            problems = _refused(exc, member, known, {"feedback_step": "step"})
            status = exc.status
    context = {"feedback": draft, "feedback_problems": problems}
    return await _session(request, member, components, circle_id, session_id, context, status)


@router.post("/circles/{circle_id}/sessions/{session_id}/held")
async def mark_held(
    circle_id: PathId,
    session_id: PathId,
    request: Request,
    member: SignedIn,
    components: Components,
) -> Response:
    """The session took place: when, for how long, and who came."""
    draft, body, problems = held_from_form(await form_data(request), member.time_zone)
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS,
                "POST",
                f"/circles/{circle_id}/sessions/{session_id}/held",
                json=body,
            )
            path = f"/circles/{circle_id}/sessions/{session_id}"
            return done(path, "session-held", "#held")
        except ServiceRefusalError as exc:
            problems = _refused(exc, member, HELD_FIELDS, HELD_REFUSALS)
            status = exc.status
    context = {"held": draft, "held_problems": problems}
    return await _session(request, member, components, circle_id, session_id, context, status)


async def _concerns(
    request: Request,
    member: Member,
    components: Components,
    circle_id: str,
    draft: ConcernDraft | None = None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    page = await concerns(member, circle_id)
    offered = ConcernDraft(session_id=request.query_params.get("session", ""))
    return components.pages.render(
        request,
        "circle_concerns.html",
        {
            "shell": page.shell,
            "page": page,
            "draft": draft or offered,
            "problems": problems,
            "signs": SIGNS,
            "raised_with": RAISED_WITH,
            "concern_whom": whom,
            **_common(request),
        },
        member=member,
        status=status,
    )


@router.get("/circles/{circle_id}/concerns")
async def circle_concerns(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """Concerns raised in confidence that the person may read, and the form to raise one."""
    return await _concerns(request, member, components, circle_id)


@router.post("/circles/{circle_id}/concerns")
async def raise_concern(
    circle_id: PathId, request: Request, member: SignedIn, components: Components
) -> Response:
    """A concern for the session's facilitator or the programme's co-ordinator only."""
    draft, body, problems = concern_from_form(await form_data(request))
    status = 422
    if not problems:
        try:
            await member.api.send(
                Service.SESSIONS, "POST", f"/circles/{circle_id}/concerns", json=body
            )
            return done(f"/circles/{circle_id}/concerns", "concern-raised", "#raised")
        except ServiceRefusalError as exc:
            problems = _refused(exc, member, CONCERN_FIELDS, CONCERN_REFUSALS)
            status = exc.status
    return await _concerns(request, member, components, circle_id, draft, problems, status)
