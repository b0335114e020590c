"""The organisation admin's workspace, its pure parts: the profile and provider forms, finding
members and paging them, the spreadsheets (no formula ever runs), which files can be imported
and how its report reads, integration clients, invitations and where members stand."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from services.portal.domain.integration_clients import client_from_form
from services.portal.domain.member_imports import (
    MAX_UPLOAD_BYTES,
    ImportJob,
    ImportReport,
    report_csv,
    rows_to_show,
    upload_format,
    upload_problem,
)
from services.portal.domain.member_standing import RelationshipStatus, standings
from services.portal.domain.organisation_members import (
    PAGE_SIZE,
    OrganisationMember,
    members_csv,
    page_of,
    role_change_from_form,
    search,
)
from services.portal.domain.organisation_profile import (
    OrganisationProfile,
    domains_in,
    draft_of,
    profile_from_form,
)
from services.portal.domain.programme_invitations import InvitedProgramme, invitations
from services.portal.domain.sign_in_provider import ProviderTrial, trial_from_form

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _member(
    n: int, name: str | None, email: str | None, issuer: str | None = "https://idp"
) -> OrganisationMember:
    return OrganisationMember(
        id=f"mem_{n:016d}", email=email, name=name, roles=["member"], issuer=issuer, joined_at=NOW
    )


def test_the_profile_form_checks_what_the_registry_would_and_keeps_what_was_typed() -> None:
    draft, body, problems = profile_from_form(
        {
            "name": ["  Harbour Housing "],
            "sector": ["housing"],
            "size": ["medium"],
            "country": ["gb"],
            "email_domains": ["harbour.example\n@Harbour-Homes.example, "],
        }
    )
    assert not problems
    assert body == {
        "name": "Harbour Housing",
        "sector": "housing",
        "size": "medium",
        "country": "GB",
        "email_domains": ["harbour.example", "harbour-homes.example"],
    }
    assert draft.country == "GB"
    _, empty, _ = profile_from_form({"name": ["Harbour"]})
    assert empty["sector"] is None and empty["size"] is None and empty["email_domains"] == []

    draft, _, problems = profile_from_form(
        {"name": ["H"], "size": ["huge"], "country": ["GBR"], "email_domains": ["not a domain"]}
    )
    assert set(problems.fields) == {"name", "size", "country", "email_domains"}
    assert problems.fields["email_domains"] == "not e-mail domains: not, a, domain"
    assert draft.email_domains == "not a domain", "kept as typed"
    _, _, twice = profile_from_form({"name": ["Harbour"], "email_domains": ["a.example A.example"]})
    assert twice.fields["email_domains"] == "a domain is listed twice"
    assert domains_in("a.example,b.example;\n c.example") == ["a.example", "b.example", "c.example"]
    profile = OrganisationProfile(name="Harbour", email_domains=["a.example", "b.example"])
    assert draft_of(profile).email_domains == "a.example\nb.example"


def test_the_provider_form_never_keeps_the_secret() -> None:
    draft, body, problems = trial_from_form(
        {"issuer": ["https://idp.example/"], "client_id": ["mentornet"], "client_secret": ["s3"]},
        "https://portal.example/organisation/sign-in-provider",
    )
    assert not problems
    assert body["issuer"] == "https://idp.example" and body["client_secret"] == "s3"
    assert body["return_to"] == "https://portal.example/organisation/sign-in-provider"
    assert "s3" not in repr(draft)
    _, _, missing = trial_from_form({"issuer": ["idp.example"]}, "x")
    assert set(missing.fields) == {"issuer", "client_id", "client_secret"}


def test_a_trial_says_whom_the_provider_signed_in_and_whether_it_can_be_saved() -> None:
    trial = ProviderTrial(
        id="trl_1",
        issuer="https://idp.example",
        client_id="mentornet",
        status="passed",
        started_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
        signed_in_email="ada@alder.example",
        signed_in_name="Ada Lovelace",
    )
    assert trial.signed_in_as == "Ada Lovelace (ada@alder.example)" and trial.can_be_saved
    assert trial.model_copy(update={"signed_in_name": None}).signed_in_as == "ada@alder.example"
    assert not trial.model_copy(update={"expired": True}).can_be_saved
    assert not trial.model_copy(update={"status": "failed"}).can_be_saved


def test_members_are_found_by_every_word_of_a_name_or_e_mail_and_paged() -> None:
    members = [
        _member(1, "Ada Lovelace", "ada@alder.example"),
        _member(2, "ben okafor", "ben@alder.example"),
        _member(3, None, "carol@alder.example", issuer=None),
    ]
    assert [m.id for m in search(members, "ADA")] == [members[0].id]
    assert [m.id for m in search(members, "okafor ben@")] == [members[1].id]
    assert [m.display for m in search(members, "")] == [
        "Ada Lovelace",
        "ben okafor",
        "carol@alder.example",
    ]
    assert search(members, "nobody") == []
    assert not members[2].has_signed_in

    many = [_member(n, f"Person {n:03d}", f"p{n}@x.example") for n in range(PAGE_SIZE * 2 + 5)]
    second = page_of(many, "2")
    assert (second.number, second.pages, second.found) == (2, 3, PAGE_SIZE * 2 + 5)
    assert (second.first_shown, second.last_shown) == (PAGE_SIZE + 1, PAGE_SIZE * 2)
    assert page_of(many, "99").number == 3 and len(page_of(many, "99").members) == 5
    assert page_of(many, "nonsense").number == 1 and page_of(many, "-4").number == 1
    assert page_of([], "1").first_shown == 0 and page_of([], "1").pages == 1


def test_only_the_roles_an_admin_grants_can_be_asked_for() -> None:
    assert role_change_from_form({"role": ["programme_coordinator"], "change": ["grant"]}) == (
        "programme_coordinator",
        True,
    )
    assert role_change_from_form({"role": ["organisation_admin"], "change": ["revoke"]}) == (
        "organisation_admin",
        False,
    )
    assert role_change_from_form({"role": ["network_coordinator"], "change": ["grant"]}) is None
    assert role_change_from_form({"role": ["member"], "change": ["revoke"]}) is None
    assert role_change_from_form({"role": ["organisation_admin"], "change": ["drop"]}) is None


def test_the_member_list_as_csv_never_runs_a_formula() -> None:
    members = [
        _member(1, '=HYPERLINK("https://evil.example")', "ada@alder.example"),
        _member(2, "Ben, Okafor", "+ben@alder.example", issuer=None),
    ]
    rows = list(csv.reader(io.StringIO(members_csv(members))))
    assert rows[0] == ["email", "display_name", "roles", "has_signed_in", "joined_on"]
    assert rows[1][1].startswith("'=") and rows[1][3] == "yes" and rows[1][4] == "2027-03-01"
    assert rows[2][:2] == ["'+ben@alder.example", "Ben, Okafor"] and rows[2][3] == "no"


def test_which_files_can_be_imported() -> None:
    assert upload_format("People.CSV", "application/octet-stream") == "text/csv"
    assert upload_format("people.json", "") == "application/json"
    assert upload_format("export", "text/csv; charset=utf-8") == "text/csv"
    assert upload_format("people.xlsx", "application/vnd.ms-excel") is None
    assert upload_problem("", 0, "") == "choose a CSV or JSON file of your members"
    assert "over 8 MB" in (upload_problem("big.csv", MAX_UPLOAD_BYTES + 1, "text/csv") or "")
    assert "choose a .csv or .json file" in (upload_problem("a.xlsx", 10, "") or "")
    assert upload_problem("empty.csv", 0, "text/csv") == "the file is empty"
    assert upload_problem("people.csv", 100, "text/csv") is None


def _report() -> ImportReport:
    return ImportReport.model_validate(
        {
            "totals": {"rows": 4, "created": 2, "updated": 0, "unchanged": 1, "rejected": 1},
            "rows": [
                {"row": 1, "email": "a@x.example", "outcome": "created", "member_id": "m1"},
                {"row": 2, "email": "b@x.example", "outcome": "unchanged", "member_id": "m2"},
                {"row": 3, "email": "=cmd@x", "outcome": "rejected", "reason": "email: not one"},
                {"row": 4, "email": "d@x.example", "outcome": "created", "member_id": "m4"},
            ],
        }
    )


def test_the_report_shows_refused_rows_first_and_downloads_whole() -> None:
    report = _report()
    assert [r.row for r in rows_to_show(report)] == [3, 1, 2, 4]
    assert [r.row for r in rows_to_show(report, limit=2)] == [3, 1]
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0] == ["row", "email", "outcome", "reason"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4"], "file order"
    assert rows[3] == ["3", "'=cmd@x", "rejected", "email: not one"]


def test_an_import_job_says_how_far_it_has_got() -> None:
    job = ImportJob(id="job_1", state="running", done=150, total=300, started_at=NOW)
    assert job.running and job.percent == 50
    assert ImportJob(id="job_1", state="running", started_at=NOW).percent == 0
    done = job.model_copy(update={"state": "done", "done": 300})
    assert not done.running and done.percent == 100


def test_a_new_client_needs_a_name_and_something_it_may_do() -> None:
    draft, body, problems = client_from_form(
        {"name": ["HR sync"], "scopes": ["members:write", "nonsense", "members:read"]}
    )
    assert not problems
    assert body == {"name": "HR sync", "scopes": ["members:read", "members:write"]}
    _, _, missing = client_from_form({"name": ["H"]})
    assert set(missing.fields) == {"name", "scopes"}
    assert draft.scopes == ["members:read", "members:write"]


def _programme(pid: str, owner: str, others: list[str], accepted: list[str]) -> InvitedProgramme:
    return InvitedProgramme.model_validate(
        {
            "id": pid,
            "owner_organisation_id": owner,
            "status": "draft",
            "accepted_by": accepted,
            "design": {
                "name": pid,
                "purpose": "Support new managers",
                "model": "one_to_one",
                "starts_on": date(2027, 1, 1 + len(pid)).isoformat(),
                "ends_on": "2027-12-01",
                "meeting_every_days": 28,
                "min_meeting_minutes": 45,
                "max_meeting_minutes": 90,
                "participating_organisations": others,
            },
        }
    )


def test_invitations_are_the_programmes_waiting_for_this_organisation() -> None:
    names = {"org_a": "Alder", "org_b": "Birch", "org_me": "Harbour"}
    waiting, accepted = invitations(
        [
            _programme("p1", "org_a", ["org_me", "org_b"], ["org_a"]),
            _programme("p22", "org_a", ["org_me"], ["org_a", "org_me"]),
            _programme("p333", "org_b", ["org_a"], ["org_b"]),  # not ours at all
        ],
        "org_me",
        names,
    )
    assert [i.programme.id for i in waiting] == ["p1"]
    assert (waiting[0].invited_by, waiting[0].accepted, waiting[0].waiting) == (
        "Alder",
        ["Alder"],
        ["Birch"],
    )
    assert [p.id for p in accepted] == ["p22"]


def test_where_members_stand_names_only_the_organisations_own_members() -> None:
    ada = _member(1, "Ada Lovelace", "ada@alder.example")
    statuses = [
        RelationshipStatus(
            member_id=ada.id,
            programme_id="prg_1",
            side="mentor",
            phase="progression",
            status="active",
            started_at=NOW - timedelta(days=d),
        )
        for d in (90, 10)
    ]
    statuses.append(statuses[0].model_copy(update={"member_id": "mem_gone"}))
    found = standings(statuses, [ada], {"prg_1": "New managers"})
    assert [s.member for s in found] == ["A former member", "Ada Lovelace"]
    rows = found[1].rows
    assert [name for name, _ in rows] == ["New managers", "New managers"]
    assert rows[0][1].started_at > rows[1][1].started_at, "newest first"
