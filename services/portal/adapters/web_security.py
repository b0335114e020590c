"""Security headers on every answer of the portal (a plain ASGI middleware).

A strict Content-Security-Policy: scripts, styles, images and connections from the portal
itself only, no inline script or style, no plugins, no framing (also refused by
X-Frame-Options for older browsers), forms posted only to the portal. Pages are personal:
never cached, never sent as a Referer to another site.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
]
# The sign-in page's form leads, by redirects, to the registry and then to each organisation's
# own provider, which no list here could name; browsers apply `form-action` to those
# redirects, so that one page goes without it (it holds no other form and no personal data).
SIGN_IN_PATHS = frozenset({"/sign-in"})
CSP = "; ".join([*_POLICY, "form-action 'self'"])
CSP_SIGN_IN = "; ".join(_POLICY)


class SecurityHeaders:
    """Adds the portal's security headers to every response."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI connection scope."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["content-security-policy"] = CSP_SIGN_IN if path in SIGN_IN_PATHS else CSP
                headers["x-frame-options"] = "DENY"
                headers["x-content-type-options"] = "nosniff"
                headers["referrer-policy"] = "same-origin"
                headers["cross-origin-opener-policy"] = "same-origin"
                headers["permissions-policy"] = "camera=(), microphone=(), geolocation=()"
                if not path.startswith("/static/"):
                    headers["cache-control"] = "no-store"
                if self.https:
                    headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
            await send(message)

        await self.app(scope, receive, secured)
