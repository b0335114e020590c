"""Bulk import of an organisation's members (docs/decisions.md 10): reading rows and deciding
what each one does. Pure: no web framework, no database.

A file is CSV (a header row, then one member per row; list columns separated by `;`) or a
JSON array of row objects. A row is keyed by its e-mail address within the organisation:
a new address creates a pre-provisioned member (who signs in later through the
organisation's provider), a known one updates that member's profile, an unchanged one does
nothing. A column (or JSON field) left out of the file leaves that field of an existing
profile as it is; an empty cell (or JSON `null`) sets it back to the profile's default.

What refuses the whole file: an unknown or repeated CSV column (an unnamed one is
tolerated while its cells are empty, as spreadsheets export them), a missing `email` or
`display_name` column, CSV quoting that cannot be read, text that is not UTF-8, JSON that
is not an array, and (413) more than MAX_ROWS rows. Everything else refuses only its row,
with a reason: invalid fields, impossible dates, an e-mail already used by an earlier row,
an unknown line manager.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from services.registry.domain.member import normalise_email
from services.registry.domain.profile import EmccLevel, JobLevel, MeetingMode, Profile
from shared.errors import DomainError

MAX_ROWS = 10_000
# 10,000 rows of a generous profile are about 3 MB of CSV; anything much bigger is a mistake.
MAX_BYTES = 8 * 1024 * 1024
LIST_SEPARATOR = ";"

LIST_COLUMNS = ("skills", "development_goals", "languages", "meeting_modes")
DATE_COLUMNS = ("mentor_training_completed_on", "mentee_induction_completed_on")
# Profile fields a row may set (all of Profile but availability and the line manager's id).
PROFILE_COLUMNS = (
    "display_name",
    "skills",
    "development_goals",
    "sector",
    "job_level",
    "location",
    "time_zone",
    "languages",
    "meeting_modes",
    "mentor_capacity",
    *DATE_COLUMNS,
    "emcc_level",
)
# Consent to be seen across organisations is each member's own choice (PUT /me/profile): a
# file naming it is refused, and an import never changes it (docs/security.md).
CONSENT_COLUMN = "share_across_organisations"
CONSENT_REFUSAL = (
    f"{CONSENT_COLUMN} is each member's own choice, made in their profile; an import cannot "
    "set it (remove the column)"
)
MANAGER_COLUMN = "line_manager_email"
COLUMNS = ("email", *PROFILE_COLUMNS[:10], MANAGER_COLUMN, *PROFILE_COLUMNS[10:])
REQUIRED_COLUMNS = ("email", "display_name")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ImportTooLargeError(DomainError):
    """More rows or bytes than one request may carry."""

    status = 413
    error = "payload_too_large"


class UnsupportedFormatError(DomainError):
    """Neither CSV nor JSON."""

    status = 415
    error = "unsupported_media_type"


class FileRefusedError(DomainError):
    """The file as a whole cannot be read; nothing was written."""

    status = 422
    error = "invalid_file"


class ImportFormat(StrEnum):
    """The two formats a file may come in."""

    CSV = "text/csv"
    JSON = "application/json"


def import_format(content_type: str | None) -> ImportFormat:
    """The format a Content-Type names, or UnsupportedFormatError."""
    media, _, parameters = (content_type or "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([\w-]+)", parameters, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise UnsupportedFormatError(f"send the file as UTF-8, not {charset.group(1)}")
    try:
        return ImportFormat(media.strip().lower())
    except ValueError:
        raise UnsupportedFormatError(
            f"send text/csv or application/json (a list of row objects), not {media.strip()!r}"
            if media.strip()
            else "say what the file is: Content-Type text/csv or application/json"
        ) from None


@dataclass(frozen=True)
class ImportRow:
    """One row as read: its profile fields (None: back to the default) or why it is refused."""

    row: int
    email: str | None
    fields: dict[str, Any] = field(default_factory=dict)
    names_manager: bool = False
    manager_email: str | None = None
    error: str | None = None


def parse(body: bytes, fmt: ImportFormat) -> list[ImportRow]:
    """The rows of a file, each checked on its own (FileRefusedError, ImportTooLargeError)."""
    if len(body) > MAX_BYTES:
        raise ImportTooLargeError(f"the file is over {MAX_BYTES // (1024 * 1024)} MB; split it")
    rows = parse_csv(body) if fmt is ImportFormat.CSV else parse_json(body)
    if not rows:
        raise FileRefusedError("the file has no rows")
    return rows


def _too_many() -> ImportTooLargeError:
    return ImportTooLargeError(f"a file may hold at most {MAX_ROWS:,} rows; split it")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefusedError(f"the file is not UTF-8 text (byte {exc.start})") from None


def parse_csv(body: bytes) -> list[ImportRow]:
    """CSV with a header row naming the columns (any order; see COLUMNS)."""
    reader = csv.reader(io.StringIO(_decode(body), newline=""), strict=True)
    rows: list[ImportRow] = []
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        _check_header(header)
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank lines are not rows
            if len(rows) == MAX_ROWS:
                raise _too_many()
            number = len(rows) + 1
            if len(record) != len(header):
                where = header.index("email")
                email = record[where] if where < len(record) else None
                rows.append(
                    ImportRow(
                        number,
                        email.strip().lower() if email else None,
                        error=f"the row has {len(record)} fields; the header has {len(header)} "
                        "(a comma in a value needs the value in double quotes)",
                    )
                )
            else:
                rows.append(_csv_row(number, list(zip(header, record, strict=True))))
    except csv.Error as exc:
        raise FileRefusedError(
            f"the CSV cannot be read at line {reader.line_num}: {exc}; nothing was imported"
        ) from None
    return rows


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise FileRefusedError("the file is empty; the first line names the columns")
    if CONSENT_COLUMN in header:
        raise FileRefusedError(CONSENT_REFUSAL)
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise FileRefusedError(
            f"unknown column(s) {', '.join(repr(h) for h in unknown)}; "
            f"the columns are {', '.join(COLUMNS)}"
        )
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise FileRefusedError(f"column(s) named twice: {', '.join(repeated)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise FileRefusedError(f"the header must name the column(s) {', '.join(missing)}")


def _csv_row(number: int, cells: list[tuple[str, str]]) -> ImportRow:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for place, (column, raw) in enumerate(cells, start=1):
        cell = raw.strip()
        if not column:  # spreadsheets add unnamed empty columns; tolerate them while empty
            if cell:
                problems.append(f"column {place} has no name in the header but a value here")
        elif not cell:
            values[column] = None
        elif column in LIST_COLUMNS:
            values[column] = [p.strip() for p in cell.split(LIST_SEPARATOR) if p.strip()]
        elif column == "mentor_capacity":
            try:
                values[column] = int(cell)
            except ValueError:
                problems.append(f"mentor_capacity: {cell!r} is not a whole number")
        else:
            values[column] = cell
    return check_row(number, values, problems)


def parse_json(body: bytes) -> list[ImportRow]:
    """A JSON array of objects whose keys are COLUMNS (lists as arrays)."""
    try:
        data = json.loads(_decode(body))
    except json.JSONDecodeError as exc:
        raise FileRefusedError(
            f"the body is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (ValueError, RecursionError):
        raise FileRefusedError("the body is not valid JSON") from None
    if not isinstance(data, list):
        raise FileRefusedError("the body must be a JSON array of row objects")
    if len(data) > MAX_ROWS:
        raise _too_many()
    rows = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            rows.append(ImportRow(number, None, error="a row must be a JSON object"))
            continue
        email = item.get("email")
        if CONSENT_COLUMN in item:
            rows.append(
                ImportRow(
                    number,
                    email.strip().lower() if isinstance(email, str) else None,
                    error=CONSENT_REFUSAL,
                )
            )
            continue
        unknown = sorted(str(k) for k in item if k not in COLUMNS)
        if unknown:
            rows.append(
                ImportRow(
                    number,
                    email.strip().lower() if isinstance(email, str) else None,
                    error=f"unknown field(s) {', '.join(repr(k) for k in unknown)}; "
                    f"the fields are {', '.join(COLUMNS)}",
                )
            )
            continue
        rows.append(check_row(number, dict(item), []))
    return rows


def check_row(number: int, values: dict[str, Any], problems: list[str]) -> ImportRow:
    """A row's fields checked on their own: e-mail, line manager, dates, then the Profile."""
    raw_email = values.pop("email", None)
    email = None
    if not isinstance(raw_email, str) or not raw_email.strip():
        problems.insert(0, "email: missing")
    else:
        try:
            email = normalise_email(raw_email)
        except ValueError as exc:
            problems.insert(0, f"email: {exc}")
    names_manager = MANAGER_COLUMN in values
    manager = values.pop(MANAGER_COLUMN, None)
    manager_email = None
    if manager is not None:
        try:
            if not isinstance(manager, str):
                raise ValueError("not an e-mail address")
            manager_email = normalise_email(manager)
        except ValueError as exc:
            problems.append(f"{MANAGER_COLUMN}: {exc}")
    for column in DATE_COLUMNS:
        problem = _date_problem(values.get(column))
        if problem:
            problems.append(f"{column}: {problem}")
            values.pop(column)
    given = {k: v for k, v in values.items() if v is not None}
    try:
        profile = Profile.model_validate(given)
    except ValidationError as exc:
        problems.extend(_explain(exc))
    if problems:
        return ImportRow(number, email or _guess(raw_email), error="; ".join(problems))
    # The profile's own (cleaned) values for the fields the row gives; None resets a field.
    cleaned = profile.model_dump(mode="json", include=set(given))
    fields = {k: cleaned[k] if k in given else None for k in values}
    return ImportRow(number, email, fields, names_manager, manager_email)


def _guess(raw: object) -> str | None:
    return raw.strip().lower() if isinstance(raw, str) and raw.strip() else None


def _date_problem(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return f"{value!r} is not a date (YYYY-MM-DD)"
    try:
        date.fromisoformat(value)
    except ValueError:
        return f"{value} is not a real date"
    return None


def _explain(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "row"
        message = str(error["msg"]).removeprefix("Value error, ")
        message = "missing" if error["type"] == "missing" else message
        problems.append(f"{where}: {message}")
    return problems


class Outcome(StrEnum):
    """What became of a row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


class RowReport(BaseModel):
    """One row's outcome."""

    row: int = Field(
        description="the row's position among the data rows, from 1 (a CSV header is not counted)",
        examples=[1],
    )
    email: str | None = Field(examples=["alice@northshore-care.example"])
    outcome: Outcome = Field(examples=["created"])
    member_id: str | None = Field(default=None, examples=["mem_4b1f0c9e2d7a6b35"])
    reason: str | None = Field(default=None, examples=[None])


class ImportTotals(BaseModel):
    """How many rows had each outcome."""

    rows: int = Field(examples=[3])
    created: int = Field(examples=[1])
    updated: int = Field(examples=[1])
    unchanged: int = Field(examples=[0])
    rejected: int = Field(examples=[1])


class ImportReport(BaseModel):
    """The answer to an import: totals, then every row in file order."""

    totals: ImportTotals
    rows: list[RowReport]


@dataclass(frozen=True)
class ExistingMember:
    """A member the organisation already has, as an import sees them."""

    member_id: str
    email: str
    profile: Profile | None


@dataclass(frozen=True)
class Write:
    """A member to create (`before` is None and `new`) or whose profile changes."""

    row: int
    member_id: str
    email: str
    profile: Profile
    new: bool
    before: Profile | None = None


@dataclass
class ImportPlan:
    """What to write, and the report to give once it is written."""

    writes: list[Write]
    reports: dict[int, RowReport]

    @property
    def creations(self) -> list[Write]:
        """Members to create, in file order."""
        return [w for w in self.writes if w.new]

    @property
    def changes(self) -> list[Write]:
        """Existing members whose profile changes, in file order."""
        return [w for w in self.writes if not w.new]

    def refuse(self, rows: Sequence[int], reason: str) -> None:
        """Mark planned rows as rejected after all (their write did not happen)."""
        for row in rows:
            self.reports[row] = self.reports[row].model_copy(
                update={"outcome": Outcome.REJECTED, "member_id": None, "reason": reason}
            )

    def report(self) -> ImportReport:
        """The report, rows in file order."""
        rows = [self.reports[k] for k in sorted(self.reports)]
        count = {o: sum(r.outcome is o for r in rows) for o in Outcome}
        return ImportReport(
            totals=ImportTotals(
                rows=len(rows),
                created=count[Outcome.CREATED],
                updated=count[Outcome.UPDATED],
                unchanged=count[Outcome.UNCHANGED],
                rejected=count[Outcome.REJECTED],
            ),
            rows=rows,
        )


def plan_import(
    rows: Sequence[ImportRow],
    existing: Mapping[str, ExistingMember],
    new_member_id: Callable[[], str],
) -> ImportPlan:
    """Decide every row's outcome against the organisation's members (keyed by e-mail)."""
    rejected: dict[int, str] = {r.row: r.error for r in rows if r.error}
    first_row: dict[str, int] = {}
    for r in rows:
        if r.email is None:
            continue
        if r.email in first_row:
            rejected.setdefault(r.row, f"same e-mail as row {first_row[r.email]}")
        else:
            first_row[r.email] = r.row
    new_ids = {
        r.row: new_member_id()
        for r in rows
        if r.row not in rejected and r.email is not None and r.email not in existing
    }
    managers = _resolve_managers(rows, existing, first_row, new_ids, rejected)

    reports: dict[int, RowReport] = {}
    writes: list[Write] = []
    for r in rows:
        reason = rejected.get(r.row)
        if reason is None and r.email is not None:
            try:
                write = _write_for(r, existing.get(r.email), new_ids.get(r.row), managers)
            except ValueError as exc:  # ValidationError is one
                reason = "; ".join(_explain(exc)) if isinstance(exc, ValidationError) else str(exc)
            else:
                if write is None:
                    member_id = existing[r.email].member_id
                    reports[r.row] = RowReport(
                        row=r.row, email=r.email, outcome=Outcome.UNCHANGED, member_id=member_id
                    )
                else:
                    writes.append(write)
                    outcome = Outcome.CREATED if write.new else Outcome.UPDATED
                    reports[r.row] = RowReport(
                        row=r.row, email=r.email, outcome=outcome, member_id=write.member_id
                    )
                continue
        reports[r.row] = RowReport(
            row=r.row, email=r.email, outcome=Outcome.REJECTED, reason=reason or "rejected"
        )
    return ImportPlan(writes, reports)


def _resolve_managers(
    rows: Sequence[ImportRow],
    existing: Mapping[str, ExistingMember],
    first_row: Mapping[str, int],
    new_ids: Mapping[int, str],
    rejected: dict[int, str],
) -> dict[int, str | None]:
    """Each row's line manager id (rows naming one); rejects rows whose manager is unknown,
    themselves, or a new member of this file whose own row is rejected (transitively)."""
    resolved: dict[int, str | None] = {}
    waiting_on: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        if r.row in rejected or not r.names_manager:
            continue
        manager = r.manager_email
        if manager is None:
            resolved[r.row] = None
        elif manager == r.email:
            rejected[r.row] = f"{MANAGER_COLUMN}: a member cannot be their own line manager"
        elif manager in existing:
            resolved[r.row] = existing[manager].member_id
        elif manager in first_row:
            manager_row = first_row[manager]
            waiting_on[manager_row].append(r.row)
            if manager_row in new_ids:
                resolved[r.row] = new_ids[manager_row]
        else:
            rejected[r.row] = (
                f"{MANAGER_COLUMN}: unknown line manager {manager}: no member of the "
                "organisation and no row of this file has that e-mail"
            )
    queue = deque(rejected)
    while queue:
        manager_row = queue.popleft()
        for row in waiting_on.pop(manager_row, []):
            if row not in rejected:
                rejected[row] = (
                    f"{MANAGER_COLUMN}: the line manager's row ({manager_row}) was rejected"
                )
                queue.append(row)
    return resolved


def _write_for(
    r: ImportRow,
    member: ExistingMember | None,
    new_id: str | None,
    managers: Mapping[int, str | None],
) -> Write | None:
    assert r.email is not None
    changes = dict(r.fields)
    if r.names_manager:
        changes["line_manager_id"] = managers[r.row]
    if member is None:
        assert new_id is not None
        profile = _profile({}, changes)
        return Write(r.row, new_id, r.email, profile, new=True)
    before = member.profile
    profile = _profile(before.model_dump(mode="json") if before else {}, changes)
    profile.check_for(member.member_id)
    if profile == before:
        return None
    return Write(r.row, member.member_id, r.email, profile, new=False, before=before)


def _profile(base: dict[str, Any], changes: dict[str, Any]) -> Profile:
    merged = {k: v for k, v in {**base, **changes}.items() if v is not None}
    return Profile.model_validate(merged)


# For the OpenAPI description of the JSON body: one row object.
ROW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": list(REQUIRED_COLUMNS),
    "properties": {
        "email": {"type": "string", "format": "email"},
        "display_name": {"type": "string", "maxLength": 80},
        "skills": {"type": ["array", "null"], "items": {"type": "string"}, "maxItems": 30},
        "development_goals": {
            "type": ["array", "null"],
            "items": {"type": "string"},
            "maxItems": 10,
        },
        "sector": {"type": ["string", "null"]},
        "job_level": {"enum": [*JobLevel, None]},
        "location": {"type": ["string", "null"]},
        "time_zone": {"type": ["string", "null"], "description": "IANA, e.g. Europe/London"},
        "languages": {"type": ["array", "null"], "items": {"type": "string"}},
        "meeting_modes": {"type": ["array", "null"], "items": {"enum": list(MeetingMode)}},
        "mentor_capacity": {"type": ["integer", "null"], "minimum": 0, "maximum": 10},
        MANAGER_COLUMN: {
            "type": ["string", "null"],
            "description": "a member of the organisation, or a row of the same file",
        },
        "mentor_training_completed_on": {"type": ["string", "null"], "format": "date"},
        "mentee_induction_completed_on": {"type": ["string", "null"], "format": "date"},
        "emcc_level": {"enum": [*EmccLevel, None]},
    },
}
CSV_EXAMPLE = (
    "email,display_name,skills,development_goals,sector,job_level,languages,meeting_modes,"
    "mentor_capacity,line_manager_email,mentor_training_completed_on\n"
    "ada@alder.example,Ada Lovelace,service design;safeguarding,lead a team,social care,"
    "manager,en;cy,video;face_to_face,2,,2026-09-14\n"
    "ben@alder.example,Ben Okafor,,become a mentor,social care,practitioner,en,video,0,"
    "ada@alder.example,\n"
)
JSON_EXAMPLE: list[dict[str, Any]] = [
    {
        "email": "ada@alder.example",
        "display_name": "Ada Lovelace",
        "skills": ["service design", "safeguarding"],
        "sector": "social care",
        "job_level": "manager",
        "mentor_capacity": 2,
        "mentor_training_completed_on": "2026-09-14",
    },
    {
        "email": "ben@alder.example",
        "display_name": "Ben Okafor",
        "development_goals": ["become a mentor"],
        "line_manager_email": "ada@alder.example",
    },
]
