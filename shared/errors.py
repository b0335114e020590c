"""Rule errors the domain raises; the HTTP edge turns them into 4xx answers.

Pure Python, so a service's domain core can use them without importing a web framework.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request; `status` says how (404, 409, 422 ...)."""

    status = 422
    error = "rule_broken"

    def __init__(self, detail: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        # The request's fields the refusal concerns (a form shows each reason beside its field).
        self.fields = dict(fields or {})


class NotFoundError(DomainError):
    """The resource does not exist (or the caller may not know that it does)."""

    status = 404
    error = "not_found"


class ConflictError(DomainError):
    """The request conflicts with what exists."""

    status = 409
    error = "conflict"
