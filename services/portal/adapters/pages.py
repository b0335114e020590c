"""Server-rendered pages: Jinja2 templates with the portal's filters, and the context every
page has (who is signed in, their anti-forgery token, their time zone, the request id)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from services.portal.adapters.signed_in import Member
from services.portal.domain import local_time, wording
from shared.logging import request_id_var

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


class Pages:
    """Renders the portal's templates."""

    def __init__(self, directory: Path = TEMPLATES) -> None:
        self._templates = Jinja2Templates(directory=str(directory))
        env = self._templates.env
        env.filters.update(
            when=local_time.when,
            day=local_time.day,
            clock=local_time.clock_time,
            iso_local=local_time.iso_local,
        )
        env.filters["sentence"] = _sentence
        env.globals.update(words=wording.words, wording=wording)
        env.trim_blocks = True
        env.lstrip_blocks = True

    def fragment(self, template: str, context: dict[str, Any]) -> str:
        """A piece of a page, as text (for a live update)."""
        return self._templates.get_template(template).render(context)

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        member: Member | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """A page (or, for htmx, a fragment) with the common context."""
        common = {
            "member": member,
            "csrf_token": member.csrf_token if member else None,
            "zone": member.time_zone if member else "UTC",
            "request_id": request_id_var.get(),
            "path": request.url.path,
        }
        return self._templates.TemplateResponse(
            request, template, {**common, **(context or {})}, status_code=status, headers=headers
        )


def _sentence(text: str) -> str:
    """The first letter in capitals, the rest as it was ('you' → 'You', names untouched)."""
    return text[:1].upper() + text[1:]
