"""What the sessions service needs to know of a programme, from `programme.published`.

Its co-ordinators (who may oversee its relationships' records), its model (a group
relationship gathers a mentor's mentees), the meeting cadence and the meeting-length bounds
every meeting is checked against.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Models in which one mentor meets their mentees together (seed 002: a group is one mentor
# with one to four mentees; two-by-two and team gather the same way here, see decisions.md).
GROUP_MODELS = frozenset({"group", "two_by_two", "team"})
CIRCLE_MODELS = frozenset({"peer_circle", "x_market_circle"})


class ProgrammeTerms(BaseModel):
    """A programme as sessions keeps it."""

    model_config = ConfigDict(frozen=True)

    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    organisations: list[str] = Field(default_factory=list)
    coordinators: list[str] = Field(default_factory=list)
    model: str = Field(default="one_to_one", examples=["one_to_one"])
    meeting_every_days: int = Field(default=28, examples=[28])
    min_meeting_minutes: int = Field(default=15, examples=[45])
    max_meeting_minutes: int = Field(default=480, examples=[90])
    max_mentees_per_mentor: int = Field(default=1, examples=[1])
    status: str = Field(default="open", examples=["running"])
    direction: str = Field(default="conventional", examples=["two_way"])
    known: bool = Field(
        default=True,
        description="false for a programme whose `programme.published` has not arrived: "
        "one-to-one, no co-ordinators, the widest meeting bounds",
    )

    @property
    def groups_mentees(self) -> bool:
        """A mentor's mentees in this programme share one relationship."""
        return self.model in GROUP_MODELS

    @property
    def two_way(self) -> bool:
        """Seed 004's two-way mentoring: each of a pair mentors the other."""
        return self.direction == "two_way"

    @property
    def crosses_organisations(self) -> bool:
        """More than one organisation takes part."""
        return len(set(self.organisations)) > 1

    def coordinated_by(self, member_id: str) -> bool:
        """`member_id` co-ordinates this programme."""
        return member_id in self.coordinators


def unknown_programme(programme_id: str) -> ProgrammeTerms:
    """Terms for a programme sessions has not heard of (yet)."""
    return ProgrammeTerms(programme_id=programme_id, known=False)
