"""The one rule every calendar file of the network follows for naming a meeting.

A meeting's iCalendar UID must be the same wherever the meeting is written — the download and
feed of the sessions service, the invitations the notifications service mails — so that a
calendar app updates the one event in place instead of adding a second. It is a digest of the
meeting's id (which names its relationship, and so stays out of calendars).
"""

from __future__ import annotations

import hashlib

UID_DOMAIN = "mentornet"


def meeting_uid(meeting_id: str) -> str:
    """The iCalendar UID of a meeting: `<32 hex of sha256(id)>@mentornet`."""
    digest = hashlib.sha256(meeting_id.encode()).hexdigest()[:32]
    return f"{digest}@{UID_DOMAIN}"
