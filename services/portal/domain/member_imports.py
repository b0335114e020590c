"""Importing an organisation's members from a file (CSV or JSON), as its admin sees it: which
files can go, how far the import has got, and the report of what each row did, on the page and
as a spreadsheet. Pure: no I/O."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from pydantic import BaseModel, Field

from services.portal.domain.organisation_members import spreadsheet_cell

# The registry reads at most 8 MB per file (10,000 generous rows are about 3 MB).
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
ROWS_SHOWN = 50
OUTCOMES = {
    "created": "Added",
    "updated": "Profile updated",
    "unchanged": "Already up to date",
    "rejected": "Not imported",
}
_FORMATS = {".csv": "text/csv", ".txt": "text/csv", ".json": "application/json"}


def upload_format(filename: str, content_type: str) -> str | None:
    """The file's format by its name (a browser's type as a fallback): text/csv,
    application/json, or None for anything else."""
    name = filename.lower()
    for ending, media in _FORMATS.items():
        if name.endswith(ending):
            return media
    media = content_type.split(";")[0].strip().lower()
    return media if media in ("text/csv", "application/json") else None


def upload_problem(filename: str, size: int, content_type: str) -> str | None:
    """Why a chosen file cannot be imported, in words (None if it can go)."""
    if not filename and size == 0:
        return "choose a CSV or JSON file of your members"
    if size > MAX_UPLOAD_BYTES:
        megabytes = MAX_UPLOAD_BYTES // (1024 * 1024)
        return f"the file is over {megabytes} MB: split it into smaller files and import each"
    if upload_format(filename, content_type) is None:
        return "choose a .csv or .json file (a spreadsheet can save as CSV)"
    if size == 0:
        return "the file is empty"
    return None


class RowReport(BaseModel):
    """What became of one row."""

    row: int
    email: str | None = None
    outcome: str
    member_id: str | None = None
    reason: str | None = None


class ImportTotals(BaseModel):
    """How many rows had each outcome."""

    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: int


class ImportReport(BaseModel):
    """The totals, then every row in file order."""

    totals: ImportTotals
    rows: list[RowReport] = Field(default_factory=list)


class ImportJob(BaseModel):
    """An import running in the registry, how far it has got, and its report when done."""

    id: str
    state: str  # running, done, failed
    done: int = 0
    total: int | None = None
    step: str = ""
    started_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    result: ImportReport | None = None

    @property
    def running(self) -> bool:
        """Still going."""
        return self.state == "running"

    @property
    def percent(self) -> int:
        """How far, in whole per cent (0 before the total is known)."""
        if not self.total:
            return 0
        return min(100, self.done * 100 // self.total)


def rows_to_show(report: ImportReport, limit: int = ROWS_SHOWN) -> list[RowReport]:
    """The rows worth reading on the page: those not imported first (with their reasons),
    then the others, in file order, at most `limit` of them."""
    rejected = [r for r in report.rows if r.outcome == "rejected"]
    others = [r for r in report.rows if r.outcome != "rejected"]
    return (rejected + others)[:limit]


def report_csv(report: ImportReport) -> str:
    """The whole report as CSV: row, e-mail, outcome, reason."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", "email", "outcome", "reason"])
    for r in report.rows:
        writer.writerow(
            [
                r.row,
                spreadsheet_cell(r.email or ""),
                r.outcome,
                spreadsheet_cell(r.reason or ""),
            ]
        )
    return out.getvalue()
