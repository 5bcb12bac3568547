"""Two-factor login with TOTP (RFC 6238, through pyotp) and single-use recovery codes.

The TOTP secret is kept sealed (pakta.keys.totp): ``User.totp_secret`` never holds it in
clear, and every read and write goes through ``secret_of`` and ``store_secret``.
"""

import logging
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from pakta import keys
from pakta.i18n import _l
from pakta.keys import totp
from pakta.models import RecoveryCode, User
from pakta.services import login_sessions

ISSUER = "Pakta"
RECOVERY_CODES = 10
# A code of the step before or after the current one is accepted: phones drift.
VALID_WINDOW = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread

logger = logging.getLogger(__name__)

_UNAVAILABLE = _l(
    "Two-step login cannot be checked right now: the server's key for it is missing or "
    "wrong. Tell the administrator."
)


class MfaError(ValueError):
    """A code that cannot be accepted; str() is user-facing."""


class MfaUnavailable(MfaError):
    """The account's secret cannot be read (the key file is missing or wrong, or the sealed
    secret is not this account's): no code can be checked until an admin acts."""


def store_secret(user: User, secret: str | None) -> None:
    """Keeps ``secret`` sealed for ``user`` (who needs an id: the seal is bound to it)."""
    if secret is None:
        user.totp_secret = None
        return
    if user.id is None:
        raise ValueError("the account must be flushed before its TOTP secret is sealed")
    user.totp_secret = _keyring().seal(secret, user.id)


def secret_of(user: User) -> str | None:
    """The account's TOTP secret in clear, or None when it has none; MfaUnavailable when it
    cannot be opened."""
    if not user.totp_secret:
        return None
    try:
        return _keyring().open(user.totp_secret, user.id)
    except totp.SealError:
        # A secret copied from another account (or written in clear, or damaged): refused,
        # and only an admin's reset makes the account usable again.
        logger.error("the TOTP secret of user %s does not open for it", user.id)
        raise MfaUnavailable(
            str(
                _l(
                    "Two-step login for this account is damaged and cannot check codes. "
                    "Ask an admin to reset your two-step login."
                )
            )
        ) from None
    except totp.TotpKeyError as error:
        logger.error("TOTP secrets cannot be opened: %s", error)
        raise MfaUnavailable(str(_UNAVAILABLE)) from None


def _keyring() -> totp.Keyring:
    try:
        return totp.current()
    except totp.TotpKeyError as error:
        logger.error("TOTP secrets cannot be sealed or opened: %s", error)
        raise MfaUnavailable(str(_UNAVAILABLE)) from None


def begin_enrolment(user: User) -> str:
    """The secret to show on the enrolment page; kept (unconfirmed) until a code confirms it,
    so reloading the page does not change the QR code already scanned."""
    if user.has_totp:
        raise MfaError(str(_l("Two-step login is already on for this account.")))
    secret = secret_of(user)
    if secret is None:
        secret = pyotp.random_base32()
        store_secret(user, secret)
    return secret


def provisioning_uri(user: User, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret_of(user)).provisioning_uri(name=user.email, issuer_name=issuer)


def confirm_enrolment(session: Session, user: User, code: str, *, now: datetime) -> list[str]:
    """Turns TOTP on once ``code`` matches; returns the recovery codes, shown this once."""
    if user.has_totp or not user.totp_secret:
        raise MfaError(str(_l("Open the enrolment page again and scan the new code.")))
    if not check_totp(session, user, code, now=now):
        raise MfaError(str(_l("That code is not correct. Check the time on your phone.")))
    user.totp_confirmed_at = now
    return new_recovery_codes(session, user)


def new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    session.flush()
    return codes


def check_totp(session: Session, user: User, code: str, *, now: datetime) -> bool:
    """Whether ``code`` is the account's TOTP code now; a step once accepted never is again,
    even by a request racing this one (the step is claimed with a conditional update)."""
    code = "".join(code.split())
    if not user.totp_secret or len(code) != 6 or not code.isdigit():
        return False
    generator = pyotp.TOTP(secret_of(user))
    current = generator.timecode(now)
    for offset in range(-VALID_WINDOW, VALID_WINDOW + 1):
        if not secrets.compare_digest(generator.at(now, offset), code):
            continue
        step = current + offset
        claimed = session.execute(
            update(User)
            .where(User.id == user.id)
            .where(or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
        ).rowcount
        return claimed == 1
    return False


def use_recovery_code(session: Session, user: User, code: str, *, now: datetime) -> bool:
    """Spends one recovery code; a code used once (or by a racing request) is refused."""
    normalized = "".join(code.split()).replace("-", "").lower()
    if len(normalized) != 10:
        return False
    spent = session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id)
        .where(RecoveryCode.code_hash == _recovery_hash(normalized))
        .where(RecoveryCode.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    return spent == 1


def check_second_factor(session: Session, user: User, code: str, *, now: datetime) -> bool:
    """A TOTP code, or else one of the account's recovery codes."""
    return check_totp(session, user, code, now=now) or use_recovery_code(
        session, user, code, now=now
    )


def reset(session: Session, user: User) -> None:
    """Turns TOTP off (a lost phone) and ends the account's sessions; it enrols again at its
    next login."""
    login_sessions.end_all(session, user)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def unopenable(session: Session, keyring: totp.Keyring) -> list[User]:
    """The accounts whose sealed secret ``keyring`` cannot open (a wrong key file, or a
    secret damaged or copied from another account)."""
    found = []
    for user in session.scalars(select(User).where(User.totp_secret.is_not(None))):
        try:
            keyring.open(user.totp_secret, user.id)
        except (totp.TotpKeyError, totp.SealError):
            found.append(user)
    return found


def reseal_all(session: Session, keyring: totp.Keyring) -> int:
    """Seals every TOTP secret under ``keyring``'s first key; returns how many changed.

    The rows are locked (on PostgreSQL) so that no login or enrolment writes one meanwhile;
    a secret that does not open raises and, the caller rolling back, nothing changes.
    """
    changed = 0
    users = session.scalars(
        select(User).where(User.totp_secret.is_not(None)).order_by(User.id).with_for_update()
    )
    for user in users:
        resealed = keyring.reseal(user.totp_secret, user.id)
        if resealed != user.totp_secret:
            user.totp_secret = resealed
            changed += 1
    session.flush()
    return changed


def sealed_under_other_keys(session: Session, key_id: str) -> int:
    """How many secrets are sealed under a key other than ``key_id``."""
    values = session.scalars(select(User.totp_secret).where(User.totp_secret.is_not(None)))
    return sum(1 for value in values if totp.sealed_key_id(value) != key_id)


def _recovery_hash(code: str) -> str:
    return keys.attempt_key("recovery-code", code)
