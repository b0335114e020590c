"""A decided mail made into an e-mail message: plain text and HTML from the Jinja2
templates in `services/notifications/templates/`, the recipient's greeting and address filled
in at the last moment, a one-click unsubscribe link for its kind (RFC 8058:
`List-Unsubscribe` and `List-Unsubscribe-Post`), and a meeting's calendar invitation attached
as `text/calendar; method=REQUEST|CANCEL` (iMIP, RFC 6047)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.notifications.adapters.contact_book import Contact
from services.notifications.domain.calendar_invite import invite_ics
from services.notifications.domain.kinds import WORDS, MailKind
from services.notifications.domain.mails import Mail
from services.notifications.domain.unsubscribe import Unsubscribe, token_for

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Headers unfolded (a folded `List-Unsubscribe` reads back with a leading space in some
# clients); bodies quoted-printable, readable in the raw.
MIME = policy.compat32.clone(max_line_length=0)
UTF8 = Charset("utf-8")
UTF8.body_encoding = QP


def _text(content: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, policy=MIME, charset="utf-8")
    part.set_payload(content, UTF8)
    return part


def _header(value: str) -> str:
    """A header value as is when ASCII, else RFC 2047 encoded."""
    return value if value.isascii() else Header(value, "utf-8").encode()


def templates() -> Environment:
    """The service's Jinja2 templates (HTML autoescaped)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


class MailRenderer:
    """Builds messages; knows the From address and where links lead."""

    def __init__(
        self, mail_from: str, portal_url: str, unsubscribe_url: str, unsubscribe_key: bytes
    ) -> None:
        self._from = mail_from
        self._from_address = parseaddr(mail_from)[1]
        self._portal = portal_url.rstrip("/")
        self._unsubscribe_url = unsubscribe_url.rstrip("/")
        self._key = unsubscribe_key
        self._templates = templates()

    def unsubscribe_link(self, mail: Mail) -> str:
        """The one-click link that stops this mail's kind for its recipient."""
        token = token_for(self._key, Unsubscribe(mail.organisation_id, mail.person_id, mail.kind))
        return f"{self._unsubscribe_url}/unsubscribe/{token}"

    def message(self, mail: Mail, to: Contact, now: datetime) -> Message:
        """The message for `mail` to `to` (who must have an address)."""
        assert to.email is not None
        link = f"{self._portal}{mail.link}"
        unsubscribe = self.unsubscribe_link(mail)
        context = {
            "subject": mail.subject,
            "greeting": f"Hello {to.name}," if to.name else "Hello,",
            "lines": mail.lines,
            "action": mail.action,
            "link": link,
            "kind_label": WORDS[mail.kind].label,
            "unsubscribe": unsubscribe,
            "settings": None
            if mail.kind is MailKind.INVITATION
            else f"{self._portal}/profile/notifications",
        }
        # Built from the plain MIME classes: `EmailMessage` parses back every header it is
        # given, several milliseconds a mail, and the sender renders each mail it sends.
        message: Message = MIMEMultipart(
            "alternative",
            _subparts=[
                _text(self._templates.get_template("mail.txt.j2").render(context), "plain"),
                _text(self._templates.get_template("mail.html.j2").render(context), "html"),
            ],
            policy=MIME,
        )
        if mail.calendar is not None:
            ics = invite_ics(
                mail.calendar,
                self._from_address,
                to.email,
                f"{self._portal}{mail.calendar.link}",
                now,
            )
            invitation = _text(ics.decode(), "calendar")
            invitation.set_param("method", mail.calendar.method)
            invitation.add_header("Content-Disposition", "attachment", filename="invite.ics")
            message = MIMEMultipart("mixed", _subparts=[message, invitation], policy=MIME)
        message["From"] = self._from
        message["To"] = formataddr((to.name or "", to.email), charset="utf-8")
        message["Subject"] = _header(mail.subject)
        message["Date"] = format_datetime(now)
        # The same id for the same delivery: were it ever sent twice, mail clients show one.
        digest = hashlib.sha256(mail.delivery_id.encode()).hexdigest()[:32]
        message["Message-ID"] = f"<{digest}@mentornet>"
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["X-Mentornet-Kind"] = mail.kind.value
        message["X-Mentornet-Delivery"] = mail.delivery_id
        return message
