"""Enrolling in a programme: the roles a programme takes, the role a form asks for, and the
registry's refusals in words a member can act on.

Seed 002 ("Mentoring: Supporting and Promoting Professional Development and Learning") makes
mentor training mandatory for every mentor and an induction for every mentee before matching;
peers in a circle (seed 001, "The Power of Peer Mentoring") take the induction too. The
programme records them; a member does not declare them. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.portal.domain.forms import first
from services.portal.domain.matching import Programme
from services.portal.domain.profiles import Profile
from services.portal.domain.wording import ROLES

TRAINING = (
    "Mentors complete the programme's mentor training before they are matched, and yours is "
    "not recorded yet. Your programme's co-ordinator records it once you have taken part."
)
INDUCTION = (
    "Mentees, and peers in a circle, take the programme's induction before they are matched, "
    "and yours is not recorded yet. Your programme's co-ordinator records it once you have "
    "taken part."
)


@dataclass(frozen=True)
class EnrolmentRefusal:
    """Why an enrolment was refused, and whether the profile page helps."""

    message: str
    see_profile: bool = False


def roles_of(programme: Programme) -> tuple[str, ...]:
    """The roles a member may enrol in: peers in a circle, mentors or mentees otherwise."""
    return ("peer",) if programme.circles else ("mentee", "mentor")


def role_from_form(form: Mapping[str, Sequence[str]]) -> str | None:
    """The role asked for (the registry decides whether the programme takes it)."""
    role = first(form, "role")
    return role if role in ROLES else None


def not_ready(profile: Profile | None, role: str) -> str | None:
    """What stands between the member and enrolling as `role`, before they try (words to
    follow "As a mentor: ")."""
    if profile is None:
        return "write your profile first: matching needs it"
    if role == "mentor" and profile.mentor_training_completed_on is None:
        return "your mentor training is not recorded yet"
    if role in ("mentee", "peer") and profile.mentee_induction_completed_on is None:
        return "your induction is not recorded yet"
    return None


def refusal(status: int, detail: str) -> EnrolmentRefusal:
    """The registry's refusal (its status and reason) in words."""
    text = detail.lower()
    if status == 409 or "enrolled in this programme already" in text:
        return EnrolmentRefusal("You are already enrolled in this programme.")
    if "mentor training" in text:
        return EnrolmentRefusal(TRAINING, see_profile=True)
    if "induction" in text:
        return EnrolmentRefusal(INDUCTION, see_profile=True)
    if "profile first" in text:
        return EnrolmentRefusal(
            "Write your profile first: matching uses it to suggest good matches.",
            see_profile=True,
        )
    if "not accepted this programme" in text:
        return EnrolmentRefusal(
            "Your organisation has not agreed to take part yet, so you cannot enrol."
        )
    if "not open for enrolment" in text:
        return EnrolmentRefusal("This programme is not taking enrolments now.")
    if "circle has peers" in text:
        return EnrolmentRefusal("A circle has peers, all equals: enrol as a peer.")
    if "pairs mentors with mentees" in text:
        return EnrolmentRefusal("This programme pairs mentors with mentees: enrol as one of them.")
    return EnrolmentRefusal(_sentence(detail) or "The enrolment could not be made.")


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
