"""Checking a certificate PDF someone holds: its hash, its embedded token, its seal."""

import hashlib
import logging
import re
from dataclasses import dataclass
from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy.orm import Session

from pakta.asyncutil import call_without_loop
from pakta.models import IssuedCertificate
from pakta.services.certificates import verification
from pakta.services.certificates.verification import Finding

MAX_PDF_BYTES = 10 * 1024 * 1024
_VERIFY_URL = re.compile(r"pakta-verification:\S*/[vV]/([A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class SealStatus:
    present: bool
    intact: bool = False
    whole_file: bool = False
    trusted: bool = False
    signer: str | None = None

    @property
    def sound(self) -> bool:
        """Nothing changed since sealing, and the seal covers the whole file."""
        return self.intact and self.whole_file


@dataclass(frozen=True)
class PdfCheck:
    readable: bool
    sha256: str
    issued: IssuedCertificate | None
    token: str | None
    verdict: verification.Verdict | None
    seal: SealStatus

    @property
    def is_issued_file(self) -> bool:
        return self.issued is not None

    @property
    def findings(self) -> tuple[verification.Finding, ...]:
        found = [Finding.ISSUED if self.is_issued_file else Finding.NOT_ISSUED]
        if not self.readable:
            return (*found, Finding.UNREADABLE)
        found.append(seal_finding(self.seal, trust_checked=True))
        if self.verdict is None:
            return (*found, Finding.CODE_MISSING)
        return (*found, *self.verdict.findings)

    @property
    def decision(self) -> verification.Decision:
        return verification.decide(self.findings)


def seal_finding(seal: SealStatus, trust_checked: bool) -> verification.Finding:
    """Offline (no seal certificate at hand) only the seal's integrity can be checked."""
    if not seal.present:
        return Finding.SEAL_MISSING
    if not seal.sound:
        return Finding.SEAL_BROKEN
    if trust_checked and not seal.trusted:
        return Finding.SEAL_UNTRUSTED
    return Finding.SEAL_INTACT


def read_pdf(data: bytes) -> PdfFileReader | None:
    try:
        return PdfFileReader(BytesIO(data), strict=False)
    except Exception:  # any malformed upload is simply "not a readable PDF"
        return None


def embedded_token(reader: PdfFileReader) -> str | None:
    try:
        keywords = str(reader.trailer["/Info"].get("/Keywords", ""))
    except Exception:
        return None
    match = _VERIFY_URL.search(keywords)
    return match.group(1) if match else None


def seal_status(reader: PdfFileReader, trust_roots: list) -> SealStatus:
    try:
        signatures = reader.embedded_signatures
    except Exception:
        return SealStatus(present=False)
    if not signatures:
        return SealStatus(present=False)
    embedded = signatures[-1]
    # A self-signed seal fails path building before our trust root is consulted on some
    # paths; pyHanko logs that at length. The verdict below is what counts.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        status = call_without_loop(
            validate_pdf_signature,
            embedded,
            ValidationContext(trust_roots=trust_roots, allow_fetching=False),
        )
    except Exception:
        return SealStatus(present=True)
    return SealStatus(
        present=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage.name == "ENTIRE_FILE",
        trusted=bool(status.trusted),
        signer=sealed_by(status.signing_cert.subject),
    )


def sealed_by(subject) -> str | None:
    """Who sealed it, in words: the subject's organisation, else its common name."""
    names = subject.native
    return names.get("organization_name") or names.get("common_name")


def check(session: Session, data: bytes, trust_roots: list) -> PdfCheck:
    digest = hashlib.sha256(data).hexdigest()
    issued = verification.by_pdf_hash(session, digest)
    reader = read_pdf(data) if data.startswith(b"%PDF") and len(data) <= MAX_PDF_BYTES else None
    if reader is None:
        return PdfCheck(False, digest, issued, None, None, SealStatus(present=False))
    token = embedded_token(reader)
    verdict = verification.verify_token(session, token) if token else None
    return PdfCheck(True, digest, issued, token, verdict, seal_status(reader, trust_roots))
