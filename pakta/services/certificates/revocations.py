"""Revoking and reinstating certificates: append-only events, the newest counts.

A revocation voids the signature (``Signature.revoked_at``, kept with each event in the
same transaction): the person counts as not signed again and may sign anew, with a new
certificate number, while the old certificate keeps verifying as revoked. A reinstatement
gives the old signature back only while the person has no newer valid one; the database's
partial unique index settles a reinstatement racing a new signature.
"""

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import (
    RevocationAction,
    RevocationEvent,
    RevocationReason,
    Signature,
    User,
)
from pakta.services import transparency_log

REASON_LABELS = {
    RevocationReason.SIGNED_IN_ERROR.value: _l("signed in error"),
    RevocationReason.WRONG_IDENTITY.value: _l("wrong identity"),
    RevocationReason.SANCTION.value: _l("sanction"),
    RevocationReason.OTHER.value: _l("other"),
}


def revoked_label(reason: RevocationReason | str | None) -> str:
    """What a list says beside someone whose signature was revoked: "revoked: <reason>"."""
    label = REASON_LABELS.get(RevocationReason(reason).value) if reason else None
    if label is None:
        return str(_l("revoked"))
    return str(_l("revoked: {reason}")).format(reason=label)


class RevocationError(ValueError):
    """The request cannot be carried out; str() is user-facing."""


class NewerSignatureExists(RevocationError):
    """The person signed again after the revocation: two valid signatures cannot be."""

    def __init__(self, newer: Signature):
        self.newer = newer
        super().__init__(
            str(
                _l(
                    "This certificate cannot be reinstated: the person has signed again since, "
                    "with certificate {number}. Revoke that one first."
                )
            ).format(number=newer.certificate_number)
        )


def valid_signatures() -> Select[tuple[Signature]]:
    """Every signature that counts as signed (not revoked); add conditions with .where()."""
    return select(Signature).where(Signature.is_valid)


def valid_signature(session: Session, campaign_id: int, employee_id: int) -> Signature | None:
    """The person's one valid signature in the campaign, if any (the database allows one)."""
    return session.scalar(
        valid_signatures().where(
            Signature.campaign_id == campaign_id, Signature.employee_id == employee_id
        )
    )


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


def last_revocation(session: Session, campaign_id: int, employee_id: int) -> RevocationEvent | None:
    """The newest revocation of a signature of this person in the campaign that is still
    revoked (a reinstated one is valid again), with its signature."""
    return session.scalar(
        select(RevocationEvent)
        .join(RevocationEvent.signature)
        .where(
            Signature.campaign_id == campaign_id,
            Signature.employee_id == employee_id,
            Signature.revoked_at.is_not(None),
            RevocationEvent.action == RevocationAction.REVOKE,
        )
        .order_by(RevocationEvent.occurred_at.desc(), RevocationEvent.id.desc())
        .limit(1)
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


def _locked(session: Session, signature: Signature) -> Signature:
    """The signature re-read under a row lock (PostgreSQL): of two admins acting on it at
    once, the second sees what the first did, so each state change is counted once."""
    return session.scalars(
        select(Signature)
        .where(Signature.id == signature.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


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
    transparency_log.log_revocation(session, event, signature)
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
    if reason == RevocationReason.OTHER and not note.strip():
        raise RevocationError(str(_l("Say why in the note when the reason is 'other'.")))
    signature = _locked(session, signature)
    if not signature.is_valid:
        raise RevocationError(str(_l("This certificate is already revoked.")))
    event = _record(session, signature, RevocationAction.REVOKE, actor, reason, note)
    signature.revoked_at = event.occurred_at
    session.flush()
    return event


def reinstate(
    session: Session, signature: Signature, *, note: str, actor: User | str
) -> RevocationEvent:
    signature = _locked(session, signature)
    if signature.is_valid:
        raise RevocationError(str(_l("This certificate is not revoked.")))
    newer = valid_signature(session, signature.campaign_id, signature.employee_id)
    if newer is not None:
        raise NewerSignatureExists(newer)
    try:
        with session.begin_nested():
            signature.revoked_at = None
            session.flush()
    except IntegrityError:
        # A new signature was committed after the look above: it stands.
        newer = valid_signature(session, signature.campaign_id, signature.employee_id)
        if newer is None:
            raise
        raise NewerSignatureExists(newer) from None
    return _record(session, signature, RevocationAction.REINSTATE, actor, None, note)
