"""Bulk import's rules: reading CSV and JSON rows, refusing bad ones with reasons, and
deciding what each row does against the organisation's members."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta

import pytest

from services.registry.adapters.member_import import _profile_events
from services.registry.domain.member_import import (
    MAX_BYTES,
    MAX_ROWS,
    ExistingMember,
    FileRefusedError,
    ImportFormat,
    ImportPlan,
    ImportRow,
    ImportTooLargeError,
    Outcome,
    UnsupportedFormatError,
    Write,
    import_format,
    parse,
    plan_import,
)
from services.registry.domain.profile import Profile
from shared.contracts.registry import MemberProfileUpdated
from shared.events.sealing import new_data_key

HEADER = "email,display_name,skills,languages,mentor_capacity,location"


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def _rows(*lines: str) -> list[ImportRow]:
    return parse(_csv(*lines), ImportFormat.CSV)


def _plan(rows: list[ImportRow], existing: dict[str, ExistingMember] | None = None) -> ImportPlan:
    counter = itertools.count(1)
    return plan_import(rows, existing or {}, lambda: f"mem_{next(counter):016d}")


def test_csv_rows_become_profile_fields() -> None:
    rows = _rows(
        HEADER + ",mentor_training_completed_on,line_manager_email",
        " Ada@Alder.Example ,Ada Lovelace,service design; safeguarding;,en;cy,2,yes,2026-01-05,"
        "boss@alder.example",
        "ben@alder.example,Ben,,,,,,",
    )
    ada, ben = rows
    assert ada.error is None
    assert ada.email == "ada@alder.example"
    assert ada.fields["skills"] == ["service design", "safeguarding"]
    assert ada.fields["languages"] == ["en", "cy"]
    assert ada.fields["mentor_capacity"] == 2
    assert ada.fields["location"] == "yes"
    assert ada.fields["mentor_training_completed_on"] == "2026-01-05"
    assert (ada.names_manager, ada.manager_email) == (True, "boss@alder.example")
    # Empty cells are given as None: "back to the default".
    assert ben.error is None
    assert ben.fields["skills"] is None
    assert ben.fields["location"] is None
    assert (ben.names_manager, ben.manager_email) == (True, None)


def test_unnamed_empty_columns_from_spreadsheets_are_tolerated() -> None:
    a, b = _rows("email,display_name,,", "a@x.example,A,,", "b@x.example,B,,oops")
    assert a.error is None
    assert b.error == "column 4 has no name in the header but a value here"


def test_blank_lines_a_bom_and_crlf_are_fine() -> None:
    body = ("\ufeff" + HEADER + "\r\n\r\na@x.example,A,,,,\r\n\r\n").encode()
    rows = parse(body, ImportFormat.CSV)
    assert [(r.row, r.email, r.error) for r in rows] == [(1, "a@x.example", None)]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("email,display_name,colour", "unknown column(s) 'colour'"),
        ("email,skills", "must name the column(s) display_name"),
        ("email,display_name,email", "named twice: email"),
        ("", "the file is empty"),
    ],
)
def test_a_bad_header_refuses_the_whole_file(header: str, expected: str) -> None:
    with pytest.raises(FileRefusedError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        _rows(header, "a@x.example,A,x")


def test_malformed_csv_rows_are_rejected_with_a_reason_and_the_others_kept() -> None:
    rows = _rows(
        HEADER,
        "a@x.example,A,,,,",
        "b@x.example,B,too,many,fields,here,really",
        "c@x.example,C",
        "d@x.example,D,,,lots,",
        "e@x.example,E,,,,perhaps",
    )
    errors = {r.row: r.error for r in rows}
    assert errors[1] is None
    assert "the row has 7 fields; the header has 6" in str(errors[2])
    assert rows[1].email == "b@x.example"
    assert "the row has 2 fields" in str(errors[3])
    assert "mentor_capacity: 'lots' is not a whole number" in str(errors[4])
    assert errors[5] is None


def test_an_import_cannot_give_or_withdraw_a_members_consent_to_be_seen_across() -> None:
    with pytest.raises(FileRefusedError, match="each member's own choice"):
        _rows("email,display_name,share_across_organisations", "a@x.example,A,yes")
    (row,) = parse(
        b'[{"email": "a@x.example", "display_name": "A", "share_across_organisations": true}]',
        ImportFormat.JSON,
    )
    assert row.error is not None and "each member's own choice" in row.error
    # A member who consented keeps their consent whatever the HR system sends.
    consented = Profile(display_name="A", share_across_organisations=True)
    existing = {"a@x.example": ExistingMember("mem_0000000000000009", "a@x.example", consented)}
    (write,) = _plan(_rows(HEADER, "a@x.example,Ada,,,,Leeds"), existing).changes
    assert write.profile.share_across_organisations is True
    assert write.profile.location == "Leeds"


def test_broken_quoting_refuses_the_file_rather_than_guessing() -> None:
    with pytest.raises(FileRefusedError, match="cannot be read at line 3"):
        _rows(HEADER, "a@x.example,A,,,,", 'b@x.example,"B"x,,,,')
    with pytest.raises(FileRefusedError, match="not UTF-8"):
        parse(HEADER.encode() + b"\na@x.example,\xff,,,,\n", ImportFormat.CSV)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2026-02-30", "2026-02-30 is not a real date"),
        ("2026-13-01", "2026-13-01 is not a real date"),
        ("14/09/2026", "'14/09/2026' is not a date (YYYY-MM-DD)"),
        ((date.today() + timedelta(days=3)).isoformat(), "cannot be in the future"),
    ],
)
def test_impossible_dates_are_rejected(cell: str, expected: str) -> None:
    (row,) = _rows("email,display_name,mentor_training_completed_on", f"a@x.example,A,{cell}")
    assert row.error is not None
    assert row.error.startswith("mentor_training_completed_on: ")
    assert expected in row.error


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("not-an-email,A,,,,", "email: not an e-mail address"),
        (",A,,,,", "email: missing"),
        ("a@x.example,,,,,", "display_name: missing"),
        ("a@x.example,A,,,11,", "mentor_capacity: Input should be less than or equal to 10"),
        ("a@x.example,A,,english,,", "languages: 'english' is not a language code"),
        ("a@x.example,A,x;X,,,", "skills: skills are listed twice"),
    ],
)
def test_invalid_fields_say_which_and_why(cells: str, expected: str) -> None:
    (row,) = _rows(HEADER, cells)
    assert row.error is not None
    assert expected in row.error


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    (row,) = _rows(
        "email,display_name,job_level,time_zone,line_manager_email",
        "a@x.example,A,boss,Mars/Olympus,nobody",
    )
    assert row.error is not None
    assert "job_level: Input should be" in row.error
    assert "'Mars/Olympus' is not an IANA time zone" in row.error
    assert "line_manager_email: not an e-mail address" in row.error


def test_json_rows_refuse_unknown_fields_and_non_objects() -> None:
    body = json.dumps(
        [
            {"email": "a@x.example", "display_name": "A", "skills": ["x"], "sector": None},
            {"email": "b@x.example", "display_name": "B", "favourite_colour": "blue"},
            "c@x.example",
            {"email": "d@x.example", "display_name": "D", "skills": "x;y"},
            {"email": "e@x.example", "display_name": "E", "mentee_induction_completed_on": 5},
        ]
    ).encode()
    a, b, c, d, e = parse(body, ImportFormat.JSON)
    assert a.error is None
    assert a.fields == {"display_name": "A", "skills": ["x"], "sector": None}
    assert not a.names_manager
    assert b.error is not None
    assert "unknown field(s) 'favourite_colour'" in b.error
    assert b.email == "b@x.example"
    assert c.error == "a row must be a JSON object"
    assert d.error is not None
    assert "skills: Input should be a valid list" in d.error
    assert e.error is not None
    assert "not a date" in e.error


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"email": "a@x.example"}', "must be a JSON array"),
        (b'[{"email": ', "not valid JSON"),
        (b"[]", "no rows"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),
    ],
)
def test_unreadable_json_refuses_the_file(body: bytes, expected: str) -> None:
    with pytest.raises(FileRefusedError, match=expected):
        parse(body, ImportFormat.JSON)


def test_oversize_files_are_refused_with_a_reason() -> None:
    line = "a@x.example,A,,,,"
    at_limit = _csv(HEADER, *[line] * MAX_ROWS)
    assert len(parse(at_limit, ImportFormat.CSV)) == MAX_ROWS
    with pytest.raises(ImportTooLargeError, match="at most 10,000 rows"):
        parse(_csv(HEADER, *[line] * (MAX_ROWS + 1)), ImportFormat.CSV)
    rows = json.dumps([{"email": "a@x.example", "display_name": "A"}] * (MAX_ROWS + 1))
    with pytest.raises(ImportTooLargeError, match="at most 10,000 rows"):
        parse(rows.encode(), ImportFormat.JSON)
    with pytest.raises(ImportTooLargeError, match="over 8 MB"):
        parse(b" " * (MAX_BYTES + 1), ImportFormat.JSON)
    assert ImportTooLargeError.status == 413


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("text/csv", ImportFormat.CSV),
        ("text/csv; charset=utf-8", ImportFormat.CSV),
        ("Application/JSON", ImportFormat.JSON),
    ],
)
def test_csv_and_json_are_the_formats(content_type: str, expected: ImportFormat) -> None:
    assert import_format(content_type) is expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/xml", "not 'application/xml'"),
        (None, "say what the file is"),
        ("text/csv; charset=latin-1", "as UTF-8"),
    ],
)
def test_other_formats_are_unsupported(content_type: str | None, expected: str) -> None:
    with pytest.raises(UnsupportedFormatError, match=expected):
        import_format(content_type)
    assert UnsupportedFormatError.status == 415


def _existing(email: str, n: int, **profile: object) -> ExistingMember:
    fields = {"display_name": email.split("@")[0], **profile}
    return ExistingMember(f"mem_{n:016x}", email, Profile.model_validate(fields))


def test_new_known_and_unchanged_rows() -> None:
    existing = {
        "old@x.example": _existing("old@x.example", 0xA, skills=["x"], mentor_capacity=2),
        "same@x.example": _existing("same@x.example", 0xB, skills=["y"]),
    }
    rows = _rows(
        "email,display_name,skills",
        "new@x.example,New,a;b",
        "old@x.example,old,z",
        "same@x.example,same,y",
    )
    plan = _plan(rows, existing)
    report = plan.report()
    assert [r.outcome for r in report.rows] == [
        Outcome.CREATED,
        Outcome.UPDATED,
        Outcome.UNCHANGED,
    ]
    assert report.totals.model_dump() == {
        "rows": 3,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "rejected": 0,
    }
    (created,) = plan.creations
    assert created.member_id == "mem_0000000000000001" == report.rows[0].member_id
    assert created.profile.skills == ["a", "b"]
    (changed,) = plan.changes
    # A column the file leaves out (mentor_capacity) keeps its value.
    assert changed.profile.skills == ["z"]
    assert changed.profile.mentor_capacity == 2
    assert changed.before == existing["old@x.example"].profile
    assert report.rows[2].member_id == existing["same@x.example"].member_id


def test_an_empty_cell_resets_a_field_to_its_default() -> None:
    existing = {"old@x.example": _existing("old@x.example", 1, sector="health", languages=["cy"])}
    (change,) = _plan(
        _rows("email,display_name,sector,languages", "old@x.example,old,,"), existing
    ).changes
    assert change.profile.sector is None
    assert change.profile.languages == ["en"]


def test_a_duplicate_email_rejects_the_later_row() -> None:
    rows = _rows(HEADER, "a@x.example,A,,,,", "b@x.example,B,,,,", "A@X.example,Again,,,,")
    report = _plan(rows).report()
    assert [r.outcome for r in report.rows] == [
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.REJECTED,
    ]
    assert report.rows[2].reason == "same e-mail as row 1"
    assert report.rows[2].email == "a@x.example"


def test_line_managers_resolve_to_members_and_to_rows_of_the_same_file() -> None:
    existing = {"boss@x.example": _existing("boss@x.example", 0xB055)}
    rows = _rows(
        "email,display_name,line_manager_email",
        "report@x.example,Report,lead@x.example",  # a row further down the file
        "lead@x.example,Lead,boss@x.example",  # an existing member
        "self@x.example,Self,self@x.example",
        "lost@x.example,Lost,nobody@x.example",
        "under-lost@x.example,Under Lost,lost@x.example",  # their manager's row is rejected
        "bad@x.example,,",
        "under-bad@x.example,Under Bad,bad@x.example",
        "none@x.example,No manager,",
    )
    plan = _plan(rows, existing)
    report = plan.report()
    by_email = {w.email: w for w in plan.creations}
    assert (
        by_email["report@x.example"].profile.line_manager_id == by_email["lead@x.example"].member_id
    )
    assert (
        by_email["lead@x.example"].profile.line_manager_id == existing["boss@x.example"].member_id
    )
    assert by_email["none@x.example"].profile.line_manager_id is None
    reasons = {r.email: r.reason for r in report.rows if r.outcome is Outcome.REJECTED}
    assert reasons == {
        "self@x.example": "line_manager_email: a member cannot be their own line manager",
        "lost@x.example": "line_manager_email: unknown line manager nobody@x.example: no "
        "member of the organisation and no row of this file has that e-mail",
        "under-lost@x.example": "line_manager_email: the line manager's row (4) was rejected",
        "bad@x.example": "display_name: missing",
        "under-bad@x.example": "line_manager_email: the line manager's row (6) was rejected",
    }
    assert not plan.changes


def test_rejections_cascade_down_a_chain_of_line_managers() -> None:
    lines = [f"m{i}@x.example,M{i},m{i + 1}@x.example" for i in range(3000)]
    lines.append("m3000@x.example,M3000,nobody@x.example")
    report = _plan(_rows("email,display_name,line_manager_email", *lines)).report()
    assert report.totals.rejected == 3001


def test_refused_writes_turn_into_rejections() -> None:
    plan = _plan(_rows(HEADER, "a@x.example,A,,,,", "b@x.example,B,,,,"))
    plan.refuse([2], "not written")
    report = plan.report()
    assert report.rows[1].outcome is Outcome.REJECTED
    assert report.rows[1].member_id is None
    assert report.totals.created == 1


def test_events_say_what_changed_and_readiness_only_when_it_flips() -> None:
    key = new_data_key()
    ready = Profile(display_name="A", mentor_training_completed_on=date(2026, 1, 5))
    plain = Profile(display_name="A", skills=["x"])
    new_ready = _profile_events(
        "org_0123456789ab", Write(1, "mem_" + "1" * 16, "a@x", ready, True), key
    )
    assert [e.type for e in new_ready] == ["member.profile_updated", "member.readiness_changed"]
    assert new_ready[1].data["ready_as_mentor"] is True
    new_plain = _profile_events(
        "org_0123456789ab", Write(1, "mem_" + "1" * 16, "a@x", plain, True), key
    )
    assert [e.type for e in new_plain] == ["member.profile_updated"]
    # The profile travels sealed: only its member's data key opens it.
    assert "skills" not in new_plain[0].data
    sealed = MemberProfileUpdated.model_validate(new_plain[0].data)
    assert sealed.opened(key).skills == ["x"]
    still_ready = ready.model_copy(update={"skills": ["y"]})
    same = _profile_events(
        "org_0123456789ab",
        Write(1, "mem_" + "1" * 16, "a@x", still_ready, False, before=ready),
        key,
    )
    assert [e.type for e in same] == ["member.profile_updated"]
    flipped = _profile_events(
        "org_0123456789ab", Write(1, "mem_" + "1" * 16, "a@x", plain, False, before=ready), key
    )
    assert [e.type for e in flipped] == ["member.profile_updated", "member.readiness_changed"]
    assert flipped[1].data["ready_as_mentor"] is False
