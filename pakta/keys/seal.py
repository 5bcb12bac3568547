"""The instance's X.509 seal for certificate PDFs (PAdES baseline B, with pyHanko).

By default a self-signed ECDSA P-256 certificate made by `pakta keys init` (PAdES allows
ECDSA, and a P-256 signature costs a fraction of an RSA-2048 one); a seal made before that
with an RSA key keeps working. A PKCS#12 file from a real certification authority (for
ASN, BSrE, usually RSA) can be configured instead with PAKTA_SEAL_PKCS12 and
PAKTA_SEAL_PKCS12_PASSWORD.
"""

import datetime as dt
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash

from pakta.asyncutil import call_without_loop
from pakta.files import write_atomic
from pakta.keys.certificate import KeyringError, key_dir, write_private

SEAL_VALIDITY = dt.timedelta(days=3650)
# Room for the CMS signature: plenty for RSA-4096 with a CA chain of several certificates.
SIGNATURE_ROOM = 32768


def seal_paths(instance_path: str) -> tuple[Path, Path]:
    folder = key_dir(instance_path)
    return folder / "seal-key.pem", folder / "seal-cert.pem"


def init_self_signed(instance_path: str, organisation: str) -> Path:
    """Create the self-signed seal (ECDSA P-256) if none exists; returns the certificate's path."""
    key_path, cert_path = seal_paths(instance_path)
    if cert_path.exists() and key_path.exists():
        return cert_path
    key = ec.generate_private_key(ec.SECP256R1())
    write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    certificate = self_signed_certificate(key, organisation)
    write_atomic(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path


def self_signed_certificate(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, organisation: str
) -> x509.Certificate:
    """A seal certificate for ``key``, issued by itself: for signing documents only."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64] or "Pakta"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Pakta e-seal"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    return (
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


class KeptKeySigner(signers.Signer):
    """A pyHanko ``Signer`` that keeps its private key parsed, for a process sealing many PDFs.

    pyHanko's ``SimpleSigner`` parses (and, for RSA, checks) its key again for every
    signature, some 30 ms with RSA-2048. This signer implements ``async_sign_raw``, the
    extension point pyHanko documents for keys held elsewhere (its AWS KMS example), with
    a key parsed once; pyHanko assembles the CMS signature around it as for any signer.
    RSA keys sign with PKCS#1 v1.5, the mechanism pyHanko picks for them by default.
    """

    def __init__(self, private_key, signing_cert, cert_registry):
        if not isinstance(private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise KeyringError("the seal's key must be RSA or ECDSA")
        super().__init__(signing_cert=signing_cert, cert_registry=cert_registry)
        self.private_key = private_key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:  # room enough for a real signature, which is no longer than this
            return bytes(_longest_signature(self.private_key))
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return self.private_key.sign(data, padding.PKCS1v15(), hash_algorithm)
        return self.private_key.sign(data, ec.ECDSA(hash_algorithm))


def _longest_signature(key) -> int:
    size = (key.key_size + 7) // 8
    # A DER ECDSA signature is a SEQUENCE of two INTEGERs, each possibly one byte longer.
    return size if isinstance(key, rsa.RSAPrivateKey) else 2 * (size + 3) + 3


def load_signer(
    instance_path: str, pkcs12_path: str | None = None, pkcs12_password: str | None = None
) -> KeptKeySigner:
    """The seal's signer: the PKCS#12 file when given, else the self-signed seal on disk."""
    if pkcs12_path:
        passphrase = pkcs12_password.encode() if pkcs12_password else None
        loaded = signers.SimpleSigner.load_pkcs12(pkcs12_path, passphrase=passphrase)
    else:
        key_path, cert_path = seal_paths(instance_path)
        if not cert_path.exists():
            raise KeyringError("no seal certificate: run `pakta keys init`")
        loaded = signers.SimpleSigner.load(str(key_path), str(cert_path))
    if loaded is None:
        raise KeyringError("the seal certificate or its key could not be read")
    private_key = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)
    return KeptKeySigner(private_key, loaded.signing_cert, loaded.cert_registry)


def seal_pdf(pdf: bytes, signer: signers.Signer, *, reason: str, location: str) -> bytes:
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
