"""Answering "is this certificate genuine?" for anyone holding one.

Every place that answers (the QR page, the PDF check, `pakta verify`, the API) reduces
what it could check to findings and lets ``decide`` give the one verdict: a person
must never read "valid" next to a failed check.
"""

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pakta.i18n import _l
from pakta.keys import certificate as certificate_keys
from pakta.models import IssuedCertificate, RevocationAction, RevocationEvent, Signature
from pakta.services.certificates import revocations, tokens
from pakta.services.transparency_log import witness


class Status(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    INVALID = "invalid"
    NOT_FOUND = "not_found"


class Outcome(enum.StrEnum):
    """The one answer a person takes away."""

    VALID = "valid"
    REVOKED = "revoked"
    INVALID = "invalid"


OUTCOME_LABELS = {
    Outcome.VALID.value: _l("VALID"),
    Outcome.REVOKED.value: _l("REVOKED"),
    Outcome.INVALID.value: _l("INVALID"),
}


class Finding(enum.StrEnum):
    """One thing a check found; the verdict's reasons are the findings that failed."""

    ISSUED = "issued"
    NOT_ISSUED = "not_issued"
    UNREADABLE = "unreadable"
    SEAL_INTACT = "seal_intact"
    SEAL_BROKEN = "seal_broken"
    SEAL_MISSING = "seal_missing"
    SEAL_UNTRUSTED = "seal_untrusted"
    CODE_GENUINE = "code_genuine"
    CODE_MISSING = "code_missing"
    CODE_INVALID = "code_invalid"
    CODE_UNKNOWN = "code_unknown"
    NOT_REVOKED = "not_revoked"
    REVOKED = "revoked"
    # A v3 code's witness copy of the signing log, held against the log as stored now.
    LOG_MATCHES = "log_matches"
    LOG_NOT_AT_POSITION = "log_not_at_position"
    LOG_ENTRY_CHANGED = "log_entry_changed"
    LOG_ENTRIES_MISSING = "log_entries_missing"
    LOG_ROOT_DIFFERS = "log_root_differs"
    LOG_ROOT_REWRITTEN = "log_root_rewritten"


PASSED = frozenset(
    {
        Finding.ISSUED,
        Finding.SEAL_INTACT,
        Finding.CODE_GENUINE,
        Finding.NOT_REVOKED,
        Finding.LOG_MATCHES,
    }
)

_DISAGREEMENTS = {
    witness.Disagreement.NOT_AT_POSITION: Finding.LOG_NOT_AT_POSITION,
    witness.Disagreement.ENTRY_CHANGED: Finding.LOG_ENTRY_CHANGED,
    witness.Disagreement.ENTRIES_MISSING: Finding.LOG_ENTRIES_MISSING,
    witness.Disagreement.ROOT_DIFFERS: Finding.LOG_ROOT_DIFFERS,
    witness.Disagreement.ROOT_REWRITTEN: Finding.LOG_ROOT_REWRITTEN,
}

FINDING_LABELS = {
    Finding.ISSUED.value: _l("This is exactly the file that was issued (its SHA-256 matches)."),
    Finding.NOT_ISSUED.value: _l(
        "This is not a file this system issued, or it has been changed since."
    ),
    Finding.UNREADABLE.value: _l("The file is not a readable PDF."),
    Finding.SEAL_INTACT.value: _l(
        "The electronic seal is intact: nothing in the file has changed since it was sealed."
    ),
    Finding.SEAL_BROKEN.value: _l(
        "The electronic seal is broken: the file was changed after sealing."
    ),
    Finding.SEAL_MISSING.value: _l("The file carries no electronic seal."),
    Finding.SEAL_UNTRUSTED.value: _l("The file was sealed by someone other than this system."),
    Finding.CODE_GENUINE.value: _l("The QR code was signed by this system and is unaltered."),
    Finding.CODE_MISSING.value: _l("No certificate code was found in the file."),
    Finding.CODE_INVALID.value: _l(
        "This code was not issued by this system, or it has been altered."
    ),
    Finding.CODE_UNKNOWN.value: _l(
        "The code is correctly signed, but this system has no such certificate."
    ),
    Finding.NOT_REVOKED.value: _l("The certificate has not been revoked."),
    Finding.REVOKED.value: _l("The certificate has been revoked."),
    Finding.LOG_MATCHES.value: _l(
        "The signing log agrees with the copy printed on the certificate: its entry is at the "
        "position printed, and the log's root after it is the one printed."
    ),
    Finding.LOG_NOT_AT_POSITION.value: _l(
        "The signing log no longer has this certificate's entry at the position printed on "
        "it: entries were deleted or inserted before it."
    ),
    Finding.LOG_ENTRY_CHANGED.value: _l(
        "This certificate's entry in the signing log was changed after signing: its content "
        "no longer matches its hash."
    ),
    Finding.LOG_ENTRIES_MISSING.value: _l(
        "Entries before this certificate's are missing from the signing log: they were deleted."
    ),
    Finding.LOG_ROOT_DIFFERS.value: _l(
        "The signing log up to this certificate no longer gives the root printed on it: "
        "earlier entries were changed, deleted or inserted."
    ),
    Finding.LOG_ROOT_REWRITTEN.value: _l(
        "The root the signing log records for this certificate's entry is not the one its "
        "entries give: it was rewritten in the database."
    ),
}


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    findings: tuple[Finding, ...]

    @property
    def reasons(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding not in PASSED)

    @property
    def passed(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding in PASSED)


def decide(findings: list[Finding] | tuple[Finding, ...]) -> Decision:
    """SAH only with a genuine code and nothing failed; DICABUT when revocation is all
    that failed; otherwise TIDAK SAH. A check not made (no file given) neither helps nor
    hurts, but the code is always checked."""
    findings = tuple(findings)
    failed = {finding for finding in findings if finding not in PASSED}
    if Finding.CODE_GENUINE not in findings or failed - {Finding.REVOKED}:
        outcome = Outcome.INVALID
    elif Finding.REVOKED in failed:
        outcome = Outcome.REVOKED
    else:
        outcome = Outcome.VALID
    return Decision(outcome, findings)


@dataclass(frozen=True)
class Verdict:
    status: Status
    claims: tokens.Claims | None = None
    signature: Signature | None = None
    revocation: RevocationEvent | None = None
    pdf_sha256: str | None = None
    # What holding a v3 code's witness copy against the signing log found; none for the
    # codes of v1 and v2, which carry no copy.
    log_findings: tuple[Finding, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return _TOKEN_FINDINGS[self.status] + self.log_findings

    @property
    def decision(self) -> Decision:
        return decide(self.findings)


_TOKEN_FINDINGS = {
    Status.VALID: (Finding.CODE_GENUINE, Finding.NOT_REVOKED),
    Status.REVOKED: (Finding.CODE_GENUINE, Finding.REVOKED),
    Status.INVALID: (Finding.CODE_INVALID,),
    Status.NOT_FOUND: (Finding.CODE_UNKNOWN,),
}


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
        log_findings(session, claims),
    )


def log_findings(session: Session, claims: tokens.Claims) -> tuple[Finding, ...]:
    """The witness copy a v3 code carries, held against the signing log as stored now."""
    if not claims.has_witness:
        return ()
    found = witness.check(
        session, claims.certificate_number, claims.log_seq, claims.log_root_prefix
    )
    return tuple(_DISAGREEMENTS[problem] for problem in found) or (Finding.LOG_MATCHES,)


def by_pdf_hash(session: Session, sha256: str) -> IssuedCertificate | None:
    return session.scalar(
        select(IssuedCertificate).where(IssuedCertificate.pdf_sha256 == sha256.lower())
    )
