"""The co-ordinator's workspace, its pure rules: the design form (seed 002's steps, problems
beside their fields, the registry's refusals placed), the next step and a publishing refusal in
words, matching weights, the readiness list, a round's progress, proposals by what they wait
for, who is waiting, a pair refused with its reasons, alert thresholds, survey templates and
schedules, the suppressed comments, and the peers waiting for a circle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.portal.domain.circle_rounds import FormedCircle, waiting_for_a_circle
from services.portal.domain.coordinated_programmes import (
    CoordinatedProgramme,
    mine,
    next_step,
    publish_refusal,
)
from services.portal.domain.matching import Proposal
from services.portal.domain.matching_rounds import (
    RoundJob,
    grouped,
    impossible_pair,
    pair_from_form,
    waiting,
)
from services.portal.domain.matching_weights import Weights, weights_from_form
from services.portal.domain.monitoring import (
    Alert,
    in_order,
    thresholds_from_form,
    thresholds_refusal,
)
from services.portal.domain.programme_design import blank_design, design_from_form, design_refusal
from services.portal.domain.readiness import Candidate, CandidatePool, Enrolment, readiness_list
from services.portal.domain.survey_design import (
    QuestionComments,
    TemplateVersion,
    schedule_from_form,
    template_form,
    template_from_form,
    template_refusal,
)

NOW = datetime(2027, 3, 1, tzinfo=UTC)
PARTNER = "org_matai0000000"


def _form(**fields: str | list[str]) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in fields.items()}


def _design(**fields: str | list[str]) -> dict[str, list[str]]:
    base: dict[str, str | list[str]] = {
        "name": "New leaders",
        "purpose": "Support new team leaders through their first year",
        "goals": "confident delegation\n\n  leading   through change \n",
        "expected_outcomes": "",
        "model": "one_to_one",
        "max_mentees_per_mentor": "1",
        "eligibility": "First-time leaders",
        "meeting_every_days": "28",
        "min_meeting_minutes": "60",
        "max_meeting_minutes": "120",
        "starts_on": "2027-01-11",
        "ends_on": "2027-12-17",
        "participating_organisations": [PARTNER],
    }
    return _form(**{**base, **fields})


def test_a_good_design_becomes_the_registrys_body_with_goals_one_a_line() -> None:
    typed, body, problems = design_from_form(_design(), {PARTNER})
    assert not problems and body is not None
    assert body["goals"] == ["confident delegation", "leading through change"]
    assert body["participating_organisations"] == [PARTNER]
    assert (body["min_meeting_minutes"], body["max_meeting_minutes"]) == (60, 120)
    assert body["max_mentees_per_mentor"] == 1 and body["self_match"] is False
    assert typed.name == "New leaders"


def test_a_bad_design_says_what_is_wrong_beside_each_field_and_keeps_what_was_typed() -> None:
    typed, body, problems = design_from_form(
        _design(
            name="N",
            goals="",
            max_meeting_minutes="45",
            meeting_every_days="3",
            ends_on="2027-01-01",
            max_mentees_per_mentor="2",
            self_match="yes",
            require_different_sectors="yes",
            participating_organisations=["org_unknown0000"],
        ),
        {PARTNER},
    )
    assert body is None
    fields = problems.fields
    assert fields["name"] == "write at least 3 characters"
    assert fields["goals"] == "name at least one goal, one per line"
    assert fields["max_meeting_minutes"].startswith("the longest meeting cannot be shorter")
    assert fields["meeting_every_days"] == "give a whole number from 7 to 92, not 3"
    assert fields["ends_on"] == "the programme must end after it starts"
    assert fields["max_mentees_per_mentor"] == "a one-to-one programme has one mentee per mentor"
    assert "X Market" in fields["require_different_sectors"]
    assert fields["participating_organisations"] == "choose organisations from the list"
    assert "self_match" not in fields, "self-match is fine for pairs"
    assert typed.max_meeting_minutes == "45" and typed.self_match


def test_circles_have_no_self_match_and_send_one_mentee_per_mentor() -> None:
    _, body, problems = design_from_form(_design(model="peer_circle", self_match="yes"), {PARTNER})
    assert body is None and "peers are all equals" in problems.fields["self_match"]
    _, body, _ = design_from_form(
        _design(
            model="x_market_circle", max_mentees_per_mentor="", require_different_sectors="yes"
        ),
        {PARTNER},
    )
    assert body is not None and body["max_mentees_per_mentor"] == 1
    assert body["require_different_sectors"] is True


def test_a_design_pairs_organisations_taking_part_each_in_one_pair() -> None:
    """Seed 004, organisations mentoring each other: empty rows are no pair."""
    own = "org_own000000000"
    paired = _design(pair_1_first=own, pair_1_second=PARTNER, pair_2_first="", pair_2_second="")
    _, body, problems = design_from_form(paired, {PARTNER}, own)
    assert not problems and body is not None
    assert body["organisation_pairs"] == [{"first": own, "second": PARTNER}]
    _, body, _ = design_from_form(_design(), {PARTNER}, own)
    assert body is not None and "organisation_pairs" not in body
    for fields, why in [
        ({"pair_1_first": own}, "choose both organisations of each pair"),
        ({"pair_1_first": own, "pair_1_second": own}, "a pair is two different organisations"),
        (
            {"pair_1_first": own, "pair_1_second": "org_stranger0000"},
            "pair only your organisation and those you invite",
        ),
        (
            {"pair_1_first": own, "pair_1_second": PARTNER, "model": "peer_circle"},
            "organisations are paired in programmes that pair people",
        ),
    ]:
        _, body, problems = design_from_form(_design(**fields), {PARTNER}, own)
        assert body is None and problems.fields["organisation_pairs"] == why


def test_a_new_design_starts_with_monthly_meetings_of_one_to_two_hours() -> None:
    blank = blank_design(date(2027, 1, 1))
    assert (blank.meeting_every_days, blank.min_meeting_minutes, blank.max_meeting_minutes) == (
        "28",
        "60",
        "120",
    )
    assert date.fromisoformat(blank.ends_on) > date.fromisoformat(blank.starts_on)


def test_the_registrys_refusal_of_a_whole_design_lands_beside_the_field_it_concerns() -> None:
    problems = design_refusal(
        "the request does not have the expected shape; see `fields`",
        {"body": "Value error, the longest meeting must not be shorter than the shortest"},
    )
    assert problems.fields == {
        "max_meeting_minutes": "The longest meeting must not be shorter than the shortest."
    }
    named = design_refusal("x", {"goals.0": "String should have at least 1 character"})
    assert "goals" in named.fields
    unknown = design_refusal("no such organisations: org_x", {})
    assert "participating_organisations" in unknown.fields
    other = design_refusal("something else entirely", {})
    assert other.message == "Something else entirely." and not other.fields


def _programme(**fields: Any) -> CoordinatedProgramme:
    base: dict[str, Any] = {
        "id": "prg_000000000001",
        "owner_organisation_id": "org_kauri000000",
        "design": {
            "name": "New leaders",
            "purpose": "p" * 12,
            "goals": ["g"],
            "model": "one_to_one",
            "starts_on": "2027-01-11",
            "ends_on": "2027-12-17",
            "meeting_every_days": 28,
            "min_meeting_minutes": 60,
            "max_meeting_minutes": 120,
            "participating_organisations": [PARTNER],
        },
        "status": "draft",
        "coordinators": ["mem_me"],
        "accepted_by": ["org_kauri000000"],
        "created_at": NOW,
    }
    return CoordinatedProgramme.model_validate({**base, **fields})


def test_the_next_step_and_a_publishing_refusal_name_the_organisation_waited_for() -> None:
    names = {PARTNER: "Matai Works"}
    draft = _programme()
    assert draft.pending == [PARTNER]
    assert next_step(draft, names).startswith("Waiting for Matai Works to accept")
    ready = _programme(accepted_by=["org_kauri000000", PARTNER])
    assert next_step(ready, names) == "Publish it to open enrolment."
    assert "matching round" in next_step(_programme(status="open"), names)
    circle = _programme(status="open")
    circle.design.model = "peer_circle"
    assert "circle round" in next_step(circle, names)
    said = publish_refusal(f"waiting for these organisations to accept: {PARTNER}", names)
    assert said.startswith("An invited organisation has not accepted yet (Matai Works).")
    assert publish_refusal("the programme is closed", names) == "The programme is closed."


def test_my_programmes_are_those_i_coordinate_closed_ones_last() -> None:
    older = _programme(id="prg_old", status="open", created_at=NOW - timedelta(days=9))
    newer = _programme(id="prg_new", status="open")
    closed = _programme(id="prg_closed", status="closed")
    theirs = _programme(id="prg_theirs", coordinators=["mem_other"])
    found = mine([closed, older, theirs, newer], "mem_me")
    assert [p.id for p in found] == ["prg_new", "prg_old", "prg_closed"]


def test_weights_are_numbers_from_0_to_100_not_all_0() -> None:
    _, body, problems = weights_from_form(
        _form(
            goals_skills="3",
            compatibility="2",
            contrast="1.5",
            challenge="0",
            context="1",
            care="1",
        )
    )
    assert body == {
        "goals_skills": 3.0,
        "compatibility": 2.0,
        "contrast": 1.5,
        "challenge": 0.0,
        "context": 1.0,
        "care": 1.0,
    }
    _, body, problems = weights_from_form(
        _form(
            goals_skills="150",
            compatibility="x",
            contrast="1",
            challenge="1",
            context="1",
            care="1",
        )
    )
    assert body is None
    assert problems.fields["goals_skills"] == "give a number from 0 to 100, not 150"
    assert problems.fields["compatibility"] == "give a number from 0 to 100, like 2 or 1.5"
    zeros = {
        c: "0"
        for c in ("goals_skills", "compatibility", "contrast", "challenge", "context", "care")
    }
    _, body, problems = weights_from_form(_form(**zeros))
    assert body is None and problems.message is not None and "At least one" in problems.message
    assert Weights().share("goals_skills") == 30 and Weights().typed()["challenge"] == "1.5"


def _enrolment(member: str, role: str, minutes: int = 0) -> Enrolment:
    return Enrolment(
        member_id=member,
        organisation_id="org_a",
        role=role,
        enrolled_at=NOW + timedelta(minutes=minutes),
    )


def _candidate(member: str, role: str, eligible: bool = True, *why: str) -> Candidate:
    return Candidate(
        member_id=member,
        organisation_id="org_a",
        role=role,
        eligible=eligible,
        exclusions=list(why),
        capacity=1 if role == "mentor" else None,
    )


def test_the_readiness_list_puts_who_is_not_ready_first_with_why_in_words() -> None:
    enrolments = [
        _enrolment("mem_mentor", "mentor", 1),
        _enrolment("mem_ready", "mentee", 2),
        _enrolment("mem_untrained", "mentor", 3),
        _enrolment("mem_new", "mentee", 4),
    ]
    pool = CandidatePool(
        programme_id="prg_1",
        candidates=[
            _candidate("mem_mentor", "mentor"),
            _candidate("mem_ready", "mentee"),
            _candidate(
                "mem_untrained",
                "mentor",
                False,
                "mentor training not complete",
                "not consenting to share across organisations",
            ),
        ],
    )
    rows = readiness_list(enrolments, pool)
    assert [r.enrolment.member_id for r in rows] == [
        "mem_untrained",
        "mem_new",
        "mem_mentor",
        "mem_ready",
    ]
    assert rows[0].summary == "Not ready" and rows[0].tone == "warn"
    assert rows[0].reasons == [
        "mentor training not recorded yet (needed before matching)",
        "has not agreed to share their profile with the other organisations taking part",
    ]
    assert rows[1].summary == "Not known to matching yet" and rows[1].ready is None
    assert rows[2].summary == "Ready to match" and rows[2].capacity == 1
    assert all(r.ready is None for r in readiness_list(enrolments, None))


def test_a_rounds_progress_reads_in_words() -> None:
    running = RoundJob(
        id="job_1", state="running", done=1, total=3, step="assigning", started_at=NOW
    )
    assert running.running and running.progress == "Step 2 of 3: assigning."
    starting = RoundJob(id="job_1", state="running", started_at=NOW)
    assert starting.progress == "Step 1 of 3: scoring pairs."
    done = RoundJob.model_validate(
        {
            "id": "job_1",
            "state": "done",
            "done": 3,
            "total": 3,
            "started_at": NOW,
            "result": {"programme_id": "prg_1", "proposals": ["prp_1"], "unmatched": []},
        }
    )
    assert done.progress == "The round has finished." and not done.running
    failed = RoundJob(
        id="job_1",
        state="failed",
        started_at=NOW,
        error="the service restarted before this finished; please run it again",
    )
    assert failed.progress == (
        "The round did not finish: the service restarted before this finished; please run it again."
    )


def _proposal(pid: str, mentee: str, mentor: str, status: str, score: float = 0.5) -> Proposal:
    return Proposal.model_validate(
        {
            "id": pid,
            "programme_id": "prg_1",
            "mentee_id": mentee,
            "mentee_organisation_id": "org_b",
            "mentor_id": mentor,
            "mentor_organisation_id": "org_a",
            "origin": "round",
            "status": status,
            "score": score,
            "created_at": NOW,
            "mentee_accepted": status == "accepted",
            "mentor_accepted": status == "accepted",
        }
    )


def test_proposals_are_grouped_by_what_they_wait_for_best_fit_first() -> None:
    proposals = [
        _proposal("prp_low", "m1", "t1", "proposed", 0.4),
        _proposal("prp_high", "m2", "t2", "proposed", 0.9),
        _proposal("prp_ok", "m3", "t3", "approved"),
        _proposal("prp_yes", "m4", "t4", "accepted"),
        _proposal("prp_no", "m5", "t5", "rejected"),
    ]
    found = grouped(proposals)
    assert [r.id for r in found.to_review] == ["prp_high", "prp_low"]
    assert found.to_review[0].fit == "a strong fit"
    assert [r.id for r in found.approved] == ["prp_ok"]
    assert found.approved[0].answers == "Neither has answered yet."
    assert found.accepted[0].answers == "Both accepted: their relationship has started."
    assert found.settled[0].answers == "You did not take this pair forward."
    assert [r.id for r in grouped(proposals, only=["prp_low"]).all] == ["prp_low"]


def test_who_is_waiting_mentees_without_an_open_or_accepted_match_each_with_why() -> None:
    enrolments = [
        _enrolment("mem_matched", "mentee", 1),
        _enrolment("mem_rejected", "mentee", 2),
        _enrolment("mem_left", "mentee", 3),
        _enrolment("mem_unready", "mentee", 4),
        _enrolment("mem_new", "mentee", 5),
        _enrolment("mem_busy_mentor", "mentor", 6),
        _enrolment("mem_free_mentor", "mentor", 7),
    ]
    proposals = [
        _proposal("prp_1", "mem_matched", "mem_busy_mentor", "approved"),
        _proposal("prp_2", "mem_rejected", "mem_busy_mentor", "rejected"),
    ]
    pool = {
        e.member_id: _candidate(e.member_id, e.role)
        for e in enrolments
        if e.member_id != "mem_unready"
    }
    pool["mem_unready"] = _candidate(
        "mem_unready", "mentee", False, "mentee induction not complete"
    )
    found = waiting(enrolments, proposals, pool, unmatched=["mem_left"])
    assert [(w.enrolment.member_id, w.why) for w in found] == [
        ("mem_rejected", "Their last proposed pair was not taken forward; back in the pool."),
        ("mem_left", "The last round found no suitable mentor with room."),
        ("mem_unready", "Not ready: induction not recorded yet (needed before matching)."),
        ("mem_new", "Not in a round yet."),
        ("mem_free_mentor", "No mentee yet."),
    ]


def test_a_pair_needs_both_people_and_a_refused_pair_lists_every_reason() -> None:
    pair, problems = pair_from_form(_form(mentee_id="mem_a", mentor_id=""))
    assert pair == {"mentee_id": "mem_a", "mentor_id": ""}
    assert problems.fields == {"mentor_id": "choose the mentor"}
    assert impossible_pair(
        "this pair cannot be matched: no language in common; "
        "no weekly time when both are free (time zones taken into account)"
    ) == [
        "No language in common.",
        "No weekly time when both are free (time zones taken into account).",
    ]
    assert impossible_pair("something else") == ["Something else."]


def test_thresholds_are_checked_beside_each_field_and_the_warning_comes_first() -> None:
    good = _form(
        first_meeting_days="21",
        contact_overdue_days="14",
        inactivity_warning_days="60",
        inactivity_days="90",
        low_pulse_score="2.5",
    )
    _, body, problems = thresholds_from_form(good)
    assert not problems and body is not None
    assert body["low_pulse_score"] == 2.5 and body["inactivity_days"] == 90
    late = {**good, "inactivity_warning_days": ["95"], "first_meeting_days": ["400"]}
    typed, body, problems = thresholds_from_form(late)
    assert body is None and typed["inactivity_warning_days"] == "95"
    assert problems.fields["first_meeting_days"] == "give a whole number from 7 to 90, not 400"
    assert problems.fields["inactivity_warning_days"] == (
        "the warning must come before the inactivity alert (at 90 days)"
    )
    placed = thresholds_refusal(
        "see `fields`",
        {"body": "Value error, the inactivity warning must come before the inactivity alert"},
    )
    assert "inactivity_warning_days" in placed.fields


def test_alerts_open_first_newest_first() -> None:
    def alert(aid: str, status: str, days: int) -> Alert:
        return Alert(
            id=aid,
            kind="inactive",
            description="d",
            relationship_id="rel_1",
            programme_id="prg_1",
            since=NOW,
            raised_at=NOW + timedelta(days=days),
            status=status,
        )

    found = in_order([alert("a", "resolved", 9), alert("b", "open", 1), alert("c", "open", 2)])
    assert [a.id for a in found] == ["c", "b", "a"]


def test_a_template_form_keeps_question_ids_gives_new_ones_and_checks_choices() -> None:
    form = _form(
        title="Mid-point check",
        kind="mentee",
        introduction="",
        rows="4",
        q1_id="q1",
        q1_text="How useful are your meetings?",
        q1_type="rating",
        q1_required="yes",
        q2_id="",
        q2_text="Which part helps most?",
        q2_type="single_choice",
        q2_options="Meetings\nThe action plan\nMeetings",
        q3_text="",
        q4_text="Anything else?",
        q4_type="free_text",
    )
    _, body, problems = template_from_form(form)
    assert not problems and body is not None
    assert [q["id"] for q in body["questions"]] == ["q1", "q2", "q3"]
    assert body["questions"][1]["options"] == ["Meetings", "The action plan"]
    assert body["questions"][2]["required"] is False
    bad = {**form, "q2_options": ["Meetings"], "q4_type": ["scale"], "q4_options": ["x"]}
    typed, body, problems = template_from_form(bad)
    assert body is None
    assert problems.fields["q2_options"] == "a choice needs at least two options, one a line"
    assert problems.fields["q4_options"] == "only a choice question has options"
    assert typed.questions[1].options == "Meetings"
    pulse = {**form, "kind": ["pulse"], "q2_text": [""], "q2_options": [""], "q4_text": [""]}
    _, body, problems = template_from_form(pulse)
    assert body is None
    assert problems.fields["kind"] == "a pulse check has 2 to 4 questions, not 1"
    placed = template_refusal(
        "see `fields`",
        {"questions.2.text": "String should have at least 3 characters"},
        typed,
    )
    assert placed.fields == {"q4_text": "String should have at least 3 characters"}


def test_a_built_in_template_is_copied_with_room_for_more_questions() -> None:
    built_in = TemplateVersion.model_validate(
        {
            "template_id": "tpl_pulse",
            "version": 1,
            "programme_id": None,
            "title": "How is it going?",
            "kind": "pulse",
            "questions": [{"id": "q1", "text": "How useful?", "type": "rating"}],
        }
    )
    assert built_in.built_in
    copied = template_form(built_in, copy=True)
    assert copied.title == "How is it going? (our version)"
    assert [q.id for q in copied.questions] == ["q1", "", ""]


def test_a_schedule_form_leaves_out_empty_lines_and_checks_weeks_and_days() -> None:
    form = _form(
        rows="3",
        s1_template="tpl_pulse",
        s1_when="every",
        s1_weeks="8",
        s2_template="tpl_mentee_end",
        s2_when="at_end",
        s2_weeks="4",
        s3_template="",
        open_days="21",
        remind_after_days="7",
    )
    _, body, problems = schedule_from_form(form, ["tpl_pulse", "tpl_mentee_end"])
    assert not problems
    assert body == {
        "entries": [
            {"template_id": "tpl_pulse", "when": "every", "weeks": 8},
            {"template_id": "tpl_mentee_end", "when": "at_end"},
        ],
        "open_days": 21,
        "remind_after_days": 7,
    }
    bad = {**form, "s1_weeks": ["0"], "s3_template": ["tpl_gone"], "remind_after_days": ["30"]}
    _, body, problems = schedule_from_form(bad, ["tpl_pulse", "tpl_mentee_end"])
    assert body is None
    assert problems.fields["s1_weeks"] == "give a number of weeks from 1 to 104"
    assert problems.fields["s3_template"] == "choose one of the programme's templates"
    assert problems.fields["remind_after_days"].startswith("the reminder must come before")


def test_a_question_fewer_than_five_people_wrote_to_says_why_it_is_not_shown() -> None:
    hidden = QuestionComments(
        template_id="tpl_pulse",
        template_version=1,
        question_id="q3",
        question="Anything else?",
        suppressed=True,
    )
    assert hidden.in_words.startswith("Not shown: fewer than 5 people")
    shown = QuestionComments(
        template_id="tpl_pulse",
        template_version=1,
        question_id="q3",
        question="Anything else?",
        people=6,
        comments=["a", "b"],
    )
    assert shown.in_words.startswith("6 people wrote")


def test_peers_in_no_circle_wait_for_one_with_why() -> None:
    enrolments = [_enrolment(m, "peer", n) for n, m in enumerate(("p1", "p2", "p3", "p4"))]
    circle = FormedCircle.model_validate(
        {
            "id": "cir_1",
            "programme_id": "prg_1",
            "members": [{"member_id": "p1", "organisation_id": "org_a"}],
            "formed_at": NOW,
        }
    )
    pool = {
        "p2": _candidate("p2", "peer"),
        "p3": _candidate("p3", "peer", False, "no profile yet"),
    }
    found = waiting_for_a_circle(enrolments, [circle], pool)
    assert [(w.enrolment.member_id, w.why) for w in found] == [
        ("p2", "Ready: the next circle round places them."),
        ("p3", "Not ready: no profile yet: matching has nothing to go on."),
        ("p4", "Matching has not heard of this enrolment yet."),
    ]
    assert circle.organisations == 1
