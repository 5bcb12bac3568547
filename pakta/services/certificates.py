"""Certificate PDFs: rendered once, sealed, stored, and served as that same file.

The QR code carries a signed token (services.tokens) pointing at the public
verification page. Rendering needs the app's templates, so ``issue`` runs in an
app context; everything it needs from the configuration comes in ``Issuer``.
"""

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.models import IssuedCertificate, Signature
from pakta.pdf import render_pdf
from pakta.qr import qr_data_uri
from pakta.services import tokens

SEAL_REASON = "Sertifikat Pakta Integritas Netralitas ASN"


@dataclass(frozen=True)
class Issuer:
    base_url: str
    instance_path: str
    timezone: str
    locale: str
    signing_key_pem: str | None = None
    seal_pkcs12: str | None = None
    seal_pkcs12_password: str | None = None

    @classmethod
    def from_config(cls, config, instance_path: str) -> "Issuer":
        return cls(
            base_url=config["BASE_URL"],
            instance_path=instance_path,
            timezone=config["TIMEZONE"],
            locale=config["DEFAULT_LOCALE"],
            signing_key_pem=config.get("SIGNING_KEY"),
            seal_pkcs12=config.get("SEAL_PKCS12"),
            seal_pkcs12_password=config.get("SEAL_PKCS12_PASSWORD"),
        )


def verification_url(base_url: str, token: str) -> str:
    return f"{base_url}/v/{token}"


def claims_for(signature: Signature, kid: str, zone: ZoneInfo) -> tokens.Claims:
    return tokens.Claims(
        kid=kid,
        certificate_number=signature.certificate_number,
        campaign=signature.campaign.slug,
        unit_code=signature.unit.code,
        signer_name=signature.signer_name,
        signed_on=signature.signed_at.astimezone(zone).date(),
    )


def _data_uri(data: bytes | None, media_type: str) -> str | None:
    if not data:
        return None
    return f"data:{media_type};base64," + base64.b64encode(data).decode()


@lru_cache(maxsize=4)
def _seal_signer(instance_path: str, pkcs12: str | None, password: str | None):
    return seal.load_signer(instance_path, pkcs12, password)


def render(signature: Signature, token: str, issuer: Issuer) -> bytes:
    """The unsealed PDF of a certificate."""
    url = verification_url(issuer.base_url, token)
    campaign = signature.campaign
    with force_locale(issuer.locale):
        html = render_template(
            "certificates/certificate.html",
            signature=signature,
            campaign=campaign,
            pact=signature.pact_text,
            employee=signature.employee,
            verification_url=url,
            token=token,
            qr=qr_data_uri(url),
            signature_image=_data_uri(signature.signature_png, "image/png"),
            logo=_data_uri(campaign.logo, campaign.logo_type or "image/png"),
        )
    return render_pdf(html, base_url=issuer.base_url)


def issued(session: Session, signature: Signature) -> IssuedCertificate | None:
    return session.scalar(
        select(IssuedCertificate).where(IssuedCertificate.signature_id == signature.id)
    )


def issue(session: Session, signature: Signature, issuer: Issuer) -> IssuedCertificate:
    """The certificate as first issued, producing and storing it if this is the first time."""
    existing = issued(session, signature)
    if existing is not None:
        return existing
    signer = certificate_keys.signer(session, issuer.instance_path, issuer.signing_key_pem)
    token = tokens.encode(
        claims_for(signature, signer.kid, ZoneInfo(issuer.timezone)), signer.private_key
    )
    pdf = seal.seal_pdf(
        render(signature, token, issuer),
        _seal_signer(issuer.instance_path, issuer.seal_pkcs12, issuer.seal_pkcs12_password),
        reason=SEAL_REASON,
        location=signature.campaign.place,
    )
    certificate = IssuedCertificate(
        signature_id=signature.id,
        token=token,
        kid=signer.kid,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:
        # Two first downloads at once: the other one stored its file first.
        return issued(session, signature)
    return certificate


def token_for(session: Session, signature: Signature, issuer: Issuer) -> str:
    return issue(session, signature, issuer).token


def issuer_for_app() -> Issuer:
    from flask import current_app

    return Issuer.from_config(current_app.config, current_app.instance_path)


def seal_trust_roots(issuer: Issuer) -> list:
    """The seal's own certificate: what a self-signed (or CA-issued) seal is checked against."""
    signer = _seal_signer(issuer.instance_path, issuer.seal_pkcs12, issuer.seal_pkcs12_password)
    return [signer.signing_cert]
