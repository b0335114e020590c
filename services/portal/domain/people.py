"""How people are named on a page: from the registry's consent-scoped cards, one batch per page.
Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel


class PersonCard(BaseModel):
    """One person as the registry lets the signed-in person see them."""

    member_id: str
    organisation_id: str
    organisation_name: str | None = None
    display_name: str | None = None
    former_member: bool = False


class People:
    """The names a page may show, by member id."""

    def __init__(self, cards: Iterable[PersonCard], me: str) -> None:
        self._cards = {c.member_id: c for c in cards}
        self._me = me

    def name(self, member_id: str) -> str:
        """Their name; 'you' for the signed-in person; words that say why when it is hidden."""
        if member_id == self._me:
            return "you"
        card = self._cards.get(member_id)
        if card is None:
            return "someone in the network"
        if card.former_member:
            return "a former member"
        if card.display_name:
            return card.display_name
        return f"someone at {card.organisation_name}" if card.organisation_name else "someone"

    def organisation(self, member_id: str) -> str:
        """Their organisation's name, if known."""
        card = self._cards.get(member_id)
        return card.organisation_name or "" if card else ""

    def label(self, member_id: str) -> str:
        """'Aroha Ngata, Northshore Care Trust'."""
        name, organisation = self.name(member_id), self.organisation(member_id)
        if not organisation or member_id == self._me or name.endswith(f" at {organisation}"):
            return name  # 'someone at Harbour' names the organisation already
        return f"{name}, {organisation}"


def references(parties: Iterable[tuple[str, str]]) -> list[str]:
    """The registry's `organisation/member` references for a batch, each once, in order."""
    seen: dict[str, None] = {}
    for organisation_id, member_id in parties:
        seen.setdefault(f"{organisation_id}/{member_id}", None)
    return list(seen)
