"""Tokens this instance has verified, so a member's next request skips the signature check.

Why: a network token is a signed JWT checked on every request, and a member's page sends the
same token many times a minute; the RSA check and the claims' parsing were a tenth of the
sessions service's CPU under load (bench/api). Why it is safe: an entry is found only by the
whole token, byte for byte, so it vouches for nothing but a token already verified in full
here; it is used only until the token's own expiry (with the same leeway), and only while the
key that signed it is still one the verifier trusts, so a retired key retires its tokens here
at once. Nothing is written anywhere: a restarted instance verifies afresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from shared.auth.tokens import VerifiedToken

MAX_ENTRIES = 20_000  # a few MB; when full, those past their expiry go, or else all


class VerifiedTokens:
    """A bounded map of token → what verifying it said, while the token is accepted."""

    def __init__(
        self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.time
    ) -> None:
        self._max_entries = max_entries
        self._clock = clock
        self._entries: dict[str, VerifiedToken] = {}

    def get(self, token: str, trusted_kids: Callable[[str], bool]) -> VerifiedToken | None:
        """What verifying `token` said, if it is still accepted and its key still trusted."""
        verified = self._entries.get(token)
        if verified is None:
            return None
        if self._clock() >= verified.accepted_until or not trusted_kids(verified.kid):
            del self._entries[token]
            return None
        return verified

    def put(self, token: str, verified: VerifiedToken) -> None:
        """Remember a token just verified in full."""
        if len(self._entries) >= self._max_entries:
            now = self._clock()
            self._entries = {t: v for t, v in self._entries.items() if now < v.accepted_until}
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
        self._entries[token] = verified
