"""The webhook pages' pure rules: the add and edit forms, why an endpoint is off, the delivery
log's reading of the service's answers."""

from __future__ import annotations

from services.portal.domain.forms import from_service
from services.portal.domain.webhooks import (
    FIELDS,
    Deliveries,
    Endpoint,
    changes_from_form,
    disabled_words,
    draft_of,
    enabled_from_form,
    endpoint_from_form,
)

CATALOGUE = ["relationship.started", "member.enrolled", "relationship.ended"]


def test_a_new_endpoint_becomes_the_services_body_in_the_catalogues_order() -> None:
    form = {
        "url": [" https://hr.example/hooks "],
        "description": ["  HR   system "],
        "event_types": ["relationship.ended", "relationship.started"],
    }
    draft, body, problems = endpoint_from_form(form, CATALOGUE)
    assert not problems
    assert body == {
        "url": "https://hr.example/hooks",
        "event_types": ["relationship.started", "relationship.ended"],
        "description": "HR system",
    }
    assert draft.event_types == ["relationship.started", "relationship.ended"]


def test_an_empty_description_is_left_out_and_unknown_types_are_dropped() -> None:
    form = {"url": ["https://hr.example/"], "event_types": ["member.enrolled", "made.up"]}
    _, body, problems = endpoint_from_form(form, CATALOGUE)
    assert not problems
    assert body == {"url": "https://hr.example/", "event_types": ["member.enrolled"]}


def test_each_problem_is_beside_its_field_and_what_was_typed_is_kept() -> None:
    form = {"url": ["ftp://files.example/"], "description": ["x" * 201], "event_types": ["nope"]}
    draft, _, problems = endpoint_from_form(form, CATALOGUE)
    assert set(problems.fields) == {"url", "description", "event_types"}
    assert "https://" in problems.fields["url"]
    assert problems.message == "Please correct the fields marked below."
    assert draft.url == "ftp://files.example/" and len(draft.description) == 201


def test_a_missing_address_is_asked_for() -> None:
    _, _, problems = endpoint_from_form({"event_types": ["member.enrolled"]}, CATALOGUE)
    assert list(problems.fields) == ["url"]


def test_the_services_refusal_of_an_address_lands_beside_the_address() -> None:
    problems = from_service(
        "the endpoint was refused", {"url": "a private address cannot be used"}, FIELDS
    )
    assert problems.fields == {"url": "A private address cannot be used."}


def test_a_refused_event_type_lands_beside_the_checkboxes() -> None:
    problems = from_service("refused", {"event_types.0": "unknown event type"}, FIELDS)
    assert problems.fields == {"event_types": "Unknown event type."}


def _endpoint(**changes: object) -> Endpoint:
    data: dict[str, object] = {
        "id": "whe_1",
        "organisation_id": "org_1",
        "url": "https://hr.example/hooks",
        "description": "HR",
        "event_types": ["member.enrolled"],
        "enabled": True,
        "disabled_reason": None,
        "failing_since": None,
        "created_at": "2026-12-01T10:00:00Z",
        "secret_rotated_at": None,
    }
    data.update(changes)
    return Endpoint.model_validate(data)


def test_editing_keeps_the_address_and_sends_types_and_description() -> None:
    endpoint = _endpoint()
    assert draft_of(endpoint).event_types == ["member.enrolled"]
    form = {"description": [""], "event_types": ["relationship.started"]}
    draft, body, problems = changes_from_form(form, endpoint, CATALOGUE)
    assert not problems
    assert body == {"event_types": ["relationship.started"], "description": ""}
    assert draft.url == "https://hr.example/hooks"
    _, _, problems = changes_from_form({"event_types": []}, endpoint, CATALOGUE)
    assert "event_types" in problems.fields


def test_why_an_endpoint_is_off_in_words() -> None:
    assert disabled_words(_endpoint()) == ""
    off = _endpoint(enabled=False, disabled_reason="turned off by an  admin\n")
    assert disabled_words(off) == "turned off by an admin"
    assert disabled_words(_endpoint(enabled=False)) == "turned off"


def test_the_enable_button_reads_only_yes_or_no() -> None:
    assert enabled_from_form({"enabled": ["yes"]}) is True
    assert enabled_from_form({"enabled": ["no"]}) is False
    assert enabled_from_form({"enabled": ["maybe"]}) is None


def test_the_delivery_log_reads_the_latest_try() -> None:
    log = Deliveries.model_validate(
        {
            "deliveries": [
                {
                    "id": "msg_2",
                    "event_id": "evt_2",
                    "event_type": "member.enrolled",
                    "status": "retrying",
                    "created_at": "2026-12-01T10:00:00Z",
                    "next_attempt_at": "2026-12-01T10:05:00Z",
                    "attempts": [
                        {
                            "at": "2026-12-01T10:00:01Z",
                            "response_code": None,
                            "duration_ms": 3000,
                            "error": "timed out",
                        },
                        {
                            "at": "2026-12-01T10:01:00Z",
                            "response_code": 503,
                            "duration_ms": 12,
                            "error": None,
                        },
                    ],
                },
                {"id": "msg_1", "status": "pending", "created_at": "2026-12-01T09:00:00Z"},
            ],
            "next": "msg_1",
        }
    )
    first, second = log.deliveries
    assert first.last is not None and first.last.response_code == 503
    assert second.last is None
    assert log.next == "msg_1"
