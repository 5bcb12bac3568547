"""The audit trail: one call records one admin action, and chains it into the audit log."""

from sqlalchemy.orm import Session

from pakta.models import AuditEvent, User
from pakta.services import transparency_log


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
        actor=actor.email if isinstance(actor, User) else actor,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip_address=ip_address or "",
        details=details,
    )
    session.add(event)
    session.flush()
    transparency_log.log_audit_event(session, event)
    return event
