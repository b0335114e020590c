"""Errors a person can act on, as pages: never a stack trace, always the request id; a record
of another organisation is a plain 'not found'; an expired session goes back through sign-in
and on to the page that was wanted."""

from __future__ import annotations

import html
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal.adapters.network_api import (
    ServiceRefusalError,
    ServiceUnavailableError,
    SignInRequiredError,
)
from services.portal.adapters.network_sign_in import RegistryUnavailableError
from services.portal.adapters.pages import Pages
from services.portal.adapters.signed_in import ForgedRequestError
from shared.http.errors import RETRY_AFTER_SECONDS, database_unavailable
from shared.logging import get_logger

log = get_logger(__name__)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _wanted(request: Request) -> str:
    """The page to come back to after signing in: this one for a GET, else the page the
    form was on (same site only)."""
    if request.method == "GET" and not _is_htmx(request):
        query = f"?{request.url.query}" if request.url.query else ""
        return f"{request.url.path}{query}"
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/"
    return referer.path or "/"


def install_error_pages(app: FastAPI, pages: Pages) -> None:
    """Map each failure to the page a person should see."""

    def page(request: Request, template: str, status: int, **context: object) -> HTMLResponse:
        return pages.render(request, template, dict(context), status=status)

    def not_found(request: Request) -> HTMLResponse:
        # The same words whether the thing does not exist or belongs to someone else.
        return page(
            request,
            "error.html",
            404,
            title="Not found",
            message="There is nothing here that you can see.",
        )

    @app.exception_handler(SignInRequiredError)
    async def _sign_in(request: Request, _: SignInRequiredError) -> Response:
        target = f"/sign-in?next={quote(_wanted(request), safe='/')}"
        if _is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(ForgedRequestError)
    async def _forged(request: Request, exc: ForgedRequestError) -> Response:
        log.warning("state-changing request refused", reason=str(exc), path=request.url.path)
        return page(
            request,
            "error.html",
            403,
            title="This form has expired",
            message="The page was open too long, or the request came from another "
            "site. Go back, reload the page and try again.",
        )

    def unavailable(request: Request, title: str, message: str) -> HTMLResponse:
        answer = page(request, "error.html", 503, title=title, message=message)
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    @app.exception_handler(ServiceUnavailableError)
    async def _unavailable(request: Request, exc: ServiceUnavailableError) -> Response:
        return unavailable(
            request,
            "Part of the network is not answering",
            f"We could not reach the {exc.service} service just now. Your "
            "other pages still work; try this one again in a minute.",
        )

    @app.exception_handler(PyMongoError)
    async def _database(request: Request, exc: PyMongoError) -> Response:
        # The portal's own database (its sessions): every page needs it.
        if not database_unavailable(exc):
            raise exc
        log.warning("database unavailable", path=request.url.path, error=type(exc).__name__)
        return unavailable(
            request,
            "The portal is not answering just now",
            "Its database is not answering. Please try again in a few seconds.",
        )

    @app.exception_handler(RegistryUnavailableError)
    async def _registry(request: Request, _: RegistryUnavailableError) -> Response:
        return page(
            request,
            "error.html",
            503,
            title="Signing in is not possible right now",
            message="The network's sign-in service is not answering. Please try again in a minute.",
        )

    @app.exception_handler(ServiceRefusalError)
    async def _refused(request: Request, exc: ServiceRefusalError) -> Response:
        if exc.status in (403, 404):
            return not_found(request)
        return page(
            request,
            "error.html",
            exc.status,
            title="That could not be done",
            message=exc.detail[:1].upper() + exc.detail[1:] + ".",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return not_found(request)
        return page(
            request,
            "error.html",
            exc.status_code,
            title="That did not work",
            message=str(exc.detail),
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        log.info("request refused", errors=str(exc.errors())[:300])
        if all(error["loc"][0] == "path" for error in exc.errors()):
            return not_found(request)
        return page(
            request,
            "error.html",
            400,
            title="That link or form is not right",
            message="Something in the address or the form was not as expected. Go "
            "back and try again.",
        )


def crash_page(request_id: str) -> Response:
    """The page for an error nobody foresaw (the request tracing answers with it); the id may
    come from the caller's header, so it is escaped."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Something went wrong - "
        "mentornet</title><link rel=stylesheet href=/static/portal.css><main class=page>"
        "<h1>Something went wrong on our side</h1><p>Please try again. If it keeps happening, "
        "tell your organisation's admin this reference: "
        f"<code>{html.escape(request_id)}</code>.</p><p><a href=/>Back to your home page</a>"
        "</p></main></html>"
    )
    return HTMLResponse(body, status_code=500)
