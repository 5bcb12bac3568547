"""The instance's X.509 seal for certificate PDFs (PAdES baseline B, with pyHanko).

By default a self-signed certificate made by `pakta keys init`; a PKCS#12 file
from a real certification authority (for ASN, BSrE) can be configured instead
with PAKTA_SEAL_PKCS12 and PAKTA_SEAL_PKCS12_PASSWORD.
"""

import datetime as dt
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash

from pakta.asyncutil import call_without_loop
from pakta.keys.certificate import KeyringError, key_dir, write_private

SEAL_VALIDITY = dt.timedelta(days=3650)
# Room for the CMS signature: plenty for RSA-4096 with a CA chain of several certificates.
SIGNATURE_ROOM = 32768


def seal_paths(instance_path: str) -> tuple[Path, Path]:
    folder = key_dir(instance_path)
    return folder / "seal-key.pem", folder / "seal-cert.pem"


def init_self_signed(instance_path: str, organisation: str) -> Path:
    """Create the self-signed seal if none exists; returns the certificate's path."""
    key_path, cert_path = seal_paths(instance_path)
    if cert_path.exists() and key_path.exists():
        return cert_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64] or "Pakta"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Pakta e-seal"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + SEAL_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path


class KeptKeySigner(signers.SimpleSigner):
    """pyHanko parses and checks the RSA key again for every seal (~30 ms); keep it parsed."""

    _parsed_key = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._parsed_key is None:
            self._parsed_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        return self._parsed_key.sign(
            data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
        )


def load_signer(
    instance_path: str, pkcs12_path: str | None = None, pkcs12_password: str | None = None
) -> signers.SimpleSigner:
    if pkcs12_path:
        passphrase = pkcs12_password.encode() if pkcs12_password else None
        signer = signers.SimpleSigner.load_pkcs12(pkcs12_path, passphrase=passphrase)
    else:
        key_path, cert_path = seal_paths(instance_path)
        if not cert_path.exists():
            raise KeyringError("no seal certificate: run `pakta keys init`")
        signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
    if signer is None:
        raise KeyringError("the seal certificate or its key could not be read")
    return KeptKeySigner(
        signing_cert=signer.signing_cert,
        signing_key=signer.signing_key,
        cert_registry=signer.cert_registry,
        signature_mechanism=signer.signature_mechanism,
        prefer_pss=signer.prefer_pss,
    )


def seal_pdf(pdf: bytes, signer: signers.SimpleSigner, *, reason: str, location: str) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name="PaktaSeal",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    # Reserving room for the signature up front spares pyHanko a trial signing to measure it.
    return call_without_loop(
        signers.sign_pdf, writer, metadata, signer=signer, bytes_reserved=SIGNATURE_ROOM
    ).getvalue()
