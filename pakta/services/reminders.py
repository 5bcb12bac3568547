"""Chasing the people who have not signed yet: their links, a WhatsApp text, reminder emails.

``pending`` lists who has not signed in a set of units (an operator's sub-tree), each with
their personal link (created when missing) and whether the roster has an email address or a
phone number for them. The texts are written in the current locale; callers that write to
employees rather than to the operator pass the instance's default locale (Bahasa Indonesia).

``send_reminders`` emails each of them their personal link over SMTP. A person is not
reminded again within ``REMIND_AGAIN_AFTER`` of a delivered reminder, and one operator sends
at most their hourly limit; every attempt, delivered or not, is a ``Reminder`` row. Like the
other services it only flushes: the caller commits (and records the batch in the audit trail).
"""

import smtplib
import ssl
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from email.utils import make_msgid

from flask_babel import force_locale, format_datetime, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pakta import formats
from pakta.i18n import _
from pakta.models import Campaign, Employee, Reminder, User, utcnow
from pakta.services import links, rollups
from pakta.services.certificates import revocations
from pakta.services.link_exports import link_url

__all__ = [
    "CLOSING_PATTERN",
    "REMIND_AGAIN_AFTER",
    "CampaignNotOpen",
    "Outcome",
    "Pending",
    "SmtpSettings",
    "closing_time",
    "email_message",
    "group_text",
    "pending",
    "personal_text",
    "send_reminders",
]

REMIND_AGAIN_AFTER = timedelta(hours=12)
SMTP_TIMEOUT_SECONDS = 30
# "Sabtu, 10 Agustus 2024, 00.00 WIB": in the instance's zone, with its abbreviation.
CLOSING_PATTERN = "EEEE, d MMMM yyyy, HH.mm zzz"
_ERROR_LENGTH = 500  # Reminder.error
# One message refused (a bad address, a full mailbox): the connection goes on.
_REFUSED = (
    ValueError,
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPResponseException,
    smtplib.SMTPNotSupportedError,
)


class CampaignNotOpen(Exception):
    """Reminders only go out while the campaign is open for signing."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str

    @classmethod
    def from_config(cls, config: Mapping) -> "SmtpSettings | None":
        """The app's SMTP settings, or None when no SMTP_HOST is configured."""
        host = (config.get("SMTP_HOST") or "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(config.get("SMTP_PORT") or 587),
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            starttls=bool(config.get("SMTP_STARTTLS", True)),
            sender=config.get("MAIL_FROM") or "pakta@localhost",
        )


@dataclass(frozen=True)
class Pending:
    """Someone on the current roster who has not signed the campaign yet."""

    employee_id: int
    identity_number: str
    name: str
    position: str
    employment_type: str
    unit_code: str
    unit_name: str
    email: str | None
    phone: str | None
    link: str  # their personal signing link
    # Signed, then revoked: the revocation's reason (``RevocationReason`` value).
    revoked_reason: str | None = None

    @property
    def revoked(self) -> str:
        """ "revoked: <reason>" for someone whose signature was revoked, else ""."""
        return revocations.revoked_label(self.revoked_reason) if self.revoked_reason else ""


@dataclass(frozen=True)
class Outcome:
    """What became of one batch of reminders; every person given is in exactly one count."""

    sent: int = 0
    failed: int = 0
    recently_reminded: int = 0
    without_email: int = 0
    over_limit: int = 0
    first_error: str = ""


def pending(
    session: Session,
    campaign: Campaign,
    unit_ids: set[int],
    *,
    creator: User | None,
    base_url: str,
) -> list[Pending]:
    """Who in exactly these units (pass a sub-tree) has not signed, with their personal links.

    Someone whose signature was revoked has not signed (again) either, and is marked so.

    Links missing for anyone in the units are created (``links.export_rows``). Sorted by
    unit code, then name. A fixed number of queries.
    """
    statuses = rollups.not_signed(session, campaign.id, unit_ids)
    if not statuses:
        return []
    tokens = {
        row.identity_number: row.token
        for row in links.export_rows(session, campaign, unit_ids, creator)
    }
    contacts = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            select(Employee.id, Employee.email, Employee.phone).where(
                Employee.active, Employee.unit_id.in_(unit_ids)
            )
        )
    }
    people = []
    for status in statuses:
        email, phone = contacts.get(status.employee_id, (None, None))
        people.append(
            Pending(
                employee_id=status.employee_id,
                identity_number=status.identity_number,
                name=status.name,
                position=status.position,
                employment_type=status.employment_type,
                unit_code=status.unit_code,
                unit_name=status.unit_name,
                email=(email or "").strip() or None,
                phone=(phone or "").strip() or None,
                link=link_url(base_url, tokens[status.identity_number]),
                revoked_reason=status.revoked_reason,
            )
        )
    return people


# -- the texts ----------------------------------------------------------------------------


@contextmanager
def _locale(locale: str | None) -> Iterator[None]:
    if locale:
        with force_locale(locale):
            yield
    else:
        yield


def closing_time(campaign: Campaign) -> str:
    """When signing closes, in the instance's zone, written out in the current locale."""
    return format_datetime(campaign.closes_at, CLOSING_PATTERN)


def group_text(campaign: Campaign, count: int, unit_name: str) -> str:
    """A message for a unit's WhatsApp group: who is concerned, until when, what to do."""
    lines = [
        campaign.title,
        "",
        ngettext(
            "%(count)s person in %(unit)s has not signed the neutrality integrity pact yet.",
            "%(count)s people in %(unit)s have not signed the neutrality integrity pact yet.",
            count,
            count=formats.number(count),  # "1.250" in id: the locale's grouping
            unit=unit_name,
        ),
        _("Signing closes on {closes}.").format(closes=closing_time(campaign)),
        "",
        _(
            "If you have not signed yet, open your personal signing link, read the points of "
            "the pact, tick each of them and sign. It takes two minutes. If you do not have "
            "your link, ask your unit's operator."
        ),
    ]
    return "\n".join(lines)


def _revocation_reason(person: Pending) -> str | None:
    """Someone whose signature was revoked did sign: they are told of the revocation, never
    that they have not signed."""
    if not person.revoked_reason:
        return None
    return str(revocations.REASON_LABELS[person.revoked_reason])


def _personal_status(campaign: Campaign, person: Pending) -> str:
    closes = closing_time(campaign)
    reason = _revocation_reason(person)
    if reason is None:
        return _("you have not signed {title} yet. Signing closes on {closes}.").format(
            title=campaign.title, closes=closes
        )
    return _(
        "your signature of {title} was revoked (reason: {reason}): please sign again. "
        "Signing closes on {closes}."
    ).format(title=campaign.title, reason=reason, closes=closes)


def personal_text(campaign: Campaign, person: Pending) -> str:
    """A message for one person, with their own link."""
    return "\n".join(
        [
            _("Dear {name},").format(name=person.name),
            _personal_status(campaign, person),
            _("Your personal signing link (for you only, do not pass it on):"),
            person.link,
        ]
    )


def _email_status(campaign: Campaign, person: Pending) -> str:
    reason = _revocation_reason(person)
    if reason is None:
        return _("According to our records you have not signed {title} yet.").format(
            title=campaign.title
        )
    return _("Your signature of {title} was revoked (reason: {reason}): please sign again.").format(
        title=campaign.title, reason=reason
    )


def email_message(
    campaign: Campaign, person: Pending, *, sender: str, issuer: str = ""
) -> EmailMessage:
    """The reminder email to one person, from ``issuer`` (by default the campaign's
    authority). Raises ValueError for an unusable address."""
    issuer = issuer or campaign.issuing_authority
    message = EmailMessage()
    message["Subject"] = _("Reminder: {title}").format(title=campaign.title)
    message["From"] = Address(display_name=issuer, addr_spec=sender)
    message["To"] = Address(display_name=person.name, addr_spec=person.email or "")
    message["Date"] = email_date(utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    body = [
        _("Dear {name},").format(name=person.name),
        "",
        _email_status(campaign, person),
        _("Signing closes on {closes}.").format(closes=closing_time(campaign)),
        "",
        _("Sign with your personal link:"),
        person.link,
        "",
        _(
            "The link is for you alone: do not pass it on. If your details are wrong, or "
            "if you have already signed, tell your unit's operator."
        ),
        "",
        issuer,
    ]
    message.set_content("\n".join(body))
    return message


# -- sending ------------------------------------------------------------------------------


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    connection = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if smtp.starttls:
            connection.starttls(context=ssl.create_default_context())
        if smtp.username:
            connection.login(smtp.username, smtp.password or "")
    except BaseException:
        connection.close()
        raise
    return connection


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text[:_ERROR_LENGTH]


def _recently_reminded(
    session: Session, campaign: Campaign, employee_ids: list[int], since: datetime
) -> set[int]:
    if not employee_ids:
        return set()
    return set(
        session.scalars(
            select(Reminder.employee_id).where(
                Reminder.campaign_id == campaign.id,
                Reminder.employee_id.in_(employee_ids),
                Reminder.error == "",
                Reminder.sent_at > since,
            )
        )
    )


def _sent_by(session: Session, sender: User, since: datetime) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Reminder)
        .where(Reminder.sent_by_id == sender.id, Reminder.sent_at > since)
    )


def send_reminders(
    session: Session,
    campaign: Campaign,
    people: Iterable[Pending],
    *,
    sender: User,
    smtp: SmtpSettings,
    limit_per_hour: int,
    now: datetime | None = None,
    locale: str | None = None,
    issuer: str = "",
) -> Outcome:
    """Email each person with an address their personal link, within the limits.

    Skipped: people without an email address, people delivered a reminder for this
    campaign within ``REMIND_AGAIN_AFTER``, and whoever is past the sender's
    ``limit_per_hour`` (every attempt in the last hour counts, delivered or not).
    One SMTP connection for the batch; each attempt is logged as a ``Reminder``, with
    the error when the server refused it or could not be reached. Raises
    ``CampaignNotOpen`` outside the campaign's signing window.
    """
    now = now or utcnow()
    if not campaign.is_open(now):
        raise CampaignNotOpen(campaign.slug)
    people = list(people)
    with_email = [person for person in people if person.email]
    recent = _recently_reminded(
        session, campaign, [person.employee_id for person in with_email], now - REMIND_AGAIN_AFTER
    )
    due = [person for person in with_email if person.employee_id not in recent]
    allowed = max(0, limit_per_hour - _sent_by(session, sender, now - timedelta(hours=1)))
    batch = due[:allowed]

    errors: dict[int, str] = {}
    if batch:
        with _locale(locale):
            errors = _deliver(campaign, batch, smtp, issuer)
    for person in batch:
        session.add(
            Reminder(
                campaign_id=campaign.id,
                employee_id=person.employee_id,
                sent_by_id=sender.id,
                channel="email",
                address=(person.email or "")[:255],
                sent_at=now,
                error=errors.get(person.employee_id, ""),
            )
        )
    session.flush()
    return Outcome(
        sent=len(batch) - len(errors),
        failed=len(errors),
        recently_reminded=len(with_email) - len(due),
        without_email=len(people) - len(with_email),
        over_limit=len(due) - len(batch),
        first_error=next(iter(errors.values()), ""),
    )


def _deliver(
    campaign: Campaign, batch: list[Pending], smtp: SmtpSettings, issuer: str
) -> dict[int, str]:
    """Send the batch over one connection; the error for each employee id not delivered.

    A refused message is that person's error; a lost connection is the error of everyone
    not delivered yet.
    """
    try:
        connection = _connect(smtp)
    except OSError as error:  # smtplib.SMTPException included
        return {person.employee_id: _error_text(error) for person in batch}
    errors: dict[int, str] = {}
    try:
        for index, person in enumerate(batch):
            try:
                connection.send_message(
                    email_message(campaign, person, sender=smtp.sender, issuer=issuer)
                )
            except _REFUSED as error:
                errors[person.employee_id] = _error_text(error)
            except OSError as error:  # the connection is gone (smtplib's errors are OSErrors)
                errors.update((later.employee_id, _error_text(error)) for later in batch[index:])
                break
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()
    return errors
