"""BOOST feedback's prompts and coverage, as the sessions service works them out."""

from __future__ import annotations

from collections.abc import Mapping

from services.portal.adapters.network_api import Service
from services.portal.adapters.signed_in import Member
from services.portal.domain.feedback import LETTERS, TEXT_MAX, BoostCoverage


async def boost_coverage(member: Member, boxes: Mapping[str, str]) -> list[BoostCoverage]:
    """Each letter's prompt and whether `boxes` cover it (boxes over their bound are sent
    cut, so that the indication still shows while the form says what is too long)."""
    sent = {letter: boxes.get(letter, "")[:TEXT_MAX] for letter in LETTERS}
    found: list[BoostCoverage] = await member.api.send(
        Service.SESSIONS, "POST", "/feedback/boost", json=sent, model=list[BoostCoverage]
    )
    return found
