"""Signing the pact.

A signature is written once and never changed. The unit, name and position
are copied from the roster as they are at that moment, so a later move or
rename leaves the record as it was signed. A second attempt for the same
person and campaign (a double tap, two tabs, two kiosks) never writes a second
valid row: the database's partial unique index decides, and the loser is handed
the signature that won. A revoked signature no longer counts: the person signs
again like anyone who has not signed, and gets a new certificate number.
"""

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.models import Campaign, Employee, Signature, SignatureMethod, utcnow
from pakta.services import person_names, tallies, transparency_log
from pakta.services.certificates import revocations
from pakta.services.links import CampaignView, EmployeeView

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
    """The signature that stands for the person, and whether this request wrote it."""

    signature_id: int
    created: bool
    session: Session = field(repr=False, compare=False)

    @property
    def signature(self) -> Signature:
        """The mapped row, loaded when first asked for (the identity map keeps it): the
        personal link's POST only redirects, and never asks."""
        return self.session.get_one(Signature, self.signature_id)


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
    campaign: Campaign | CampaignView,
    employee: Employee | EmployeeView,
    method: SignatureMethod,
    evidence: Evidence,
    now: datetime | None = None,
    looked_up: bool = False,
) -> Outcome:
    """Record the signature, or hand back the one already recorded. Never commits.

    ``campaign`` and ``employee`` are the mapped objects or the plain views of a link's
    page (``links.show_link``): only their values are read. ``looked_up``: the caller has
    looked for the person's signature in this transaction and found none, so it is not
    looked up again. Either way the unique indexes settle a race (another tab, a retried
    or doubled submission with the same ``client_submission_id``): the insert writes
    nothing, and the signature that won is looked up then.
    """
    if not looked_up:
        existing = existing_signature(session, campaign, employee)
        if existing is not None:
            return Outcome(existing.id, False, session)
    now = now or utcnow()
    check_can_sign(campaign, employee, now)
    _check_submission(campaign, employee, evidence)
    for _attempt in range(3):
        signature_id = write_signature(
            session,
            campaign=campaign,
            employee=employee,
            method=method,
            evidence=evidence,
            signed_at=now,
        )
        if signature_id is not None:
            return Outcome(signature_id, True, session)
        # Someone signed for this person in the meantime (another tab, a retry with the same
        # submission id), or the submission id signed for someone else (or for another
        # campaign), or (rarely) the random certificate number was taken: look, then try
        # again.
        existing = existing_signature(session, campaign, employee)
        if existing is not None:
            return Outcome(existing.id, False, session)
        if evidence.client_submission_id and by_submission_id(
            session, evidence.client_submission_id
        ):
            raise IncompleteSubmission(str(_l("Reload the page and sign again.")))
    raise SigningError(str(_l("The signature could not be recorded. Please try again.")))


@cache
def _insert_statement(dialect: str) -> Insert:
    # Built once per dialect. A conflict with any unique index (the person's valid
    # signature, the submission id, the certificate number) writes nothing and returns no
    # row: no savepoint is needed to go on in the same transaction, which costs two round
    # trips a signature.
    insert_for = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    table = Signature.__table__
    return insert_for(table).on_conflict_do_nothing().returning(table.c.id)


def record_signature(session: Session, **fields: Any) -> Signature:
    """``write_signature`` (the same keywords), and the row loaded; `sign` is the checked
    way in. Raises ``SigningError`` when a unique index refused it."""
    signature_id = write_signature(session, **fields)
    if signature_id is None:
        raise SigningError(str(_l("The signature could not be recorded. Please try again.")))
    return session.get_one(Signature, signature_id)


def write_signature(
    session: Session,
    *,
    campaign: Campaign | CampaignView,
    employee: Employee | EmployeeView,
    method: SignatureMethod,
    evidence: Evidence,
    signed_at: datetime | None = None,
) -> int | None:
    """Write the row as it stands, its log entry and its count in the tallies; its id, or
    None when a unique index refused it (nothing is written then).

    One statement of plain values rather than a mapped object's flush: this runs on every
    signature, and the unit of work's bookkeeping cost more than the insert.
    """
    signed_at = signed_at or utcnow()
    pact = campaign.pact
    record = SignedRecord(
        public_id=secrets.token_urlsafe(16),
        certificate_number=new_certificate_number(signed_at),
        campaign_id=campaign.id,
        employee_id=employee.id,
        pact_text_id=pact.id,
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
    statement = _insert_statement(session.get_bind().dialect.name)
    values = {name: getattr(record, name) for name in _COLUMNS}
    signature_id = session.execute(
        statement.execution_options(**tallies.COUNTED_BY_WRITER), values
    ).scalar()
    if signature_id is None:
        return None
    # In the same transaction: a signature that is not logged is not written. The log's head
    # is locked first and the tally row after it, as a revocation does, so that the two never
    # wait for each other crosswise.
    transparency_log.log_signature(
        session, dataclasses.replace(record, id=signature_id), employee.identity_number
    )
    tallies.count_signature(
        session,
        campaign_id=campaign.id,
        unit_id=employee.unit_id,
        employment_type=employee.employment_type,
    )
    return signature_id


@dataclass(frozen=True)
class SignedRecord:
    """A signature's row as written, before the database gives it an id."""

    public_id: str
    certificate_number: str
    campaign_id: int
    employee_id: int
    pact_text_id: int
    pact_sha256: str
    acknowledged_points: list[int]
    unit_id: int
    unit_name: str
    signer_name: str
    signer_position: str
    signed_at: datetime
    method: SignatureMethod
    witness_user_id: int | None
    ip_address: str
    request_scheme: str
    user_agent: str
    signature_png: bytes | None
    typed_name: str | None
    client_submission_id: str | None
    apel_session_id: int | None
    id: int | None = None


_COLUMNS = tuple(f.name for f in dataclasses.fields(SignedRecord) if f.name != "id")
