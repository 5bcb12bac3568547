"""Which NIPs the apel entry has locked (five wrong codes in 15 minutes), for the operator.

Anyone with the projector's QR code can lock a colleague's NIP out of the apel entry; the
lock stays (it is what stops guessing), the person can still sign through their personal
link or the kiosk, and the operator sees whom it holds and until when. The attempt table
keeps keyed hashes only, so the locked keys are matched against the roster of the units
the operator may see: a NIP outside them, or on no roster, is not shown.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pakta import keys
from pakta.models import Employee, VerificationAttempt, utcnow
from pakta.services.apel import ATTEMPT_PERIOD, MAX_FAILED_ATTEMPTS, normalize_number, retry_at
from pakta.services.identity import mask_identity


@dataclass(frozen=True)
class LockedNumber:
    masked_number: str
    unlocks_at: datetime


def locked_numbers(
    session: Session, scope: set[int] | None, now: datetime | None = None
) -> list[LockedNumber]:
    """The NIPs of active employees in ``scope`` (unit ids; None for all) locked now,
    masked, soonest unlocked first."""
    now = now or utcnow()
    since = now - ATTEMPT_PERIOD
    locked_keys = set(
        session.scalars(
            select(VerificationAttempt.nip_key)
            .where(VerificationAttempt.attempted_at > since)
            .group_by(VerificationAttempt.nip_key)
            .having(func.count() >= MAX_FAILED_ATTEMPTS)
        )
    )
    if not locked_keys:
        return []
    numbers = select(Employee.identity_number).where(Employee.active)
    if scope is not None:
        numbers = numbers.where(Employee.unit_id.in_(scope))
    found = []
    for number in session.scalars(numbers):
        key = keys.attempt_key("nip", normalize_number(number))
        if key in locked_keys:
            until = retry_at(session, VerificationAttempt.nip_key, key, since)
            if until is not None:
                found.append(LockedNumber(mask_identity(number), until))
    return sorted(found, key=lambda locked: locked.unlocks_at)
