"""Peer circles inside a programme (seeds 001 and 004): four to eight equals who meet on a
cadence; joined with consent and the circle's contract; an X-market circle mixes
organisations (and, when the programme asks, sectors)."""

from __future__ import annotations

import secrets

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from services.registry.domain.programme import Programme, ProgrammeModel

MIN_SIZE, MAX_SIZE = 4, 8

# Seed 001, "Contracting for Mentoring Groups": every member accepts these on joining.
CONTRACT = (
    "People do the best they can with the resources they have",
    "Voluntary: you are in control",
    "Supportive and non-competitive",
    "OK to make mistakes",
    "Avoid advice giving",
    "Confidential, and no post-mortems",
)


class CircleRequest(BaseModel):
    """What a co-ordinator or facilitator enters to start a circle."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=80, examples=["Tuesday circle"])


class Joining(BaseModel):
    """A member's consent to join, and acceptance of the contract (seed 001)."""

    model_config = ConfigDict(extra="forbid")

    consent: bool = Field(examples=[True], description="I choose to join this circle")
    contract_accepted: bool = Field(
        examples=[True], description="I accept the circle's contract (CONTRACT)"
    )


class CircleMember(BaseModel):
    """One member of a circle."""

    member_id: str
    organisation_id: str
    sector: str | None
    joined_at: AwareDatetime


class Circle(BaseModel):
    """A circle as stored and shown to its programme's participants."""

    id: str = Field(pattern=r"^cir_[a-z0-9]{12}$", examples=["cir_1a2b3c4d5e6f"])
    programme_id: str
    name: str
    facilitator_id: str
    members: list[CircleMember] = Field(
        description="who is in it: shown to its own members and the programme's "
        "co-ordinators only (everyone else sees `size`)"
    )
    contract: list[str] = Field(default_factory=lambda: list(CONTRACT))
    created_at: AwareDatetime
    size: int = Field(default=0, ge=0, description="how many members it has")

    @property
    def formed(self) -> bool:
        """Big enough to meet."""
        return len(self.members) >= MIN_SIZE


def as_seen_by(circle: Circle, viewer_id: str, coordinators: list[str]) -> Circle:
    """The circle as `viewer_id` may see it: with its members for its own members and the
    programme's co-ordinators; for anyone else of the programme's organisations, its name,
    contract and size only (who is in a circle is theirs to tell)."""
    shown = circle.model_copy(update={"size": len(circle.members)})
    if viewer_id in coordinators or any(m.member_id == viewer_id for m in circle.members):
        return shown
    return shown.model_copy(update={"members": []})


def new_circle_id() -> str:
    """A fresh circle id."""
    return f"cir_{secrets.token_hex(6)}"


def check_joining(
    circle: Circle, programme: Programme, newcomer: CircleMember, joining: Joining
) -> None:
    """ValueError unless the newcomer may join: consent, contract, size, X-market rules."""
    if not joining.consent:
        raise ValueError("joining a circle is voluntary: say so with consent: true")
    if not joining.contract_accepted:
        raise ValueError("every member accepts the circle's contract before joining")
    if any(m.member_id == newcomer.member_id for m in circle.members):
        raise ValueError("you are in this circle already")
    if len(circle.members) >= MAX_SIZE:
        raise ValueError(f"the circle is full ({MAX_SIZE} members)")
    if programme.design.model is ProgrammeModel.X_MARKET_CIRCLE:
        if any(m.organisation_id == newcomer.organisation_id for m in circle.members):
            raise ValueError("an X-market circle takes one member per organisation")
        if programme.design.require_different_sectors:
            if newcomer.sector is None:
                raise ValueError("this circle mixes sectors: record your sector in your profile")
            taken = {m.sector.casefold() for m in circle.members if m.sector is not None}
            if newcomer.sector.casefold() in taken:
                raise ValueError("this X-market circle takes one member per sector")
