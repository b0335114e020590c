"""The portal's profile form: what was typed is kept, each problem lands beside its field, the
profile it makes is what the registry takes, and readiness is never the member's to set."""

from __future__ import annotations

from datetime import date

from services.portal.domain.profiles import (
    Availability,
    Profile,
    WindowDraft,
    draft_of,
    profile_from_form,
)
from services.portal.domain.time_zones import is_zone, zone_choices

FORM = {
    "display_name": ["  Aroha   Ngata "],
    "skills": ["Service design\n\n  budgeting  \nservice DESIGN\n"],
    "development_goals": ["lead a team through change"],
    "sector": ["social care"],
    "job_level": ["manager"],
    "location": ["Leeds"],
    "time_zone": ["Europe/London"],
    "other_zone": [""],
    "languages": ["EN, mi ,pt-br"],
    "meeting_modes": ["video", "telephone"],
    "mentor_capacity": ["2"],
    "window_day": ["tue", "", "fri"],
    "window_start": ["09:00", "", "13:00"],
    "window_end": ["11:30", "", "14:00"],
    "share_across_organisations": ["yes"],
}


def _with(**changes: list[str]) -> dict[str, list[str]]:
    return {**FORM, **changes}


def test_a_good_form_makes_the_registrys_profile_tidied() -> None:
    draft, body, problems = profile_from_form(FORM, None)
    assert not problems
    assert body["display_name"] == "Aroha Ngata"
    assert body["skills"] == ["Service design", "budgeting"]  # each once, first spelling kept
    assert body["languages"] == ["en", "mi", "pt-BR"]
    assert body["meeting_modes"] == ["telephone", "video"]
    assert body["mentor_capacity"] == 2
    assert body["availability"] == [
        {"day": "tue", "start": "09:00", "end": "11:30"},
        {"day": "fri", "start": "13:00", "end": "14:00"},
    ]
    assert body["share_across_organisations"] is True
    assert body["job_level"] == "manager" and body["time_zone"] == "Europe/London"
    assert draft.display_name == "Aroha   Ngata"  # as typed (stripped only)


def test_readiness_and_what_the_form_does_not_show_are_kept_as_they_were() -> None:
    current = Profile(
        display_name="Old",
        mentor_training_completed_on=date(2026, 3, 1),
        line_manager_id="mem_0123456789abcdef",
        emcc_level="practitioner",
    )
    form = _with(
        mentor_training_completed_on=["2020-01-01"], mentee_induction_completed_on=["2020-01-01"]
    )
    _, body, problems = profile_from_form(form, current)
    assert not problems
    assert body["mentor_training_completed_on"] == "2026-03-01"
    assert body["mentee_induction_completed_on"] is None
    assert body["line_manager_id"] == "mem_0123456789abcdef"
    assert body["emcc_level"] == "practitioner"
    _, first_body, _ = profile_from_form(form, None)
    assert "mentor_training_completed_on" not in first_body


def test_an_empty_name_and_an_unknown_zone_come_back_beside_their_fields_typed_as_typed() -> None:
    draft, _, problems = profile_from_form(
        _with(display_name=["   "], other_zone=["Mars/Olympus"]), None
    )
    assert set(problems.fields) == {"display_name", "other_zone"}
    assert "Mars/Olympus" in problems.fields["other_zone"]
    assert problems.message
    assert draft.other_zone == "Mars/Olympus"
    assert draft.skills == FORM["skills"][0]  # the textarea exactly as typed
    assert draft.availability[2] == WindowDraft("fri", "13:00", "14:00")


def test_a_zone_typed_in_wins_over_the_list_and_a_forged_list_value_is_refused() -> None:
    _, body, problems = profile_from_form(_with(other_zone=["America/Argentina/Salta"]), None)
    assert not problems and body["time_zone"] == "America/Argentina/Salta"
    _, _, problems = profile_from_form(_with(time_zone=["Nowhere/At_All"]), None)
    assert set(problems.fields) == {"time_zone"}


def test_each_field_is_checked_as_the_registry_would() -> None:
    cases = {
        "languages": _with(languages=["english"]),
        "meeting_modes": _with(meeting_modes=[]),
        "mentor_capacity": _with(mentor_capacity=["eleven"]),
        "job_level": _with(job_level=["boss"]),
        "sector": _with(sector=["x"]),
        "skills": _with(skills=["a" * 51]),
        "development_goals": _with(development_goals=["\n".join(f"goal {n}" for n in range(11))]),
    }
    for field, form in cases.items():
        _, _, problems = profile_from_form(form, None)
        assert field in problems.fields, field
    _, _, problems = profile_from_form(_with(meeting_modes=["video", "carrier pigeon"]), None)
    assert "meeting_modes" in problems.fields


def test_a_half_typed_or_backwards_window_is_marked_on_its_row() -> None:
    form = _with(
        window_day=["tue", "wed", ""],
        window_start=["09:00", "15:00", "10:00"],
        window_end=["", "14:00", ""],
    )
    _, body, problems = profile_from_form(form, None)
    assert {"window_1", "window_2", "window_3", "availability"} <= set(problems.fields)
    assert "after it starts" in problems.fields["window_2"]
    assert body["availability"] == []


def test_the_form_for_a_stored_profile_and_for_a_first_one() -> None:
    stored = Profile(
        display_name="Aroha",
        skills=["coaching", "budgeting"],
        languages=["en", "mi"],
        time_zone="Pacific/Auckland",
        availability=[Availability(day="mon", start="08:00", end="09:00")],
    )
    draft = draft_of(stored, "ignored", "UTC")
    assert draft.skills == "coaching\nbudgeting" and draft.languages == "en, mi"
    assert [r.day for r in draft.window_rows] == ["mon", "", ""]  # one spare at least
    first = draft_of(None, "Aroha from the provider", "Not/A_Zone")
    assert first.display_name == "Aroha from the provider" and first.time_zone == "UTC"
    assert len(first.window_rows) == 3


def test_time_zone_choices_hold_the_members_own() -> None:
    assert is_zone("Pacific/Auckland") and not is_zone("Mars/Olympus")
    choices = zone_choices("America/Argentina/Salta")
    assert next(iter(choices)) == "America/Argentina/Salta"
    assert choices["Pacific/Auckland"] == "Auckland (Pacific/Auckland)"
    assert "Mars/Olympus" not in zone_choices("Mars/Olympus")
