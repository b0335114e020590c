"""What a person's browser does to sign in at a provider, without a browser.

`sign_in` follows redirects from a relying party's start URL to the provider's login form,
fills in the username and password, submits the form (hidden fields and all), and follows
the redirects that come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

MAX_REDIRECTS = 20


class SignInError(RuntimeError):
    """The sign-in could not be carried out (no form, a refused password, a loop...)."""

    def __init__(self, message: str, response: httpx.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class PasswordRefusedError(SignInError):
    """The provider showed its login form again: it refused the username or password."""


@dataclass
class Form:
    """An HTML form: where it goes, how, and its named inputs (hidden ones included)."""

    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, value)

    @property
    def has_password(self) -> bool:
        return any(kind == "password" for _, kind, _ in self.fields)


class _FormParser(HTMLParser):
    """Collects every <form> with its <input>s (and named <button>s are ignored)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._current = Form(action=a.get("action", ""), method=a.get("method", "get"))
            self.forms.append(self._current)
        elif tag == "input" and self._current is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            self._current.fields.append((a["name"], kind, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def find_login_form(html: str) -> Form | None:
    """The first form with a password input, if the page has one."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return next((f for f in parser.forms if f.has_password), None)


def _is_stop(response: httpx.Response, stop_at: str | None) -> bool:
    location: str | None = response.headers.get("location")
    if stop_at is None or not response.has_redirect_location or location is None:
        return False
    return urljoin(str(response.url), location).startswith(stop_at)


def _follow(client: httpx.Client, response: httpx.Response, stop_at: str | None) -> httpx.Response:
    """Follow redirects until a non-redirect, or a redirect to `stop_at` (returned as is)."""
    for _ in range(MAX_REDIRECTS):
        if not response.has_redirect_location or _is_stop(response, stop_at):
            return response
        next_request = response.next_request
        if next_request is None:
            return response
        response = client.send(next_request, follow_redirects=False)
    raise SignInError(f"more than {MAX_REDIRECTS} redirects", response)


def _filled(form: Form, username: str, password: str) -> list[tuple[str, str]]:
    """The form's fields with the credentials filled in (the first text-like input gets
    the username when none is named `username`)."""
    names = {name for name, _, _ in form.fields}
    user_field = "username" if "username" in names else None
    data: list[tuple[str, str]] = []
    for name, kind, value in form.fields:
        if kind == "password":
            data.append((name, password))
        elif name == user_field or (user_field is None and kind in ("text", "email")):
            data.append((name, username))
            user_field = name
        else:
            data.append((name, value))
    return data


def fields_query(data: list[tuple[str, str]]) -> httpx.QueryParams:
    """Form fields as a query string (a GET form)."""
    return httpx.QueryParams([(k, v) for k, v in data])


def sign_in(
    client: httpx.Client,
    start_url: str,
    username: str,
    password: str,
    *,
    stop_at: str | None = None,
) -> httpx.Response:
    """Sign in from `start_url` with a username and password; return the final response.

    `start_url` is where a browser would start: a relying party's login URL (which redirects
    to the provider) or the provider's authorization URL itself. With `stop_at`, the first
    redirect whose Location starts with it is returned unfollowed (read `code` and `state`
    from its Location): useful when nothing listens at the redirect_uri.

    Raises `PasswordRefusedError` when the provider shows its form again, `SignInError` when no
    login form is reached.
    """
    page = _follow(client, client.get(start_url, follow_redirects=False), stop_at)
    if _is_stop(page, stop_at):
        raise SignInError(f"redirected to {page.headers['location']} before any login form", page)
    form = find_login_form(page.text) if "html" in page.headers.get("content-type", "") else None
    if form is None:
        raise SignInError(
            f"no login form at {page.url} (HTTP {page.status_code}): {page.text[:300]!r}", page
        )

    action = urljoin(str(page.url), form.action or str(page.url))
    data = _filled(form, username, password)
    if form.method.lower() == "post":
        fields: dict[str, list[str]] = {}
        for name, value in data:
            fields.setdefault(name, []).append(value)
        submitted = client.post(action, data=fields, follow_redirects=False)
    else:
        submitted = client.get(action, params=fields_query(data), follow_redirects=False)

    if submitted.status_code == 401 or (
        not submitted.has_redirect_location and find_login_form(submitted.text) is not None
    ):
        raise PasswordRefusedError(
            f"the provider at {action} refused the sign-in of {username!r} "
            f"(HTTP {submitted.status_code})",
            submitted,
        )
    return _follow(client, submitted, stop_at)
