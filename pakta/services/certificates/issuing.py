"""Certificate PDFs: rendered once, sealed, stored, and served as that same file.

The QR code carries a signed token (services.tokens) pointing at the public
verification page. Rendering needs the app's templates, so ``issue`` runs in an
app context; everything it needs from the configuration comes in ``Issuer``.

``produce`` makes a certificate (token, sealed PDF, digest) without storing it; ``issue``
stores it, and ``bulk`` stores it in a transaction of its own.
"""

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from pakta.keys import certificate as certificate_keys
from pakta.keys import seal
from pakta.keys.certificate import KeyringError
from pakta.models import IssuedCertificate, Signature
from pakta.pdf import render_pdf, resource_url
from pakta.qr import qr_png
from pakta.services import pemda
from pakta.services.certificates import tokens
from pakta.services.transparency_log import witness

SEAL_REASON = "Sertifikat Pakta Integritas Netralitas ASN"
STYLESHEET = "css/certificate.css"
# Written as PDF 1.4, without object streams: WeasyPrint compresses those at zlib level 9 and
# pyHanko decompresses them again to add the seal, whose update declares the file PDF 1.7
# (with the ETSI extension of PAdES) all the same. About 1.5 ms a certificate, 4% larger.
PDF_VERSION = "1.4"
# The logo prints 20 mm high: 240 pixels are 300 dpi. An uploaded logo keeps up to 600.
LOGO_HEIGHT = 240


@dataclass(frozen=True)
class Issuer:
    base_url: str
    instance_path: str
    timezone: str
    locale: str
    signing_key_pem: str | None = None
    seal_pkcs12: str | None = None
    seal_pkcs12_password: str | None = None
    # The Pemda's name and logo from the environment; the admin settings come from the
    # database when rendering (pemda.letterhead).
    pemda_defaults: pemda.Defaults = pemda.Defaults()

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
            pemda_defaults=pemda.Defaults.from_config(config),
        )


def verification_url(base_url: str, token: str) -> str:
    """The link in the QR code. A v2 token's link is upper case up to its path (scheme and
    host are case-insensitive), so the QR code holds all of it in alphanumeric mode."""
    if tokens.version_of(token) == 1:
        return f"{base_url}/v/{token}"
    parts = urlsplit(base_url)
    return f"{parts.scheme.upper()}://{parts.netloc.upper()}{parts.path}/V/{token}"


def claims_for(
    signature: Signature, kid: str, zone: ZoneInfo, log_witness: witness.Witness | None = None
) -> tokens.Claims:
    """The token's claims; with the signature's ``log_witness`` (its position in the signing
    log and the root after it, as the certificate prints them) for a v3 token."""
    return tokens.Claims(
        kid=kid,
        certificate_number=signature.certificate_number,
        campaign=signature.campaign.slug,
        unit_code=signature.unit.code,
        signer_name=signature.signer_name,
        signed_on=signature.signed_at.astimezone(zone).date(),
        log_seq=log_witness.seq if log_witness else None,
        log_root_prefix=(
            bytes.fromhex(log_witness.root_hash)[: tokens.ROOT_PREFIX_BYTES]
            if log_witness
            else None
        ),
    )


@lru_cache(maxsize=8)
def printed_logo(logo: bytes) -> bytes:
    """The logo as printed: at most ``LOGO_HEIGHT`` pixels high, on white, as a JPEG.

    WeasyPrint decodes a PNG and compresses it again for every PDF (its alpha channel as a
    second image), which for a logo took longer than laying out a paragraph; a JPEG goes
    into the PDF as it is. Quality 95 without chroma subsampling keeps a logo's edges clean
    at 20 mm. Every certificate of a campaign prints the same logo, so it is made once.
    """
    with Image.open(io.BytesIO(logo)) as image:
        image = image.convert("RGBA")
    if image.height > LOGO_HEIGHT:
        width = max(1, round(image.width * LOGO_HEIGHT / image.height))
        image = image.resize((width, LOGO_HEIGHT), Image.Resampling.LANCZOS)
    on_white = Image.new("RGB", image.size, "white")
    on_white.paste(image, mask=image.getchannel("A"))
    out = io.BytesIO()
    on_white.save(out, "JPEG", quality=95, subsampling=0)
    return out.getvalue()


@lru_cache(maxsize=4)
def _seal_signer(instance_path: str, pkcs12: str | None, password: str | None):
    return seal.load_signer(instance_path, pkcs12, password)


def seal_signer(issuer: Issuer):
    """The seal's signer, loaded once per process; raises KeyringError without a seal."""
    return _seal_signer(issuer.instance_path, issuer.seal_pkcs12, issuer.seal_pkcs12_password)


def render(
    signature: Signature,
    token: str,
    issuer: Issuer,
    log_witness: witness.Witness | None = None,
) -> bytes:
    """The unsealed PDF of a certificate, with the issuer's name and logo (pemda.letterhead)
    read from the signature's session; its ``log_witness`` is looked up when not given."""
    url = verification_url(issuer.base_url, token)
    if log_witness is None:
        log_witness = witness.for_signature(object_session(signature), signature)
    campaign = signature.campaign
    images = {"qr.png": (qr_png(url, box_size=1), "image/png")}
    if signature.signature_png:
        images["signature.png"] = (signature.signature_png, "image/png")
    with force_locale(issuer.locale):
        issued_by = pemda.letterhead(object_session(signature), campaign, issuer.pemda_defaults)
        if issued_by.logo:
            images["logo.jpg"] = (printed_logo(issued_by.logo), "image/jpeg")
        found = {name: resource_url(name) for name in images}
        html = render_template(
            "certificates/certificate.html",
            signature=signature,
            campaign=campaign,
            pact=signature.pact_text,
            employee=signature.employee,
            verification_url=url,
            token=token,
            qr=found["qr.png"],
            signature_image=found.get("signature.png"),
            logo=found.get("logo.jpg"),
            authority=issued_by.name,
            # The signer's witness copy of the transparency log at signing.
            log_witness=log_witness,
        )
    return render_pdf(
        html,
        base_url=issuer.base_url,
        stylesheets=[STYLESHEET],
        resources=images,
        pdf_version=PDF_VERSION,
    )


def warm_up(issuer: Issuer) -> None:
    """Load what every certificate needs before any signature exists to render: the renderer
    with the certificate's stylesheets and fonts, and the seal's parsed key."""
    pdf = render_pdf(
        "<p>Pakta</p>",
        base_url=issuer.base_url,
        stylesheets=[STYLESHEET],
        pdf_version=PDF_VERSION,
    )
    seal.seal_pdf(pdf, seal_signer(issuer), reason=SEAL_REASON, location="")


def produce(
    session: Session,
    signature: Signature,
    issuer: Issuer,
    signer: certificate_keys.Signer | None = None,
) -> IssuedCertificate:
    """A new certificate of ``signature``, signed token and sealed PDF, not added to a session.

    ``signer`` is the active token signing key, looked up when not given (a caller producing
    many certificates at once looks it up once).
    """
    if signer is None:
        signer = certificate_keys.signer(session, issuer.instance_path, issuer.signing_key_pem)
    # The token carries the same witness copy the page prints (a v3 token); a signature
    # the log does not hold (none should) gets a v2 token without one.
    log_witness = witness.for_signature(session, signature)
    token = tokens.encode(
        claims_for(signature, signer.kid, ZoneInfo(issuer.timezone), log_witness),
        signer.private_key,
    )
    pdf = seal.seal_pdf(
        render(signature, token, issuer, log_witness),
        seal_signer(issuer),
        reason=SEAL_REASON,
        location=signature.campaign.place,
    )
    return IssuedCertificate(
        signature_id=signature.id,
        token=token,
        kid=signer.kid,
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
    )


def issued(session: Session, signature: Signature) -> IssuedCertificate | None:
    return session.scalar(
        select(IssuedCertificate).where(IssuedCertificate.signature_id == signature.id)
    )


def issue(session: Session, signature: Signature, issuer: Issuer) -> IssuedCertificate:
    """The certificate as first issued, producing and storing it if this is the first time."""
    existing = issued(session, signature)
    if existing is not None:
        return existing
    certificate = produce(session, signature, issuer)
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
    return [seal_signer(issuer).signing_cert]


def app_trust_roots() -> list:
    """This instance's seal certificate; none before a seal is set up (nothing is trusted)."""
    try:
        return seal_trust_roots(issuer_for_app())
    except KeyringError:
        return []
