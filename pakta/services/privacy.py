"""Forgetting what identifies a device once it is no longer needed (UU 27/2022).

A signature keeps the address and browser it came from as evidence for disputes about the
election it belongs to; the audit trail keeps the address of each admin action. Past the
retention period (``PAKTA_RETENTION_DAYS``) both are blanked, and failed apel identity checks
(keyed hashes of a NIP and an address) and login sessions (long past their 12-hour limit,
but holding the address they were opened from) are deleted. The rest of each row stays: who signed
which text when is the record itself.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from pakta.models import AuditEvent, LoginSession, Signature, VerificationAttempt


@dataclass(frozen=True)
class Purged:
    signatures: int
    audit_events: int
    verification_attempts: int
    login_sessions: int


def purge(session: Session, *, now: datetime, retention_days: int) -> Purged:
    """Blanks addresses and user agents older than ``retention_days``; flushes, never commits.

    Only rows still holding something are changed and counted, so a second run finds none.
    """
    # A day at least: the apel entry's lock counts the failed checks of the last minutes.
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    cutoff = now - timedelta(days=retention_days)
    # Through the connection, not the ORM: these columns count for no tally, and an ORM bulk
    # statement on ``signature`` would make the tallies recount every campaign on commit.
    connection = session.connection()
    signatures = connection.execute(
        update(Signature)
        .where(Signature.signed_at < cutoff)
        .where(or_(Signature.ip_address != "", Signature.user_agent != ""))
        .values(ip_address="", user_agent="")
    ).rowcount
    audit_events = connection.execute(
        update(AuditEvent)
        .where(AuditEvent.occurred_at < cutoff)
        .where(AuditEvent.ip_address != "")
        .values(ip_address="")
    ).rowcount
    attempts = connection.execute(
        delete(VerificationAttempt).where(VerificationAttempt.attempted_at < cutoff)
    ).rowcount
    sessions = connection.execute(
        delete(LoginSession).where(LoginSession.created_at < cutoff)
    ).rowcount
    return Purged(
        signatures=signatures,
        audit_events=audit_events,
        verification_attempts=attempts,
        login_sessions=sessions,
    )
