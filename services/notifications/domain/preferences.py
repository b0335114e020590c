"""What a person wants to be sent: each kind on or off, and how often digests come.

Everything is on, daily, until they say otherwise: the mails are few and each says that
something waits for them. Turning a kind off (on their settings page or with the
one-click unsubscribe link of one of its mails) stops that kind and nothing else.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.notifications.domain.kinds import (
    MEMBER_KINDS,
    WORDS,
    DigestFrequency,
    MailKind,
)


class KindChoice(BaseModel):
    """One kind, as the person sees and sets it."""

    kind: MailKind = Field(examples=["meeting_reminder"])
    on: bool = Field(examples=[True])
    label: str = Field(examples=["Meeting reminders"])
    description: str = Field(examples=["the day before a meeting, in the morning where you are"])


class Preferences(BaseModel):
    """A person's choices (the stored form)."""

    model_config = ConfigDict(frozen=True)

    off: frozenset[MailKind] = frozenset()
    digest_frequency: DigestFrequency = DigestFrequency.DAILY

    def wants(self, kind: MailKind) -> bool:
        """Whether mails of `kind` may be sent."""
        return kind not in self.off

    def choices(self) -> list[KindChoice]:
        """Every kind a member chooses about, in a fixed order, with its words."""
        return [
            KindChoice(
                kind=k, on=self.wants(k), label=WORDS[k].label, description=WORDS[k].description
            )
            for k in MEMBER_KINDS
        ]

    def changed(self, change: PreferenceChange) -> Preferences:
        """These preferences with `change` applied (kinds it does not name stay)."""
        off = set(self.off)
        for kind, on in change.kinds.items():
            if on:
                off.discard(kind)
            else:
                off.add(kind)
        return Preferences(
            off=frozenset(off), digest_frequency=change.digest_frequency or self.digest_frequency
        )

    def without(self, kind: MailKind) -> Preferences:
        """These preferences with `kind` turned off (an unsubscribe)."""
        return Preferences(off=self.off | {kind}, digest_frequency=self.digest_frequency)


class PreferenceChange(BaseModel):
    """What a person changes: kinds turned on or off, and the digest frequency."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[MailKind, bool] = Field(
        default_factory=dict,
        examples=[{"meeting_reminder": False, "unread_messages": True}],
        description="kind → on (true) or off (false); kinds left out stay as they are",
    )
    digest_frequency: DigestFrequency | None = Field(
        default=None,
        examples=["weekly"],
        description="hourly, daily or weekly: how often unread messages and programme alerts "
        "are summed up",
    )


class PreferencesView(BaseModel):
    """A person's preferences as the API answers them."""

    kinds: list[KindChoice]
    digest_frequency: DigestFrequency = Field(examples=["daily"])

    @classmethod
    def of(cls, preferences: Preferences) -> PreferencesView:
        """The view of stored preferences."""
        return cls(kinds=preferences.choices(), digest_frequency=preferences.digest_frequency)
