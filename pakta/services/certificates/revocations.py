"""Revoking and reinstating certificates: append-only events, the newest counts."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import (
    RevocationAction,
    RevocationEvent,
    RevocationReason,
    Signature,
    User,
)

REASON_LABELS = {
    RevocationReason.SIGNED_IN_ERROR.value: _l("signed in error"),
    RevocationReason.WRONG_IDENTITY.value: _l("wrong identity"),
    RevocationReason.SANCTION.value: _l("sanction"),
    RevocationReason.OTHER.value: _l("other"),
}


class RevocationError(ValueError):
    """The request cannot be carried out; str() is user-facing."""


def by_certificate_number(session: Session, number: str) -> Signature | None:
    return session.scalar(
        select(Signature).where(Signature.certificate_number == number.strip().upper())
    )


def latest(session: Session, signature_id: int) -> RevocationEvent | None:
    return session.scalar(
        select(RevocationEvent)
        .where(RevocationEvent.signature_id == signature_id)
        .order_by(RevocationEvent.occurred_at.desc(), RevocationEvent.id.desc())
    )


def is_revoked(session: Session, signature_id: int) -> bool:
    event = latest(session, signature_id)
    return event is not None and event.action == RevocationAction.REVOKE


def history(session: Session, signature_id: int) -> list[RevocationEvent]:
    return list(
        session.scalars(
            select(RevocationEvent)
            .where(RevocationEvent.signature_id == signature_id)
            .order_by(RevocationEvent.occurred_at, RevocationEvent.id)
        )
    )


def _record(session, signature, action, actor, reason=None, note="") -> RevocationEvent:
    event = RevocationEvent(
        signature_id=signature.id,
        action=action,
        reason=reason,
        note=note.strip(),
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=actor.email if isinstance(actor, User) else actor,
    )
    session.add(event)
    session.flush()
    return event


def revoke(
    session: Session,
    signature: Signature,
    *,
    reason: RevocationReason | str,
    note: str,
    actor: User | str,
) -> RevocationEvent:
    try:
        reason = RevocationReason(reason)
    except ValueError as error:
        raise RevocationError(str(_l("Choose a reason for the revocation."))) from error
    if is_revoked(session, signature.id):
        raise RevocationError(str(_l("This certificate is already revoked.")))
    if reason == RevocationReason.OTHER and not note.strip():
        raise RevocationError(str(_l("Say why in the note when the reason is 'other'.")))
    return _record(session, signature, RevocationAction.REVOKE, actor, reason, note)


def reinstate(
    session: Session, signature: Signature, *, note: str, actor: User | str
) -> RevocationEvent:
    if not is_revoked(session, signature.id):
        raise RevocationError(str(_l("This certificate is not revoked.")))
    return _record(session, signature, RevocationAction.REINSTATE, actor, None, note)
