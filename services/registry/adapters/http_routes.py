"""The registry's HTTP routes for organisations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from services.registry.adapters.organisation_store import OrganisationStore
from services.registry.domain.organisation import (
    Organisation,
    OrganisationProfile,
    join,
    new_organisation_id,
)
from shared import clock
from shared.events.catalogue import new_event
from shared.events.envelope import Audience
from shared.http.errors import Problem

router = APIRouter(prefix="/organisations", tags=["organisations"])


def get_store(request: Request) -> OrganisationStore:
    """The store built by the composition root."""
    store: OrganisationStore = request.app.state.organisation_store
    return store


Store = Annotated[OrganisationStore, Depends(get_store)]
OrganisationId = Annotated[str, Path(pattern=r"^org_[a-z0-9]{12}$", examples=["org_3f9a1c2b7d4e"])]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="An organisation joins the network",
    responses={
        409: {"model": Problem, "description": "the name is taken"},
        422: {"model": Problem, "description": "the profile is not valid"},
    },
)
async def create_organisation(profile: OrganisationProfile, store: Store) -> Organisation:
    """Register a partner organisation; the network hears `organisation.joined`."""
    organisation, joined = join(profile, now=clock.now(), organisation_id=new_organisation_id())
    event = new_event(
        joined, organisation=organisation.id, subject=organisation.id, audience=Audience.NETWORK
    )
    await store.add(organisation, [event])
    return organisation


@router.get("", summary="Every organisation in the network")
async def list_organisations(store: Store) -> list[Organisation]:
    """All partner organisations, oldest first."""
    return await store.list()


@router.get(
    "/{organisation_id}",
    summary="One organisation",
    responses={404: {"model": Problem, "description": "no such organisation"}},
)
async def get_organisation(organisation_id: OrganisationId, store: Store) -> Organisation:
    """An organisation's profile."""
    return await store.get(organisation_id)
