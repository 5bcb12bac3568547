"""Answering "is this certificate genuine?" for anyone holding one."""

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.keys import certificate as certificate_keys
from pakta.models import IssuedCertificate, RevocationAction, RevocationEvent, Signature
from pakta.services.certificates import revocations, tokens


class Status(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    INVALID = "invalid"
    NOT_FOUND = "not_found"


STATUS_LABELS = {
    Status.VALID.value: _l("VALID"),
    Status.REVOKED.value: _l("REVOKED"),
    Status.INVALID.value: _l("INVALID"),
    Status.NOT_FOUND.value: _l("NOT FOUND"),
}


@dataclass(frozen=True)
class Verdict:
    status: Status
    claims: tokens.Claims | None = None
    signature: Signature | None = None
    revocation: RevocationEvent | None = None
    pdf_sha256: str | None = None


def verify_token(session: Session, token: str) -> Verdict:
    try:
        claims = tokens.verify(token, certificate_keys.public_keys(session))
    except tokens.TokenError:
        return Verdict(Status.INVALID)
    signature = session.scalar(
        select(Signature).where(Signature.certificate_number == claims.certificate_number)
    )
    if signature is None:
        return Verdict(Status.NOT_FOUND, claims)
    issued = session.scalar(
        select(IssuedCertificate).where(IssuedCertificate.signature_id == signature.id)
    )
    # Our key signed it, so the fields match the record it was issued for; a token that
    # is not the one issued for this signature is not this certificate.
    if issued is None or issued.token != token.strip():
        return Verdict(Status.INVALID, claims)
    event = revocations.latest(session, signature.id)
    status = (
        Status.REVOKED
        if event is not None and event.action == RevocationAction.REVOKE
        else Status.VALID
    )
    return Verdict(
        status,
        claims,
        signature,
        event if status == Status.REVOKED else None,
        issued.pdf_sha256,
    )


def by_pdf_hash(session: Session, sha256: str) -> IssuedCertificate | None:
    return session.scalar(
        select(IssuedCertificate).where(IssuedCertificate.pdf_sha256 == sha256.lower())
    )
