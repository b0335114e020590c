"""Who may draw figures from which fact records (docs/security.md, "Who sees what → Evaluation").

- An organisation's admin: the organisation's own records (its members, its people's survey
  answers, its internal relationships) and the records that involve it (relationships,
  proposals and circles with one of its people; programmes it takes part in).
- A programme's co-ordinators (as `programme.published` names them): the programme's records.
- The network co-ordinator: every record, pooled.

The views are cut from the records before any figure is drawn, so a figure cannot draw on
what its audience may not see; suppression then runs on every table.
"""

from __future__ import annotations

from services.evaluation.domain.outcome_facts import (
    FactKind,
    OutcomeState,
    ProgrammeFacts,
    organisations_of,
    programmes_of,
)
from shared.auth.principal import Principal, Role


def may_see_organisation(caller: Principal, organisation_id: str) -> bool:
    """An organisation's figures are its admins' (not even the network co-ordinator's: they
    see the organisation's row of the pooled figures, where suppression allows)."""
    return caller.is_admin_of(organisation_id)


def may_see_programme(caller: Principal, programme: ProgrammeFacts | None) -> bool:
    """A programme's figures are its co-ordinators'."""
    return programme is not None and caller.subject in programme.coordinators


def may_list_programme(caller: Principal, programme: ProgrammeFacts) -> bool:
    """Whether a programme is offered to the caller as a figure filter."""
    taking_part = {*programme.organisations, programme.owner_organisation_id}
    admin = Role.ORGANISATION_ADMIN in caller.roles and caller.organisation in taking_part
    return caller.is_network_coordinator or may_see_programme(caller, programme) or admin


def organisation_view(state: OutcomeState, organisation_id: str) -> OutcomeState:
    """The records an organisation's admin may draw figures from."""
    view = OutcomeState()
    for kind in FactKind:
        for record in state.records(kind).values():
            if organisation_id in organisations_of(record):
                view.add(kind, record)
    return view


def programme_view(state: OutcomeState, programme: ProgrammeFacts) -> OutcomeState:
    """The records a programme's co-ordinators may draw figures from: the programme's, and
    the names of the organisations taking part."""
    view = OutcomeState()
    taking_part = {*programme.organisations, programme.owner_organisation_id}
    for kind in FactKind:
        for record in state.records(kind).values():
            if kind is FactKind.ORGANISATIONS:
                if record.id in taking_part:
                    view.add(kind, record)
            elif programme.id in programmes_of(record):
                view.add(kind, record)
    return view
