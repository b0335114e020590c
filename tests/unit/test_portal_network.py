"""The network co-ordinator's workspace in the portal: the registration form read into the
registry's body (each problem beside its field), and the network's organisations and
programmes as far as the services tell a network co-ordinator."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.portal.domain.dashboards import FigureProgramme
from services.portal.domain.figures import FigureTable
from services.portal.domain.forms import from_service
from services.portal.domain.network import (
    FIELDS,
    Organisation,
    admins_outside_domains,
    organisation_entries,
    programme_entries,
    registration_from_form,
)


def _form(**fields: str) -> dict[str, list[str]]:
    return {name: [value] for name, value in fields.items()}


def test_a_registration_is_read_into_the_registrys_body() -> None:
    draft, body, problems = registration_from_form(
        _form(
            name="  Kowhai   Engineering ",
            sector="engineering",
            size="medium",
            country="nz",
            email_domains="Kowhai.example, @kowhai-eng.example",
            admin_emails="IT-Lead@kowhai.example\nhr@kowhai-eng.example",
        )
    )
    assert not problems
    assert body == {
        "name": "Kowhai Engineering",
        "sector": "engineering",
        "size": "medium",
        "country": "NZ",
        "email_domains": ["kowhai.example", "kowhai-eng.example"],
        "admin_emails": ["it-lead@kowhai.example", "hr@kowhai-eng.example"],
    }
    assert draft.country == "nz", "what was typed is kept for the form"
    assert admins_outside_domains(body) == []
    assert admins_outside_domains({**body, "email_domains": []}) == body["admin_emails"]


def test_what_is_optional_may_be_left_empty_and_what_is_wrong_is_said_beside_it() -> None:
    _, body, problems = registration_from_form(_form(name="Rata Trust", admin_emails="a@r.example"))
    assert not problems
    assert body["sector"] is None and body["size"] is None and body["country"] is None
    assert body["email_domains"] == []

    _, _, problems = registration_from_form(
        _form(
            name="X",
            size="huge",
            country="Gbr",
            email_domains="not a domain",
            admin_emails="nobody",
        )
    )
    assert set(problems.fields) == {"name", "size", "country", "email_domains", "admin_emails"}
    _, _, problems = registration_from_form(_form(name="Rata Trust", email_domains="r.example"))
    assert set(problems.fields) == {"admin_emails"}, "at least one first admin"
    _, _, problems = registration_from_form(
        _form(name="Rata Trust", email_domains="r.example R.example", admin_emails="a@r.example")
    )
    assert problems.fields["email_domains"] == "A domain is listed twice."


def test_the_registrys_refusal_of_a_taken_name_or_domain_is_placed_beside_its_field() -> None:
    taken = from_service(
        "an organisation named 'Alder Care Trust' is already in the network",
        {"name": "an organisation of this name is already in the network"},
        FIELDS,
    )
    assert taken.fields == {"name": "An organisation of this name is already in the network."}
    domains = from_service(
        "…", {"email_domains": "another organisation signs in people at a.x"}, FIELDS
    )
    assert set(domains.fields) == {"email_domains"}
    invalid = from_service("…", {"admin_emails.0": "not an e-mail"}, FIELDS)
    assert set(invalid.fields) == {"admin_emails"}


def _organisation(organisation_id: str, name: str) -> Organisation:
    return Organisation.model_validate(
        {
            "id": organisation_id,
            "profile": {"name": name, "email_domains": []},
            "joined_at": datetime(2027, 1, 4, tzinfo=UTC),
        }
    )


def _figures() -> list[FigureTable]:
    hidden = {"value": None, "people": 0, "suppressed": True}
    return [
        FigureTable.model_validate(
            {
                "id": "participation",
                "title": "People from enrolment to completion",
                "row_heading": "organisation",
                "columns": ["enrolled", "ready"],
                "rows": [
                    {"label": "Alder Care Trust", "cells": [{"value": 8, "people": 8}, hidden]},
                    {"label": "Birch Engineering", "cells": [hidden, hidden]},
                ],
            }
        ),
        FigureTable.model_validate(
            {
                "id": "relationships",
                "title": "Relationships",
                "row_heading": "organisation",
                "columns": ["started", "active"],
                "rows": [
                    {
                        "label": "Alder Care Trust",
                        "cells": [{"value": 8, "people": 16}, {"value": 6, "people": 12}],
                    }
                ],
            }
        ),
    ]


def test_each_organisation_shows_its_programmes_and_its_row_of_the_network_figures() -> None:
    organisations = [
        _organisation("org_b", "Birch Engineering"),
        _organisation("org_a", "Alder Care Trust"),
        _organisation("org_c", "Cedar Housing"),
    ]
    programmes = [
        FigureProgramme(
            id="prg_1", owner_organisation_id="org_a", organisations=["org_a", "org_b"]
        ),
        FigureProgramme(id="prg_2", owner_organisation_id="org_a", organisations=["org_a"]),
    ]
    entries = organisation_entries(organisations, programmes, _figures())
    assert [e.organisation.profile.name for e in entries] == [
        "Alder Care Trust",
        "Birch Engineering",
        "Cedar Housing",
    ]
    alder, birch, cedar = entries
    assert (alder.programmes, alder.enrolled, alder.relationships_started) == (2, "8", "8")
    assert alder.relationships_active == "6"
    assert (birch.programmes, birch.enrolled, birch.relationships_started) == (
        1,
        "suppressed",
        None,
    )
    assert (cedar.programmes, cedar.enrolled) == (0, None), "nothing recorded"
    assert alder.anchor == "organisation-org_a"
    unknown = organisation_entries(organisations, None, None)
    assert all(e.programmes is None and e.enrolled is None for e in unknown)


def test_programmes_are_listed_with_their_organisations_by_name() -> None:
    programmes = [
        FigureProgramme(
            id="prg_1",
            model="one_to_one",
            starts_on=date(2027, 1, 11),
            ends_on=date(2027, 12, 17),
            status="running",
            owner_organisation_id="org_a",
            organisations=["org_b", "org_a", "org_gone"],
        ),
        FigureProgramme(id="prg_2", starts_on=date(2027, 6, 1), owner_organisation_id="org_b"),
    ]
    entries = programme_entries(
        programmes, {"prg_2": "Office circle"}, {"org_a": "Alder", "org_b": "Birch"}
    )
    assert [e.id for e in entries] == ["prg_2", "prg_1"], "the latest to start first"
    office, alder = entries
    assert office.label == "Office circle" and office.named
    assert alder.label.startswith("One-to-one mentoring, 11 January 2027") and not alder.named
    assert alder.owner == "Alder"
    assert alder.organisations == ("Alder", "an organisation that has left", "Birch")
