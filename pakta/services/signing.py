"""Recording a signature on the pact.

A signature is written once and never changed. The unit, name and position
are copied from the roster as they are at that moment, so a later move or
rename leaves the record as it was signed.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.models import Campaign, Employee, Signature, SignatureMethod, utcnow

# Crockford's base32: no I, L, O or U, so a number read aloud or retyped survives.
_CERTIFICATE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_certificate_number(signed_at: datetime) -> str:
    """For example ``PI24-7K3M-Q9XD``: the year, then 40 random bits."""
    body = "".join(secrets.choice(_CERTIFICATE_ALPHABET) for _ in range(8))
    return f"PI{signed_at.year % 100:02d}-{body[:4]}-{body[4:]}"


@dataclass(frozen=True)
class Evidence:
    """What the signing request tells us about how the person signed."""

    ip_address: str = ""
    user_agent: str = ""
    signature_png: bytes | None = None
    typed_name: str | None = None
    acknowledged_points: list[int] = field(default_factory=list)
    witness_user_id: int | None = None


def existing_signature(
    session: Session, campaign: Campaign, employee: Employee
) -> Signature | None:
    return session.scalar(
        select(Signature).where(
            Signature.campaign_id == campaign.id, Signature.employee_id == employee.id
        )
    )


def record_signature(
    session: Session,
    *,
    campaign: Campaign,
    employee: Employee,
    method: SignatureMethod,
    evidence: Evidence,
    signed_at: datetime | None = None,
) -> Signature:
    signed_at = signed_at or utcnow()
    pact = campaign.pact
    signature = Signature(
        public_id=secrets.token_urlsafe(16),
        certificate_number=new_certificate_number(signed_at),
        campaign=campaign,
        employee=employee,
        pact_text=pact,
        pact_sha256=pact.sha256,
        acknowledged_points=list(evidence.acknowledged_points),
        unit_id=employee.unit_id,
        unit_name=employee.unit.name,
        signer_name=employee.name,
        signer_position=employee.position,
        signed_at=signed_at,
        method=method,
        witness_user_id=evidence.witness_user_id,
        ip_address=evidence.ip_address[:45],
        user_agent=evidence.user_agent[:512],
        signature_png=evidence.signature_png,
        typed_name=evidence.typed_name,
    )
    session.add(signature)
    session.flush()
    return signature
