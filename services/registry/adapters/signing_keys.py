"""The registry's signing keys: one current key, rotated on a timer; old keys stay published
until every token they signed has expired (docs/security.md, "Network tokens")."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import KeySet, RSAKey

from shared.clock import now
from shared.mongo.databases import Document
from shared.secrets import SecretBox
from shared.tenancy import TenantData

COLLECTION = "signing_keys"
# Several registry processes may rotate; each re-reads the keys at most this often.
CACHE_SECONDS = 15.0


class SigningKeys:
    """Keeps, rotates and publishes the keys; also the registry's own `KeySource`."""

    def __init__(
        self,
        data: TenantData,
        box: SecretBox,
        *,
        rotation: timedelta,
        grace: timedelta,
        clock: Callable[[], datetime] = now,
    ) -> None:
        """`grace`: how long a replaced key stays published — the tokens' lifetime plus the
        verifiers' clock leeway. `clock`: when a key is made, and which are still published."""
        self._clock = clock
        self._collection = data.network(COLLECTION)
        self._box = box
        self._rotation = rotation
        self._grace = grace
        self._documents: list[Document] = []
        self._loaded_at = 0.0

    async def rotate_if_due(self, *, force: bool = False) -> None:
        """Create a new current key when the newest is older than the rotation period."""
        newest = (await self._load(refresh=True))[-1:] or None
        due = newest is None or self._clock() - newest[0]["created_at"] >= self._rotation
        if force or due:
            kid = f"k{int(time.time() * 1000)}"
            key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
            private = key.as_dict(private=True)
            await self._collection.insert_one(
                {
                    "_id": kid,
                    "created_at": self._clock(),
                    "public": key.as_dict(private=False),
                    "private_sealed": self._box.seal(json.dumps(private), context=kid),
                }
            )
            await self._load(refresh=True)

    async def current(self) -> RSAKey:
        """The key new tokens are signed with."""
        documents = await self._load()
        if not documents:
            await self.rotate_if_due()
            documents = await self._load()
        newest = documents[-1]
        private = self._box.open(newest["private_sealed"], context=newest["_id"])
        return RSAKey.import_key(json.loads(private))

    async def jwks(self) -> dict[str, Any]:
        """The public keys that verify tokens still alive: the JWKS document."""
        return {"keys": [d["public"] for d in self._published(await self._load())]}

    async def key_set(self, *, refresh: bool = False) -> KeySet:
        """The published keys, for verifying tokens in the registry itself."""
        return KeySet.import_key_set(
            {"keys": [d["public"] for d in self._published(await self._load(refresh=refresh))]}
        )

    def _published(self, documents: list[Document]) -> list[Document]:
        now = self._clock()
        published = []
        for index, document in enumerate(documents):
            successor = documents[index + 1] if index + 1 < len(documents) else None
            if successor is None or now < successor["created_at"] + self._grace:
                published.append(document)
        return published

    async def _load(self, *, refresh: bool = False) -> list[Document]:
        if refresh or time.monotonic() - self._loaded_at > CACHE_SECONDS:
            documents = await self._collection.find({}).to_list()
            self._documents = sorted(documents, key=lambda d: d["created_at"])
            self._loaded_at = time.monotonic()
        return self._documents
