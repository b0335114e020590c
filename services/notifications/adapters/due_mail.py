"""The sweep (every `notifications_sweep_seconds`): mails that time brought, and digests.

Scheduled mails whose time has come are decided (a meeting's reminder, unless it was held,
cancelled or its relationship ended meanwhile — those drop it from the timetable; a meeting's
log, unless a log was written since it was held; a survey's reminder, unless it was answered
or has closed) and leave the timetable. A digest goes to each person whose collected items
are due by their chosen frequency (`domain.schedule.digest_due`); its delivery id is made of
the items it sums up, so a sweep repeated after a crash decides the same mail again, which the
queue refuses, and then finishes the bookkeeping.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from services.notifications.adapters.contact_book import ContactBook
from services.notifications.adapters.mail_queue import MailQueue
from services.notifications.adapters.mail_triggers import LOG_DUE, REMINDER, SURVEY_REMINDER
from services.notifications.adapters.preference_store import PreferenceStore
from services.notifications.adapters.relationship_book import RelationshipBook
from services.notifications.adapters.timetable import Timetable
from services.notifications.domain import mails, wording
from services.notifications.domain.kinds import MailKind
from services.notifications.domain.mails import Mail, Recipient
from services.notifications.domain.schedule import digest_due
from shared.logging import get_logger
from shared.mongo.databases import Document

log = get_logger(__name__)


class DueMail:
    """Turns time into mails."""

    def __init__(
        self,
        timetable: Timetable,
        relationships: RelationshipBook,
        contacts: ContactBook,
        preferences: PreferenceStore,
        queue: MailQueue,
        wake: Callable[[], None],
        settle: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._timetable = timetable
        self._relationships = relationships
        self._contacts = contacts
        self._preferences = preferences
        self._queue = queue
        self._wake = wake
        self._settle = settle
        self._clock = clock

    async def sweep(self) -> None:
        """Decide every scheduled mail and digest that is due now."""
        await self.scheduled()
        await self.digests()

    async def scheduled(self) -> int:
        """Scheduled mails whose time has come; how many were decided."""
        now = self._clock()
        due = await self._timetable.due(now)
        if not due:
            return 0
        zones = {
            c.person_id: c.time_zone
            for c in (await self._contacts.of(d["person_id"] for d in due)).values()
        }
        decided: list[Mail] = []
        for item in due:
            to = Recipient(
                organisation_id=item["organisation_id"],
                person_id=item["person_id"],
                time_zone=zones.get(item["person_id"]),
            )
            mail = await self._scheduled_mail(item, to, now)
            if mail is not None:
                decided.append(mail)
        new = await self._queue.decide(decided, now)
        await self._timetable.unplan_ids(d["_id"] for d in due)
        if new:
            self._wake()
        return len(decided)

    async def _scheduled_mail(self, item: Document, to: Recipient, now: datetime) -> Mail | None:
        kind = item["kind"]
        if kind == REMINDER:
            if item["starts_at"] <= now:
                return None
            return mails.meeting_reminder(
                to,
                item["meeting_id"],
                int(item["revision"]),
                item["starts_at"],
                item.get("time_zone"),
                wording.method(item["method"]),
                int(item["minutes"]),
                item["relationship_id"],
            )
        if kind == LOG_DUE:
            r = await self._relationships.relationship(item["relationship_id"])
            if r is None or r.ended:
                return None
            if r.last_log_at is not None and r.last_log_at >= item["held_at"]:
                return None
            return mails.meeting_log_due(
                to, item["meeting_id"], item["held_at"], item["relationship_id"]
            )
        if kind == SURVEY_REMINDER:
            if item["closes_at"] <= now:
                return None
            return mails.survey_due(to, item["survey_id"], item["closes_at"], reminder=True)
        log.warning("unknown scheduled mail", kind=kind)
        return None

    async def digests(self) -> int:
        """Digests that are due; how many were decided."""
        now = self._clock()
        groups: dict[tuple[str, str], list[Document]] = defaultdict(list)
        for item in await self._timetable.collected():
            groups[(item["digest"], item["person_id"])].append(item)
        if not groups:
            return 0
        people_by_organisation: dict[str, set[str]] = defaultdict(set)
        for items in groups.values():
            people_by_organisation[items[0]["organisation_id"]].add(items[0]["person_id"])
        choices = {}
        for organisation_id, people in people_by_organisation.items():
            choices.update(await self._preferences.of(organisation_id, sorted(people)))
        last = await self._timetable.last_digests(f"{k}:{p}" for k, p in groups)
        decided = 0
        for (digest, person), items in groups.items():
            kind = MailKind(digest)
            wants = choices[person]
            if not wants.wants(kind):
                await self._timetable.uncollect_ids(i["_id"] for i in items)
                continue
            oldest = min(i["created_at"] for i in items)
            if not digest_due(
                oldest, last.get(f"{digest}:{person}"), wants.digest_frequency, self._settle, now
            ):
                continue
            mail = await self._digest_mail(kind, items)
            if await self._queue.decide([mail], now):
                self._wake()
            await self._timetable.digest_sent(f"{digest}:{person}", now)
            await self._timetable.uncollect_ids(i["_id"] for i in items)
            decided += 1
        return decided

    async def _digest_mail(self, kind: MailKind, items: list[Document]) -> Mail:
        first = items[0]
        to = Recipient(organisation_id=first["organisation_id"], person_id=first["person_id"])
        occasion = hashlib.sha256(
            "|".join(sorted(str(i["_id"]) for i in items)).encode()
        ).hexdigest()[:20]
        if kind is MailKind.ALERTS:
            counts = Counter(str(i["alert_kind"]) for i in items)
            lines = [wording.alert_line(k, n) for k, n in sorted(counts.items())]
            return mails.alerts(to, occasion, lines)
        return mails.unread_messages(to, occasion, *(await self._unread_lines(items)))

    async def _unread_lines(self, items: list[Document]) -> tuple[list[str], str]:
        """'three unread messages from Aroha' per author, and where to read them."""
        by_author = Counter(str(i["author_id"]) for i in items)
        names = await self._contacts.of(by_author)
        threads = {(str(i["thread_kind"]), str(i["thread_id"])) for i in items}
        lines = []
        for author, count in sorted(by_author.items(), key=lambda kv: (-kv[1], kv[0])):
            name = names[author].name if author in names and names[author].name else None
            lines.append(wording.unread_line(count, name or await self._who(author, items)))
        if len(threads) == 1:
            thread_kind, thread_id = next(iter(threads))
            return lines, f"/{thread_kind}s/{thread_id}/messages"
        return lines, "/"

    async def _who(self, author: str, items: list[Document]) -> str:
        """An author without a name on file, described by their part."""
        for i in items:
            if i["author_id"] == author and i["thread_kind"] == "relationship":
                r = await self._relationships.relationship(str(i["thread_id"]))
                side = r.sides.get(author) if r is not None else None
                if side:
                    return f"your {side}"
        return "a member of your circle"
