"""The member's profile: reading and editing it (the session's name and time zone follow),
downloading their data, and erasure with its confirmation step."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.portal.adapters.components import Components
from services.portal.adapters.forms import confirmation, done, form_data
from services.portal.adapters.signed_in import Member, SignedIn
from services.portal.domain.forms import FormProblems, first
from services.portal.domain.profiles import Profile, ProfileDraft, draft_of
from services.portal.domain.time_zones import zone_choices
from services.portal.pages.profile import erase, my_data, my_profile, save_from_form

router = APIRouter(include_in_schema=False)
EXPORT_NAME = "mentornet-my-data.json"


def _render(
    request: Request,
    member: Member,
    components: Components,
    draft: ProfileDraft,
    current: Profile | None,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    return components.pages.render(
        request,
        "profile.html",
        {
            "draft": draft,
            "current": current,
            "zones": zone_choices(draft.time_zone),
            "problems": problems,
            "done": confirmation(request),
        },
        member=member,
        status=status,
    )


@router.get("/profile")
async def profile(request: Request, member: SignedIn, components: Components) -> Response:
    """The profile as the registry keeps it (a first one to fill in if there is none)."""
    current = await my_profile(member)
    draft = draft_of(current, member.session.display_name, member.time_zone)
    return _render(request, member, components, draft, current)


@router.post("/profile")
async def save_profile(request: Request, member: SignedIn, components: Components) -> Response:
    """Save the profile; the portal then shows the new name and uses the new time zone."""
    saving = await save_from_form(member, await form_data(request))
    if saving.saved is None:
        return _render(
            request,
            member,
            components,
            saving.draft,
            saving.current,
            saving.problems,
            saving.status,
        )
    await components.keeper.remember_person(
        member.session, saving.saved.display_name, saving.saved.time_zone
    )
    return done("/profile", "profile-saved")


@router.get("/profile/my-data")
async def download_my_data(member: SignedIn) -> Response:
    """Everything the registry holds about the member, as a JSON file to keep."""
    export = await my_data(member)
    return Response(
        export.content,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{EXPORT_NAME}"',
            "Cache-Control": "no-store",
        },
    )


def _erasure_page(
    request: Request,
    member: Member,
    components: Components,
    problems: FormProblems | None = None,
    status: int = 200,
) -> Response:
    return components.pages.render(
        request, "erase.html", {"problems": problems}, member=member, status=status
    )


@router.get("/profile/erasure")
async def erasure(request: Request, member: SignedIn, components: Components) -> Response:
    """What erasure does, and the box to tick before it happens."""
    return _erasure_page(request, member, components)


@router.post("/profile/erasure")
async def erase_me(request: Request, member: SignedIn, components: Components) -> Response:
    """Erase the member across the network, end their session and say goodbye."""
    if first(await form_data(request), "understood") != "yes":
        problems = FormProblems(
            {"understood": "tick the box to say you understand that erasure cannot be undone"}
        )
        return _erasure_page(request, member, components, problems, 422)
    await erase(member)
    keeper = components.keeper
    await keeper.end(member.session)
    response = RedirectResponse("/goodbye", status_code=303)
    keeper.cookies.clear(response, keeper.cookies.session)
    return response


@router.get("/goodbye")
async def goodbye(request: Request, components: Components) -> Response:
    """After erasure: what happens next (nobody is signed in any more)."""
    return components.pages.render(request, "goodbye.html")
