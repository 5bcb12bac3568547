"""The audit trail: one call records one action, and chains it into the audit log.

Who did what to which record, when and from which address: imports, link generation,
revocations, user and token changes, exports, logins (failed ones too) and settings. Each
event is also an entry of the ``audit`` transparency log, so deleting or editing one shows
in ``pakta audit verify``.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pakta.models import AuditEvent, User
from pakta.services import transparency_log
from pakta.services.spreadsheet import csv_bytes


def record(
    session: Session,
    *,
    actor: User | str,
    action: str,
    target_type: str,
    target_id: object,
    ip_address: str = "",
    **details,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=(actor.email if isinstance(actor, User) else actor)[:255],
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        ip_address=ip_address or "",
        details=details,
    )
    session.add(event)
    session.flush()
    transparency_log.log_audit_event(session, event)
    return event


@dataclass(frozen=True)
class Filter:
    """What the trail is narrowed to; empty values do not narrow. Days are local dates."""

    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    def query(self, zone: ZoneInfo) -> Select[tuple[AuditEvent]]:
        query = select(AuditEvent)
        if self.actor.strip():
            query = query.where(AuditEvent.actor.contains(self.actor.strip(), autoescape=True))
        if self.action.strip():
            query = query.where(AuditEvent.action.startswith(self.action.strip(), autoescape=True))
        if self.since:
            query = query.where(
                AuditEvent.occurred_at >= datetime.combine(self.since, time(), zone)
            )
        if self.until:
            end = datetime.combine(self.until + timedelta(days=1), time(), zone)
            query = query.where(AuditEvent.occurred_at < end)
        return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def events(
    session: Session, wanted: Filter, zone: ZoneInfo, *, limit: int, offset: int = 0
) -> list[AuditEvent]:
    return list(session.scalars(wanted.query(zone).limit(limit).offset(offset)))


def actions(session: Session) -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


CSV_HEADER = ["time", "actor", "action", "target_type", "target_id", "ip_address", "details"]


def trail_csv(session: Session, wanted: Filter, zone: ZoneInfo) -> bytes:
    rows = (
        [
            event.occurred_at.astimezone(zone).isoformat(timespec="seconds"),
            event.actor,
            event.action,
            event.target_type,
            event.target_id,
            event.ip_address,
            json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
        ]
        for event in session.scalars(wanted.query(zone))
    )
    return csv_bytes(CSV_HEADER, rows)
