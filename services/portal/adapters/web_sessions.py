"""Web sessions and sign-in attempts, in the portal's own database: the only records it keeps.

A session is found by the hash of the id in the person's cookie (a database read reveals no
usable cookie); its tokens are encrypted with the portal's key, bound to that session. Every
lookup is by `_id`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection

from services.portal.domain.sign_in import Attempt, digest
from services.portal.domain.web_session import WebSession
from shared.mongo.databases import Document
from shared.secrets import SecretBox


class WebSessions:
    """Creates, finds, refreshes and ends sessions; keeps sign-in attempts until used."""

    def __init__(
        self,
        sessions: AsyncCollection[Document],
        attempts: AsyncCollection[Document],
        box: SecretBox,
    ) -> None:
        self._sessions = sessions
        self._attempts = attempts
        self._box = box

    async def start(self, session_id: str, session: WebSession) -> None:
        """Keep a new session (its id was just made: a new one at every sign-in)."""
        await self._sessions.insert_one(self._document(session, digest(session_id)))

    async def find(self, session_id: str) -> WebSession | None:
        """The session behind a cookie's id, if there is one."""
        document = await self._sessions.find_one({"_id": digest(session_id)})
        return None if document is None else self._session(document)

    async def reload(self, session: WebSession) -> WebSession | None:
        """The session as stored now (another request may have refreshed its tokens)."""
        document = await self._sessions.find_one({"_id": session.key})
        return None if document is None else self._session(document)

    async def store_tokens(self, session: WebSession) -> None:
        """Keep refreshed tokens."""
        tokens = self._document(session, session.key)
        fields = ("access_sealed", "refresh_sealed", "access_expires_at", "roles")
        await self._sessions.update_one(
            {"_id": session.key}, {"$set": {f: tokens[f] for f in fields}}
        )

    async def store_person(self, session: WebSession, display_name: str, time_zone: str) -> None:
        """Keep the name and time zone the person's profile now has."""
        await self._sessions.update_one(
            {"_id": session.key},
            {"$set": {"display_name": display_name, "time_zone": time_zone}},
        )

    async def mark_seen(self, session: WebSession, now: datetime) -> WebSession:
        """Record a visit (for the idle lifetime)."""
        await self._sessions.update_one({"_id": session.key}, {"$set": {"seen_at": now}})
        return replace(session, seen_at=now)

    async def end(self, session: WebSession) -> None:
        """Forget the session: its cookie opens nothing any more."""
        await self._sessions.delete_one({"_id": session.key})

    async def begin_attempt(self, attempt: Attempt) -> None:
        """Keep a sign-in under way until the person comes back."""
        await self._attempts.insert_one(
            {
                "_id": attempt.state,
                "verifier_sealed": self._box.seal(attempt.code_verifier, context=attempt.state),
                "browser_hash": attempt.browser_hash,
                "next_page": attempt.next_page,
                "email": attempt.email,
                "created_at": attempt.created_at,
            }
        )

    async def take_attempt(self, state: str) -> Attempt | None:
        """The attempt `state` names, once: it is removed as it is read."""
        document = await self._attempts.find_one({"_id": state})
        if document is None or (await self._attempts.delete_one({"_id": state})).deleted_count != 1:
            return None
        return Attempt(
            state=state,
            code_verifier=self._box.open(document["verifier_sealed"], context=state),
            browser_hash=document["browser_hash"],
            next_page=document["next_page"],
            email=document["email"],
            created_at=document["created_at"],
        )

    def _document(self, session: WebSession, key: str) -> Document:
        return {
            "_id": key,
            "member_id": session.member_id,
            "organisation_id": session.organisation_id,
            "roles": sorted(session.roles),
            "access_sealed": self._box.seal(session.access_token, context=f"access:{key}"),
            "refresh_sealed": self._box.seal(session.refresh_token, context=f"refresh:{key}"),
            "access_expires_at": session.access_expires_at,
            "csrf_token": session.csrf_token,
            "created_at": session.created_at,
            "seen_at": session.seen_at,
            "display_name": session.display_name,
            "time_zone": session.time_zone,
        }

    def _session(self, document: Document) -> WebSession:
        key = str(document["_id"])
        return WebSession(
            key=key,
            member_id=document["member_id"],
            organisation_id=document["organisation_id"],
            roles=frozenset(document["roles"]),
            access_token=self._box.open(document["access_sealed"], context=f"access:{key}"),
            refresh_token=self._box.open(document["refresh_sealed"], context=f"refresh:{key}"),
            access_expires_at=document["access_expires_at"],
            csrf_token=document["csrf_token"],
            created_at=document["created_at"],
            seen_at=document["seen_at"],
            display_name=document["display_name"],
            time_zone=document["time_zone"],
        )
