"""Logging the records that predate the log (migration 0010): once, on upgrade.

Signatures and revocation events are appended in the order they happened, audit events by
id, each only if no entry logs it yet, so running it twice adds nothing. Their entries are
as trustworthy as the database was at the time of the backfill, no more: a checkpoint taken
right after is what later tampering is measured against.
"""

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import AuditEvent, LogEntry, LogName, RevocationEvent, Signature
from pakta.services.transparency_log import events


@dataclass(frozen=True)
class Backfilled:
    signatures: int
    revocations: int
    audit_events: int


def _logged_subjects(session: Session, log: LogName, types) -> set[str]:
    query = select(LogEntry.subject).where(LogEntry.log == log, LogEntry.event_type.in_(types))
    return set(session.scalars(query))


def _logged_revocations(session: Session) -> set[int]:
    query = select(LogEntry.body).where(
        LogEntry.log == LogName.SIGNING,
        LogEntry.event_type.in_(list(events.REVOCATION_TYPES.values())),
    )
    return {json.loads(body).get("event") for body in session.scalars(query)}


def backfill(session: Session) -> Backfilled:
    """Appends the missing entries; flushes, never commits."""
    signed = _logged_subjects(session, LogName.SIGNING, events.SIGNING_TYPES)
    revoked = _logged_revocations(session)
    pending = [
        (signature.signed_at, 0, signature.id, signature)
        for signature in session.scalars(select(Signature))
        if signature.certificate_number not in signed
    ] + [
        (event.occurred_at, 1, event.id, event)
        for event in session.scalars(select(RevocationEvent))
        if event.id not in revoked
    ]
    counts = {"signatures": 0, "revocations": 0}
    for _when, kind, _id, record in sorted(pending, key=lambda item: item[:3]):
        if kind == 0:
            events.log_signature(session, record, record.employee.identity_number)
            counts["signatures"] += 1
        else:
            events.log_revocation(session, record, record.signature)
            counts["revocations"] += 1
    audited = _logged_subjects(session, LogName.AUDIT, [events.AUDIT])
    missing = [
        event
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if str(event.id) not in audited
    ]
    for event in missing:
        events.log_audit_event(session, event)
    return Backfilled(counts["signatures"], counts["revocations"], len(missing))
