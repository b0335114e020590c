"""A member's reflective journal: the rules (seed 000, the ICAS article "Resources and
techniques for successful peer mentoring", its "Model of personal reflective space").

Seed 000 takes from Clutterbuck and Megginson that reflection is "a 'dialogue with oneself'"
passing through six stages — disaggregation, framing, implication analysis, insight,
reframing, options — and that it needs "a suitable environment for reflection, allowing
sufficient time and space". So each member keeps a journal whose entries offer a prompt for
each stage (STAGE_PROMPTS), most usefully after a meeting or a circle session (an entry may
name the meeting log or the circle session it reflects on).

An entry is its author's alone: not the other party's, not the co-ordinator's, not their
organisation's admin's, not the network co-ordinator's. The author may choose to share an
entry into one of their relationships; what is shared is a copy of the entry as it was then
(`SharedReflection`), read by those who read the relationship's meeting logs (seed 002,
Resource 13: "the parties concerned and the co-ordinator"). No event says anything about an
entry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.errors import ConflictError

ENTRY_TEXT = 4000  # one stage's box
MAX_ENTRIES = 2000  # a member's journal; a long career of meetings stays below it

StageText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=ENTRY_TEXT)]


class Stage(StrEnum):
    """Clutterbuck and Megginson's six stages of the reflective process (seed 000)."""

    DISAGGREGATION = "disaggregation"
    FRAMING = "framing"
    IMPLICATION_ANALYSIS = "implication_analysis"
    INSIGHT = "insight"
    REFRAMING = "reframing"
    OPTIONS = "options"


STAGES: tuple[Stage, ...] = tuple(Stage)
# One prompt per stage, after seed 000's description of what the individual does in it.
STAGE_PROMPTS: dict[Stage, str] = {
    Stage.DISAGGREGATION: "What were you busy getting done? Describe what happened, as it "
    "happened.",
    Stage.FRAMING: "What is the issue that needs addressing? Name it, define it, give it a shape.",
    Stage.IMPLICATION_ANALYSIS: "What will happen if you don't deal with it, what could "
    "happen, and what do you want to happen?",
    Stage.INSIGHT: "What do you see now: a pattern, a new angle, your own motivations or "
    "behaviour?",
    Stage.REFRAMING: "With that insight, what possibilities are open to you?",
    Stage.OPTIONS: "Weighing them up, which course of action will you take, and what is the "
    "first step?",
}
STAGE_TITLES: dict[Stage, str] = {
    Stage.DISAGGREGATION: "Disaggregation",
    Stage.FRAMING: "Framing",
    Stage.IMPLICATION_ANALYSIS: "Implication analysis",
    Stage.INSIGHT: "Insight",
    Stage.REFRAMING: "Reframing",
    Stage.OPTIONS: "Options",
}


class ContextKind(StrEnum):
    """What an entry reflects on."""

    MEETING_LOG = "meeting_log"
    CIRCLE_SESSION = "circle_session"


class JournalContext(BaseModel):
    """The meeting log or circle session an entry reflects on (ids only)."""

    model_config = ConfigDict(extra="forbid")

    kind: ContextKind = Field(examples=["meeting_log"])
    relationship_id: str | None = Field(
        default=None, max_length=200, examples=["rel_4edaa8818d218819"]
    )
    log_id: str | None = Field(
        default=None, max_length=200, examples=["log:rel_4edaa8818d218819:0000000002"]
    )
    circle_id: str | None = Field(default=None, max_length=200, examples=[None])
    session_id: str | None = Field(default=None, max_length=200, examples=[None])

    @model_validator(mode="after")
    def _names_its_record(self) -> JournalContext:
        """A meeting log is named by relationship and log, a session by circle and session;
        the other kind's ids mean nothing for it and are not kept."""
        if self.kind is ContextKind.MEETING_LOG:
            if not (self.relationship_id and self.log_id):
                raise ValueError("a meeting_log context names its relationship_id and log_id")
            self.circle_id = self.session_id = None
        else:
            if not (self.circle_id and self.session_id):
                raise ValueError("a circle_session context names its circle_id and session_id")
            self.relationship_id = self.log_id = None
        return self


class JournalEntryContent(BaseModel):
    """What the author writes: a box per stage, and what it reflects on."""

    model_config = ConfigDict(extra="forbid")

    context: JournalContext | None = Field(
        default=None, description="the meeting log or circle session this reflects on, if any"
    )
    disaggregation: StageText = Field(
        default="",
        examples=["Ran the rota review in a rush between two deadlines"],
        description=STAGE_PROMPTS[Stage.DISAGGREGATION],
    )
    framing: StageText = Field(
        default="",
        examples=["I avoid the hard conversation about workload"],
        description=STAGE_PROMPTS[Stage.FRAMING],
    )
    implication_analysis: StageText = Field(
        default="",
        examples=["If I keep avoiding it the team burns out"],
        description=STAGE_PROMPTS[Stage.IMPLICATION_ANALYSIS],
    )
    insight: StageText = Field(
        default="",
        examples=["I want to be liked more than I want to be clear"],
        description=STAGE_PROMPTS[Stage.INSIGHT],
    )
    reframing: StageText = Field(
        default="",
        examples=["Being clear is a kindness to the team"],
        description=STAGE_PROMPTS[Stage.REFRAMING],
    )
    options: StageText = Field(
        default="",
        examples=["Name the workload issue at Monday's meeting"],
        description=STAGE_PROMPTS[Stage.OPTIONS],
    )

    @model_validator(mode="after")
    def _says_something(self) -> JournalEntryContent:
        """An entry answers at least one stage's prompt."""
        if not any(getattr(self, stage.value) for stage in STAGES):
            raise ValueError(
                "a journal entry needs at least one of: " + ", ".join(s.value for s in STAGES)
            )
        return self


class Sharing(BaseModel):
    """Where the author shared an entry, and when."""

    relationship_id: str = Field(examples=["rel_4edaa8818d218819"])
    reflection_id: str = Field(examples=["reflection:rel_4edaa8818d218819:0000000001"])
    shared_at: datetime


class JournalEntry(JournalEntryContent):
    """A stored entry, as its author (and only its author) sees it."""

    id: str = Field(examples=["journal:mem_4b1f0c9e2d7a6b35:0000000003"])
    author: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    written_at: datetime
    edited_at: datetime | None = None
    revision: int = Field(ge=1, examples=[1], description="1, then one more per change")
    shared: list[Sharing] = Field(
        default_factory=list, description="the relationships the author shared a copy into"
    )


class SharedReflection(JournalEntryContent):
    """A copy of a journal entry its author shared into a relationship: what it said then."""

    id: str = Field(examples=["reflection:rel_4edaa8818d218819:0000000001"])
    relationship_id: str = Field(examples=["rel_4edaa8818d218819"])
    programme_id: str = Field(examples=["prg_7c1d2e3f4a5b"])
    author: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])
    entry_id: str = Field(examples=["journal:mem_4b1f0c9e2d7a6b35:0000000003"])
    shared_at: datetime


def journal_of(member_id: str) -> str:
    """What a member's entries are numbered under: entry n's id is this and n."""
    return f"journal:{member_id}"


def reflections_of(relationship_id: str) -> str:
    """What the reflections shared into a relationship are numbered under."""
    return f"reflection:{relationship_id}"


def check_room(entries: int) -> None:
    """A journal keeps at most MAX_ENTRIES entries."""
    if entries >= MAX_ENTRIES:
        raise ConflictError(f"your journal holds the most entries it can keep ({entries})")


def check_not_shared(entry: JournalEntry, relationship_id: str) -> None:
    """An entry is shared into a relationship once (the copy is what it said then)."""
    if any(s.relationship_id == relationship_id for s in entry.shared):
        raise ConflictError(f"entry {entry.id!r} is already shared into {relationship_id!r}")
