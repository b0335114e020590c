"""Messages and read markers of open threads, in the thread's home database.

FerretDB v1 shapes this (BRIEF §5a; docs/decisions.md, "E-mentoring messages"):
- Posting is one insert, never an update: the message's `_id` is its thread and number, so
  two writers who read the same newest number collide on the unique `_id` and the loser
  takes the next number. A number is therefore only ever taken after every smaller one is
  visible, which makes "messages after n" exact for cursors, markers and stream resumes.
  `message.posted` rides in the inserted document (the outbox), with no text and no author.
- A read marker is one small document per (thread, participant), moved forwards only by one
  guarded upsert.
- Erasure removes the erased member's messages and markers. If the thread's newest message
  is theirs, that one is replaced by a content-free placeholder (no author, no text) instead,
  so its number is never handed out again; answers to their messages stay, naming the
  answered author as FORMER_MEMBER.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from services.sessions.adapters.erasure import FORMER_MEMBER
from services.sessions.adapters.message_notifier import MessageNotifier
from services.sessions.adapters.message_thread import MESSAGE_READS, MESSAGES, OpenThread
from services.sessions.domain.messages import (
    Cursor,
    Message,
    MessagePage,
    Order,
    ReplyTo,
    ThreadKind,
    ThreadSummary,
    check_read_up_to,
    check_reply_target,
    cut_page,
    message_id,
    message_text,
    page_bounds,
)
from shared.contracts.sessions import MessagePosted
from shared.errors import ConflictError, NotFoundError
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.outbox import OUTBOX_FIELD, OutboxWriter
from shared.tenancy import TenantData

log = get_logger(__name__)

# Two writers colliding on a number retry with the next; this many collisions in a row means
# a crowd is writing at once, and the caller is asked to send again.
POST_ATTEMPTS = 8
LAST_NUMBERS_KEPT = 50_000  # threads whose last number this instance remembers
STREAM_BATCH = 100
_SHOWN = {OUTBOX_FIELD: 0}  # what readers never get back from a message document
_PRESENT = {"removed": {"$ne": True}}  # erasure placeholders hold a number, nothing else


def _stored_precision(moment: datetime) -> datetime:
    """`moment` as BSON keeps it (milliseconds), so the poster sees what readers will."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _message(document: Document) -> Message:
    reply = document.get("reply_to")
    return Message(
        id=str(document["_id"]),
        number=int(document["number"]),
        thread_kind=ThreadKind(document["thread_kind"]),
        thread_id=str(document["thread_id"]),
        author=str(document["author_id"]),
        text=str(document["text"]),
        posted_at=document["posted_at"],
        reply_to=(
            ReplyTo(number=int(reply["number"]), author=str(reply["author_id"])) if reply else None
        ),
    )


class MessageStore:
    """Posts, pages, markers and erasure for threads the caller has opened."""

    def __init__(self, data: TenantData, outbox: OutboxWriter, notifier: MessageNotifier) -> None:
        self._data = data
        self._outbox = outbox
        self._notifier = notifier
        # The last number this instance gave each thread: the next post tries the one after
        # it first, without reading the thread's newest message (a scan of the collection on
        # FerretDB). The unique `_id` still decides: a number taken meanwhile (by another
        # instance) fails the insert, and the thread is read as before.
        self._last_numbers: dict[str, int] = {}

    # --- writing -------------------------------------------------------------------------

    async def post(self, thread: OpenThread, text: str, reply_to: int | None = None) -> Message:
        """The caller writes in the thread (participants only; 409 once it is closed)."""
        if not thread.participant:
            raise NotFoundError(f"no {thread.kind.value} {thread.id!r} that you take part in")
        if thread.closed is not None:
            raise ConflictError(thread.closed)
        body = message_text(text)
        answered: Document | None = None
        if reply_to is not None:
            answered = await thread.messages.find_one(
                {**thread.scope, "number": reply_to, **_PRESENT},
                projection={"author_id": 1},
            )
            check_reply_target(reply_to, exists=answered is not None)
        known = self._last_numbers.get(thread.key)
        for _ in range(POST_ATTEMPTS):
            number = (known if known is not None else await self.latest_number(thread)) + 1
            now = _stored_precision(datetime.now(UTC))
            document: Document = {
                "_id": message_id(thread.kind, thread.id, number),
                **thread.labels(),
                "number": number,
                "author_id": thread.reader,
                "text": body,
                "posted_at": now,
                "reply_to": (
                    {"number": reply_to, "author_id": answered["author_id"]}
                    if answered is not None
                    else None
                ),
            }
            posted = MessagePosted(
                thread_kind=thread.kind.value,
                thread_id=thread.id,
                programme_id=thread.programme_id,
                posted_at=now,
            )
            try:
                await self._outbox.insert(thread.messages, document, [thread.announce(posted)])
            except DuplicateKeyError:
                known = None  # someone took this number a moment ago: read the thread again
                continue
            if len(self._last_numbers) >= LAST_NUMBERS_KEPT:
                self._last_numbers.clear()
            self._last_numbers[thread.key] = number
            self._notifier.posted(thread.key, number)
            return _message(document)
        raise ConflictError("many messages are arriving in this thread at once; send it again")

    # --- reading -------------------------------------------------------------------------

    async def latest_number(self, thread: OpenThread) -> int:
        """The thread's newest number (0 when empty); erasure placeholders count, so a
        number is never reused."""
        newest = await self._newest(thread)
        return int(newest["number"]) if newest else 0

    async def _newest(self, thread: OpenThread) -> Document | None:
        found = thread.messages.find(thread.scope, projection=_SHOWN).sort("number", -1).limit(1)
        documents = await found.to_list()
        return documents[0] if documents else None

    async def page(
        self, thread: OpenThread, order: Order, cursor: str | None, limit: int
    ) -> MessagePage:
        """One page of the history, in `order`, continuing after `cursor`."""
        bounds = page_bounds(order, Cursor.decode(cursor, order) if cursor else None, limit)
        query: dict[str, Any] = {**thread.scope, **_PRESENT}
        if bounds.before is not None:
            query["number"] = {"$lt": bounds.before}
        if bounds.after is not None:
            query["number"] = {"$gt": bounds.after}
        found = (
            thread.messages.find(query, projection=_SHOWN)
            .sort("number", -1 if bounds.descending else 1)
            .limit(bounds.fetch)
        )
        documents = await found.to_list()
        shown, following = cut_page([int(d["number"]) for d in documents], bounds)
        return MessagePage(
            order=order,
            messages=[_message(d) for d in documents[:shown]],
            next_cursor=following.encode() if following else None,
        )

    async def since(
        self, thread: OpenThread, after: int, limit: int = STREAM_BATCH
    ) -> list[Message]:
        """Messages numbered above `after`, oldest first (what a stream sends next)."""
        found = (
            thread.messages.find(
                {**thread.scope, **_PRESENT, "number": {"$gt": after}}, projection=_SHOWN
            )
            .sort("number", 1)
            .limit(limit)
        )
        return [_message(d) for d in await found.to_list()]

    # --- read markers --------------------------------------------------------------------

    def _marker_id(self, thread: OpenThread) -> str:
        return f"{thread.key}:{thread.reader}"

    async def mark_read(self, thread: OpenThread, up_to: int) -> ThreadSummary:
        """The caller has read up to message `up_to`; markers only move forwards (marking an
        older message changes nothing)."""
        if not thread.participant:
            raise NotFoundError(f"no {thread.kind.value} {thread.id!r} that you take part in")
        up_to = check_read_up_to(up_to, await self.latest_number(thread))
        # A DuplicateKeyError: the marker exists at or past `up_to` already.
        with contextlib.suppress(DuplicateKeyError):
            await thread.reads.update_one(
                {"_id": self._marker_id(thread), "last_read": {"$lt": up_to}},
                {
                    "$set": {
                        **thread.labels(),
                        "member_id": thread.reader,
                        "last_read": up_to,
                        "read_at": datetime.now(UTC),
                    }
                },
                upsert=True,
            )
        return await self.summary(thread)

    async def summary(self, thread: OpenThread) -> ThreadSummary:
        """Newest number, and for a participant their marker and unread count (others'
        messages after the marker)."""
        newest = await self._newest(thread)
        summary = ThreadSummary(
            thread_kind=thread.kind,
            thread_id=thread.id,
            latest_number=int(newest["number"]) if newest else 0,
            latest_posted_at=newest.get("posted_at") if newest else None,
        )
        if not thread.participant:
            return summary
        marker = await thread.reads.find_one({"_id": self._marker_id(thread), **thread.scope})
        last_read = int(marker["last_read"]) if marker else 0
        unread = await thread.messages.count_documents(
            {
                **thread.scope,
                **_PRESENT,
                "number": {"$gt": last_read},
                "author_id": {"$ne": thread.reader},
            }
        )
        return summary.model_copy(update={"last_read": last_read, "unread": unread})

    # --- erasure -------------------------------------------------------------------------

    async def erase_member(self, member_id: str, organisation_id: str) -> None:
        """Remove what the member wrote and their read markers, wherever their threads live
        (their organisation's database, the network database); idempotent."""
        homes = [
            (
                self._data.system_organisation(organisation_id, MESSAGES),
                self._data.system_organisation(organisation_id, MESSAGE_READS),
            ),
            (self._data.network(MESSAGES), self._data.network(MESSAGE_READS)),
        ]
        for messages, reads in homes:
            await self._erase_messages(messages, member_id)
            await reads.delete_many({"member_id": member_id})

    async def _erase_messages(self, messages: AsyncCollection[Document], member_id: str) -> None:
        theirs = await messages.find(
            {"author_id": member_id}, projection={"thread_key": 1}
        ).to_list()
        placeholders = 0
        for key in sorted({str(d["thread_key"]) for d in theirs}):
            newest = (
                await messages.find({"thread_key": key}, projection={"text": 0, OUTBOX_FIELD: 0})
                .sort("number", -1)
                .limit(1)
                .to_list()
            )
            if newest and newest[0].get("author_id") == member_id:
                # Keep the number taken, drop everything else: no author, no text, no time.
                top = newest[0]
                keep = ("thread_key", "thread_kind", "thread_id", "programme_id", "number")
                placeholder = {k: top[k] for k in keep}
                kind = str(top["thread_kind"])
                placeholder[f"{kind}_id"] = top[f"{kind}_id"]
                await messages.replace_one(
                    {"_id": top["_id"]}, {**placeholder, "_id": top["_id"], "removed": True}
                )
                placeholders += 1
        removed = await messages.delete_many({"author_id": member_id})
        # Answers to their messages stay, answering a former member (also on a redelivery:
        # a crash may have come between the delete and this).
        await messages.update_many(
            {"reply_to.author_id": member_id}, {"$set": {"reply_to.author_id": FORMER_MEMBER}}
        )
        if theirs:
            log.info(
                "erased a member's messages",
                removed=removed.deleted_count + placeholders,
                threads=len({str(d["thread_key"]) for d in theirs}),
            )
