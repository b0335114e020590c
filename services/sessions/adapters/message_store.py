"""Messages and read markers of open threads, in the thread's home database.

FerretDB v1 shapes this (docs/decisions.md, "E-mentoring messages"):
- Posting is one insert, never an update: the message's `_id` is its thread and number
  (`shared.mongo.numbered`), so two writers who read the same newest number collide on the
  unique `_id` and the loser takes the next number. A number is therefore only ever taken
  after every smaller one is visible, which makes "messages after n" exact for cursors,
  markers and stream resumes, and the newest number is found by lookups by `_id` alone.
  `message.posted` rides in the inserted document (the outbox): its number and author, no
  text.
- A read marker is one small document per (thread, participant), moved forwards only (an
  insert the first time, then one update by `_id` with `$max`); a move carries
  `messages.read` (the number, never text).
- Erasure replaces each of the erased member's messages by a content-free placeholder (no
  author, no text, no time), so its number is never handed out again, and removes their
  markers; answers to their messages stay, naming the answered author as FORMER_MEMBER.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    message_text,
    page_bounds,
)
from shared.contracts.sessions import MessagePosted, MessagesRead
from shared.errors import ConflictError, NotFoundError
from shared.logging import get_logger
from shared.mongo.databases import Document
from shared.mongo.numbered import NumberedRecords, blank, kept_by, numbered_id
from shared.mongo.outbox import OutboxWriter
from shared.mongo.outbox_staging import OUTBOX_FIELD
from shared.tenancy import TenantData

log = get_logger(__name__)

STREAM_BATCH = 100
UNREAD_LOOKUPS = 200  # unread counted by lookups by `_id` up to this far behind the newest
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

    def __init__(
        self,
        data: TenantData,
        outbox: OutboxWriter,
        notifier: MessageNotifier,
        numbered: NumberedRecords,
    ) -> None:
        self._data = data
        self._outbox = outbox
        self._notifier = notifier
        self._numbered = numbered

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
            answered = await self._by_number(thread, reply_to) if reply_to > 0 else None
            if answered is not None and answered.get("removed"):
                answered = None
            check_reply_target(reply_to, exists=answered is not None)

        async def write(record_id: str, number: int) -> Document:
            now = _stored_precision(datetime.now(UTC))
            document: Document = {
                "_id": record_id,
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
            event = MessagePosted(
                thread_kind=thread.kind.value,
                thread_id=thread.id,
                programme_id=thread.programme_id,
                posted_at=now,
                author_id=thread.reader,
                number=number,
            )
            await self._outbox.insert(thread.messages, document, [thread.announce(event)])
            return document

        posted = await self._numbered.take(thread.messages, thread.key, write)
        self._notifier.posted(thread.key, int(posted["number"]))
        return _message(posted)

    # --- reading -------------------------------------------------------------------------

    async def latest_number(self, thread: OpenThread) -> int:
        """The thread's newest number (0 when empty); erasure placeholders count, so a
        number is never reused."""
        return await self._numbered.newest(thread.messages, thread.key)

    async def _newest(self, thread: OpenThread) -> Document | None:
        number = await self.latest_number(thread)
        if number == 0:
            return None
        return await self._by_number(thread, number)

    async def _present(
        self, thread: OpenThread, *, start: int, step: int, want: int
    ) -> list[Document]:
        """Up to `want` messages still there (not erasure placeholders), from number `start`
        by `step`, found by `_id` alone."""

        shown = kept_by("thread_key", thread.key)
        return await self._numbered.run(
            thread.messages, thread.key, start=start, step=step, want=want, shown=shown
        )

    async def _by_number(self, thread: OpenThread, number: int) -> Document | None:
        document = await thread.messages.find_one(
            {"_id": numbered_id(thread.key, number)}, projection=_SHOWN
        )
        return (
            document if document is not None and document.get("thread_key") == thread.key else None
        )

    async def page(
        self, thread: OpenThread, order: Order, cursor: str | None, limit: int
    ) -> MessagePage:
        """One page of the history, in `order`, continuing after `cursor`."""
        bounds = page_bounds(order, Cursor.decode(cursor, order) if cursor else None, limit)
        if bounds.descending:
            step = -1
            start = bounds.before - 1 if bounds.before else await self.latest_number(thread)
        else:
            step, start = 1, (bounds.after or 0) + 1
        documents = await self._present(thread, start=start, step=step, want=bounds.fetch)
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
        found = await self._present(thread, start=after + 1, step=1, want=limit)
        return [_message(d) for d in found]

    # --- read markers --------------------------------------------------------------------

    def _marker_id(self, thread: OpenThread) -> str:
        return f"{thread.key}:{thread.reader}"

    async def mark_read(self, thread: OpenThread, up_to: int) -> ThreadSummary:
        """The caller has read up to message `up_to`; markers only move forwards (marking an
        older message changes nothing). A marker that moves carries `messages.read` in the
        same write (the outbox), so the notifications service stops counting those messages
        as unread."""
        if not thread.participant:
            raise NotFoundError(f"no {thread.kind.value} {thread.id!r} that you take part in")
        up_to = check_read_up_to(up_to, await self.latest_number(thread))
        now = datetime.now(UTC)
        marker_id = self._marker_id(thread)
        fields = {**thread.labels(), "member_id": thread.reader, "read_at": now}
        read = thread.announce(
            MessagesRead(
                thread_kind=thread.kind.value,
                thread_id=thread.id,
                programme_id=thread.programme_id,
                member_id=thread.reader,
                last_read=up_to,
                read_at=now,
            )
        )
        # By `_id` alone (FerretDB finds nothing else without a scan).
        marker = await thread.reads.find_one({"_id": marker_id}, projection={"last_read": 1})
        if marker is None:
            try:
                await self._outbox.insert(
                    thread.reads, {"_id": marker_id, **fields, "last_read": up_to}, [read]
                )
            except DuplicateKeyError:  # a second tab wrote the first marker meanwhile
                marker = await thread.reads.find_one(
                    {"_id": marker_id}, projection={"last_read": 1}
                )
        if marker is not None:
            moves = int(marker.get("last_read", 0)) < up_to
            # `$max` keeps the marker from moving backwards, whatever raced this write.
            await self._outbox.update(
                thread.reads,
                marker_id,
                {"$set": fields, "$max": {"last_read": up_to}},
                [read] if moves else [],
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
        marker = await thread.reads.find_one({"_id": self._marker_id(thread)})
        last_read = int(marker["last_read"]) if marker else 0
        latest = summary.latest_number
        if latest - last_read <= UNREAD_LOOKUPS:
            after = await self._present(
                thread, start=last_read + 1, step=1, want=latest - last_read
            )
            unread = sum(1 for d in after if d.get("author_id") != thread.reader)
        else:  # a long way behind: one count (a scan on FerretDB) beats that many lookups
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
        keep = ["thread_key", "thread_kind", "thread_id", "programme_id", "number"]
        keep += [f"{kind.value}_id" for kind in ThreadKind]
        # The number stays taken, everything else goes: no author, no text, no time.
        theirs = await blank(messages, {"author_id": member_id}, keep=keep)
        # Answers to their messages stay, answering a former member (also on a redelivery:
        # a crash may have come between the placeholders and this).
        await messages.update_many(
            {"reply_to.author_id": member_id}, {"$set": {"reply_to.author_id": FORMER_MEMBER}}
        )
        if theirs:
            log.info(
                "erased a member's messages",
                removed=len(theirs),
                threads=len({str(d["thread_key"]) for d in theirs}),
            )
