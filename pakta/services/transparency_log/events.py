"""What each logged event says: the fields of its entry, built from the record it logs.

``pakta audit verify`` builds the same fields from the live rows and compares, so a record
edited behind the log's back no longer matches its entry. The employee appears only as a
keyed hash of their identity number: the log can be published without naming anyone, yet
the instance (and only it) can tell whose entry it is.
"""

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, exists
from sqlalchemy.orm import Session

from pakta.keys import log_address_digest, log_identity_digest
from pakta.models import (
    AuditEvent,
    LogName,
    RevocationAction,
    RevocationEvent,
    Signature,
)
from pakta.services.transparency_log.entries import Appended, Condition, append

if TYPE_CHECKING:
    from pakta.services.signing import SignedRecord

SIGNATURE = "signature"
RESIGNATURE = "resignature"
REVOCATION = "revocation"
REINSTATEMENT = "reinstatement"
AUDIT = "audit"
SIGNING_TYPES = (SIGNATURE, RESIGNATURE)
REVOCATION_TYPES = {RevocationAction.REVOKE: REVOCATION, RevocationAction.REINSTATE: REINSTATEMENT}


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _sha256(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


def signature_fields(signature: Signature, identity_number: str) -> dict[str, Any]:
    return {
        "certificate_number": signature.certificate_number,
        "identity": log_identity_digest(identity_number),
        "campaign": signature.campaign_id,
        "unit": signature.unit_id,
        "time": timestamp(signature.signed_at),
        "method": signature.method.value,
        "pact_sha256": signature.pact_sha256,
        "signature_image_sha256": _sha256(signature.signature_png),
        "typed_name_sha256": _sha256(
            signature.typed_name.encode() if signature.typed_name is not None else None
        ),
    }


def revocation_fields(
    event: RevocationEvent, signature: Signature, identity_number: str
) -> dict[str, Any]:
    return {
        "certificate_number": signature.certificate_number,
        "identity": log_identity_digest(identity_number),
        "campaign": signature.campaign_id,
        "unit": signature.unit_id,
        "time": timestamp(event.occurred_at),
        "event": event.id,
        "reason": event.reason.value if event.reason else None,
    }


def audit_fields(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event.id,
        "time": timestamp(event.occurred_at),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "address": log_address_digest(event.ip_address),
        "details": event.details or {},
    }


# Fields that ``pakta purge`` blanks in the record after the retention period: a blank one
# in the record is a purge, not tampering, and is not compared with the log's digest.
PURGEABLE = frozenset({"address"})


# Whether the person signed the campaign before (that signature was revoked); earlier rows
# only, so that a backfill names the first one a signature.
_RESIGNING = exists().where(
    Signature.campaign_id == bindparam("resign_campaign"),
    Signature.employee_id == bindparam("resign_employee"),
    Signature.id < bindparam("resign_id"),
)


def log_signature(
    session: Session, signature: "Signature | SignedRecord", identity_number: str
) -> Appended:
    """The entry of a new signature: ``signature`` is its row (mapped, or as written by
    ``signing.record_signature``), ``identity_number`` its signer's."""
    fields = signature_fields(signature, identity_number)
    resigning = Condition(
        _RESIGNING,
        {
            "resign_campaign": signature.campaign_id,
            "resign_employee": signature.employee_id,
            "resign_id": signature.id,
        },
    )
    return append(
        session,
        LogName.SIGNING,
        SIGNATURE,
        signature.certificate_number,
        fields,
        otherwise=(resigning, RESIGNATURE),
    )


def log_revocation(session: Session, event: RevocationEvent, signature: Signature) -> Appended:
    fields = revocation_fields(event, signature, signature.employee.identity_number)
    return append(
        session,
        LogName.SIGNING,
        REVOCATION_TYPES[event.action],
        signature.certificate_number,
        fields,
    )


def log_audit_event(session: Session, event: AuditEvent) -> Appended:
    return append(session, LogName.AUDIT, AUDIT, str(event.id), audit_fields(event))
