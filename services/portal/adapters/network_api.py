"""The four services' public HTTP APIs, called with the signed-in person's own network token.

The portal owns no domain data: every page is made from these calls. A refusal (4xx) comes back
as `ServiceRefusalError` with the service's own reason, for the page to show next to what it
concerns; a service that is down, slow or broken becomes `ServiceUnavailableError`, so one part of
a page can say so while the rest still shows; a 401 means the person must sign in again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from shared.logging import correlation_id_var, get_logger

log = get_logger(__name__)
T = TypeVar("T")


class Service(StrEnum):
    """The services the portal calls."""

    REGISTRY = "registry"
    MATCHING = "matching"
    SESSIONS = "sessions"
    EVALUATION = "evaluation"
    NOTIFICATIONS = "notifications"


class ServiceRefusalError(Exception):
    """A service said no (4xx), with its reason and, for a form, the fields concerned."""

    def __init__(
        self, service: Service, status: int, error: str, detail: str, fields: dict[str, str]
    ) -> None:
        super().__init__(f"{service} refused ({status} {error}): {detail}")
        self.service = service
        self.status = status
        self.error = error
        self.detail = detail
        self.fields = fields


class ServiceUnavailableError(Exception):
    """A service could not answer (down, slow, or a 5xx)."""

    def __init__(self, service: Service, reason: str) -> None:
        super().__init__(f"{service} is unavailable: {reason}")
        self.service = service
        self.reason = reason


class SignInRequiredError(Exception):
    """The person's network token is no longer accepted: they sign in again."""


@lru_cache(maxsize=256)
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


class NetworkApi:
    """A connection pool per service; hands out clients bound to a person.

    One pool each, kept small: httpcore looks at every connection of a pool on every request
    (is it still usable?), so one big shared pool cost a quarter of the portal's CPU."""

    def __init__(self, clients: dict[Service, httpx.AsyncClient]) -> None:
        self._clients = clients

    @classmethod
    def connect(cls, urls: dict[Service, str], timeout_seconds: float) -> NetworkApi:
        """A client for each service at its URL; a call waits at most `timeout_seconds`."""
        return cls({service: service_client(url, timeout_seconds) for service, url in urls.items()})

    def url(self, service: Service, path: str) -> str:
        """The full URL of a service's path."""
        return f"{str(self._clients[service].base_url).rstrip('/')}{path}"

    def as_member(self, access_token: str) -> MemberApi:
        """Calls made with this network token."""
        return MemberApi(self, access_token)

    def client(self, service: Service) -> httpx.AsyncClient:
        """The service's HTTP client (its pool and timeouts)."""
        return self._clients[service]

    async def close(self) -> None:
        """Close the pools."""
        for client in self._clients.values():
            await client.aclose()


def service_client(base_url: str, timeout_seconds: float) -> httpx.AsyncClient:
    """An HTTP client for one service."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_seconds),
        # Idle connections are dropped before the services' own keep-alive (uvicorn: 5 s)
        # ends them, so a request is never sent on a connection the service is closing.
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=2.0),
    )


class MemberApi:
    """The services' APIs as one signed-in person calls them."""

    def __init__(self, network: NetworkApi, access_token: str) -> None:
        self._network = network
        self._headers = {"Authorization": f"Bearer {access_token}"}

    async def get(
        self, service: Service, path: str, model: type[T] | Any, params: Any = None
    ) -> Any:
        """GET a JSON resource, parsed as `model` (a type or a typing form like list[X])."""
        response = await self._send(service, "GET", path, params=params)
        return self._parse(service, response, model)

    async def send(
        self,
        service: Service,
        method: str,
        path: str,
        json: Any = None,
        model: type[T] | Any = None,
    ) -> Any:
        """A state-changing call with a JSON body; the answer parsed as `model` if given."""
        response = await self._send(service, method, path, json=json)
        return None if model is None else self._parse(service, response, model)

    async def upload(
        self, service: Service, path: str, content: bytes, content_type: str, model: Any
    ) -> Any:
        """POST a file as the body (a CSV or JSON import), the answer parsed as `model`."""
        response = await self._send(
            service, "POST", path, content=content, extra_headers={"Content-Type": content_type}
        )
        return self._parse(service, response, model)

    async def download(self, service: Service, path: str) -> httpx.Response:
        """A file (an .ics, an export) as the service sent it."""
        return await self._send(service, "GET", path)

    @asynccontextmanager
    async def stream(
        self, service: Service, path: str, headers: dict[str, str] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A long-lived response (server-sent events), open while the context lasts."""
        client = self._network.client(service)
        request = client.build_request(
            "GET",
            self._network.url(service, path),
            headers={**self._trace_headers(), **(headers or {})},
            timeout=httpx.Timeout(5.0, read=None),
        )
        try:
            response = await client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise ServiceUnavailableError(service, type(exc).__name__) from exc
        try:
            _raise_for(service, response, await response.aread() if response.is_error else b"")
            yield response
        finally:
            await response.aclose()

    def _trace_headers(self) -> dict[str, str]:
        correlation = correlation_id_var.get()
        return {**self._headers, **({"x-correlation-id": correlation} if correlation else {})}

    async def _send(
        self,
        service: Service,
        method: str,
        path: str,
        extra_headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {**self._trace_headers(), **(extra_headers or {})}
        try:
            response = await self._network.client(service).request(
                method, self._network.url(service, path), headers=headers, **kwargs
            )
        except httpx.HTTPError as exc:
            log.warning("service call failed", service=service, path=path, error=repr(exc))
            raise ServiceUnavailableError(service, type(exc).__name__) from exc
        _raise_for(service, response, response.content)
        return response

    @staticmethod
    def _parse(service: Service, response: httpx.Response, model: Any) -> Any:
        try:
            return _adapter(model).validate_json(response.content)
        except ValidationError as exc:
            log.error("service answered in an unexpected shape", service=service, error=str(exc))
            raise ServiceUnavailableError(service, "unexpected answer") from exc


def _raise_for(service: Service, response: httpx.Response, body: bytes) -> None:
    status = response.status_code
    if status < 400:
        return
    if status == 401:
        raise SignInRequiredError()
    if status >= 500 or status == 429:
        raise ServiceUnavailableError(service, f"HTTP {status}")
    try:
        problem = _adapter(dict[str, Any]).validate_json(body)
    except ValidationError:
        problem = {}
    fields = problem.get("fields") if isinstance(problem.get("fields"), dict) else {}
    raise ServiceRefusalError(
        service,
        status,
        str(problem.get("error", "refused")),
        str(problem.get("detail", f"HTTP {status}")),
        {str(k): str(v) for k, v in (fields or {}).items()},
    )
