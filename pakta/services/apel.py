"""Apel mode: a projector shows a rotating QR code, staff sign from their phones.

The QR code carries ``<window>.<tag>``: the current minute since the epoch and
a keyed tag of (session, minute) from ``pakta.keys``. A token is good for its
own minute and the next one, so a photo of the screen goes stale within two
minutes while a person who scanned at the end of a minute is not turned away.

Signers prove who they are with their NIP and the roster's verification code.
Failed attempts are counted in the database (every app process sees them), per
NIP and per client address, under keyed hashes so the table lists nobody.

Nothing here is held in memory between requests: the screen polls a status
document that is computed from the database each time.
"""

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from pakta import keys
from pakta.models import (
    ApelSession,
    Campaign,
    Employee,
    Signature,
    Unit,
    User,
    VerificationAttempt,
    utcnow,
)
from pakta.services import rollups, units

WINDOW_SECONDS = 60
# A token is accepted in its own window and this many after it (at most two minutes in all).
GRACE_WINDOWS = 1
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_PERIOD = timedelta(minutes=15)
# After a scan, time to type the NIP and code; after the identity check, time to sign.
ENTRY_LIFETIME = timedelta(minutes=10)
PASS_LIFETIME = timedelta(minutes=15)
# An apel is a morning's event: a session left open is treated as closed after this.
SESSION_LIFETIME = timedelta(hours=12)
RECENT_SIGNERS = 5

# Honorifics and titles written before a name; degrees come after a comma and are cut there.
_PREFIXES = frozenset(
    {
        "dr",
        "drs",
        "dra",
        "drg",
        "h",
        "hj",
        "ir",
        "prof",
        "r",
        "ra",
        "rr",
        "kh",
        "ny",
        "tn",
        "haji",
        "hajjah",
        "raden",
    }
)
# Balinese birth-order markers: "I Made Sudarsana" is called Made.
_MARKERS = frozenset({"i", "ni"})
_TAG = re.compile(r"[A-Za-z0-9_-]{12}")


# -- the session -------------------------------------------------------------------------


def get(session: Session, public_id: str) -> ApelSession | None:
    if not public_id or len(public_id) > 32:
        return None
    return session.scalar(select(ApelSession).where(ApelSession.public_id == public_id))


def is_open(apel: ApelSession, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return apel.closed_at is None and now - apel.opened_at < SESSION_LIFETIME


def open_session(
    session: Session, *, campaign: Campaign, unit: Unit, user: User, now: datetime | None = None
) -> tuple[ApelSession, bool]:
    """A new apel for the campaign and unit, or the one already open there (created False)."""
    now = now or utcnow()
    for existing in session.scalars(
        select(ApelSession)
        .where(
            ApelSession.campaign_id == campaign.id,
            ApelSession.unit_id == unit.id,
            ApelSession.closed_at.is_(None),
        )
        .order_by(ApelSession.opened_at.desc())
    ):
        if is_open(existing, now):
            return existing, False
    apel = ApelSession(
        public_id=secrets.token_urlsafe(12),
        campaign=campaign,
        unit=unit,
        opened_by_id=user.id,
        opened_at=now,
    )
    session.add(apel)
    session.flush()
    return apel, True


def close_session(apel: ApelSession, now: datetime | None = None) -> None:
    if apel.closed_at is None:
        apel.closed_at = now or utcnow()


def sessions_in_scope(
    session: Session, scope: set[int] | None, limit: int = 50
) -> list[ApelSession]:
    """The latest sessions on units the user may see (scope None: all)."""
    statement = select(ApelSession).order_by(ApelSession.opened_at.desc()).limit(limit)
    if scope is not None:
        statement = statement.where(ApelSession.unit_id.in_(scope))
    return list(session.scalars(statement))


def in_scope(apel: ApelSession, scope: set[int] | None) -> bool:
    return scope is None or apel.unit_id in scope


# -- the rotating token ------------------------------------------------------------------


class TokenCheck(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


def window_at(now: datetime) -> int:
    return int(now.timestamp()) // WINDOW_SECONDS


def token_for(apel: ApelSession, now: datetime | None = None) -> str:
    window = window_at(now or utcnow())
    return f"{window}.{keys.apel_token_tag(apel.public_id, window)}"


def check_token(apel: ApelSession, token: str, now: datetime | None = None) -> TokenCheck:
    """VALID in the token's minute and the next; EXPIRED after; INVALID if not this apel's."""
    window_text, dot, tag = token.partition(".")
    if not dot or not window_text.isascii() or not window_text.isdigit() or len(window_text) > 12:
        return TokenCheck.INVALID
    if not _TAG.fullmatch(tag):
        return TokenCheck.INVALID
    window = int(window_text)
    if not keys.apel_token_matches(apel.public_id, window, tag):
        return TokenCheck.INVALID
    age = window_at(now or utcnow()) - window
    if age < 0:  # minted in the future: not by this instance's clock
        return TokenCheck.INVALID
    return TokenCheck.VALID if age <= GRACE_WINDOWS else TokenCheck.EXPIRED


# -- identity and failed attempts --------------------------------------------------------


class Refusal(StrEnum):
    LOCKED = "locked"
    NO_CODE = "no_code"
    WRONG = "wrong"


@dataclass(frozen=True)
class IdentityResult:
    employee: Employee | None = None
    refusal: Refusal | None = None
    # When LOCKED: the moment a new attempt will be accepted again.
    retry_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.employee is not None


def normalize_number(text: str) -> str:
    """A NIP as typed or printed ("19860926 201505 1 001"), or a non-ASN id, as stored."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def attempt_keys(number: str, address: str) -> tuple[str, str]:
    return keys.attempt_key("nip", number), keys.attempt_key("address", address or "")


def retry_at(session: Session, column, key: str, since: datetime) -> datetime | None:
    """When the count for this key drops below the limit again, or None if it is below now."""
    times = list(
        session.scalars(
            select(VerificationAttempt.attempted_at)
            .where(column == key, VerificationAttempt.attempted_at > since)
            .order_by(VerificationAttempt.attempted_at.desc())
            .limit(MAX_FAILED_ATTEMPTS)
        )
    )
    if len(times) < MAX_FAILED_ATTEMPTS:
        return None
    # The fifth most recent failure has to leave the period before a sixth try.
    return times[-1] + ATTEMPT_PERIOD


def locked_until(
    session: Session, nip_key: str, address_key: str, now: datetime | None = None
) -> datetime | None:
    now = now or utcnow()
    since = now - ATTEMPT_PERIOD
    found = [
        moment
        for moment in (
            retry_at(session, VerificationAttempt.nip_key, nip_key, since),
            retry_at(session, VerificationAttempt.address_key, address_key, since),
        )
        if moment is not None
    ]
    return max(found) if found else None


def record_failure(
    session: Session, nip_key: str, address_key: str, now: datetime | None = None
) -> None:
    now = now or utcnow()
    session.add(VerificationAttempt(nip_key=nip_key, address_key=address_key, attempted_at=now))
    # Nothing older than a day has a use: keep the table small.
    session.execute(
        delete(VerificationAttempt).where(
            VerificationAttempt.attempted_at < now - timedelta(days=1)
        )
    )
    session.flush()


def verify_identity(
    session: Session,
    apel: ApelSession,
    *,
    number: str,
    code: str,
    address: str,
    now: datetime | None = None,
) -> IdentityResult:
    """Check the NIP and verification code for this apel; failures are recorded (flush only).

    An active employee of the apel unit's sub-tree whose roster row has no
    verification code is told so (NO_CODE) rather than given the generic
    refusal: it says that such a NIP is on this unit's roster, a trade-off for
    pointing the person to their personal link or the kiosk. It still counts
    as a failed attempt, which bounds how fast anyone can probe with it.
    """
    now = now or utcnow()
    number = normalize_number(number)
    nip_key, address_key = attempt_keys(number, address)
    retry_at = locked_until(session, nip_key, address_key, now)
    if retry_at is not None:
        return IdentityResult(refusal=Refusal.LOCKED, retry_at=retry_at)
    employee = session.scalar(select(Employee).where(Employee.identity_number == number))
    eligible = (
        employee is not None
        and employee.active
        and employee.unit_id in units.subtree_ids(session, apel.unit_id)
    )
    if eligible and not employee.verification_code_hash:
        record_failure(session, nip_key, address_key, now)
        return IdentityResult(refusal=Refusal.NO_CODE)
    if not eligible or not keys.verification_code_matches(code, employee.verification_code_hash):
        record_failure(session, nip_key, address_key, now)
        return IdentityResult(refusal=Refusal.WRONG)
    return IdentityResult(employee=employee)


def may_sign_here(session: Session, apel: ApelSession, employee: Employee) -> bool:
    """Still active and still in the apel unit's sub-tree (checked again when signing)."""
    return employee.active and employee.unit_id in units.subtree_ids(session, apel.unit_id)


# -- the signing pass kept in the Flask session -------------------------------------------


def make_pass(apel: ApelSession, employee: Employee, now: datetime | None = None) -> dict:
    now = now or utcnow()
    return {
        "apel": apel.id,
        "employee": employee.id,
        "until": int((now + PASS_LIFETIME).timestamp()),
    }


def pass_employee_id(granted: object, apel: ApelSession, now: datetime | None = None) -> int | None:
    """The employee the pass is for, if it is a pass for this apel and still valid."""
    if not isinstance(granted, dict):
        return None
    now = now or utcnow()
    if granted.get("apel") != apel.id or not isinstance(granted.get("employee"), int):
        return None
    until = granted.get("until")
    if not isinstance(until, int) or until <= now.timestamp():
        return None
    return granted["employee"]


# -- the big screen ----------------------------------------------------------------------


def first_name(name: str) -> str:
    """What the big screen shows of a signer: the first name, never the full name.

    "Dr. H. Ahmad Fauzi, M.Si." is Ahmad; "Hj. Siti Aminah" is Siti; initials
    ("M. Rizki") and Balinese birth-order markers ("I Made") are skipped.
    """
    bare = unicodedata.normalize("NFKC", name).split(",")[0]
    words = [word for word in re.split(r"[\s]+", bare) if word.strip(".")]
    chosen = ""
    for index, word in enumerate(words):
        plain = word.strip(".").casefold()
        last = index == len(words) - 1
        if plain in _PREFIXES or (plain in _MARKERS and not last):
            continue
        if len(plain) == 1 and word.endswith(".") and not last:
            continue
        # Titles run together with dots ("Dr.H.Ahmad"): keep the part after the last one.
        chosen = word.rstrip(".").split(".")[-1] or word.strip(".")
        break
    if not chosen and words:
        chosen = words[-1].strip(".")
    if chosen.isupper() and len(chosen) > 1:
        chosen = chosen.capitalize()
    return chosen


@dataclass(frozen=True)
class Status:
    open: bool
    window: int
    signed: int
    roster: int
    today: int
    recent: list[str]

    @property
    def rate(self) -> float:
        return 100.0 * self.signed / self.roster if self.roster else 0.0


def status(session: Session, apel: ApelSession, *, tz: ZoneInfo, now: datetime | None = None):
    """The figures on the screen, read from the database (a fixed handful of queries).

    Counted as the rollups' roster view counts them: the active employees now in
    the unit's sub-tree, signed wherever they signed.
    """
    now = now or utcnow()
    rows = rollups.unit_rollups(session, apel.campaign_id, root_unit_ids={apel.unit_id})
    total = rows[0].total if rows else rollups.ZERO
    subtree = {row.unit_id for row in rows}
    today = rollups.signatures_today(session, apel.campaign_id, unit_ids=subtree, tz=tz, now=now)
    names = session.scalars(
        select(Signature.signer_name)
        .join(Employee, Employee.id == Signature.employee_id)
        .where(
            Signature.campaign_id == apel.campaign_id,
            Signature.is_valid,
            Employee.active,
            Employee.unit_id.in_(subtree),
        )
        .order_by(Signature.signed_at.desc(), Signature.id.desc())
        .limit(RECENT_SIGNERS)
    )
    return Status(
        open=is_open(apel, now),
        window=window_at(now),
        signed=total.signed,
        roster=total.roster,
        today=today,
        recent=[first_name(name) for name in names],
    )


def count_apel_signatures(session: Session, apel: ApelSession) -> int:
    return session.scalar(
        select(func.count()).select_from(Signature).where(Signature.apel_session_id == apel.id)
    )
