"""E-mentoring: message threads inside a relationship or a circle (seed 002,
"E-mentoring" and Resource 5's "contact between meetings").

A thread is an append-only sequence: each message gets the next number in its thread (1, 2,
3 ...), and numbers are handed out in the order messages become visible, so "everything after
number n" is exact — the basis of the history's cursors, of read markers and of the live
stream's `Last-Event-ID` resume. A message holds plain text of at most MAX_MESSAGE_CHARS
characters and may answer an earlier message of the same thread.

Pure rules only: no I/O. The adapters keep the messages and say who may read or write.
"""

from __future__ import annotations

import base64
import binascii
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import DomainError

# A long e-mail's worth (seed 002 sees e-mentoring as e-mail between meetings); longer texts
# belong in a meeting log or an action plan. Counted in Unicode code points, as Python does.
MAX_MESSAGE_CHARS = 4000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Whitespace controls a person types; every other control character is refused (a NUL cannot
# even be stored by FerretDB's PostgreSQL backend).
_ALLOWED_CONTROLS = {"\n", "\t"}


class ThreadKind(StrEnum):
    """Where a thread lives."""

    RELATIONSHIP = "relationship"
    CIRCLE = "circle"


class Order(StrEnum):
    """Which end of the history a page walk starts from."""

    NEWEST = "newest"  # newest first: open a conversation, scroll back (the default)
    OLDEST = "oldest"  # oldest first: read a whole thread from its start, or catch up


class MessageTooLongError(DomainError):
    """The text is over the limit."""

    status = 422
    error = "message_too_long"


class MessageEmptyError(DomainError):
    """Nothing but whitespace."""

    status = 422
    error = "message_empty"


class MessageCharactersError(DomainError):
    """Control characters other than line breaks and tabs."""

    status = 422
    error = "message_characters"


class CursorError(DomainError):
    """A cursor this service did not hand out for this walk."""

    status = 422
    error = "bad_cursor"


class NoSuchMessageError(DomainError):
    """A message number the thread does not have (yet)."""

    status = 422
    error = "no_such_message"


def message_text(raw: str) -> str:
    """The text as stored: line breaks made `\\n`, outer whitespace trimmed; refused when
    empty, too long or holding control characters (each with a reason a person can act on)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise MessageEmptyError("the message is empty: write something before sending")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageTooLongError(
            f"a message holds at most {MAX_MESSAGE_CHARS:,} characters and this one has "
            f"{len(text):,}: shorten it or send it in parts"
        )
    bad = sorted(
        {
            f"U+{ord(c):04X}"
            for c in text
            if unicodedata.category(c) == "Cc" and c not in _ALLOWED_CONTROLS
        }
    )
    if bad:
        raise MessageCharactersError(
            f"the message holds control characters ({', '.join(bad)}); only line breaks "
            "and tabs are allowed"
        )
    return text


def thread_key(kind: ThreadKind, thread_id: str) -> str:
    """One string naming a thread (relationship and circle ids could in theory clash); its
    messages are numbered under it (message n's id is this and n)."""
    return f"{kind.value}:{thread_id}"


# --- pages and cursors ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where the next page of a walk starts: strictly past `number`, in `order`."""

    order: Order
    number: int

    def encode(self) -> str:
        """Opaque to clients: they hand it back as they got it."""
        raw = f"v1:{self.order.value}:{self.number}".encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @staticmethod
    def decode(token: str, order: Order) -> Cursor:
        """The cursor in `token`, which must belong to a walk in `order`."""
        try:
            padded = token + "=" * (-len(token) % 4)
            version, named, number = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
            cursor = Cursor(Order(named), int(number))
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise CursorError(
                "the cursor is not one this service handed out: start again without it"
            ) from exc
        if version != "v1" or cursor.number < 0:
            raise CursorError("the cursor is not one this service handed out")
        if cursor.order is not order:
            raise CursorError(
                f"the cursor belongs to a walk in order={cursor.order.value}; "
                f"keep that order or start again without a cursor"
            )
        return cursor


@dataclass(frozen=True)
class PageBounds:
    """What one page asks of the store: numbers strictly below or above a bound (or none),
    sorted, and one more than the page holds (to learn whether there is a next page)."""

    order: Order
    before: int | None  # newest first: numbers < before
    after: int | None  # oldest first: numbers > after
    fetch: int

    @property
    def descending(self) -> bool:
        """Newest first."""
        return self.order is Order.NEWEST


def page_bounds(order: Order, cursor: Cursor | None, limit: int) -> PageBounds:
    """The query for a page of `limit` messages after `cursor` (or from the start)."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise DomainError(f"a page holds 1 to {MAX_PAGE_SIZE} messages")
    bound = cursor.number if cursor is not None else None
    if order is Order.NEWEST:
        return PageBounds(order, before=bound, after=None, fetch=limit + 1)
    return PageBounds(order, before=None, after=bound, fetch=limit + 1)


def cut_page(numbers_found: list[int], bounds: PageBounds) -> tuple[int, Cursor | None]:
    """How many of the fetched messages make the page, and the cursor to the next one.

    Keyset paging on the thread's numbers: a page continues strictly past the last number
    shown, so messages posted during a walk never shift what comes next. Walking newest
    first, they are newer than where the walk started and do not appear in it (the live
    stream or a fresh first page brings them); walking oldest first, they appear at the end,
    once.
    """
    shown = min(len(numbers_found), bounds.fetch - 1)
    if len(numbers_found) < bounds.fetch or shown == 0:
        return shown, None
    return shown, Cursor(bounds.order, numbers_found[shown - 1])


# --- read markers --------------------------------------------------------------------------


def check_read_up_to(up_to: int, latest: int) -> int:
    """A marker may point at any message the thread has (0: nothing read)."""
    if up_to > latest:
        raise NoSuchMessageError(
            f"the thread's newest message is number {latest}; mark up to {latest} at most"
        )
    return up_to


def check_reply_target(reply_to: int, *, exists: bool) -> None:
    """An answer refers to an earlier message of the same thread that is still there."""
    if not exists:
        raise NoSuchMessageError(f"there is no message {reply_to} in this thread to answer")


# --- what readers get ----------------------------------------------------------------------


class ReplyTo(BaseModel):
    """The message answered: its number and author (a member id, or "former member" when
    that author has been erased and their message with them)."""

    number: int = Field(ge=1, examples=[41])
    author: str = Field(examples=["mem_4b1f0c9e2d7a6b35"])


class Message(BaseModel):
    """One message of a thread."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(examples=["relationship:rel_5d2c7a9e1b3f4a6c:0000000042"])
    number: int = Field(ge=1, examples=[42], description="its place in the thread, from 1")
    thread_kind: ThreadKind = Field(examples=["relationship"])
    thread_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    author: str = Field(examples=["mem_4b1f0c9e2d7a6b35"], description="the writer's member id")
    text: str = Field(examples=["Thanks for today - I tried the GROW questions with my team."])
    posted_at: datetime
    reply_to: ReplyTo | None = None


class MessagePage(BaseModel):
    """One page of a thread's history, and the cursor to the next (null: no more)."""

    order: Order = Field(examples=["newest"])
    messages: list[Message]
    next_cursor: str | None = Field(default=None, examples=["djE6bmV3ZXN0OjQy"])


class ThreadSummary(BaseModel):
    """Where a thread stands for the caller: its newest number and, for its participants,
    the last message they read and how many others' messages came after it."""

    thread_kind: ThreadKind = Field(examples=["relationship"])
    thread_id: str = Field(examples=["rel_5d2c7a9e1b3f4a6c"])
    latest_number: int = Field(ge=0, examples=[42], description="0: no message yet")
    latest_posted_at: datetime | None = None
    last_read: int | None = Field(
        default=None, examples=[40], description="null for a reader who does not take part"
    )
    unread: int | None = Field(
        default=None,
        examples=[2],
        description="others' messages after last_read; null for a reader who does not "
        "take part (a programme co-ordinator)",
    )
