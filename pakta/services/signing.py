"""Signing the pact.

A signature is written once and never changed. The unit, name and position
are copied from the roster as they are at that moment, so a later move or
rename leaves the record as it was signed. A second attempt for the same
person and campaign (a double tap, two tabs, two kiosks) never writes a second
valid row: the database's partial unique index decides, and the loser is handed
the signature that won. A revoked signature no longer counts: the person signs
again like anyone who has not signed, and gets a new certificate number.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Campaign, Employee, Signature, SignatureMethod, utcnow
from pakta.services import person_names, transparency_log
from pakta.services.certificates import revocations

# Crockford's base32: no I, L, O or U, so a number read aloud or retyped survives.
_CERTIFICATE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class SigningError(Exception):
    """The signature cannot be recorded; str() is a user-facing message."""


class CampaignNotOpen(SigningError):
    def __init__(self, campaign: Campaign, now: datetime):
        self.not_yet = now < campaign.opens_at
        self.when = campaign.opens_at if self.not_yet else campaign.closes_at
        super().__init__(
            str(_l("Signing has not opened yet.") if self.not_yet else _l("Signing has closed."))
        )


class NotEligible(SigningError):
    pass


class IncompleteSubmission(SigningError):
    """Something the signer must fix. ``problems`` maps each field of the signing form
    ("points", "signature", "typed_name") to what is wrong with it, all found at once."""

    def __init__(self, message: str | None = None, problems: dict[str, str] | None = None):
        self.problems = dict(problems or {})
        super().__init__(message or " ".join(self.problems.values()))


def new_certificate_number(signed_at: datetime) -> str:
    """For example ``PI24-7K3M-Q9XD``: the year, then 40 random bits."""
    body = "".join(secrets.choice(_CERTIFICATE_ALPHABET) for _ in range(8))
    return f"PI{signed_at.year % 100:02d}-{body[:4]}-{body[4:]}"


@dataclass(frozen=True)
class Evidence:
    """What the signing request tells us about how the person signed."""

    ip_address: str = ""
    scheme: str = ""
    user_agent: str = ""
    signature_png: bytes | None = None
    typed_name: str | None = None
    acknowledged_points: list[int] = field(default_factory=list)
    witness_user_id: int | None = None
    # The browser's id for this submission: a retried request carries the same one.
    client_submission_id: str | None = None
    # The apel session whose QR code led to this signature (method APEL).
    apel_session_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    signature: Signature
    created: bool


def existing_signature(
    session: Session, campaign: Campaign, employee: Employee
) -> Signature | None:
    """The person's valid signature in the campaign; a revoked one is no longer theirs."""
    return revocations.valid_signature(session, campaign.id, employee.id)


def by_submission_id(session: Session, submission_id: str) -> Signature | None:
    return session.scalar(select(Signature).where(Signature.client_submission_id == submission_id))


def check_can_sign(campaign: Campaign, employee: Employee, now: datetime) -> None:
    if not employee.active:
        raise NotEligible(str(_l("This employee is not active on the roster.")))
    if not campaign.is_open(now):
        raise CampaignNotOpen(campaign, now)


def submission_problems(campaign: Campaign, employee: Employee, evidence: Evidence) -> dict:
    """Every field of the submission that keeps it from being signed, with a message each."""
    problems = {}
    expected = list(range(1, len(campaign.pact.points) + 1))
    if sorted(set(evidence.acknowledged_points)) != expected:
        problems["points"] = str(_l("Tick every point of the pact to sign it."))
    if evidence.signature_png is None:
        if evidence.typed_name is None or not evidence.typed_name.strip():
            problems["signature"] = str(_l("Draw your signature in the box."))
        elif not person_names.same_name(evidence.typed_name, employee.name):
            problems["typed_name"] = str(_l("Type your full name as it is written above."))
    return problems


def _check_submission(campaign: Campaign, employee: Employee, evidence: Evidence) -> None:
    if problems := submission_problems(campaign, employee, evidence):
        raise IncompleteSubmission(problems=problems)


def sign(
    session: Session,
    *,
    campaign: Campaign,
    employee: Employee,
    method: SignatureMethod,
    evidence: Evidence,
    now: datetime | None = None,
    looked_up: bool = False,
) -> Outcome:
    """Record the signature, or hand back the one already recorded. Flushes, never commits.

    ``looked_up``: the caller has looked for the person's signature in this transaction and
    found none, so it is not looked up again. Either way the unique constraints settle a race
    (another tab, a retried or doubled submission with the same ``client_submission_id``):
    the insert fails and the signature that won is looked up then.
    """
    if not looked_up:
        existing = existing_signature(session, campaign, employee)
        if existing is not None:
            return Outcome(existing, created=False)
    now = now or utcnow()
    check_can_sign(campaign, employee, now)
    _check_submission(campaign, employee, evidence)
    for _attempt in range(3):
        try:
            with session.begin_nested():
                signature = record_signature(
                    session,
                    campaign=campaign,
                    employee=employee,
                    method=method,
                    evidence=evidence,
                    signed_at=now,
                )
        except IntegrityError:
            # Someone signed for this person in the meantime (another tab, a retry with the
            # same submission id), or the submission id signed for someone else (or for
            # another campaign), or (rarely) the random certificate number was taken: look,
            # then try again.
            existing = existing_signature(session, campaign, employee)
            if existing is not None:
                return Outcome(existing, created=False)
            if evidence.client_submission_id and by_submission_id(
                session, evidence.client_submission_id
            ):
                raise IncompleteSubmission(str(_l("Reload the page and sign again."))) from None
            continue
        return Outcome(signature, created=True)
    raise SigningError(str(_l("The signature could not be recorded. Please try again.")))


def record_signature(
    session: Session,
    *,
    campaign: Campaign,
    employee: Employee,
    method: SignatureMethod,
    evidence: Evidence,
    signed_at: datetime | None = None,
) -> Signature:
    """Write the row as it stands; `sign` is the checked way in."""
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
        request_scheme=evidence.scheme[:8],
        user_agent=evidence.user_agent[:512],
        signature_png=evidence.signature_png,
        typed_name=evidence.typed_name,
        client_submission_id=evidence.client_submission_id,
        apel_session_id=evidence.apel_session_id,
    )
    session.add(signature)
    session.flush()
    # In the same transaction (and savepoint): a signature that is not logged is not written.
    transparency_log.log_signature(session, signature)
    return signature
